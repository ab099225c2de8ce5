// concur/generator/generator.hpp
// -----------------------------------------------------------------------------
// Generator<Yield, Send, Return> mirrors a Python generator: a function whose
// body runs in steps, one `co_yield` at a time, driven by its caller.
//
//   Python                          concur
//   ------------------------------  --------------------------------------------
//   def gen(): ... yield x          Generator<X> gen() { ... co_yield x; }
//   v = (yield x)                   V v = co_yield x;   (Generator<X, V>)
//   v = (yield)                     V v = co_yield {};  (Generator<void, V>)
//   return r                        co_return r;        (Generator<X, V, R>)
//   next(g)                         g.next()
//   g.send(v)                       g.send(v)
//   g.throw(e)                      g.throw_(std::make_exception_ptr(e))
//   g.close()                       g.close()
//   for x in g: ...                 for (X x : g) ...
//   StopIteration(.value)           concur::StopIteration (value(): a std::any)
//   GeneratorExit                   concur::GeneratorExit
//
// Differences from Python:
//   * `next()` on a suspended generator that receives values resumes its
//     `co_yield` with `Send{}` (Python sends None).
//   * A generator that yields nothing (`Yield = void`) writes `co_yield {}`;
//     its `next()`/`send()` return void.
//   * An exception that escapes the body is rethrown from the `next()`,
//     `send()` or `throw_()` that resumed it, as in Python; a StopIteration
//     that escapes the body is not turned into RuntimeError (PEP 479): it
//     reaches the caller as it is.
//   * Destroying an unfinished generator closes it (GeneratorExit at its
//     `co_yield`, as Python's finaliser does); an exception from that close
//     is printed as "Exception ignored in: <generator object>" and dropped.
//
// A Generator is move-only and, like a Python generator, not thread-safe:
// one thread drives it at a time. Re-entering it from its own body raises
// concur::ValueError ("generator already executing").
//
// Example (lesson L22):
//
//   concur::Generator<void, std::string> fancy_name(std::string prefix) {
//       try {
//           for (;;) {
//               std::string name = co_yield {};
//               std::cout << prefix << ":" << name << "\n";
//           }
//       } catch (const concur::GeneratorExit&) {
//           std::cout << "Done\n";
//       }
//   }
//
//   auto co = fancy_name("Cool");
//   co.next();               // runs to the first co_yield
//   co.send("Utkarsh");      // Cool:Utkarsh
//   co.close();              // Done
#pragma once

#include <concur/exceptions.hpp>

#include <any>
#include <coroutine>
#include <cstdio>
#include <exception>
#include <iterator>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace concur {

namespace generator_detail {

// What the body's `co_yield` hands to the caller: nothing for `void`.
template <class Yield>
struct YieldSlot {
    std::optional<Yield> value;
    Yield take() { return std::move(*value); }
};
template <>
struct YieldSlot<void> {
    void take() {}
};

// What the caller's `send()` hands to the body's `co_yield`.
template <class Send>
struct SendSlot {
    std::optional<Send> value;
    Send take() {
        Send v = std::move(*value);
        value.reset();
        return v;
    }
};
template <>
struct SendSlot<void> {
    void take() {}
};

// Where `co_return` leaves its value.
template <class Return>
struct ReturnSlot {
    std::optional<Return> value;
    void return_value(Return v) { value.emplace(std::move(v)); }
    std::any as_any() { return value ? std::any(std::move(*value)) : std::any(); }
};
template <>
struct ReturnSlot<void> {
    void return_void() noexcept {}
    std::any as_any() { return {}; }
};

}  // namespace generator_detail

template <class Yield, class Send = void, class Return = void>
class [[nodiscard]] Generator {
  public:
    struct promise_type;
    using handle_type = std::coroutine_handle<promise_type>;
    using yield_type = Yield;
    using send_type = Send;
    using return_type = Return;

    // The yielded value's parameter type: `co_yield {}` for void.
    using yield_argument = std::conditional_t<std::is_void_v<Yield>, std::monostate, Yield>;

    struct promise_type : generator_detail::ReturnSlot<Return> {
        generator_detail::YieldSlot<Yield> yielded;
        generator_detail::SendSlot<Send> sent;
        std::exception_ptr failure;  // escaped the body
        std::exception_ptr inject;   // to throw at the suspended co_yield
        bool closing = false;

        Generator get_return_object() { return Generator(handle_type::from_promise(*this)); }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        void unhandled_exception() noexcept { failure = std::current_exception(); }

        struct YieldAwaiter {
            promise_type& promise;
            bool await_ready() const noexcept { return false; }
            void await_suspend(handle_type) const noexcept {}
            decltype(auto) await_resume() {
                if (promise.inject) std::rethrow_exception(std::exchange(promise.inject, nullptr));
                return promise.sent.take();
            }
        };

        YieldAwaiter yield_value(yield_argument value) {
            if constexpr (!std::is_void_v<Yield>) yielded.value.emplace(std::move(value));
            return YieldAwaiter{*this};
        }

        // Generators do not await: only co_yield suspends them.
        template <class T>
        void await_transform(T&&) = delete;
    };

