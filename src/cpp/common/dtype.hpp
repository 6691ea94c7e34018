// The dtypes the kernels cover, and their C++ types.
#pragma once

#include <cstdint>

namespace mf {

// bool is only an input to reductions.
enum class DType : int { b1 = 0, i32, i64, f32, f64 };
constexpr int kNumDTypes = 5;

// The bit of `d` in a mask of dtypes (an op row's input dtypes, mf_ops.def).
constexpr uint32_t dtype_bit(DType d) { return 1u << static_cast<int>(d); }

constexpr int64_t itemsize(DType d) {
    return d == DType::b1 ? 1 : (d == DType::i32 || d == DType::f32) ? 4 : 8;
}

constexpr const char* dtype_name(DType d) {
    constexpr const char* names[] = {"bool", "int32", "int64", "float32", "float64"};
    return names[static_cast<int>(d)];
}

template <DType D> struct CType;
template <> struct CType<DType::b1> { using type = uint8_t; };  // NumPy's bool is one byte, 0 or 1
template <> struct CType<DType::i32> { using type = int32_t; };
template <> struct CType<DType::i64> { using type = int64_t; };
template <> struct CType<DType::f32> { using type = float; };
template <> struct CType<DType::f64> { using type = double; };

// Calls f(tag) with the C type of `d`: f(T{}) for T in the five types.
template <class F>
auto visit_dtype(DType d, F&& f) {
    switch (d) {
        case DType::b1: return f(uint8_t{});
        case DType::i32: return f(int32_t{});
        case DType::i64: return f(int64_t{});
        case DType::f32: return f(float{});
        case DType::f64: break;
    }
    return f(double{});
}

}  // namespace mf
