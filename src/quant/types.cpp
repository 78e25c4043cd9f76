#include "quant/types.h"

#include <array>
#include <cctype>
#include <cmath>

#include "core/error.h"
#include "quant/traits_decl.h"

namespace edgeseek {
namespace {

// Types ggml defines that edgeseek does not compute with (yet): named, so errors can say which.
TypeTraits named(const char* name, int64_t block, size_t size) {
    TypeTraits t;
    t.name = name;
    t.block_size = block;
    t.type_size = size;
    t.quantized = block > 1;
    return t;
}

struct Table {
    std::array<TypeTraits, 40> t{};
    Table() {
        auto set = [&](GgmlType id, const TypeTraits& tr) { t[static_cast<size_t>(id)] = tr; };
        set(GgmlType::F32, kTraitsF32);
        set(GgmlType::F16, kTraitsF16);
        set(GgmlType::BF16, kTraitsBF16);
        set(GgmlType::Q8_0, kTraitsQ8_0);
        set(GgmlType::Q4_0, kTraitsQ4_0);
        set(GgmlType::Q4_1, kTraitsQ4_1);
        set(GgmlType::Q5_0, kTraitsQ5_0);
        set(GgmlType::Q5_1, kTraitsQ5_1);
        set(GgmlType::Q8_1, kTraitsQ8_1);
        set(GgmlType::Q2_K, kTraitsQ2_K);
        set(GgmlType::Q3_K, kTraitsQ3_K);
        set(GgmlType::Q4_K, kTraitsQ4_K);
        set(GgmlType::Q5_K, kTraitsQ5_K);
        set(GgmlType::Q6_K, kTraitsQ6_K);
        set(GgmlType::Q8_K, kTraitsQ8_K);
        set(GgmlType::IQ2_XXS, named("iq2_xxs", 256, 66));
        set(GgmlType::IQ2_XS, named("iq2_xs", 256, 74));
        set(GgmlType::IQ3_XXS, named("iq3_xxs", 256, 98));
        set(GgmlType::IQ1_S, named("iq1_s", 256, 50));
        set(GgmlType::IQ4_NL, kTraitsIQ4_NL);
        set(GgmlType::IQ3_S, named("iq3_s", 256, 110));
        set(GgmlType::IQ2_S, named("iq2_s", 256, 82));
        set(GgmlType::IQ4_XS, kTraitsIQ4_XS);
        set(GgmlType::I8, named("i8", 1, 1));
        set(GgmlType::I16, named("i16", 1, 2));
        set(GgmlType::I32, named("i32", 1, 4));
        set(GgmlType::I64, named("i64", 1, 8));
        set(GgmlType::F64, named("f64", 1, 8));
        set(GgmlType::IQ1_M, named("iq1_m", 256, 56));
        set(GgmlType::TQ1_0, named("tq1_0", 256, 54));
        set(GgmlType::TQ2_0, named("tq2_0", 256, 66));
    }
};

const Table& table() {
    static const Table tbl;
    return tbl;
}

}  // namespace

const TypeTraits* type_traits_by_id(uint32_t id) {
    if (id >= table().t.size() || table().t[id].name == nullptr) return nullptr;
    return &table().t[id];
}

const TypeTraits* type_traits(GgmlType t) { return type_traits_by_id(static_cast<uint32_t>(t)); }

std::string type_name(GgmlType t) {
    const TypeTraits* tr = type_traits(t);
    return tr ? tr->name : "type#" + std::to_string(static_cast<uint32_t>(t));
}

std::optional<GgmlType> type_from_name(const std::string& name) {
    for (uint32_t i = 0; i < table().t.size(); ++i) {
        const char* n = table().t[i].name;
        if (!n) continue;
        std::string a = n, b = name;
        for (auto& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (auto& c : b) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (a == b) return static_cast<GgmlType>(i);
    }
    return std::nullopt;
}

bool type_supported(GgmlType t) {
    const TypeTraits* tr = type_traits(t);
    return tr && tr->to_float && tr->vec_dot;
}

size_t row_size(GgmlType t, int64_t n) {
    const TypeTraits* tr = type_traits(t);
    return static_cast<size_t>(n / tr->block_size) * tr->type_size;
}

void check_finite(const float* x, int64_t n, const std::string& where) {
    for (int64_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i])) {
            throw Error("value " + std::to_string(i) + " is " + (std::isnan(x[i]) ? "NaN" : "infinite"),
                        where, "the source weights are corrupt; quantizing them would hide that");
        }
    }
}

}  // namespace edgeseek
