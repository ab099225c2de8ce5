// ManyFutures: 100,000 futures completed from two threads, for the tests of
// wait() and as_completed() at scale (not a test file itself: only
// *_test.cpp files are compiled into concur_futures_tests).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

#include <concur/futures.hpp>
#include <concur/threading.hpp>

#include "futures_test_support.hpp"

namespace futures_test {

// 100,000 futures (fewer under sanitizers): about a tenth done before the
// call, the rest completed by two threads, each in its own shuffled order
// (most with a result, some cancelled, some with an exception).
class ManyFutures {
  public:
    static constexpr std::size_t kCount = kSanitized ? 10'000 : 100'000;

    ManyFutures() : fs_(kCount) {
        std::mt19937 random(20240506);
        std::vector<std::size_t> rest;
        for (std::size_t i = 0; i < kCount; ++i) {
            index_.emplace(concur::detail::FutureAccess::state(fs_[i]), i);
            if (random() % 10 == 0) {
                complete(i);
                done_before_.push_back(i);
            } else {
                rest.push_back(i);
            }
        }
        std::shuffle(rest.begin(), rest.end(), random);
        for (std::size_t k = 0; k < rest.size(); ++k) by_thread_[k % 2].push_back(rest[k]);
    }

    ManyFutures(const ManyFutures&) = delete;
    ManyFutures& operator=(const ManyFutures&) = delete;
    ~ManyFutures() { join(); }

    // The futures, each once, in input order.
    const std::vector<futures::Future<int>>& futures() const { return fs_; }
    // The input: every future, then the first 1,000 and the done ones again
    // (duplicates count once).
    std::vector<futures::Future<int>> input() const {
        std::vector<futures::Future<int>> out = fs_;
        out.insert(out.end(), fs_.begin(), fs_.begin() + 1000);
        for (std::size_t i : done_before_) out.push_back(fs_[i]);
        return out;
    }

    // Starts the two completing threads.
    void start() {
        for (std::size_t t = 0; t < 2; ++t) {
            threads_[t] = std::make_unique<threading::Thread>([this, t] {
                for (std::size_t i : by_thread_[t]) complete(i);
            });
            threads_[t]->start();
        }
    }
    void join() {
        for (auto& t : threads_) {
            if (t) t->join();
            t.reset();
        }
    }

    // For as_completed(). Records a yielded future (a fatal failure if it is not one of ours).
    void yielded(futures::Future<int>& f) {
        auto it = index_.find(concur::detail::FutureAccess::state(f));
        ASSERT_NE(it, index_.end()) << "yielded a future not in the input";
        ASSERT_TRUE(f.done()) << it->second;
        if (!f.cancelled() && !f.exception()) {
            ASSERT_EQ(f.result(), static_cast<int>(it->second));
        }
        order_.push_back(it->second);
    }

    // Each future yielded once; the done ones first, in input order; each
    // thread's completions in the order that thread made them.
    void check() const {
        ASSERT_EQ(order_.size(), kCount);
        std::vector<std::size_t> position(kCount, kCount);
        for (std::size_t k = 0; k < order_.size(); ++k) {
            ASSERT_EQ(position[order_[k]], kCount) << "yielded twice: " << order_[k];
            position[order_[k]] = k;
        }
        ASSERT_TRUE(std::equal(done_before_.begin(), done_before_.end(), order_.begin()))
            << "the futures done before the call come first, in input order";
        for (std::size_t t = 0; t < 2; ++t) {
            const auto& mine = by_thread_[t];
            for (std::size_t k = 1; k < mine.size(); ++k)
                ASSERT_LT(position[mine[k - 1]], position[mine[k]])
                    << "thread " << t << " completed " << mine[k - 1] << " before " << mine[k];
        }
    }

  private:
    void complete(std::size_t i) {
        if (i % 13 == 0)
            fs_[i].cancel();
        else if (i % 11 == 0)
            fs_[i].set_exception(std::make_exception_ptr(concur::ValueError("v")));
        else
            fs_[i].set_result(static_cast<int>(i));
    }

    std::vector<futures::Future<int>> fs_;
    std::unordered_map<const void*, std::size_t> index_;
    std::vector<std::size_t> done_before_;
    std::array<std::vector<std::size_t>, 2> by_thread_;
    std::array<std::unique_ptr<threading::Thread>, 2> threads_;
    std::vector<std::size_t> order_;
};

}  // namespace futures_test
