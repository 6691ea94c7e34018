#include "reduce.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "../common/fp_status.hpp"
#include "../kernels/table.hpp"
#include "../common/states.hpp"
#include "thread_pool.hpp"

namespace mf {

namespace {

// Work is cut into pieces whose boundaries depend on shapes only, never on
// the number of threads: a result has the same bits with 1 thread or 64.
constexpr int64_t kChunk = int64_t(1) << 16;      // elements of a reduced run per task
constexpr int64_t kGather = 1024;                 // elements per gather buffer
constexpr int64_t kColumns = 1024;                // columns per outer-reduction task
constexpr int64_t kSlabElements = int64_t(1) << 20;  // elements per outer-reduction task
constexpr int64_t kParallelBytes = int64_t(1) << 20;  // below: one thread (see RESULTS.md)

template <class O>
void store(char* out, O value) {
    std::memcpy(out, &value, sizeof(O));
}

void gather(char* dst, const char* src, int64_t stride, int64_t n, int64_t size) {
    for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * size, src + i * stride, size);
}

// Returns the floating-point flags raised by other threads (see parallel_for).
template <class F>
int run_tasks(int64_t ntasks, bool parallel, F&& task) {
    if (parallel) return parallel_for(ntasks, task);
    for (int64_t t = 0; t < ntasks; ++t) task(t);
    return 0;
}

// ---- the families: their states, slabs and how they finish -------------------------

struct Context {
    Variant variant;
    int flags;
    double ddof;
    std::atomic<int>* warnings;
    void warn(int w) const { warnings->fetch_or(w, std::memory_order_relaxed); }
};

template <class T>
struct SumFamily {
    using State = SumState;
    static State empty() { return {}; }
    static State merge(const State& a, const State& b, int) { return mf::merge(a, b); }
    struct Slab {
        std::vector<double> f, count;
        std::vector<uint64_t> i;
        explicit Slab(int64_t m) : f(m, 0.0), count(m, 0.0), i(m, 0) {}
        SumSlab view() { return {f.data(), i.data(), count.data()}; }
        State get(int64_t j, int64_t rows, int flags) const {
            return {f[j], i[j], flags & kSkipNan ? count[j] : double(rows)};
        }
    };
    static void finish(const State& s, const Context& c, char* out) {
        if (c.variant == Variant::Mean) {
            // NumPy's 0 / 0 is NaN, with "invalid value encountered in divide"
            // after "Mean of empty slice" (nanmean: that one alone); the caller
            // names the division, so it is not done here.
            if (s.count == 0) c.warn(kWarnEmptyMean | (c.flags & kSkipNan ? 0 : kWarnDivideInvalid));
            double mean = s.count == 0 ? std::numeric_limits<double>::quiet_NaN() : s.f / s.count;
            if constexpr (std::is_same_v<T, float>) store(out, float(mean));
            else store(out, mean);
        } else if constexpr (is_float_v<T>) {
            store(out, T(s.f));
        } else {
            store(out, int64_t(s.i));  // modulo 2^64, as NumPy's int64 wraps
        }
    }
};

template <class T>
struct ProdFamily {
    using State = ProdState;
    static State empty() { return {}; }
    static State merge(const State& a, const State& b, int) { return mf::merge(a, b); }
    // Integers: i the product. Floats: f the product of the elements with
    // zeros, infinities and NaN as +-1, i the kProdZero | kProdInf bits seen.
    struct Slab {
        std::vector<double> f;
        std::vector<uint64_t> i;
        explicit Slab(int64_t m) : f(m, 1.0), i(m, is_float_v<T> ? 0 : 1) {}
        ProdSlab view() { return {f.data(), i.data()}; }
        State get(int64_t j, int64_t, int) const {
            if constexpr (is_float_v<T>) {
                const auto special = uint32_t(i[j]);
                return {prod_value(f[j], special), 1, special};
            } else {
                return {f[j], i[j], 0};
            }
        }
    };
    static void finish(const State& s, const Context&, char* out) {
        if constexpr (is_float_v<T>) store(out, T(s.f));
        else store(out, int64_t(s.i));
    }
};

template <class T>
constexpr T identity_for(bool high) {
    if constexpr (is_float_v<T>) return high ? -HUGE_VAL : HUGE_VAL;
    else return high ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max();
}

template <class T>
struct ExtremeFamily {
    using State = ExtremeState<T>;
    static State empty() { return {T{}, 0.0, 0.0}; }
    static State merge(const State& a, const State& b, int flags) {
        return merge_extreme(a, b, flags & kHigh);
    }
    struct Slab {
        std::vector<T> value;
        std::vector<double> nans;
        Slab(int64_t m, int flags) : value(m, identity_for<T>(flags & kHigh)), nans(m, 0.0) {}
        ExtremeSlab<T> view() { return {value.data(), nans.data()}; }
        State get(int64_t j, int64_t rows, int) const {
            return {value[j], double(rows) - nans[j], nans[j]};
        }
    };
    static void finish(const State& s, const Context& c, char* out) {
        if constexpr (is_float_v<T>) {
            bool skip = c.flags & kSkipNan;
            if (skip && s.count == 0) c.warn(kWarnAllNan);
            bool nan = skip ? s.count == 0 : s.nans > 0;
            store(out, nan ? std::numeric_limits<T>::quiet_NaN() : s.value);
        } else {
            store(out, s.value);
        }
    }
};

template <class T>
struct ArgFamily {
    using State = ArgState<T>;
    static State empty() { return {}; }
    static State merge(const State& a, const State& b, int flags) {
        return merge_arg(a, b, flags & kHigh);
    }
    struct Slab {
        std::vector<T> value;
        std::vector<int64_t> index;
        std::vector<uint8_t> nan;
        explicit Slab(int64_t m) : value(m, T{}), index(m, -1), nan(m, 0) {}
        ArgSlab<T> view() { return {value.data(), index.data(), nan.data()}; }
        State get(int64_t j, int64_t, int) const { return {value[j], index[j], nan[j] != 0}; }
    };
    static void finish(const State& s, const Context&, char* out) { store(out, s.index); }
};

template <class T>
struct MomentFamily {
    using State = MomentState;
    static State empty() { return {}; }
    static State merge(const State& a, const State& b, int) { return mf::merge(a, b); }
    struct Slab {
        std::vector<double> n, mean, m2;
        explicit Slab(int64_t m) : n(m, 0.0), mean(m, 0.0), m2(m, 0.0) {}
        MomentSlab view() { return {n.data(), mean.data(), m2.data()}; }
        State get(int64_t j, int64_t rows, int flags) const {
            return {flags & kSkipNan ? n[j] : double(rows), mean[j], m2[j]};
        }
    };
    static void finish(const State& s, const Context& c, char* out) {
        // As NumPy: var divides by max(n - ddof, 0) (so m2 / 0 is inf or NaN,
        // with NumPy's divide warning, which the caller names), nanvar of
        // floats gives NaN there (of integers it is var); both warn. Quiet
        // comparisons (isgreater ...): a NaN m2 or ddof raises no flag.
        const double dof = s.n - c.ddof;
        const double m2 = std::isgreater(s.m2, 0.0) ? s.m2 : 0.0;
        const bool no_dof = std::islessequal(dof, 0.0);
        if (no_dof) c.warn(kWarnDof);
        double var = no_dof ? (m2 > 0 ? HUGE_VAL : std::nan("")) : m2 / dof;
        if (no_dof && s.m2 == s.m2 && !(c.flags & kSkipNan))
            c.warn(m2 > 0 ? kWarnDivideByZero : kWarnDivideInvalid);
        // A NaN ddof (dof NaN) gives NaN, as NumPy's max(n - ddof, 0) does.
        if (s.m2 != s.m2 || dof != dof || (no_dof && (c.flags & kSkipNan))) var = std::nan("");
        double value = c.variant == Variant::Std ? std::sqrt(var) : var;
        if constexpr (std::is_same_v<T, float>) store(out, float(value));
        else store(out, value);
    }
};

// any, all, count_nonzero: SumFamily's states, i the nonzero elements, count
// all the elements (select_kernels.hpp); finished by variant.
template <class T>
struct CountFamily : SumFamily<T> {
    using State = SumState;
    static void finish(const State& s, const Context& c, char* out) {
        if (c.variant == Variant::High) store(out, uint8_t(s.i != 0));                    // any
        else if (c.variant == Variant::Low) store(out, uint8_t(double(s.i) == s.count));  // all
        else store(out, int64_t(s.i));                                                   // count
    }
};

// Merges states in the order they are added, pairwise (a binary counter):
// the error of a long sum grows with log(n), not n.
template <class F>
struct Tree {
    using State = typename F::State;
    union Slot {  // left uninitialised: a Tree is made per output, only `filled` slots are read
        State state;
        Slot() {}
    };
    Slot level[64];
    uint64_t filled = 0;
    int flags;
    explicit Tree(int f) : flags(f) {}
    void add(State s) {
        int l = 0;
        for (; filled >> l & 1; ++l) {
            s = F::merge(level[l].state, s, flags);
            filled &= ~(uint64_t(1) << l);
        }
        level[l].state = s;
        filled |= uint64_t(1) << l;
    }
    State total() const {
        State acc = F::empty();
        bool any = false;
        for (int l = 63; l >= 0; --l) {  // higher levels hold earlier elements
            if (!(filled >> l & 1)) continue;
            acc = any ? F::merge(acc, level[l].state, flags) : level[l].state;
            any = true;
        }
        return acc;
    }
};

// ---- the driver ----------------------------------------------------------------------

template <class T, class F>
struct Reducer {
    using State = typename F::State;
    const KernelTable& k;
    RowFn row;
    SlabFn slab;
    Context ctx;
    const char* base;   // the input's first element as given
    Space kept;         // operands: input, output
    Space red;          // operand: input
    int fp = 0;         // floating-point flags raised by worker threads

