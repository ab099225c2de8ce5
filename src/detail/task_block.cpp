// src/detail/task_block.cpp -- the task-block pool: per-thread free lists, a
// process-wide depot of batches, and the slabs the blocks are carved from.
#include <concur/detail/task_block.hpp>

#include <pthread.h>

#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

namespace concur::detail {
namespace {

constexpr std::size_t kClasses = kLargestTaskBlock / kTaskBlockAlignment;
constexpr std::size_t kSlabBytes = 64 * 1024;
constexpr std::size_t kBatch = 64;               // blocks moved to or from the depot at once
constexpr std::size_t kLocalLimit = 4 * kBatch;  // a thread's list beyond this gives a batch back

// A free block. `next_batch` is used only by the first block of a batch in
// the depot.
struct FreeBlock {
    FreeBlock* next;
    FreeBlock* next_batch;
};
static_assert(sizeof(FreeBlock) <= kTaskBlockAlignment);

struct ClassDepot {
    std::mutex mutex;
    FreeBlock* batches = nullptr;  // lists of exactly kBatch blocks
    FreeBlock* loose = nullptr;    // single blocks, from threads that are exiting
    std::size_t loose_count = 0;
};

struct Depot {
    std::array<ClassDepot, kClasses> classes;
    std::mutex slab_mutex;     // never held together with a class mutex
    std::vector<void*> slabs;  // never freed; listed so that leak checkers see them
};

// Created on first use and never destroyed: blocks are freed during static
// destruction and thread exit too.
Depot* depot_instance = nullptr;

void lock_for_fork() {
    for (ClassDepot& c : depot_instance->classes) c.mutex.lock();
    depot_instance->slab_mutex.lock();
}
void unlock_after_fork() {
    depot_instance->slab_mutex.unlock();
    for (ClassDepot& c : depot_instance->classes) c.mutex.unlock();
}

Depot& depot() {
    static Depot* const d = [] {
        depot_instance = new Depot;
        pthread_atfork(lock_for_fork, unlock_after_fork, unlock_after_fork);
        return depot_instance;
    }();
    return *d;
}

std::size_t block_bytes(std::size_t size_class) {
    return (size_class + 1) * kTaskBlockAlignment;
}

// A new slab cut into blocks of one class, linked in address order; returns
// the first and stores the count.
FreeBlock* carve_slab(std::size_t size_class, std::size_t& count) {
    Depot& d = depot();
    void* slab = ::operator new (kSlabBytes, std::align_val_t{kTaskBlockAlignment});
    try {
        std::lock_guard lock(d.slab_mutex);
        d.slabs.push_back(slab);
    } catch (...) {
        ::operator delete (slab, kSlabBytes, std::align_val_t{kTaskBlockAlignment});
        throw;
    }
    const std::size_t size = block_bytes(size_class);
    count = kSlabBytes / size;
    auto* bytes = static_cast<std::byte*>(slab);
    FreeBlock* head = nullptr;
    for (std::size_t i = count; i-- > 0;) {
        auto* block = reinterpret_cast<FreeBlock*>(bytes + i * size);
        block->next = head;
        head = block;
    }
    return head;
}

// Hands the list `head` (of `count` blocks) to the depot as loose blocks.
void give_back_loose(std::size_t size_class, FreeBlock* head, std::size_t count) {
    if (head == nullptr) return;
    FreeBlock* tail = head;
    while (tail->next != nullptr) tail = tail->next;
    ClassDepot& c = depot().classes[size_class];
    std::lock_guard lock(c.mutex);
    tail->next = c.loose;
    c.loose = head;
    c.loose_count += count;
}

// One thread's free lists. Zero-initialised; handed back when the thread exits.
struct LocalLists {
    std::array<FreeBlock*, kClasses> head{};
    std::array<std::size_t, kClasses> count{};
    ~LocalLists();
};

thread_local constinit bool local_lists_gone = false;
thread_local LocalLists local_lists;

LocalLists::~LocalLists() {
    local_lists_gone = true;
    for (std::size_t k = 0; k < kClasses; ++k) give_back_loose(k, head[k], count[k]);
}

// Fills the empty list of `size_class`: a batch from the depot, else its
// loose blocks, else a new slab.
void refill(LocalLists& lists, std::size_t size_class) {
    ClassDepot& c = depot().classes[size_class];
    {
        std::lock_guard lock(c.mutex);
        if (c.batches != nullptr) {
            FreeBlock* batch = c.batches;
            c.batches = batch->next_batch;
            lists.head[size_class] = batch;
            lists.count[size_class] = kBatch;
            return;
        }
        if (c.loose != nullptr) {
            lists.head[size_class] = c.loose;
            lists.count[size_class] = c.loose_count;
            c.loose = nullptr;
            c.loose_count = 0;
            return;
        }
    }
    lists.head[size_class] = carve_slab(size_class, lists.count[size_class]);
}

// Moves the first kBatch blocks of the list to the depot.
void give_back_batch(LocalLists& lists, std::size_t size_class) {
    FreeBlock* first = lists.head[size_class];
    FreeBlock* last = first;
    for (std::size_t i = 1; i < kBatch; ++i) last = last->next;
    lists.head[size_class] = last->next;
    lists.count[size_class] -= kBatch;
    last->next = nullptr;
    ClassDepot& c = depot().classes[size_class];
    std::lock_guard lock(c.mutex);
    first->next_batch = c.batches;
    c.batches = first;
}

// A block for a thread that is exiting (its lists are gone).
void* take_one_from_depot(std::size_t size_class) {
    ClassDepot& c = depot().classes[size_class];
    {
        std::lock_guard lock(c.mutex);
        if (c.loose == nullptr && c.batches != nullptr) {
            c.loose = c.batches;
            c.loose_count = kBatch;
            c.batches = c.batches->next_batch;
        }
        if (c.loose != nullptr) {
            FreeBlock* block = c.loose;
            c.loose = block->next;
            --c.loose_count;
            return block;
        }
    }
    std::size_t count = 0;
    FreeBlock* head = carve_slab(size_class, count);
    give_back_loose(size_class, head->next, count - 1);
    return head;
}

bool pooled(std::size_t bytes, std::size_t alignment) {
    return kTaskBlocksPooled && bytes != 0 && bytes <= kLargestTaskBlock &&
           alignment <= kTaskBlockAlignment;
}

}  // namespace

void* allocate_task_block(std::size_t bytes, std::size_t alignment) {
    if (!pooled(bytes, alignment)) {
        if (alignment > __STDCPP_DEFAULT_NEW_ALIGNMENT__)
            return ::operator new (bytes, std::align_val_t{alignment});
        return ::operator new(bytes);
    }
    const std::size_t size_class = (bytes - 1) / kTaskBlockAlignment;
    if (local_lists_gone) return take_one_from_depot(size_class);
    LocalLists& lists = local_lists;
    if (lists.head[size_class] == nullptr) refill(lists, size_class);
    FreeBlock* block = lists.head[size_class];
    lists.head[size_class] = block->next;
    --lists.count[size_class];
    return block;
}

void deallocate_task_block(void* block, std::size_t bytes, std::size_t alignment) noexcept {
    if (block == nullptr) return;
    if (!pooled(bytes, alignment)) {
        if (alignment > __STDCPP_DEFAULT_NEW_ALIGNMENT__)
            ::operator delete (block, bytes, std::align_val_t{alignment});
        else
            ::operator delete(block, bytes);
        return;
    }
    const std::size_t size_class = (bytes - 1) / kTaskBlockAlignment;
    auto* free_block = static_cast<FreeBlock*>(block);
    if (local_lists_gone) {
        free_block->next = nullptr;
        give_back_loose(size_class, free_block, 1);
        return;
    }
    LocalLists& lists = local_lists;
    free_block->next = lists.head[size_class];
    lists.head[size_class] = free_block;
    if (++lists.count[size_class] > kLocalLimit) give_back_batch(lists, size_class);
}

}  // namespace concur::detail
