#include "strided.hpp"

#include <cstdlib>

namespace mf {

namespace {

void move_axis(Space& s, int from, int to) {
    int64_t len = s.shape[from];
    int64_t st[kMaxOperands];
    for (int o = 0; o < s.nops; ++o) st[o] = s.strides[o][from];
    for (int d = from; d > to; --d) {
        s.shape[d] = s.shape[d - 1];
        for (int o = 0; o < s.nops; ++o) s.strides[o][d] = s.strides[o][d - 1];
    }
    s.shape[to] = len;
    for (int o = 0; o < s.nops; ++o) s.strides[o][to] = st[o];
}

}  // namespace

void simplify(Space& s, int flags) {
    for (int d = 0; d < s.ndim; ++d)
        if (s.shape[d] == 0) return;  // nothing to iterate over

    int kept = 0;
    for (int d = 0; d < s.ndim; ++d) {
        if (s.shape[d] == 1) continue;
        s.shape[kept] = s.shape[d];
        for (int o = 0; o < s.nops; ++o) s.strides[o][kept] = s.strides[o][d];
        ++kept;
    }
    s.ndim = kept;

    if (flags & kFlipAxes) {
        for (int d = 0; d < s.ndim; ++d) {
            if (s.strides[0][d] >= 0) continue;
            for (int o = 0; o < s.nops; ++o) {
                s.data[o] += s.strides[o][d] * (s.shape[d] - 1);
                s.strides[o][d] = -s.strides[o][d];
            }
        }
    }
    if (flags & kSortAxes) {  // insertion sort, stable: largest |stride| outermost
        for (int d = 1; d < s.ndim; ++d) {
            int to = d;
            while (to > 0 && std::llabs(s.strides[0][to - 1]) < std::llabs(s.strides[0][d])) --to;
            if (to != d) move_axis(s, d, to);
        }
    }
    int out = 0;
    for (int d = 1; d < s.ndim; ++d) {
        bool mergeable = true;
        for (int o = 0; o < s.nops; ++o)
            mergeable &= s.strides[o][out] == s.strides[o][d] * s.shape[d];
        if (mergeable) {
            s.shape[out] *= s.shape[d];
            for (int o = 0; o < s.nops; ++o) s.strides[o][out] = s.strides[o][d];
        } else {
            ++out;
            s.shape[out] = s.shape[d];
            for (int o = 0; o < s.nops; ++o) s.strides[o][out] = s.strides[o][d];
        }
    }
    if (s.ndim > 0) s.ndim = out + 1;
}

}  // namespace mf
