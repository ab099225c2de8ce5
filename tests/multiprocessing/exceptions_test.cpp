// The exception hierarchy of multiprocessing, as Python's:
// TimeoutError and WorkerLostError are ProcessErrors, FileNotFoundError is an
// OSError, BrokenProcessPool a BrokenExecutor.
#include <gtest/gtest.h>

#include <concur/futures/exceptions.hpp>
#include <concur/multiprocessing.hpp>

namespace mp = concur::multiprocessing;

namespace {

TEST(MultiprocessingExceptions, TimeoutAndWorkerLostAreProcessErrors) {
    EXPECT_THROW(throw mp::TimeoutError("t"), mp::ProcessError);
    EXPECT_THROW(throw mp::WorkerLostError("w"), mp::ProcessError);
    // Python: multiprocessing.TimeoutError is not the built-in TimeoutError.
    static_assert(!std::is_base_of_v<concur::TimeoutError, mp::TimeoutError>);
}

TEST(MultiprocessingExceptions, FileNotFoundIsAnOSErrorWithEnoent) {
    try {
        throw concur::FileNotFoundError("no such segment");
    } catch (const concur::OSError& e) {
        EXPECT_EQ(e.errno_value(), ENOENT);
        EXPECT_STREQ(e.what(), "no such segment");
    }
}

TEST(MultiprocessingExceptions, BrokenProcessPoolIsABrokenExecutor) {
    EXPECT_THROW(throw concur::futures::BrokenProcessPool("dead"), concur::futures::BrokenExecutor);
}

}  // namespace
