// L17 -- sending data between processes: Pipe and Queue (seed 001,
// multiprocessing_queue_pipe.py and "Multiprocessing Queue").
//
// The Python original for the Queue (the seed's run printed 4, 9 and 25, one
// a line):
//
//   import multiprocessing
//
//   def calc_square(numbers, q):
//       for n in numbers:
//           q.put(n*n)
//
//   if __name__ == "__main__":
//       numbers = [2,3,5]
//       q = multiprocessing.Queue()
//       p = multiprocessing.Process(target=calc_square, args=(numbers,q))
//       p.start()
//       p.join()
//       while q.empty() is False:
//           print(q.get())
//
// The seed names Pipe in the file's name but shows no code for it; the same
// program over a Pipe, as Python writes it:
//
//   def calc_square(numbers, conn):
//       for n in numbers:
//           conn.send(n*n)
//       conn.close()
//
//   if __name__ == "__main__":
//       numbers = [2,3,5]
//       parent_conn, child_conn = multiprocessing.Pipe()
//       p = multiprocessing.Process(target=calc_square, args=(numbers, child_conn))
//       p.start()
//       child_conn.close()
//       try:
//           while True:
//               print(parent_conn.recv())
//       except EOFError:
//           pass
//       p.join()
//
// What it shows: processes do not share variables (L15), but they can send
// each other values. A Queue (multiprocessing's, which "lives in shared
// memory", as the seed says, unlike queue.Queue, which lives in one process
// for its threads) takes put()s from any process and hands them to get()s in
// any process. A Pipe is a connection with two ends: what is sent on one end
// is received, whole and in order, on the other. When every copy of one end is
// closed, recv() on the other raises EOFError once the messages are read --
// which is why the parent closes its copy of the child's end right after
// start().
//
// C++ notes:
//  * mp::Pipe() returns the two Connections as a pair: a structured binding
//    is Python's tuple unpacking. conn.send(x) sends any serialisable value;
//    recv<int>() names the type it expects back.
//  * Connections, like Value and Array, are handles: passed to a Process they
//    refer to the same end of the pipe in the child.
//  * The Queue half is compiled only when <concur/multiprocessing/queue.hpp>
//    exists (multiprocessing.Queue is still being written); without it the
//    program says so. Like the other handles, the Queue is passed to the
//    child by value, and the loop is the seed's: empty() and get() after
//    join().
#include <concur/multiprocessing.hpp>
#include <concur/threading.hpp>

#include <vector>

#if __has_include(<concur/multiprocessing/queue.hpp>)
#include <concur/multiprocessing/queue.hpp>
#define L17_HAVE_MP_QUEUE 1
#else
#define L17_HAVE_MP_QUEUE 0
#endif

namespace mp = concur::multiprocessing;
namespace threading = concur::threading;

// --- over a Pipe -----------------------------------------------------------------

void calc_square_pipe(const std::vector<int>& numbers, mp::Connection conn) {
    for (int n : numbers) {
        conn.send(n * n);
    }
    conn.close();
}

std::vector<int> pipe_half() {
    threading::print("-- over a Pipe: the child sends, the parent receives until EOFError");
    std::vector<int> numbers{2, 3, 5};
    auto [parent_conn, child_conn] = mp::Pipe();
    mp::Process p(calc_square_pipe, numbers, child_conn);
    p.start();
    child_conn.close();  // the child has its own copy; now EOF comes when it closes it
    std::vector<int> received;
    try {
        for (;;) {
            const int square = parent_conn.recv<int>();
            threading::print(square);
            received.push_back(square);
        }
    } catch (const mp::EOFError&) {
        threading::print("EOFError: the child closed its end");
    }
    p.join();
    return received;
}

// --- over a Queue ----------------------------------------------------------------

#if L17_HAVE_MP_QUEUE
void calc_square_queue(const std::vector<int>& numbers, mp::Queue<int> q) {
    for (int n : numbers) {
        q.put(n * n);
    }
}

std::vector<int> queue_half() {
    threading::print("-- over a Queue: the child puts, the parent gets after join()");
    std::vector<int> numbers{2, 3, 5};
    mp::Queue<int> q;
    mp::Process p(calc_square_queue, numbers, q);
    p.start();
    p.join();
    std::vector<int> received;
    while (!q.empty()) {  // Python: while q.empty() is False:
        const int square = q.get();
        threading::print(square);
        received.push_back(square);
    }
    return received;
}
#endif

int main() {
    mp::freeze_support();

    const std::vector<int> expected{4, 9, 25};
    bool ok = pipe_half() == expected;
#if L17_HAVE_MP_QUEUE
    ok = queue_half() == expected && ok;
#else
    threading::print("-- over a Queue: not in this build yet (multiprocessing.Queue is coming)");
#endif
    if (!ok) {
        threading::print("FAILED: the parent did not receive [4, 9, 25]");
        return 1;
    }
    return 0;
}
