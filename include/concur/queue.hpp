// concur/queue.hpp -- Python's `queue` module for C++.
//
//   #include <concur/queue.hpp>
//   namespace queue = concur::queue;
//
// Queue<T>, LifoQueue<T>, PriorityQueue<T, Compare>, SimpleQueue<T>;
// exceptions Empty, Full, ShutDown (and ValueError from task_done).
// See docs/queue.md for the Python-to-C++ table.
#pragma once

#include <concur/exceptions.hpp>
#include <concur/queue/exceptions.hpp>
#include <concur/queue/lifo_queue.hpp>
#include <concur/queue/priority_queue.hpp>
#include <concur/queue/queue.hpp>
#include <concur/queue/simple_queue.hpp>
