// Start methods and contexts: the global method, get_context, freeze_support.
#include <concur/multiprocessing/context.hpp>

#include <atomic>

#include <concur/multiprocessing/detail/process_state.hpp>

namespace concur::multiprocessing {

namespace {
// -1: not set yet (reading it fixes the default); else a StartMethod.
std::atomic<int> global_method{-1};
}  // namespace

StartMethod start_method_from_name(std::string_view name) {
    if (name == "fork") return StartMethod::fork;
    if (name == "spawn") return StartMethod::spawn;
    if (name == "forkserver") return StartMethod::forkserver;
    throw ValueError("cannot find context for '" + std::string(name) + "'");
}

std::string_view start_method_name(StartMethod method) noexcept {
    switch (method) {
        case StartMethod::fork:
            return "fork";
        case StartMethod::spawn:
            return "spawn";
        case StartMethod::forkserver:
            return "forkserver";
    }
    return "fork";
}

void set_start_method(std::string_view method, bool force) {
    const int wanted = static_cast<int>(start_method_from_name(method));
    if (force) {
        global_method.store(wanted);
        return;
    }
    int expected = -1;
    if (!global_method.compare_exchange_strong(expected, wanted))
        throw RuntimeError("context has already been set");
}

namespace detail {
StartMethod default_start_method() {
    // Read first: a CAS writes the page even when it fails, and after a
    // fork() every page the parent writes costs it a copy-on-write fault.
    int method = global_method.load();
    if (method == -1) {
        global_method.compare_exchange_strong(method, static_cast<int>(StartMethod::fork));
        method = global_method.load();
    }
    return static_cast<StartMethod>(method);
}
}  // namespace detail

std::string get_start_method() {
    return std::string(start_method_name(detail::default_start_method()));
}

std::vector<std::string> get_all_start_methods() {
    return {"fork", "spawn", "forkserver"};
}

Context get_context(std::string_view method) {
    if (method.empty()) return Context(detail::default_start_method());
    return Context(start_method_from_name(method));
}

void freeze_support() {
    detail::run_if_spawned();
    detail::run_if_forkserver();
}

}  // namespace concur::multiprocessing
