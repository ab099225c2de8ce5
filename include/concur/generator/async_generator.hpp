// concur/generator/async_generator.hpp
// -----------------------------------------------------------------------------
// AsyncGenerator<T> mirrors a Python asynchronous generator (`async def` with
// `yield`): a coroutine that may `co_await` (asyncio's sleep, queues, ...)
// and `co_yield`s values to a consumer that awaits them.
//
//   Python                              concur
//   ----------------------------------  --------------------------------------------
//   async def ticks(n):                 concur::AsyncGenerator<int> ticks(int n) {
//       for i in range(n):                  for (int i = 0; i < n; ++i) {
//           await asyncio.sleep(0.1)            co_await asyncio::sleep(0.1);
//           yield i                             co_yield i; } }
//   async for x in ticks(3): ...        while (auto x = co_await gen.next()) { use(*x); }
//   await gen.__anext__()               co_await gen.anext()   (StopAsyncIteration at the end)
//   await gen.aclose()                  co_await gen.aclose()
//
// The body runs inside the consuming task, one step per await of next() /
// anext(); its exceptions reach the consumer there. aclose() raises
// GeneratorExit at the suspended `co_yield` (RuntimeError("async generator
// ignored GeneratorExit") if the body yields again). Destroying a suspended
// generator frees its frame without running its `catch (GeneratorExit)`
// handlers (C++ cannot await in a destructor: call aclose() to run them).
//
// Move-only; one consumer at a time (ValueError("anext(): asynchronous
// generator is already running") otherwise); loop-thread only.
#pragma once

#include <concur/exceptions.hpp>

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

namespace concur {

template <class T>
class [[nodiscard]] AsyncGenerator {
  public:
    struct promise_type {
        std::optional<T> current;
        std::exception_ptr failure;
        std::exception_ptr inject;
        std::coroutine_handle<> consumer;

        AsyncGenerator get_return_object() {
            return AsyncGenerator(std::coroutine_handle<promise_type>::from_promise(*this));
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        struct ToConsumer {
            bool await_ready() const noexcept { return false; }
            std::coroutine_handle<> await_suspend(
                std::coroutine_handle<promise_type> self) noexcept {
                std::coroutine_handle<> next = self.promise().consumer;
                return next ? next : std::noop_coroutine();
            }
            void await_resume() const noexcept {}
        };
        ToConsumer final_suspend() noexcept { return {}; }
        void unhandled_exception() noexcept { failure = std::current_exception(); }
        void return_void() noexcept {}

        struct YieldAwaiter : ToConsumer {
            promise_type* promise;
            void await_resume() const {
                if (promise->inject)
                    std::rethrow_exception(std::exchange(promise->inject, nullptr));
            }
        };
        YieldAwaiter yield_value(T value) {
            current.emplace(std::move(value));
            return YieldAwaiter{{}, this};
        }
    };
    using handle_type = std::coroutine_handle<promise_type>;

    AsyncGenerator() = default;
    AsyncGenerator(AsyncGenerator&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    AsyncGenerator& operator=(AsyncGenerator&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, {});
        }
        return *this;
    }
    ~AsyncGenerator() { reset(); }

    // Runs the body to its next co_yield: that value, or std::nullopt when it
    // ends. Rethrows what the body throws.
    auto next() { return StepAwaiter<false>{this}; }
    // The same, raising StopAsyncIteration at the end (Python's __anext__).
    auto anext() { return StepAwaiter<true>{this}; }
    // Raises GeneratorExit at the suspended co_yield and runs the body to its
    // end (see the header comment).
    auto aclose() { return CloseAwaiter{this}; }

  private:
    explicit AsyncGenerator(handle_type handle) : handle_(handle) {}

    void reset() noexcept {
        if (handle_) std::exchange(handle_, {}).destroy();
    }
    bool exhausted() const noexcept { return !handle_ || handle_.done(); }

    // Common resumption: the consumer continues when the body yields or ends.
    std::coroutine_handle<> start(std::coroutine_handle<> consumer) {
        if (running_) throw ValueError("anext(): asynchronous generator is already running");
        running_ = true;
        started_flag_ = true;
        handle_.promise().consumer = consumer;
        handle_.promise().current.reset();
        return handle_;
    }

    template <bool Raise>
    struct StepAwaiter {
        AsyncGenerator* gen;
        bool await_ready() const noexcept { return gen->exhausted(); }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> consumer) {
            return gen->start(consumer);
        }
        auto await_resume() {
            gen->running_ = false;
            if (gen->handle_ && gen->handle_.promise().failure)
                std::rethrow_exception(std::exchange(gen->handle_.promise().failure, nullptr));
            std::optional<T> value;
            if (!gen->exhausted()) value = std::move(gen->handle_.promise().current);
            if constexpr (Raise) {
                if (!value) throw StopAsyncIteration();
                return std::move(*value);
            } else {
                return value;
            }
        }
    };

    struct CloseAwaiter {
        AsyncGenerator* gen;
        bool await_ready() const noexcept { return gen->exhausted() || !gen->started_(); }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> consumer) {
            gen->handle_.promise().inject = std::make_exception_ptr(GeneratorExit());
            return gen->start(consumer);
        }
        void await_resume() {
            gen->running_ = false;
            if (!gen->handle_) return;
            if (!gen->handle_.done()) {
                if (!gen->started_()) {  // never started: nothing to run
                    gen->reset();
                    return;
                }
                throw RuntimeError("async generator ignored GeneratorExit");
            }
            if (std::exception_ptr failure =
                    std::exchange(gen->handle_.promise().failure, nullptr)) {
                try {
                    std::rethrow_exception(failure);
                } catch (const GeneratorExit&) {
                } catch (const StopAsyncIteration&) {
                }
            }
        }
    };

    // Whether the body has run at all (a body suspended at initial_suspend
    // has no current value and was never resumed).
    bool started_() const noexcept { return started_flag_; }

    handle_type handle_{};
    bool running_ = false;
    bool started_flag_ = false;
};

}  // namespace concur
