// The floating-point exception flags of the calling thread, as NumPy's
// NPY_FPE_* bits (what PyUFunc_GiveFloatingpointErrors takes).
//
// Kernels raise the flags by computing (C99 Annex F); the driver clears them
// before a call and collects them after, in every thread that ran a share
// (thread_pool.cpp). A kernel whose arithmetic cannot raise what NumPy reports
// (integer division by zero) calls fp_raise itself, as NumPy's loops call
// npy_set_floatstatus_divbyzero. On x86-64 the flags live in MXCSR: one
// instruction to read, one more to clear (the kernels never use the x87 unit).
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#else
#include <cfenv>
#endif

namespace mf {

enum FpStatus : int {
    kFpDivideByZero = 1,  // NPY_FPE_DIVIDEBYZERO
    kFpOverflow = 2,      // NPY_FPE_OVERFLOW
    kFpUnderflow = 4,     // NPY_FPE_UNDERFLOW
    kFpInvalid = 8,       // NPY_FPE_INVALID
};

#if defined(__x86_64__) || defined(__i386__)
// MXCSR's sticky flags: IE 0x1, DE 0x2 (denormal operand: NumPy ignores it),
// ZE 0x4, OE 0x8, UE 0x10, PE 0x20 (inexact: NumPy ignores it). Only NumPy's
// four are cleared, and only when one is set: writing MXCSR costs ~30 ns
// (measured, RESULTS.md), reading it ~1, and inexact is set nearly always.
constexpr unsigned kCsrFlags = 0x1d;

inline int fp_status() {
    const unsigned csr = _mm_getcsr();
    return (csr & 0x4 ? kFpDivideByZero : 0) | (csr & 0x8 ? kFpOverflow : 0) |
           (csr & 0x10 ? kFpUnderflow : 0) | (csr & 0x1 ? kFpInvalid : 0);
}

inline void fp_clear() {
    const unsigned csr = _mm_getcsr();
    if (csr & kCsrFlags) _mm_setcsr(csr & ~kCsrFlags);
}

// Sets the flags of `status` without trapping, whatever the exception masks.
inline void fp_raise(int status) {
    _mm_setcsr(_mm_getcsr() | (status & kFpDivideByZero ? 0x4u : 0) |
               (status & kFpOverflow ? 0x8u : 0) | (status & kFpUnderflow ? 0x10u : 0) |
               (status & kFpInvalid ? 0x1u : 0));
}
#else
inline int fp_status() {
    const int e = std::fetestexcept(FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW | FE_INVALID);
    return (e & FE_DIVBYZERO ? kFpDivideByZero : 0) | (e & FE_OVERFLOW ? kFpOverflow : 0) |
           (e & FE_UNDERFLOW ? kFpUnderflow : 0) | (e & FE_INVALID ? kFpInvalid : 0);
}

inline void fp_clear() { std::feclearexcept(FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW | FE_INVALID); }

inline void fp_raise(int status) {
    std::feraiseexcept((status & kFpDivideByZero ? FE_DIVBYZERO : 0) |
                       (status & kFpOverflow ? FE_OVERFLOW : 0) |
                       (status & kFpUnderflow ? FE_UNDERFLOW : 0) |
                       (status & kFpInvalid ? FE_INVALID : 0));
}
#endif

// The flags raised since the last clear, cleared.
inline int fp_take() {
    const int status = fp_status();
    if (status) fp_clear();
    return status;
}

}  // namespace mf
