// The dtypes the kernels cover, and their C++ types.
#pragma once

#include <cstdint>
#include <type_traits>

namespace mf {

// NumPy's real dtypes but float16, in NumPy's order (_ops.ALL_DTYPES).
enum class DType : int { b1 = 0, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64 };
constexpr int kNumDTypes = 11;

// The bit of `d` in a mask of dtypes (an op row's input dtypes, mf_ops.def).
constexpr uint32_t dtype_bit(DType d) { return 1u << static_cast<int>(d); }

constexpr int64_t itemsize(DType d) {
    constexpr int64_t sizes[] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8};
    return sizes[static_cast<int>(d)];
}

constexpr const char* dtype_name(DType d) {
    constexpr const char* names[] = {"bool",  "int8",   "int16",  "int32",   "int64",  "uint8",
                                     "uint16", "uint32", "uint64", "float32", "float64"};
    return names[static_cast<int>(d)];
}

// C++'s bool is NumPy's: one byte, 0 or 1, and arithmetic on it converts back
// as NumPy's bool loops compute (bool + bool is logical or, bool * bool and).
// Reductions read it as uint8_t (StorageOf): the same bytes, and a type GCC's
// vector extensions take.
template <DType D> struct CType;
template <> struct CType<DType::b1> { using type = bool; };
template <> struct CType<DType::i8> { using type = int8_t; };
template <> struct CType<DType::i16> { using type = int16_t; };
template <> struct CType<DType::i32> { using type = int32_t; };
template <> struct CType<DType::i64> { using type = int64_t; };
template <> struct CType<DType::u8> { using type = uint8_t; };
template <> struct CType<DType::u16> { using type = uint16_t; };
template <> struct CType<DType::u32> { using type = uint32_t; };
template <> struct CType<DType::u64> { using type = uint64_t; };
template <> struct CType<DType::f32> { using type = float; };
template <> struct CType<DType::f64> { using type = double; };

// The type reductions and scans read a C type's elements as (bool: its bytes).
template <class T>
using StorageOf = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;

// Calls f(tag) with the C type of `d`: f(T{}) for CType<d>.
template <class F>
auto visit_dtype(DType d, F&& f) {
    switch (d) {
        case DType::b1: return f(bool{});
        case DType::i8: return f(int8_t{});
        case DType::i16: return f(int16_t{});
        case DType::i32: return f(int32_t{});
        case DType::i64: return f(int64_t{});
        case DType::u8: return f(uint8_t{});
        case DType::u16: return f(uint16_t{});
        case DType::u32: return f(uint32_t{});
        case DType::u64: return f(uint64_t{});
        case DType::f32: return f(float{});
        case DType::f64: break;
    }
    return f(double{});
}

}  // namespace mf
