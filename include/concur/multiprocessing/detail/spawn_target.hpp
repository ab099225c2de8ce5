// concur/multiprocessing/detail/spawn_target.hpp -- private: a Process target
// in the form a spawned or forkserver child can run.
//
// The payload names two functions by FunctionId (function_id.hpp): an entry
// point instantiated for the target's exact type and argument types, and the
// target itself; the serialised arguments follow. The child resolves the
// entry, which deserialises the arguments (inside the FdReceiveScope that
// gives handles their descriptors) and calls the target. It is built when the
// Process is constructed, the only place that knows the argument types, and is
// empty -- with the reason -- when the target cannot cross an exec: a lambda
// with captures, a generic lambda, a function object, an argument that is not
// serialisable.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <concur/multiprocessing/detail/remote_call.hpp>

namespace concur::multiprocessing::detail {

struct SpawnTarget {
    // Appends the entry's and the target's ids and the arguments to `out`
    // (handles inside an FdSendScope). Empty when the target cannot be
    // spawned.
    std::function<void(Bytes& out)> payload;
    // Why it cannot (for the ValueError start() raises under spawn).
    std::string why_not;
};

// What the child calls: deserialises the arguments from `in` and calls
// `target` with them.
using SpawnEntry = void (*)(void* target, std::span<const std::byte>& in);

template <class Fp, class... A>
void spawn_entry(void* target, std::span<const std::byte>& in) {
    auto* fn = reinterpret_cast<Fp>(target);
    // A braced list evaluates left to right: the arguments in order.
    std::tuple<A...> args{load<A>(in)...};
    std::apply(fn, std::move(args));
}

template <class F, class... Args>
SpawnTarget make_spawn_target(const F& target, const Args&... args) {
    using D = std::decay_t<F>;
    using Fp = decltype(as_function_pointer<D>());
    if constexpr (std::is_void_v<Fp>) {
        return SpawnTarget{{},
                           "the target must be a function or a lambda without captures (it "
                           "crosses an exec by name)"};
    } else if constexpr (!(Serialisable<std::decay_t<Args>> && ...)) {
        return SpawnTarget{{},
                           "every argument must be serialisable (trivially copyable, or with a "
                           "cereal serialize() member)"};
    } else {
        Fp fn;
        if constexpr (std::is_pointer_v<D>)
            fn = target;
        else
            fn = +target;
        SpawnEntry entry = &spawn_entry<Fp, std::decay_t<Args>...>;
        return SpawnTarget{[fn, entry, args...](Bytes& out) {
                               dump(out, function_id(reinterpret_cast<const void*>(entry)));
                               dump(out, function_id(reinterpret_cast<const void*>(fn)));
                               (dump(out, args), ...);
                           },
                           {}};
    }
}

}  // namespace concur::multiprocessing::detail
