// concur/multiprocessing/shared_memory/shareable_list.hpp
// -----------------------------------------------------------------------------
// `concur::multiprocessing::shared_memory::ShareableList` mirrors Python's
// `multiprocessing.shared_memory.ShareableList(sequence=None, *, name=None)`:
// a fixed-length list of None, int, float, bool, str and bytes values in a
// SharedMemory block, readable and writable from every process that attaches.
// The layout is Python's, byte for byte: a Python program can attach to a
// list made here and the other way round.
//
//   ShareableList list({1, 2.5, "three", true, shm::None});   // creates
//   ShareableList same(std::nullopt, list.shm().name());      // attaches
//   list[2] = "tres";                  // a str or bytes must fit its slot
//   ShareableList::Item x = same[2];   // "tres"
//
// Items are `ShareableList::Item`, a std::variant of the Python types:
// std::monostate (None), std::int64_t (int), double (float), bool,
// std::string (str), Bytes (bytes). As in Python, the list cannot grow or
// shrink; each str/bytes slot is sized at creation (its length rounded up to
// a multiple of 8, 8 more when it is one; a str's length counted in code
// points as Python does, unless its UTF-8 bytes need more), and assigning a
// longer one raises ValueError; any other item fits any slot. Also as in Python, trailing NUL
// bytes of a str or bytes are not kept.
//
// A *handle*: copies refer to the same list; it travels through a Queue,
// Pipe or Pool (and to a spawn child) by name. Lifetime is its SharedMemory's:
// `list.shm().close()` / `list.shm().unlink()`.
//
// Thread-safety: the members are thread-safe in the sense that they never
// corrupt the object, but the items are not synchronised: a read racing with a
// write (here or in another process) may see a torn item. Guard with an
// mp::Lock, as in Python.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <concur/multiprocessing/shared_memory/shared_memory.hpp>

namespace concur::multiprocessing::shared_memory {

using Bytes = std::vector<std::byte>;
// Python's None, for ShareableList items.
inline constexpr std::monostate None{};

class ShareableList {
  public:
    using Item = std::variant<std::monostate, std::int64_t, double, bool, std::string, Bytes>;

    // A reference to one slot: assign an Item to write it, convert to Item to
    // read it (Python's `l[i] = v` and `l[i]`).
    class Reference {
      public:
        Reference& operator=(const Item& value) {
            list_->set(index_, value);
            return *this;
        }
        Reference& operator=(const Reference& other) { return *this = Item(other); }
        operator Item() const { return list_->get(index_); }
        bool operator==(const Item& value) const { return python_equal(Item(*this), value); }

      private:
        friend class ShareableList;
        Reference(const ShareableList* list, std::ptrdiff_t index) : list_(list), index_(index) {}
        const ShareableList* list_;
        std::ptrdiff_t index_;
    };

    // Creates a list holding `sequence` in a new SharedMemory block (named
    // `name`, or a new unique name). Raises ValueError for a str or bytes
    // item too long for Python's format (10,000,000 bytes or more) and what
    // SharedMemory raises.
    explicit ShareableList(const std::vector<Item>& sequence,
                           std::optional<std::string> name = std::nullopt);
    ShareableList(std::initializer_list<Item> sequence)
        : ShareableList(std::vector<Item>(sequence)) {}
    // Attaches to the list in block `name` (Python's ShareableList(name=...)).
    // FileNotFoundError if there is none; ValueError if the block does not
    // hold a ShareableList.
    ShareableList(std::nullopt_t, const std::string& name);
    // Refers to no list (deserialisation starts from it); size() is 0.
    ShareableList() noexcept = default;

    // Python's len(). Never blocks.
    std::size_t size() const noexcept { return length_; }
    // The item at `index` (negative counts from the end). IndexError when out
    // of range.
    Item get(std::ptrdiff_t index) const;
    // Writes the item at `index`. IndexError when out of range; ValueError
    // for a str or bytes longer than its slot.
    void set(std::ptrdiff_t index, const Item& value) const;
    Reference operator[](std::ptrdiff_t index) const { return Reference(this, index); }
    // Every item, in order (Python's list(l)).
    std::vector<Item> to_list() const;

    // How many items equal `value`, and the index of the first (ValueError
    // if none), with Python's equality: 1 == 1.0 == true.
    std::size_t count(const Item& value) const;
    std::size_t index(const Item& value) const;
    // Python's `format`: the struct format of the items ("qd8s?").
    std::string format() const;
    // The block the list lives in (a handle to it: list.shm().unlink()).
    SharedMemory shm() const noexcept { return shm_; }
    // Python's repr: "ShareableList([1, 2.5, 'three'], name='psm_1a2b3c4d')".
    std::string repr() const;

    // Python's `==` between items: numbers by value (1 == 1.0 == true),
    // str with str, bytes with bytes, None with None.
    static bool python_equal(const Item& a, const Item& b) noexcept;

    template <class Archive>
    void save(Archive& archive) const {
        archive(shm_.name());
    }
    template <class Archive>
    void load(Archive& archive) {
        std::string name;
        archive(name);
        *this = ShareableList(std::nullopt, name);
    }

  private:
    std::size_t slot(std::ptrdiff_t index, const char* what) const;
    std::span<std::byte> bytes() const { return shm_.buf(); }

    SharedMemory shm_;
    std::size_t length_ = 0;
    std::vector<std::int64_t> offsets_;  // Python's _allocated_offsets (length_ + 1)
};

}  // namespace concur::multiprocessing::shared_memory