    // Folds the flat reduced indices [begin, end) starting at `at` (a kept
    // position's input address minus base) into `tree`.
    void fold_rows(const char* at, int64_t begin, int64_t end, Tree<F>& tree) const {
        const int inner = red.ndim - 1;
        const int64_t stride = red.ndim ? red.strides[0][inner] : 0;
        for_each_run(red, begin, end, [&](char* const* p, int64_t n, int64_t first) {
            const char* x = at + (p[0] - base);
            if (stride == int64_t(sizeof(T)) || n == 1) {
                add(tree, x, n, first);
                return;
            }
            alignas(64) char buffer[kGather * sizeof(T)];
            for (int64_t i = 0; i < n; i += kGather) {
                int64_t m = std::min(kGather, n - i);
                gather(buffer, x + i * stride, stride, m, sizeof(T));
                add(tree, buffer, m, first + i);
            }
        });
    }

    State row_state(const char* x, int64_t n, int64_t first) const {
        State s;
        row(x, n, ctx.flags, &s);
        if constexpr (std::is_same_v<State, ArgState<T>>) {
            if (s.index >= 0) s.index += first;
        }
        return s;
    }

    void add(Tree<F>& tree, const char* x, int64_t n, int64_t first) const {
        tree.add(row_state(x, n, first));
    }

