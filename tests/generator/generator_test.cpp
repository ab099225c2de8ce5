// Tests for concur::Generator: Python's generator protocol (next, send,
// throw, close, iteration, StopIteration.value). Cases port CPython's
// Lib/test/test_generators.py where named.
#include <concur/generator.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using concur::Generator;

Generator<int> count_to(int n) {
    for (int i = 1; i <= n; ++i) co_yield i;
}

Generator<int, void, std::string> two_then_return() {
    co_yield 1;
    co_yield 2;
    co_return "finished";
}

// A running total: each send adds, each step yields the total so far.
Generator<int, int> running_total() {
    int total = 0;
    for (;;) {
        int add = co_yield total;
        total += add;
    }
}

// Lesson L22's receiver: records instead of printing.
Generator<void, std::string> fancy_name(std::string prefix, std::vector<std::string>& out) {
    try {
        for (;;) {
            std::string name = co_yield {};
            out.push_back(prefix + ":" + name);
        }
    } catch (const concur::GeneratorExit&) {
        out.push_back("Done");
    }
}

TEST(Generator, RangeForYieldsInOrder) {
    std::vector<int> seen;
    for (int x : count_to(4)) seen.push_back(x);
    EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 4}));
}

TEST(Generator, BodyRunsOnlyWhenDriven) {
    bool ran = false;
    auto make = [&]() -> Generator<int> {
        ran = true;
        co_yield 1;
    };
    auto gen = make();
    EXPECT_FALSE(ran);
    EXPECT_EQ(gen.next(), 1);
    EXPECT_TRUE(ran);
}

// test_generators: "exhausted generators raise StopIteration forever".
TEST(Generator, NextAfterExhaustionRaisesStopIterationEveryTime) {
    auto gen = count_to(1);
    EXPECT_EQ(gen.next(), 1);
    EXPECT_THROW(gen.next(), concur::StopIteration);
    EXPECT_TRUE(gen.finished());
    EXPECT_THROW(gen.next(), concur::StopIteration);
}

// PEP 380: `return value` in a generator becomes StopIteration.value.
TEST(Generator, ReturnValueIsCarriedByStopIteration) {
    auto gen = two_then_return();
    EXPECT_EQ(gen.next(), 1);
    EXPECT_EQ(gen.next(), 2);
    try {
        gen.next();
        FAIL() << "expected StopIteration";
    } catch (const concur::StopIteration& stop) {
        ASSERT_TRUE(stop.value().has_value());
        EXPECT_EQ(std::any_cast<std::string>(stop.value()), "finished");
    }
}

TEST(Generator, StopIterationWithoutReturnValueIsEmpty) {
    auto gen = count_to(0);
    try {
        gen.next();
        FAIL() << "expected StopIteration";
    } catch (const concur::StopIteration& stop) {
        EXPECT_FALSE(stop.value().has_value());
        EXPECT_STREQ(stop.what(), "StopIteration");
    }
}

TEST(Generator, SendIsWhatCoYieldEvaluatesTo) {
    auto gen = running_total();
    EXPECT_EQ(gen.next(), 0);
    EXPECT_EQ(gen.send(5), 5);
    EXPECT_EQ(gen.send(10), 15);
    EXPECT_EQ(gen.next(), 15);  // next() resumes with Send{} (Python: None)
}

// test_generators: "can't send non-None value to a just-started generator".
TEST(Generator, SendToJustStartedGeneratorIsTypeError) {
    auto gen = running_total();
    EXPECT_THROW(gen.send(1), concur::TypeError);
    EXPECT_EQ(gen.next(), 0);  // still usable
}

TEST(Generator, ReceiverWithoutYieldedValues) {
    std::vector<std::string> out;
    auto co = fancy_name("Cool", out);
    co.next();
    co.send("Utkarsh");
    co.send(std::string("Gupta"));
    co.close();
    EXPECT_EQ(out, (std::vector<std::string>{"Cool:Utkarsh", "Cool:Gupta", "Done"}));
    EXPECT_TRUE(co.finished());
    EXPECT_THROW(co.send("late"), concur::StopIteration);
}

TEST(Generator, CloseBeforeStartRunsNothing) {
    std::vector<std::string> out;
    auto co = fancy_name("Cool", out);
    co.close();
    EXPECT_TRUE(out.empty());
    EXPECT_THROW(co.next(), concur::StopIteration);
}

TEST(Generator, CloseIsIdempotent) {
    std::vector<std::string> out;
    auto co = fancy_name("x", out);
    co.next();
    co.close();
    co.close();
    EXPECT_EQ(out, (std::vector<std::string>{"Done"}));
}

// test_generators: "generator ignored GeneratorExit".
TEST(Generator, YieldAfterGeneratorExitIsRuntimeError) {
    auto stubborn = []() -> Generator<int> {
        for (;;) {
            try {
                co_yield 1;
            } catch (const concur::GeneratorExit&) {
            }
        }
    };
    auto gen = stubborn();
    gen.next();
    EXPECT_THROW(gen.close(), concur::RuntimeError);
}

