// examples/lesson_time.hpp -- the lessons' clock, scalable for quick runs.
//
// The seed programs sleep for real seconds (print_epoch sleeps 1-3 s, the
// L12 tasks 56 s in all). Every lesson takes its delays through this header,
// so one environment variable speeds the whole course up:
//
//   CONCUR_TIME_SCALE=1     the seeds' real timings (default)
//   CONCUR_TIME_SCALE=0.1   ten times faster (concur-tour --fast)
//   CONCUR_TIME_SCALE=0.01  what the checked ctest runs use for the long ones
//
// Timing checks in the lessons compare ratios of measured times, never
// absolute seconds, so they hold at any scale.
//
//   lesson::sleep(0.2);                  // Python: time.sleep(0.2), scaled
//   lesson::scaled(std::chrono::seconds(3))   // a scaled std::chrono duration
//   lesson::time();                      // Python: time.time() (not scaled)
//   lesson::perf_counter();              // Python: time.perf_counter()
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace lesson {

// The factor every lesson delay is multiplied by (CONCUR_TIME_SCALE, default
// 1.0). A missing, unparsable or non-positive value means 1.0.
inline double time_scale() {
    static const double scale = [] {
        const char* text = std::getenv("CONCUR_TIME_SCALE");
        if (text == nullptr || *text == '\0') return 1.0;
        char* end = nullptr;
        const double value = std::strtod(text, &end);
        if (end == text || *end != '\0' || !(value > 0.0)) {
            std::fprintf(stderr, "lesson: ignoring CONCUR_TIME_SCALE='%s' (want a number > 0)\n",
                         text);
            return 1.0;
        }
        return value;
    }();
    return scale;
}

// A lesson delay, scaled by CONCUR_TIME_SCALE.
inline std::chrono::nanoseconds scaled(std::chrono::duration<double> delay) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(delay * time_scale());
}

// Python's time.sleep(seconds), scaled.
inline void sleep(double seconds) {
    std::this_thread::sleep_for(scaled(std::chrono::duration<double>(seconds)));
}

// Python's time.time(): seconds since the epoch, as a double.
inline double time() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Python's time.perf_counter(): a monotonic clock in seconds.
inline double perf_counter() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace lesson