    // The reduction of flat reduced indices [0, n) at a kept position: one
    // kernel call when they form one contiguous run (the common case).
    State reduce_at(const char* at, int64_t n) const {
        if (red.ndim == 1 && red.strides[0][0] == int64_t(sizeof(T)))
            return row_state(at + (red.data[0] - base), n, 0);
        Tree<F> tree(ctx.flags);
        fold_rows(at, 0, n, tree);
        return tree.total();
    }

    // Reduced axes hold the smallest stride: each output reduces its own runs.
    void inner(bool parallel) {
        const int64_t nk = kept.size(), nr = red.size();
        const int64_t nchunks = std::max<int64_t>(1, (nr + kChunk - 1) / kChunk);
        if (nchunks == 1) {
            const int64_t ntasks = parallel ? std::min<int64_t>(nk, 4 * num_threads()) : 1;
            fp |= run_tasks(ntasks, parallel, [&](int64_t t) {
                for_each_kept(nk * t / ntasks, nk * (t + 1) / ntasks, [&](const char* in, char* out) {
                    F::finish(reduce_at(in, nr), ctx, out);
                });
            });
            return;
        }
        std::vector<State> partial(nk * nchunks);
        fp |= run_tasks(nk * nchunks, parallel, [&](int64_t t) {
            const int64_t c = t % nchunks;
            for_each_kept(t / nchunks, t / nchunks + 1, [&](const char* in, char*) {
                Tree<F> tree(ctx.flags);
                fold_rows(in, c * kChunk, std::min(nr, (c + 1) * kChunk), tree);
                partial[t] = tree.total();
            });
        });
        int64_t j = 0;
        for_each_kept(0, nk, [&](const char*, char* out) {
            Tree<F> tree(ctx.flags);
            for (int64_t c = 0; c < nchunks; ++c) tree.add(partial[j * nchunks + c]);
            F::finish(tree.total(), ctx, out);
            ++j;
        });
    }