TEST(Generator, CloseLetsOtherExceptionsThrough) {
    auto angry = []() -> Generator<int> {
        try {
            co_yield 1;
        } catch (const concur::GeneratorExit&) {
            throw std::logic_error("cleanup failed");
        }
    };
    auto gen = angry();
    gen.next();
    EXPECT_THROW(gen.close(), std::logic_error);
    EXPECT_TRUE(gen.finished());
}

TEST(Generator, ThrowHandledInBodyReturnsNextYield) {
    auto resilient = []() -> Generator<std::string> {
        for (;;) {
            std::string caught;  // C++ allows no co_yield inside a handler
            try {
                co_yield "ok";
            } catch (const std::runtime_error& e) {
                caught = e.what();
            }
            if (!caught.empty()) co_yield "caught " + caught;
        }
    };
    auto gen = resilient();
    EXPECT_EQ(gen.next(), "ok");
    EXPECT_EQ(gen.throw_(std::make_exception_ptr(std::runtime_error("boom"))), "caught boom");
    EXPECT_EQ(gen.next(), "ok");
}

TEST(Generator, ThrowUnhandledPropagatesAndFinishes) {
    auto gen = count_to(3);
    gen.next();
    EXPECT_THROW(gen.throw_(std::make_exception_ptr(concur::ValueError("v"))), concur::ValueError);
    EXPECT_TRUE(gen.finished());
    EXPECT_THROW(gen.next(), concur::StopIteration);
}

TEST(Generator, ThrowIntoUnstartedGeneratorRaisesAtOnce) {
    bool ran = false;
    auto make = [&]() -> Generator<int> {
        ran = true;
        co_yield 1;
    };
    auto gen = make();
    EXPECT_THROW(gen.throw_(std::make_exception_ptr(concur::ValueError("v"))), concur::ValueError);
    EXPECT_FALSE(ran);
    EXPECT_THROW(gen.next(), concur::StopIteration);
}

TEST(Generator, ThrowNullIsTypeError) {
    auto gen = count_to(3);
    EXPECT_THROW(gen.throw_(nullptr), concur::TypeError);
}

TEST(Generator, ExceptionFromBodyReachesCallerThenStopIteration) {
    auto failing = []() -> Generator<int> {
        co_yield 1;
        throw concur::ValueError("bad");
    };
    auto gen = failing();
    EXPECT_EQ(gen.next(), 1);
    EXPECT_THROW(gen.next(), concur::ValueError);
    EXPECT_THROW(gen.next(), concur::StopIteration);
}

// Python finalises an unfinished generator with close().
TEST(Generator, DestroyingSuspendedGeneratorClosesIt) {
    std::vector<std::string> out;
    {
        auto co = fancy_name("Cool", out);
        co.next();
        co.send("A");
    }
    EXPECT_EQ(out, (std::vector<std::string>{"Cool:A", "Done"}));
}

TEST(Generator, DestructorReportsExceptionFromClose) {
    auto angry = []() -> Generator<int> {
        try {
            co_yield 1;
        } catch (const concur::GeneratorExit&) {
            throw std::logic_error("cleanup failed");
        }
    };
    testing::internal::CaptureStderr();
    {
        auto gen = angry();
        gen.next();
    }
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("Exception ignored in: <generator object>"), std::string::npos) << err;
    EXPECT_NE(err.find("cleanup failed"), std::string::npos) << err;
}

TEST(Generator, DestroyingUnstartedGeneratorFreesItsFrame) {
    auto owned = std::make_shared<int>(7);
    std::weak_ptr<int> watch = owned;
    {
        auto make = [](std::shared_ptr<int> held) -> Generator<int> { co_yield *held; };
        auto gen = make(std::move(owned));
        EXPECT_FALSE(watch.expired());
    }
    EXPECT_TRUE(watch.expired());
}

// test_generators: "ValueError: generator already executing".
TEST(Generator, ReenteringFromItsOwnBodyIsValueError) {
    Generator<int>* self = nullptr;
    bool raised = false;
    auto make = [&]() -> Generator<int> {
        try {
            self->next();
        } catch (const concur::ValueError&) {
            raised = true;
        }
        co_yield 1;
    };
    auto gen = make();
    self = &gen;
    EXPECT_EQ(gen.next(), 1);
    EXPECT_TRUE(raised);
}

TEST(Generator, MoveTransfersTheSuspendedBody) {
    auto a = count_to(3);
    EXPECT_EQ(a.next(), 1);
    Generator<int> b = std::move(a);
    EXPECT_EQ(b.next(), 2);
    Generator<int> c;
    c = std::move(b);
    EXPECT_EQ(c.next(), 3);
    EXPECT_THROW(c.next(), concur::StopIteration);
    EXPECT_TRUE(a.finished());
}

TEST(Generator, InfiniteGeneratorStoppedEarly) {
    auto naturals = []() -> Generator<long> {
        for (long i = 0;; ++i) co_yield i;
    };
    long sum = 0;
    for (long x : naturals()) {
        if (x == 100) break;
        sum += x;
    }
    EXPECT_EQ(sum, 4950);
}

}  // namespace
