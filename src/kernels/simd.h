// <immintrin.h> for the ISA-specific translation units. GCC 12 reports false
// -W(maybe-)uninitialized warnings inside its own AVX-512 headers (GCC bug 105593, the
// intrinsics start from an "undefined" register); they are silenced for the header only.
#pragma once
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif
