// concur/threading/excepthook.hpp
// -----------------------------------------------------------------------------
// Python's `threading.excepthook`: what happens to an exception that escapes a
// thread's run(). By default it is reported on stderr as
//
//   Exception in thread Thread-1 (print_cube):
//   concur::ValueError: what() of the exception
//
// and the process goes on. `excepthook` is a replaceable hook, assigned as in
// Python (`threading.excepthook = my_hook`); `default_excepthook` is Python's
// `threading.__excepthook__`. An exception thrown by the hook itself is
// reported on stderr and dropped. Other concur modules (executors, asyncio)
// report unhandled errors through the same hook.
//
// Thread-safety: reading, calling and replacing the hook are thread-safe.
//
// Example:
//
//   threading::excepthook = [](const threading::ExceptHookArgs& args) {
//       std::fprintf(stderr, "%s failed: %s\n", args.thread->name().c_str(),
//                    args.message().c_str());
//   };
//   threading::excepthook = threading::default_excepthook;   // back to Python's
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <concur/threading/thread.hpp>

namespace concur::threading {

// Python's `threading.ExceptHookArgs` (exc_type, exc_value, thread).
struct ExceptHookArgs {
    std::exception_ptr exc_value;       // the exception itself (never null)
    std::string exc_type;               // its demangled type, e.g. "concur::ValueError"
    std::optional<ThreadRef> thread;    // the thread it escaped from, if known

    // what() of a std::exception, or "" for other thrown types.
    std::string message() const;
};

// Python's `threading.__excepthook__`: prints the report shown above to stderr.
void default_excepthook(const ExceptHookArgs& args);

// The replaceable hook. Assign any callable taking `const ExceptHookArgs&`.
class ExceptHook {
public:
    using Function = std::function<void(const ExceptHookArgs&)>;

    ExceptHook& operator=(Function hook);
    // Calls the current hook; exceptions from the hook are reported and dropped.
    void operator()(const ExceptHookArgs& args) const noexcept;
    Function get() const;

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const Function> hook_;
};

extern ExceptHook excepthook;

}  // namespace concur::threading

namespace concur::detail {
// Builds ExceptHookArgs for the exception currently being handled (call
// inside a catch block) and passes it to `excepthook`.
void report_current_exception(std::optional<threading::ThreadRef> thread) noexcept;
// Demangled type of the exception currently being handled.
std::string current_exception_type_name();
}  // namespace concur::detail

namespace concur::threading {

}  // namespace concur::threading
