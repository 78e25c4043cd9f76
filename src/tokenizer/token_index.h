// Open-addressing hash index from token text to id. One flat array of (hash tag, id) slots:
// a lookup touches one cache line and then compares against the token's own string, which
// keeps building the 150k-token index and looking up BPE merges cheap (a node-based
// std::unordered_map spent most of the construction time chasing pointers).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace edgeseek {

class TokenIndex {
public:
    // Indexes texts (which must outlive the index and not move). A repeated string keeps its
    // first id.
    void build(const std::vector<std::string>& texts) {
        texts_ = &texts;
        size_t cap = 16;
        while (cap < texts.size() * 2) cap *= 2;  // load factor <= 0.5: short probe runs
        slots_.assign(cap, Slot{0, -1});
        mask_ = cap - 1;
        for (size_t i = 0; i < texts.size(); ++i) {
            const uint64_t h = hash(texts[i]);
            size_t s = h & mask_;
            for (; slots_[s].id >= 0; s = (s + 1) & mask_) {
                if (slots_[s].tag == tag(h) && texts[static_cast<size_t>(slots_[s].id)] == texts[i]) break;
            }
            if (slots_[s].id < 0) slots_[s] = Slot{tag(h), static_cast<int32_t>(i)};
        }
    }

    int32_t find(std::string_view key) const {
        if (slots_.empty()) return -1;
        const uint64_t h = hash(key);
        for (size_t s = h & mask_; slots_[s].id >= 0; s = (s + 1) & mask_) {
            if (slots_[s].tag == tag(h) && (*texts_)[static_cast<size_t>(slots_[s].id)] == key) return slots_[s].id;
        }
        return -1;
    }

private:
    struct Slot {
        uint32_t tag;  // high hash bits: most mismatches are rejected without touching the string
        int32_t id;    // -1: empty
    };
    static uint64_t hash(std::string_view s) { return std::hash<std::string_view>{}(s); }
    static uint32_t tag(uint64_t h) { return static_cast<uint32_t>(h >> 32); }

    const std::vector<std::string>* texts_ = nullptr;
    std::vector<Slot> slots_;
    size_t mask_ = 0;
};

}  // namespace edgeseek
