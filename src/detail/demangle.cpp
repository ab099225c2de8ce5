// src/detail/demangle.cpp -- demangle(): readable C++ type names for exception reports and repr().
#include <concur/detail/demangle.hpp>

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace concur::detail {

std::string demangle(const char* mangled) {
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> text(
        abi::__cxa_demangle(mangled, nullptr, nullptr, &status), &std::free);
    return status == 0 && text ? std::string(text.get()) : std::string(mangled);
}

}  // namespace concur::detail