    Generator() = default;
    Generator(Generator&& other) noexcept
        : handle_(std::exchange(other.handle_, {})),
          started_(other.started_),
          finished_(other.finished_) {}
    Generator& operator=(Generator&& other) noexcept {
        if (this != &other) {
            destroy();
            handle_ = std::exchange(other.handle_, {});
            started_ = other.started_;
            finished_ = other.finished_;
        }
        return *this;
    }
    Generator(const Generator&) = delete;
    Generator& operator=(const Generator&) = delete;
    ~Generator() { destroy(); }

    // Runs the body to its next `co_yield` and returns the yielded value (on a
    // suspended receiving generator, `co_yield` evaluates to `Send{}`).
    // Throws StopIteration when the body finishes (or has finished), and
    // whatever the body throws. Blocks only as long as the body runs.
    Yield next() {
        if constexpr (std::is_void_v<Send>) {
            return step();
        } else {
            static_assert(std::is_default_constructible_v<Send>,
                          "Generator::next() resumes co_yield with Send{}: use send(value)");
            if (started_ && !finished_) promise().sent.value.emplace();
            return step();
        }
    }

    // Resumes the suspended `co_yield` with `value` (what it evaluates to) and
    // returns the next yielded value. TypeError when the generator has not
    // started (Python: "can't send non-None value to a just-started
    // generator"); StopIteration when it finishes.
    template <class V = Send>
    requires(!std::is_void_v<Send> && std::is_convertible_v<V&&, Send>) Yield send(V&& value) {
        if (!finished_ && !started_)
            throw TypeError("can't send non-None value to a just-started generator");
        if (!finished_) promise().sent.value.emplace(std::forward<V>(value));
        return step();
    }

    // Raises `error` at the suspended `co_yield`: returns the value the body
    // yields next if it handles it, StopIteration if it then finishes, or
    // rethrows what escapes. On a generator that has not started or has
    // finished, `error` is raised here (and the generator is finished).
    Yield throw_(std::exception_ptr error) {
        if (!error) throw TypeError("throw_() expects an exception, not a null exception_ptr");
        if (!started_ || finished_) {
            finished_ = true;
            std::rethrow_exception(error);
        }
        promise().inject = std::move(error);
        return step();
    }

    // Raises GeneratorExit at the suspended `co_yield` and lets the body
    // finish. Returns normally when the body finishes or lets GeneratorExit
    // (or StopIteration) escape; RuntimeError("generator ignored
    // GeneratorExit") when it yields again; rethrows any other exception.
    // Nothing happens on a generator that has not started or has finished.
    void close() {
        if (!started_ || finished_) {
            finished_ = true;
            return;
        }
        promise().inject = std::make_exception_ptr(GeneratorExit());
        promise().closing = true;
        try {
            step();
        } catch (const GeneratorExit&) {
            return;
        } catch (const StopIteration&) {
            return;
        }
        throw RuntimeError("generator ignored GeneratorExit");
    }

    // Whether the body has run to its end (or was closed).
    bool finished() const noexcept { return finished_ || !handle_; }

    // Range-for iteration: each step is a next(); the loop ends at
    // StopIteration (which it swallows, as Python's for does).
    class iterator {
      public:
        using iterator_category = std::input_iterator_tag;
        using value_type = std::remove_cvref_t<Yield>;
        using difference_type = std::ptrdiff_t;

        iterator() = default;
        explicit iterator(Generator* gen) : gen_(gen) { advance(); }
        value_type& operator*() { return *current_; }
        iterator& operator++() {
            advance();
            return *this;
        }
        void operator++(int) { advance(); }
        bool operator==(std::default_sentinel_t) const noexcept { return gen_ == nullptr; }

      private:
        void advance() {
            try {
                current_.emplace(gen_->next());
            } catch (const StopIteration&) {
                gen_ = nullptr;
                current_.reset();
            }
        }
        Generator* gen_ = nullptr;
        std::optional<value_type> current_;
    };

    iterator begin() requires(!std::is_void_v<Yield>) { return iterator(this); }
    std::default_sentinel_t end() const noexcept { return {}; }

  private:
    explicit Generator(handle_type handle) : handle_(handle) {}

    promise_type& promise() { return handle_.promise(); }

    Yield step() {
        if (!handle_ || finished_) throw StopIteration();
        if (running_) throw ValueError("generator already executing");
        started_ = true;
        running_ = true;
        handle_.resume();
        running_ = false;
        if (!handle_.done()) {
            if (promise().closing) return discard_yield_while_closing();
            return promise().yielded.take();
        }
        finished_ = true;
        if (promise().failure) std::rethrow_exception(std::exchange(promise().failure, nullptr));
        throw StopIteration(promise().as_any());
    }

    // A body that yields while being closed: close() reports it.
    Yield discard_yield_while_closing() {
        if constexpr (std::is_void_v<Yield>) {
            return;
        } else {
            return promise().yielded.take();
        }
    }

    void destroy() noexcept {
        if (!handle_) return;
        if (started_ && !finished_ && !running_) {
            try {
                close();
            } catch (const std::exception& e) {
                std::fprintf(stderr, "Exception ignored in: <generator object>\n%s\n", e.what());
            } catch (...) {
                std::fprintf(stderr, "Exception ignored in: <generator object>\n");
            }
        }
        handle_.destroy();
        handle_ = {};
    }

    handle_type handle_{};
    bool started_ = false;
    bool finished_ = false;
    bool running_ = false;
};

}  // namespace concur
