// The exception registry of detail/wire.hpp: one table maps each known C++
// exception type to the name it crosses under and back.
#include <concur/multiprocessing/detail/wire.hpp>

#include <new>
#include <stdexcept>
#include <string_view>
#include <typeinfo>

#include <concur/detail/demangle.hpp>
#include <concur/exceptions.hpp>
#include <concur/futures/exceptions.hpp>
#include <concur/multiprocessing/exceptions.hpp>
#include <concur/queue/exceptions.hpp>
#include <concur/threading/exceptions.hpp>

namespace concur::multiprocessing::detail {

namespace wire_impl {
void throw_malformed(const char* what) {
    throw ValueError(std::string("malformed message: ") + what);
}
}  // namespace wire_impl

namespace {

// Raises an E carrying what `error` says, as far as E's constructors allow:
// (message, errno) for OSError, (message) for most, () for the types whose
// message is fixed (queue::Empty, std::bad_alloc).
template <class E>
[[noreturn]] void raise_as(const WireError& error) {
    if constexpr (std::is_constructible_v<E, const std::string&, int>)
        throw E(error.message, error.errno_value);
    else if constexpr (std::is_constructible_v<E, const std::string&>)
        throw E(error.message);
    else
        throw E();
}

struct Entry {
    const std::type_info* type;
    std::string_view name;
    void (*raise)(const WireError&);  // always throws
};

template <class E>
Entry entry(std::string_view name) {
    return Entry{&typeid(E), name, &raise_as<E>};
}

// The registry. A type matches by its exact dynamic type: a user's subclass
// of ValueError crosses under its own (demangled) name and arrives as a
// RemoteError.
const Entry kRegistry[] = {
    // Python's built-ins.
    entry<concur::RuntimeError>("RuntimeError"),
    entry<concur::ValueError>("ValueError"),
    entry<concur::TimeoutError>("TimeoutError"),
    entry<concur::CancelledError>("CancelledError"),
    entry<concur::OSError>("OSError"),
    entry<concur::FileNotFoundError>("FileNotFoundError"),
    entry<concur::FileExistsError>("FileExistsError"),
    entry<concur::PermissionError>("PermissionError"),
    entry<concur::BrokenPipeError>("BrokenPipeError"),
    entry<concur::ConnectionError>("ConnectionError"),
    entry<concur::ConnectionRefusedError>("ConnectionRefusedError"),
    entry<concur::ConnectionResetError>("ConnectionResetError"),
    entry<concur::ConnectionAbortedError>("ConnectionAbortedError"),
    entry<concur::IndexError>("IndexError"),
    entry<concur::TypeError>("TypeError"),
    entry<concur::EOFError>("EOFError"),
    // queue
    entry<concur::queue::Empty>("queue.Empty"),
    entry<concur::queue::Full>("queue.Full"),
    entry<concur::queue::ShutDown>("queue.ShutDown"),
    // multiprocessing
    entry<ProcessError>("multiprocessing.ProcessError"),
    entry<BufferTooShort>("multiprocessing.BufferTooShort"),
    entry<TimeoutError>("multiprocessing.TimeoutError"),
    entry<WorkerLostError>("multiprocessing.WorkerLostError"),
    entry<RemoteError>("multiprocessing.RemoteError"),
    // concurrent.futures
    entry<concur::InvalidStateError>("concurrent.futures.InvalidStateError"),
    entry<concur::BrokenExecutor>("concurrent.futures.BrokenExecutor"),
    entry<concur::BrokenThreadPool>("concurrent.futures.thread.BrokenThreadPool"),
    entry<concur::BrokenProcessPool>("concurrent.futures.process.BrokenProcessPool"),
    // threading
    entry<concur::BrokenBarrierError>("threading.BrokenBarrierError"),
    // The standard exceptions, under their C++ names.
    entry<std::runtime_error>("std::runtime_error"),
    entry<std::logic_error>("std::logic_error"),
    entry<std::invalid_argument>("std::invalid_argument"),
    entry<std::out_of_range>("std::out_of_range"),
    entry<std::length_error>("std::length_error"),
    entry<std::domain_error>("std::domain_error"),
    entry<std::range_error>("std::range_error"),
    entry<std::overflow_error>("std::overflow_error"),
    entry<std::underflow_error>("std::underflow_error"),
    entry<std::bad_alloc>("std::bad_alloc"),
    entry<std::exception>("std::exception"),
};

const Entry* find_type(const std::type_info& type) {
    for (const Entry& e : kRegistry)
        if (*e.type == type) return &e;
    return nullptr;
}

const Entry* find_name(std::string_view name) {
    for (const Entry& e : kRegistry)
        if (e.name == name) return &e;
    return nullptr;
}

}  // namespace

WireError capture(std::exception_ptr error) {
    if (!error) throw ValueError("capture() of an empty exception_ptr");
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        WireError wire;
        const Entry* known = find_type(typeid(e));
        wire.type = known ? std::string(known->name) : concur::detail::demangle(typeid(e).name());
        wire.message = e.what();
        if (const auto* os = dynamic_cast<const concur::OSError*>(&e))
            wire.errno_value = os->errno_value();
        return wire;
    } catch (...) {
        return WireError{"unknown exception", "", 0};
    }
}

void rethrow(const WireError& error) {
    if (const Entry* known = find_name(error.type)) known->raise(error);
    if (error.message.empty()) throw RemoteError(error.type);
    throw RemoteError(error.type + ": " + error.message);
}

}  // namespace concur::multiprocessing::detail
