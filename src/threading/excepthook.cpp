// src/threading/excepthook.cpp -- threading.excepthook and the reporting of uncaught exceptions.
#include <concur/detail/demangle.hpp>
#include <concur/threading/excepthook.hpp>
#include <concur/threading/print.hpp>

#include <cxxabi.h>

#include <typeinfo>

namespace concur::threading {

ExceptHook excepthook;

std::string ExceptHookArgs::message() const {
    if (!exc_value) return {};
    try {
        std::rethrow_exception(exc_value);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return {};
    }
}

void default_excepthook(const ExceptHookArgs& args) {
    std::string report = "Exception in thread ";
    report += args.thread ? args.thread->name() : std::string("<unknown>");
    report += ":\n";
    report += args.exc_type;
    if (const std::string message = args.message(); !message.empty()) report += ": " + message;
    report += '\n';
    concur::detail::write_line(stderr, report, true);
}

ExceptHook& ExceptHook::operator=(Function hook) {
    auto shared = hook ? std::make_shared<const Function>(std::move(hook)) : nullptr;
    std::lock_guard lock(mutex_);
    hook_ = std::move(shared);
    return *this;
}

ExceptHook::Function ExceptHook::get() const {
    std::lock_guard lock(mutex_);
    return hook_ ? *hook_ : Function(&default_excepthook);
}

void ExceptHook::operator()(const ExceptHookArgs& args) const noexcept {
    std::shared_ptr<const Function> hook;
    {
        std::lock_guard lock(mutex_);
        hook = hook_;
    }
    try {
        if (hook)
            (*hook)(args);
        else
            default_excepthook(args);
    } catch (...) {
        // Python hands a failing threading.excepthook to sys.excepthook.
        std::string report = "Exception in threading.excepthook:\n" +
                             concur::detail::current_exception_type_name();
        try {
            throw;
        } catch (const std::exception& e) {
            report += std::string(": ") + e.what();
        } catch (...) {
        }
        report += '\n';
        concur::detail::write_line(stderr, report, true);
    }
}

}  // namespace concur::threading

namespace concur::detail {

std::string current_exception_type_name() {
    const std::type_info* type = abi::__cxa_current_exception_type();
    if (type == nullptr) return "unknown exception";
    return concur::detail::demangle(type->name());
}

void report_current_exception(std::optional<threading::ThreadRef> thread) noexcept {
    try {
        threading::ExceptHookArgs args{std::current_exception(), current_exception_type_name(),
                            std::move(thread)};
        threading::excepthook(args);
    } catch (...) {
        // Out of memory while building the report: nothing sensible is left to do.
    }
}

}  // namespace concur::detail