    // A kept axis holds the smallest stride: rows stream through per-column
    // accumulators (reducing axis 0 of a C array reads it row by row).
    void outer(bool parallel) {
        const int ki = kept.ndim - 1;
        const int64_t width = kept.shape[ki], k_stride = kept.strides[0][ki];
        const int64_t out_stride = kept.strides[1][ki];
        const int64_t nouter = kept.size() / width, nr = red.size();
        const int64_t nblocks = (width + kColumns - 1) / kColumns;
        const int64_t rows = std::max<int64_t>(16, kSlabElements / std::min(width, kColumns));
        const int64_t nchunks = std::max<int64_t>(1, (nr + rows - 1) / rows);
        const int64_t r_stride = red.ndim ? red.strides[0][red.ndim - 1] : 0;
        Space outer_kept = kept;  // the kept axes but the innermost
        outer_kept.ndim = ki;
        std::vector<State> partial(nchunks > 1 ? nouter * width * nchunks : 0);

        fp |= run_tasks(nouter * nblocks * nchunks, parallel, [&](int64_t t) {
            const int64_t c = t % nchunks, b = t / nchunks % nblocks, o = t / nchunks / nblocks;
            const int64_t j0 = b * kColumns, m = std::min(kColumns, width - j0);
            const int64_t begin = c * rows, end = std::min(nr, begin + rows);
            for_each_run(outer_kept, o, o + 1, [&](char* const* p, int64_t, int64_t) {
                const char* in = p[0] + j0 * k_stride;
                char* out = p[1] + j0 * out_stride;
                typename F::Slab acc = make_slab(m);
                auto view = acc.view();
                for_each_run(red, begin, end, [&](char* const* q, int64_t n, int64_t first) {
                    slab(in + (q[0] - base), r_stride, n, k_stride, m, ctx.flags, first - begin,
                         &view);
                });
                for (int64_t j = 0; j < m; ++j) {
                    State s = acc.get(j, end - begin, ctx.flags);
                    if constexpr (std::is_same_v<State, ArgState<T>>) {
                        if (s.index >= 0) s.index += begin;
                    }
                    if (nchunks == 1) F::finish(s, ctx, out + j * out_stride);
                    else partial[((o * width) + j0 + j) * nchunks + c] = s;
                }
            });
        });
        if (nchunks == 1) return;
        for (int64_t o = 0; o < nouter; ++o) {
            for_each_run(outer_kept, o, o + 1, [&](char* const* p, int64_t, int64_t) {
                for (int64_t j = 0; j < width; ++j) {
                    Tree<F> tree(ctx.flags);
                    for (int64_t c = 0; c < nchunks; ++c) tree.add(partial[(o * width + j) * nchunks + c]);
                    F::finish(tree.total(), ctx, p[1] + j * out_stride);
                }
            });
        }
    }

    typename F::Slab make_slab(int64_t m) const {
        if constexpr (std::is_constructible_v<typename F::Slab, int64_t, int>)
            return typename F::Slab(m, ctx.flags);
        else
            return typename F::Slab(m);
    }

