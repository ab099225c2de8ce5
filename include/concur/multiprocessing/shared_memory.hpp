// concur/multiprocessing/shared_memory.hpp -- Python's
// `multiprocessing.shared_memory` for C++.
//
//   #include <concur/multiprocessing/shared_memory.hpp>
//   namespace shm = concur::multiprocessing::shared_memory;
//
// SharedMemory (a named block any process can attach to) and ShareableList
// (a fixed-length list of None/int/float/bool/str/bytes in one, in Python's
// layout). Blocks left behind are unlinked by the program's resource tracker.
// See docs/multiprocessing.md.
#pragma once

#include <concur/exceptions.hpp>
#include <concur/multiprocessing/shared_memory/shareable_list.hpp>
#include <concur/multiprocessing/shared_memory/shared_memory.hpp>
