// Tests of describe/moments.hpp: the mean and sample variance of a stream,
// merged across chunks.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "describe/moments.hpp"

namespace concur::describe {
namespace {

TEST(Moments, MeanAndVarianceOfArange) {
    std::vector<double> v(10001);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
    Moments m;
    m.add(v);
    EXPECT_EQ(m.count, 10001u);
    EXPECT_EQ(m.mean, 5000.0);
    // Variance of 0..n-1 with ddof 1: n (n + 1) / 12.
    EXPECT_DOUBLE_EQ(m.sample_variance(), 10001.0 * 10002.0 / 12.0);
    EXPECT_EQ(m.min, 0.0);
    EXPECT_EQ(m.max, 10000.0);
}

TEST(Moments, MergingChunksEqualsOnePass) {
    std::vector<double> v;
    for (int i = 0; i < 5000; ++i) v.push_back(std::sin(i) * 1e3 + 7.0);
    Moments whole;
    whole.add(v);
    Moments left, right;
    left.add(std::span<const double>(v).first(1234));
    right.add(std::span<const double>(v).subspan(1234));
    left.merge(right);
    EXPECT_EQ(left.count, whole.count);
    EXPECT_NEAR(left.mean, whole.mean, 1e-12 * std::fabs(whole.mean));
    EXPECT_NEAR(left.m2, whole.m2, 1e-12 * whole.m2);
}

TEST(Moments, HugeValuesDoNotOverflowTheMean) {
    const std::vector<double> v(4, 1e308);
    Moments m;
    m.add(v);
    EXPECT_EQ(m.mean, 1e308);
    EXPECT_EQ(m.m2, 0.0);
}

TEST(Moments, LargeOffsetKeepsTheVarianceAccurate) {
    // The naive sum-of-squares formula loses every digit here.
    const std::vector<double> v{1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
    Moments m;
    m.add(v);
    EXPECT_EQ(m.mean, 1e9 + 10);
    EXPECT_DOUBLE_EQ(m.sample_variance(), 30.0);
}

TEST(Moments, MergingAnEmptyOneChangesNothing) {
    Moments m, empty;
    m.add(std::vector<double>{1.0, 2.0});
    m.merge(empty);
    empty.merge(m);
    EXPECT_EQ(m.count, 2u);
    EXPECT_EQ(empty.count, 2u);
    EXPECT_EQ(empty.mean, 1.5);
}

}  // namespace
}  // namespace concur::describe
