// L22 -- generator coroutines: a function that runs in steps and receives
// values.
//
// A Python generator's body stops at each `yield` and goes on when its
// caller asks: `next()` runs it to the next `yield`, `send(v)` runs it on with
// `v` as the value of the `yield` expression, `close()` raises GeneratorExit
// at the `yield` so the body can clean up. concur::Generator is the same
// protocol on a C++20 coroutine: `co_yield` stops the body, and a generator
// that only receives writes `co_yield {}` (Python's bare `(yield)`).
//
// The Python program this lesson ports:
//
//   def fancy_name(prefix):
//       try:
//           while True:              # runs indefinitely
//               name = (yield)
//               print(prefix + ":" + name)
//       except GeneratorExit:
//           print("Done")
//
//   co = fancy_name("Cool")
//   next(co)                         # initialisation: run to the first yield
//   co.send("Utkarsh")
//   co.send("Gupta")
//   co.close()
//
// And, as a second part, a generator that yields values as well as
// receiving them: a running average, driven by send().
#include <concur/generator.hpp>

#include <iostream>
#include <string>

concur::Generator<void, std::string> fancy_name(std::string prefix) {
    try {
        for (;;) {  // runs indefinitely
            std::string name = co_yield {};
            std::cout << prefix << ":" << name << "\n";
        }
    } catch (const concur::GeneratorExit&) {
        std::cout << "Done\n";
    }
}

// Yields the average of everything sent so far.
concur::Generator<double, double> running_average() {
    double total = 0;
    int count = 0;
    double average = 0;
    for (;;) {
        const double value = co_yield average;
        total += value;
        ++count;
        average = total / count;
    }
}

int main() {
    std::cout << "-- 1. fancy_name: send and close\n";
    auto co = fancy_name("Cool");
    co.next();  // initialisation
    co.send("Utkarsh");
    co.send("Gupta");
    co.close();

    std::cout << "-- 2. running_average: values both ways\n";
    auto avg = running_average();
    avg.next();
    for (double x : {10.0, 20.0, 60.0})
        std::cout << "sent " << x << ", average " << avg.send(x) << "\n";

    std::cout << "-- 3. after close, send raises StopIteration\n";
    try {
        co.send("late");
    } catch (const concur::StopIteration&) {
        std::cout << "StopIteration\n";
    }
    return 0;
}
