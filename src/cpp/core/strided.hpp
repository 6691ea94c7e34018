// Strided iteration spaces: shapes with one stride vector per operand, and
// their simplification to the fewest, longest loops (as NumPy's iterator
// does): length-1 axes dropped, axes ordered by the first operand's strides,
// negative strides flipped, adjacent axes merged where memory allows.
#pragma once

#include <cstdint>

namespace mf {

constexpr int kMaxDims = 64;      // NumPy 2's NPY_MAXDIMS
constexpr int kMaxOperands = 4;   // three inputs (where, clip) and an output

struct Space {
    int ndim = 0;
    int nops = 0;
    int64_t shape[kMaxDims];
    char* data[kMaxOperands];
    int64_t strides[kMaxOperands][kMaxDims];  // bytes; 0 where an operand is broadcast

    int64_t size() const {
        int64_t n = 1;
        for (int d = 0; d < ndim; ++d) n *= shape[d];
        return n;
    }
};

enum SimplifyFlags : int {
    kSortAxes = 1,   // reorder axes by the first operand's strides (largest outermost)
    kFlipAxes = 2,   // make the first operand's strides positive (shifting the bases)
};

// Drops length-1 axes, then (per flags) sorts and flips, then merges axes.
// An empty space (a zero-length axis) is left as it is.
void simplify(Space& space, int flags);

// Calls row(pointers, n, first) for each innermost run covering the flat
// indices [begin, end) of the space (C order over its axes); `first` is the
// flat index of the run's first element.
template <class Row>
void for_each_run(const Space& s, int64_t begin, int64_t end, const Row& row) {
    if (begin >= end) return;
    if (s.ndim == 0) {
        char* p[kMaxOperands];
        for (int o = 0; o < kMaxOperands; ++o) p[o] = s.data[o];
        row(p, int64_t(1), int64_t(0));
        return;
    }
    int64_t index[kMaxDims];
    int64_t flat = begin;
    for (int d = s.ndim - 1; d >= 0; --d) {
        index[d] = flat % s.shape[d];
        flat /= s.shape[d];
    }
    const int inner = s.ndim - 1;
    for (int64_t at = begin; at < end;) {
        char* p[kMaxOperands];
        for (int o = 0; o < s.nops; ++o) {
            p[o] = s.data[o];
            for (int d = 0; d < s.ndim; ++d) p[o] += index[d] * s.strides[o][d];
        }
        int64_t n = s.shape[inner] - index[inner];
        if (n > end - at) n = end - at;
        row(p, n, at);
        at += n;
        index[inner] += n;
        for (int d = inner; d > 0 && index[d] == s.shape[d]; --d) {
            index[d] = 0;
            ++index[d - 1];
        }
    }
}

}  // namespace mf
