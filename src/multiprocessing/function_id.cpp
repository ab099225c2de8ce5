// Function identity across processes of one binary (detail/function_id.hpp),
// through the dynamic loader's list of loaded objects.
#include <concur/multiprocessing/detail/function_id.hpp>

#include <link.h>

#include <cstring>

#include <concur/exceptions.hpp>

namespace concur::multiprocessing::detail {

namespace {

// The loaded object (name, load address) whose segments contain an address,
// or whose name is given.
struct Search {
    std::uintptr_t address = 0;         // find by address when nonzero
    const std::string* name = nullptr;  // else by name
    bool found = false;
    std::string object;
    std::uintptr_t base = 0;
};

int visit(dl_phdr_info* info, std::size_t, void* data) {
    auto& search = *static_cast<Search*>(data);
    // The main program is listed first, with an empty name.
    const char* name = info->dlpi_name != nullptr ? info->dlpi_name : "";
    if (search.address == 0) {
        if (*search.name != name) return 0;
        search.found = true;
        search.base = info->dlpi_addr;
        return 1;
    }
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& segment = info->dlpi_phdr[i];
        if (segment.p_type != PT_LOAD) continue;
        const std::uintptr_t start = info->dlpi_addr + segment.p_vaddr;
        if (search.address >= start && search.address < start + segment.p_memsz) {
            search.found = true;
            search.object = name;
            search.base = info->dlpi_addr;
            return 1;
        }
    }
    return 0;
}

// The main program's load address, found once per process (it never moves).
// A fork server finds it before its first fork (serve()), so that its
// children inherit it instead of walking the loader's list each: its lock
// and code are pages a new child would fault on.
std::uintptr_t main_program_base() noexcept {
    static const std::uintptr_t base = [] {
        const std::string main_program;
        Search search;
        search.name = &main_program;
        ::dl_iterate_phdr(visit, &search);
        return search.base;
    }();
    return base;
}

}  // namespace

FunctionId function_id(const void* address) {
    Search search;
    search.address = reinterpret_cast<std::uintptr_t>(address);
    ::dl_iterate_phdr(visit, &search);
    if (!search.found) throw ValueError("the function is in no loaded object");
    return FunctionId{search.object, search.address - search.base};
}

void* function_address(const FunctionId& id) {
    if (id.object.empty()) return reinterpret_cast<void*>(main_program_base() + id.offset);
    Search search;
    search.name = &id.object;
    ::dl_iterate_phdr(visit, &search);
    if (!search.found)
        throw ValueError("the object of a function, '" + id.object + "', is not loaded here");
    return reinterpret_cast<void*>(search.base + id.offset);
}

}  // namespace concur::multiprocessing::detail