    // Calls f(input address, output address) for kept positions [begin, end).
    template <class G>
    void for_each_kept(int64_t begin, int64_t end, const G& f) const {
        const int ki = kept.ndim - 1;
        const int64_t in_stride = kept.ndim ? kept.strides[0][ki] : 0;
        const int64_t out_stride = kept.ndim ? kept.strides[1][ki] : 0;
        for_each_run(kept, begin, end, [&](char* const* p, int64_t n, int64_t) {
            for (int64_t j = 0; j < n; ++j) f(p[0] + j * in_stride, p[1] + j * out_stride);
        });
    }
};

template <class T, class F>
Reported run(const ReduceCall& call, const ReductionSpec& spec, int flags) {
    const KernelTable& k = kernels();
    const int fam = static_cast<int>(spec.family), d = static_cast<int>(call.in);
    std::atomic<int> warnings{0};
    Reducer<T, F> r{k, k.row[fam][d], k.slab[fam][d],
                    Context{spec.variant, flags, call.ddof, &warnings}, call.data, {}, {}};
    r.kept.nops = 2;
    r.red.nops = 1;
    r.kept.data[0] = r.red.data[0] = const_cast<char*>(call.data);
    r.kept.data[1] = call.out;
    for (int a = 0; a < call.ndim; ++a) {
        Space& s = call.reduced[a] ? r.red : r.kept;
        s.shape[s.ndim] = call.shape[a];
        s.strides[0][s.ndim] = call.strides[a];
        if (!call.reduced[a]) s.strides[1][s.ndim] = call.out_strides[a];
        ++s.ndim;
    }
    const int64_t nk = r.kept.size(), nr = r.red.size();
    if (nk == 0) return {};
    // argmin/argmax number reduced elements in C order: their axes keep their order.
    const bool arg = spec.family == Family::Arg;
    simplify(r.kept, kSortAxes | kFlipAxes);
    simplify(r.red, arg ? 0 : kSortAxes | kFlipAxes);
    // An element's address is its kept position's address (flips of kept axes
    // included) plus its reduced run's offset from the input's first element
    // (flips of reduced axes included): see fold_rows and outer.

    const bool parallel = nk * nr * int64_t(sizeof(T)) >= kParallelBytes && num_threads() > 1;
    const int ki = r.kept.ndim - 1, ri = r.red.ndim - 1;
    const int64_t k_stride = ki >= 0 ? std::llabs(r.kept.strides[0][ki]) : 0;
    const int64_t r_stride = ri >= 0 ? std::llabs(r.red.strides[0][ri]) : 0;
    const bool outer = nr > 0 && ki >= 0 && ri >= 0 && k_stride < r_stride && r.kept.shape[ki] >= 8;
    fp_clear();
    if (outer) r.outer(parallel);
    else r.inner(parallel);
    int fp = r.fp | fp_take();
    // min, max and their arg forms do no arithmetic: their only flag is the
    // invalid of an ordered comparison with NaN, where NumPy compares quietly.
    if (spec.family == Family::Extreme || spec.family == Family::Arg) fp = 0;
    // prod decides zeros, infinities and NaN by the elements, not through
    // inf * 0 (DECISIONS.md): its flags for those would be its own, not NumPy's.
    if (spec.family == Family::Prod) fp &= ~kFpInvalid;
    return {warnings.load(), fp};
}

template <class T>
Reported run_family(const ReduceCall& call) {
    const ReductionSpec& spec = mf::spec(call.op);
    int flags = 0;
    if (spec.skip_nan && is_float_v<T>) flags |= kSkipNan;  // integers have no NaN to skip
    if (spec.variant == Variant::High) flags |= kHigh;
    if (spec.variant == Variant::Mean) flags |= kFloatAcc;
    switch (spec.family) {
        case Family::Sum: return run<T, SumFamily<T>>(call, spec, flags);
        case Family::Prod: return run<T, ProdFamily<T>>(call, spec, flags);
        case Family::Extreme: return run<T, ExtremeFamily<T>>(call, spec, flags);
        case Family::Arg: return run<T, ArgFamily<T>>(call, spec, flags);
        case Family::Logical:
        case Family::Count: return run<T, CountFamily<T>>(call, spec, flags);
        case Family::Moments: break;
    }
    return run<T, MomentFamily<T>>(call, spec, flags);
}

template <class T, class F>
Reported finish_family(const ReductionSpec& spec, int flags, double ddof, const char* states,
                       int64_t n, const int64_t* first, char* out) {
    using State = typename F::State;
    std::atomic<int> warnings{0};
    const Context ctx{spec.variant, flags, ddof, &warnings};
    Tree<F> tree(flags);
    for (int64_t i = 0; i < n; ++i) {
        State s;
        std::memcpy(static_cast<void*>(&s), states + i * int64_t(sizeof(State)), sizeof(State));
        if constexpr (std::is_same_v<State, ArgState<T>>) {
            if (s.index >= 0) s.index += first[i];
        }
        tree.add(s);
    }
    F::finish(tree.total(), ctx, out);
    return {warnings.load(), 0};
}

// Calls f(T{}, F{}, spec, flags) with the family and flags reduce() uses for op on in.
template <class G>
auto visit_family(Reduction op, DType in, G&& f) {
    return visit_dtype(in, [&](auto tag) {
        using T = StorageOf<decltype(tag)>;
        const ReductionSpec& spec = mf::spec(op);
        int flags = 0;
        if (spec.skip_nan && is_float_v<T>) flags |= kSkipNan;
        if (spec.variant == Variant::High) flags |= kHigh;
        if (spec.variant == Variant::Mean) flags |= kFloatAcc;
        switch (spec.family) {
            case Family::Sum: return f(T{}, SumFamily<T>{}, spec, flags);
            case Family::Prod: return f(T{}, ProdFamily<T>{}, spec, flags);
            case Family::Extreme: return f(T{}, ExtremeFamily<T>{}, spec, flags);
            case Family::Arg: return f(T{}, ArgFamily<T>{}, spec, flags);
            case Family::Logical:
            case Family::Count: return f(T{}, CountFamily<T>{}, spec, flags);
            case Family::Moments: break;
        }
        return f(T{}, MomentFamily<T>{}, spec, flags);
    });
}

}  // namespace

