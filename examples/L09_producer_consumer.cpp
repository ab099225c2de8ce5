// L09 -- producer and consumer threads sharing a queue (seed 003, "resource
// sharing in threads"; seed 002, "Producer-consumer").
//
// The Python original:
//
//   from threading import Thread
//   from queue import Queue
//
//   def producer(q):
//       for i in range(5):
//           q.put(i)
//           print("Published", i)
//
//   def consumer(q):
//       while True: #Runs indefinitely, keeps on consuming
//           i = q.get()
//           print("Consumed", i)
//
//   q = Queue()
//
//   producer_thread = Thread(target=producer, args=(q,))
//   consumer_thread = Thread(target=consumer, args=(q,))
//
//   consumer_thread.start()
//   producer_thread.start()
//
//   producer_thread.join()
//   #consumer_thread.join()      # would wait forever
//
// What it shows: a Queue passes values between threads safely (it has its
// own lock); get() blocks until there is something to take. The seed's
// consumer never ends: `while True: q.get()` waits forever once the producer
// is done, and the program must be killed. Python 3.13 added the clean way
// out, which concur has too: once the producer is done, q.shutdown(); the
// consumer's get() then drains what is left and raises ShutDown when the
// queue is empty -- the consumer catches it and returns, and main can join
// it. (Before 3.13 one put a sentinel, e.g. None, for each consumer.)
//
// Part 2 does the same at scale: 2 producers, 3 consumers, a bounded queue
// (put() blocks while it is full), and checks that every item was consumed
// exactly once. task_done()/join() tell the producers' side when every item
// has been processed.
//
// C++ notes: Queue<T> holds one element type; the queue is passed by
// reference (std::ref), where Python passes the object itself.
#include <concur/queue.hpp>
#include <concur/threading.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <vector>

namespace threading = concur::threading;
namespace queue = concur::queue;

// --- part 1: the seed --------------------------------------------------------------

std::vector<int> consumed;  // written by the consumer only; main reads it after join()

void producer(queue::Queue<int>& q) {
    for (int i = 0; i < 5; ++i) {
        q.put(i);
        threading::print("Published", i);
    }
}

void consumer(queue::Queue<int>& q) {
    while (true) {
        int i;
        try {
            i = q.get();
        } catch (const queue::ShutDown&) {  // shut down and empty: nothing more will come
            threading::print("consumer: the queue is shut down, stopping");
            return;
        }
        threading::print("Consumed", i);
        consumed.push_back(i);
    }
}

// --- part 2: several producers and consumers ------------------------------------------

constexpr int ITEMS_PER_PRODUCER = 1000;

void produce_range(queue::Queue<int>& q, int first) {
    for (int i = first; i < first + ITEMS_PER_PRODUCER; ++i) {
        q.put(i);
    }
}

void consume_all(queue::Queue<int>& q, std::vector<int>& mine) {
    try {
        while (true) {
            mine.push_back(q.get());
            q.task_done();
        }
    } catch (const queue::ShutDown&) {
    }
}

int main() {
    threading::print("-- part 1: one producer, one consumer --");
    queue::Queue<int> q;

    threading::Thread producer_thread(producer, std::ref(q));
    threading::Thread consumer_thread(consumer, std::ref(q));

    consumer_thread.start();
    producer_thread.start();

    producer_thread.join();
    q.shutdown();  // Python 3.13: no more items; get() raises ShutDown once empty
    consumer_thread.join();
    const bool seed_ok = consumed == std::vector<int>{0, 1, 2, 3, 4};
    threading::print("consumed", consumed, "in order, each once:", seed_ok);

    threading::print("-- part 2: 2 producers, 3 consumers, a queue of at most 16 items --");
    queue::Queue<int> bounded(16);
    std::vector<std::vector<int>> got(3);
    std::deque<threading::Thread> consumers;
    for (auto& mine : got) {
        consumers.emplace_back(consume_all, std::ref(bounded), std::ref(mine)).start();
    }
    {
        threading::Thread p1(produce_range, std::ref(bounded), 0);
        threading::Thread p2(produce_range, std::ref(bounded), ITEMS_PER_PRODUCER);
        p1.start();
        p2.start();
        p1.join();
        p2.join();
    }
    bounded.join();      // every item put has been task_done()'d
    bounded.shutdown();  // now let the consumers go
    for (threading::Thread& t : consumers) {
        t.join();
    }

    std::vector<int> all;
    for (std::size_t c = 0; c < got.size(); ++c) {
        threading::print("consumer", c + 1, "got", got[c].size(), "items");
        all.insert(all.end(), got[c].begin(), got[c].end());
    }
    std::sort(all.begin(), all.end());
    std::vector<int> expected(2 * ITEMS_PER_PRODUCER);
    for (int i = 0; i < 2 * ITEMS_PER_PRODUCER; ++i) expected[i] = i;
    const bool many_ok = all == expected;
    threading::print("all", expected.size(), "items consumed, each exactly once:", many_ok);

    return seed_ok && many_ok ? 0 : 1;
}
