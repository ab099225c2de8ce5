// Function identity across processes: an id names the same function in this
// process and in a fork of it; libraries are found by name.
#include <gtest/gtest.h>

#include <cmath>

#include <concur/exceptions.hpp>
#include <concur/multiprocessing/detail/function_id.hpp>

namespace mpd = concur::multiprocessing::detail;

namespace {

int twice(int x) {
    return 2 * x;
}

TEST(FunctionId, RoundTripsAFunctionOfTheProgram) {
    const mpd::FunctionId id = mpd::function_id(reinterpret_cast<const void*>(&twice));
    EXPECT_TRUE(id.object.empty());  // the main program
    auto* f = reinterpret_cast<int (*)(int)>(mpd::function_address(id));
    EXPECT_EQ(f, &twice);
    EXPECT_EQ(f(21), 42);
}

TEST(FunctionId, RoundTripsAFunctionOfASharedLibrary) {
    double (*cosine)(double) = &std::cos;
    const mpd::FunctionId id = mpd::function_id(reinterpret_cast<const void*>(cosine));
    EXPECT_FALSE(id.object.empty());  // libm
    EXPECT_EQ(mpd::function_address(id), reinterpret_cast<void*>(cosine));
}

TEST(FunctionId, UnknownAddressOrObjectIsAValueError) {
    int on_the_stack = 0;
    EXPECT_THROW(mpd::function_id(&on_the_stack), concur::ValueError);
    EXPECT_THROW(mpd::function_address(mpd::FunctionId{"/no/such/object.so", 0}),
                 concur::ValueError);
}

}  // namespace
