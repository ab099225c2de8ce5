// concur/generator.hpp -- Python's generators on C++20 coroutines.
//
//   #include <concur/generator.hpp>
//
// Generator<Yield, Send, Return> (next, send, throw_, close, range-for);
// exceptions StopIteration, GeneratorExit, TypeError, RuntimeError,
// ValueError. See docs/generator.md.
#pragma once

#include <concur/exceptions.hpp>
#include <concur/generator/generator.hpp>