RowStates row_states(Reduction op, DType in) {
    return visit_family(op, in, [](auto, auto family, const ReductionSpec&, int flags) {
        return RowStates{int64_t(sizeof(typename decltype(family)::State)), flags};
    });
}

Reported finish_states(Reduction op, DType in, double ddof, const char* states, int64_t n,
                       const int64_t* first, char* out) {
    return visit_family(op, in, [&](auto tag, auto family, const ReductionSpec& spec, int flags) {
        return finish_family<decltype(tag), decltype(family)>(spec, flags, ddof, states, n, first,
                                                              out);
    });
}

Reported reduce(const ReduceCall& call) {
    // bool reduces as its bytes (uint8_t): the table's bool slots hold uint8_t kernels.
    return visit_dtype(call.in, [&](auto tag) { return run_family<StorageOf<decltype(tag)>>(call); });
}

int dot(DType in, const char* a, int64_t a_stride, const char* b, int64_t b_stride, int64_t n,
        char* out) {
    const KernelTable& k = kernels();
    DotFn fn = k.dot[static_cast<int>(in)];
    const int64_t size = itemsize(in);
    const int64_t nchunks = std::max<int64_t>(1, (n + kChunk - 1) / kChunk);
    std::vector<SumState> partial(nchunks);
    fp_clear();
    const int workers = run_tasks(nchunks, n * size * 2 >= kParallelBytes, [&](int64_t c) {
        const int64_t begin = c * kChunk, end = std::min(n, begin + kChunk);
        SumState total;
        if (a_stride == size && b_stride == size) {  // contiguous: one kernel call
            fn(a + begin * size, b + begin * size, end - begin, &total);
            partial[c] = total;
            return;
        }
        for (int64_t i = begin; i < end; i += kGather) {
            const int64_t m = std::min(kGather, end - i);
            alignas(64) char abuf[kGather * 8], bbuf[kGather * 8];
            const char* pa = a + i * a_stride;
            const char* pb = b + i * b_stride;
            if (a_stride != size) {
                gather(abuf, pa, a_stride, m, size);
                pa = abuf;
            }
            if (b_stride != size) {
                gather(bbuf, pb, b_stride, m, size);
                pb = bbuf;
            }
            SumState s;
            fn(pa, pb, m, &s);
            total = merge(total, s);
        }
        partial[c] = total;
    });
    struct DotFamily {
        using State = SumState;
        static State empty() { return {}; }
        static State merge(const State& x, const State& y, int) { return mf::merge(x, y); }
    };
    Tree<DotFamily> tree(0);
    for (const SumState& s : partial) tree.add(s);
    SumState s = tree.total();
    visit_dtype(in, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (is_float_v<T>) store(out, T(s.f));
        else store(out, T(s.i));  // modulo 2^bits, as NumPy's integer dot wraps
        return 0;
    });
    return workers | fp_take();
}

}  // namespace mf
