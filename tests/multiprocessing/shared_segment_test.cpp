// detail::SharedSegment: memfd-backed shared mappings, what a forked child
// and an attached descriptor see.
#include <gtest/gtest.h>

#include <dirent.h>

#include <cstring>
#include <sstream>

#include <cereal/archives/binary.hpp>
#include <concur/multiprocessing/detail/shared_segment.hpp>
#include <concur/multiprocessing/exceptions.hpp>

#include "fork_support.hpp"

namespace mp = concur::multiprocessing;
using mp::detail::SegmentRef;
using mp::detail::SharedSegment;

namespace {

TEST(SharedSegment, CreateIsZeroFilled) {
    auto segment = SharedSegment::create(4096);
    ASSERT_GE(segment->fd(), 0);
    EXPECT_EQ(segment->size(), 4096u);
    const auto* bytes = static_cast<const unsigned char*>(segment->data());
    for (std::size_t i = 0; i < segment->size(); ++i) ASSERT_EQ(bytes[i], 0) << i;
}

TEST(SharedSegment, ForkedChildWritesAreSeenByParent) {
    auto segment = SharedSegment::create(sizeof(int));
    auto* value = static_cast<int*>(segment->data());
    const pid_t pid = concur_test::fork_child([&] { *value = 42; });
    ASSERT_EQ(concur_test::join_child(pid), 0);
    EXPECT_EQ(*value, 42);
}

TEST(SharedSegment, AttachMapsTheSameMemoryAndKeepsItsOwnDescriptor) {
    auto segment = SharedSegment::create(64);
    auto attached = SharedSegment::attach(segment->fd(), 64);
    EXPECT_NE(attached->fd(), segment->fd());
    EXPECT_NE(attached->data(), segment->data());
    std::strcpy(static_cast<char*>(segment->data()), "hello");
    EXPECT_STREQ(static_cast<const char*>(attached->data()), "hello");
    segment.reset();  // the original mapping and descriptor go; the memory stays
    EXPECT_STREQ(static_cast<const char*>(attached->data()), "hello");
}

TEST(SharedSegment, AttachBeyondTheSizeRaisesOSError) {
    auto segment = SharedSegment::create(64);
    EXPECT_THROW(SharedSegment::attach(segment->fd(), 1 << 20), mp::OSError);
    try {
        SharedSegment::attach(-1, 64);
        FAIL() << "attach(-1) did not raise";
    } catch (const mp::OSError& e) {
        EXPECT_EQ(e.errno_value(), EBADF);
    }
}

int open_descriptors() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) return -1;
    int n = 0;
    while (::readdir(dir) != nullptr) ++n;
    ::closedir(dir);
    return n;
}

// memfd segments leave nothing behind: the last handle closes the descriptor
// and unmaps (the kernel then frees the memory; nothing is in /dev/shm).
TEST(SharedSegment, TheLastHandleClosesTheDescriptor) {
    const int before = open_descriptors();
    {
        SegmentRef a{SharedSegment::create(128), 0};
        SegmentRef b = a;
        auto attached = SharedSegment::attach(a.segment->fd(), 128);
        EXPECT_EQ(open_descriptors(), before + 2);
    }
    EXPECT_EQ(open_descriptors(), before);
}

TEST(SharedSegment, RefSavedOutsideAFdScopeRaisesPythonsMessage) {
    SegmentRef ref{SharedSegment::create(8), 0};
    std::stringstream stream;
    cereal::BinaryOutputArchive out(stream);
    try {
        ref.save(out, "Lock");
        FAIL() << "save outside FdSendScope did not raise";
    } catch (const mp::RuntimeError& e) {
        EXPECT_STREQ(e.what(),
                     "Lock objects should only be shared between processes through inheritance");
    }
}

}  // namespace
