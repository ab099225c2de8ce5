// concur/detail/demangle.hpp -- private: readable C++ type and symbol names.
#pragma once

#include <string>

namespace concur::detail {

// The demangled form of a mangled name (typeid(...).name(), a symbol); the
// input itself if it does not demangle.
std::string demangle(const char* mangled);

}  // namespace concur::detail
