// src/threading/start_new_thread.cpp -- _thread.start_new_thread: a detached, objectless thread.
#include <concur/threading/excepthook.hpp>
#include <concur/threading/exceptions.hpp>
#include <concur/threading/start_new_thread.hpp>

#include <system_error>
#include <thread>

namespace concur::detail {

std::uint64_t start_detached(Task task) {
    try {
        std::thread thread([task = std::move(task)]() mutable {
            try {
                task();
            } catch (...) {
                report_current_exception(threading::current_thread());
            }
        });
        const auto ident = static_cast<std::uint64_t>(thread.native_handle());
        thread.detach();
        return ident;
    } catch (const std::system_error&) {
        throw threading::RuntimeError("can't start new thread");
    }
}

}  // namespace concur::detail
