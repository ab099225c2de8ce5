// concur/multiprocessing/detail/function_id.hpp -- private: naming a function
// so that another process running the same program can find it.
//
// Address space layout randomisation loads the program (and its shared
// libraries) at a different address in every process, so a function pointer
// cannot be sent as is. A FunctionId is the loaded object that contains the
// function (empty for the main program) and the function's offset from that
// object's load address: the same in every process of the same binary.
#pragma once

#include <cstdint>
#include <string>

namespace concur::multiprocessing::detail {

struct FunctionId {
    std::string object;        // the shared object's path; empty: the main program
    std::uint64_t offset = 0;  // from the object's load address

    template <class Archive>
    void serialize(Archive& archive) {
        archive(object, offset);
    }
    friend bool operator==(const FunctionId&, const FunctionId&) = default;
};

// The id of the function at `address`. ValueError when it lies in no loaded
// object.
FunctionId function_id(const void* address);
// The address of `id` in this process. ValueError when its object is not
// loaded here.
void* function_address(const FunctionId& id);

}  // namespace concur::multiprocessing::detail
