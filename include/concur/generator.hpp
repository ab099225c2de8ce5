// concur/generator.hpp -- Python's generators on C++20 coroutines.
//
//   #include <concur/generator.hpp>
//
// Generator<Yield, Send, Return> (next, send, throw_, close, range-for),
// AsyncGenerator<T> (next, anext, aclose; its body may co_await asyncio's
// awaitables); exceptions StopIteration, StopAsyncIteration, GeneratorExit,
// TypeError, RuntimeError, ValueError. See docs/generator.md.
#pragma once

#include <concur/exceptions.hpp>
#include <concur/generator/async_generator.hpp>
#include <concur/generator/generator.hpp>
