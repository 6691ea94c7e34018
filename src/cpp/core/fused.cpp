#include "fused.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <memory>
#include <memory_resource>
#include <type_traits>

#include "../common/fp_status.hpp"
#include "cpu_features.hpp"
#include "reduce.hpp"
#include "thread_pool.hpp"

namespace mf {

namespace {

// Elements per block: a register's block buffer of doubles is 16 KiB, so the
// few live at once stay in L1/L2 while every kernel call is long enough to
// hide its own overhead.
constexpr int64_t kBlock = 2048;
constexpr int64_t kSlotBytes = kBlock * 8;
// As the single ops (elementwise.cpp): below this much work one thread;
// above it, tasks of at least kMinTask elements, a few per thread.
constexpr int64_t kParallelBytes = int64_t(1) << 20;
constexpr int64_t kMinTask = 16384;

// A run's bookkeeping (a dozen small vectors) comes from an arena on the
// calling thread's stack: malloc and free were a fifth of a 1e3-element call.
template <class T>
using Vec = std::pmr::vector<T>;
constexpr size_t kArenaBytes = 16384;

// ---- casts: ndarray.astype(casting="unsafe") as NumPy does it on x86-64 ----------------
//
// Floats to integers truncate where the value fits; elsewhere NumPy gives what
// the SSE conversions give (measured, tests/test_fuse_cpp.py): the 32-bit
// conversion's 0x80000000 for NaN and out-of-range values, its low bits for
// 8- and 16-bit targets; uint32/uint64 convert x - 2^31 / x - 2^63 above
// 2^31 / 2^63 and flip the top bit. Out-of-range values raise invalid ("invalid
// value encountered in cast"). The conversions themselves only ever see values
// in range (C++ leaves the others undefined).

constexpr double k2p31 = 2147483648.0;
constexpr double k2p63 = 9223372036854775808.0;

inline int32_t convert32(double x, int& bad) {
    const bool ok = x > -2147483649.0 && x < k2p31;
    bad |= !ok;
    const int32_t v = static_cast<int32_t>(ok ? x : 0.0);
    return ok ? v : std::numeric_limits<int32_t>::min();
}

inline int64_t convert64(double x, int& bad) {
    const bool ok = x >= -k2p63 && x < k2p63;
    bad |= !ok;
    const int64_t v = static_cast<int64_t>(ok ? x : 0.0);
    return ok ? v : std::numeric_limits<int64_t>::min();
}

template <class To>
To integer_from(double x, int& bad) {
    if constexpr (std::is_same_v<To, int64_t>) {
        return convert64(x, bad);
    } else if constexpr (std::is_same_v<To, uint64_t>) {
        const bool high = x >= k2p63;
        return static_cast<uint64_t>(convert64(high ? x - k2p63 : x, bad)) ^
               (high ? uint64_t(1) << 63 : uint64_t(0));
    } else if constexpr (std::is_same_v<To, uint32_t>) {
        const bool high = x >= k2p31;
        return static_cast<uint32_t>(convert32(high ? x - k2p31 : x, bad)) ^ (high ? 0x80000000u : 0u);
    } else {  // int32, and 8/16 bits: the 32-bit conversion's low bits
        return static_cast<To>(static_cast<uint32_t>(convert32(x, bad)));
    }
}

template <class From, class To>
void cast_loop(const void* in, void* out, int64_t n) {
    const From* a = static_cast<const From*>(in);
    To* o = static_cast<To*>(out);
    if constexpr (std::is_same_v<To, bool>) {
        for (int64_t i = 0; i < n; ++i) o[i] = a[i] != 0;  // NaN is true
    } else if constexpr (std::is_floating_point_v<From> && !std::is_floating_point_v<To>) {
        int bad = 0;
        for (int64_t i = 0; i < n; ++i) o[i] = integer_from<To>(static_cast<double>(a[i]), bad);
        if (bad) fp_raise(kFpInvalid);
    } else {
        for (int64_t i = 0; i < n; ++i) o[i] = static_cast<To>(a[i]);
    }
}

UnaryFn cast_fn(DType from, DType to) {
    return visit_dtype(from, [&](auto f) {
        return visit_dtype(to, [](auto t) {
            return static_cast<UnaryFn>(cast_loop<decltype(f), decltype(t)>);
        });
    });
}

// ---- copies -------------------------------------------------------------------------

template <int64_t Size>
void strided_copy_n(char* dst, int64_t ds, const char* src, int64_t ss, int64_t n) {
    for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * ds, src + i * ss, Size);
}

// n elements of `size` bytes from src (stride ss) to dst (stride ds).
void strided_copy(char* dst, int64_t ds, const char* src, int64_t ss, int64_t n, int64_t size) {
    if (ds == size && ss == size) {
        std::memcpy(dst, src, n * size);
        return;
    }
    switch (size) {
        case 1: return strided_copy_n<1>(dst, ds, src, ss, n);
        case 2: return strided_copy_n<2>(dst, ds, src, ss, n);
        case 4: return strided_copy_n<4>(dst, ds, src, ss, n);
        default: return strided_copy_n<8>(dst, ds, src, ss, n);
    }
}

bool has_kernel(const FusedStep& s, const KernelTable& k) {
    switch (s.kind) {
        case StepKind::Binary: return k.binary[s.op][int(s.loop)].vv != nullptr;
        case StepKind::Unary: return k.unary[s.op][int(s.loop)].v != nullptr;
        case StepKind::Ternary: return k.ternary[s.op][int(s.loop)] != nullptr;
        case StepKind::Cast: break;
    }
    return true;
}

DType kernel_result(const FusedStep& s) {
    switch (s.kind) {
        case StepKind::Binary: return result_dtype(Binary(s.op), s.loop);
        case StepKind::Unary: return result_dtype(Unary(s.op), s.loop);
        case StepKind::Ternary: return result_dtype(Ternary(s.op), s.loop);
        case StepKind::Cast: break;
    }
    return s.dtype;
}

const char* step_name(const FusedStep& s) {
    switch (s.kind) {
        case StepKind::Binary: return spec(Binary(s.op)).name;
        case StepKind::Unary: return spec(Unary(s.op)).name;
        case StepKind::Ternary: return spec(Ternary(s.op)).name;
        case StepKind::Cast: break;
    }
    return "cast";
}

// ---- the iteration space ------------------------------------------------------------

// Operands: the arrays, then the register outputs, then the temporaries of
// one-axis reductions. Axes of length 1 dropped, (optionally) sorted by a lead
// operand's strides, adjacent ones merged where every operand allows; then the
// space is cut into blocks whose boundaries depend on the shape only.
struct Layout {
    int ndim = 0;
    int nops = 0;
    int64_t shape[kMaxDims];
    Vec<const char*> base;
    Vec<int64_t> strides;  // nops x ndim
    int64_t inner = 1, nrows = 1;
    int64_t per_row = 1;  // blocks per row (rows of kBlock or more)
    int64_t rows_per_block = 1;
    int64_t nblocks = 0;

    explicit Layout(std::pmr::memory_resource* m) : base(m), strides(m) {}

    int64_t stride(int o, int d) const { return strides[o * kMaxDims + d]; }
    int64_t inner_stride(int o) const { return stride(o, ndim - 1); }

    // Byte offset of row r's first element of operand o.
    int64_t row_offset(int o, int64_t r) const {
        int64_t off = 0;
        for (int d = ndim - 2; d >= 0 && r; --d) {
            off += (r % shape[d]) * stride(o, d);
            r /= shape[d];
        }
        return off;
    }
};

void make_layout(Layout& L, int ndim, const int64_t* shape, int nops,
                 const int64_t* const* strides, const char* const* base, int lead) {
    L.nops = nops;
    L.base.assign(base, base + nops);
    L.strides.assign(size_t(nops) * kMaxDims, 0);
    int axes[kMaxDims];
    int n = 0;
    for (int d = 0; d < ndim; ++d)
        if (shape[d] != 1) axes[n++] = d;
    if (lead >= 0) {
        const int64_t* s = strides[lead];
        std::stable_sort(axes, axes + n, [&](int a, int b) {
            return std::llabs(s[a]) > std::llabs(s[b]);
        });
    }
    L.ndim = 0;
    for (int i = 0; i < n; ++i) {
        const int d = axes[i];
        if (L.ndim > 0) {  // merge into the previous axis where every operand allows
            const int p = L.ndim - 1;
            bool merge = true;
            for (int o = 0; o < nops && merge; ++o)
                merge = L.strides[o * kMaxDims + p] == strides[o][d] * shape[d];
            if (merge) {
                L.shape[p] *= shape[d];
                for (int o = 0; o < nops; ++o) L.strides[o * kMaxDims + p] = strides[o][d];
                continue;
            }
        }
        L.shape[L.ndim] = shape[d];
        for (int o = 0; o < nops; ++o) L.strides[o * kMaxDims + L.ndim] = strides[o][d];
        ++L.ndim;
    }
    if (L.ndim == 0) {  // one element
        L.ndim = 1;
        L.shape[0] = 1;
    }
    L.inner = L.shape[L.ndim - 1];
    L.nrows = 1;
    for (int d = 0; d < L.ndim - 1; ++d) L.nrows *= L.shape[d];
    if (L.inner >= kBlock) {
        L.per_row = (L.inner + kBlock - 1) / kBlock;
        L.rows_per_block = 1;
        L.nblocks = L.nrows * L.per_row;
    } else {
        L.per_row = 1;
        L.rows_per_block = kBlock / L.inner;
        L.nblocks = (L.nrows + L.rows_per_block - 1) / L.rows_per_block;
    }
}

// One block: rows [row, row + rows), elements [start, start + width) of each.
struct Block {
    int64_t row, rows, start, width;
    int64_t size() const { return rows * width; }
};

Block block_at(const Layout& L, int64_t b) {
    if (L.per_row > 1 || L.inner >= kBlock) {
        const int64_t row = b / L.per_row, start = (b % L.per_row) * kBlock;
        return {row, 1, start, std::min(kBlock, L.inner - start)};
    }
    const int64_t row = b * L.rows_per_block;
    return {row, std::min(L.rows_per_block, L.nrows - row), 0, L.inner};
}

// Per-thread block buffers, kept between runs (grown as needed).
char* thread_buffers(int64_t bytes) {
    thread_local std::unique_ptr<char[]> buffer;
    thread_local int64_t capacity = 0;
    if (capacity < bytes) {
        buffer.reset(new char[bytes + 64]);
        capacity = bytes;
    }
    const auto at = reinterpret_cast<uintptr_t>(buffer.get());
    return buffer.get() + ((64 - at % 64) % 64);
}

// The extent [low, high) of an operand's elements.
void extent(int ndim, const int64_t* shape, const int64_t* strides, const char* base,
            int64_t size, const char** low, const char** high) {
    const char* lo = base;
    const char* hi = base + size;
    for (int d = 0; d < ndim; ++d) {
        const int64_t span = (shape[d] - 1) * strides[d];
        if (span < 0) lo += span;
        else hi += span;
    }
    *low = lo;
    *high = hi;
}

struct ReductionRun {
    RowFn row;
    RowStates states;
    std::vector<char> state;     // per block
    std::vector<int64_t> first;  // per block: its first element's flat index (C order)
    int quiet_mask;              // the flags NumPy's single reduction reports
};

struct Runner {
    const FusedPlan& plan;
    const KernelTable& k;
    Layout L;
    int nregs = 0;
    int n_out = 0;                     // register outputs
    Vec<int> temp_reg;      // the registers of one-axis reductions' temporaries
    Vec<int64_t> size;      // per register: itemsize
    Vec<const char*> scalar;  // per scalar register
    Vec<int> out_operand;   // per register: the operand it may be written straight into
    Vec<int> operand_reg;   // per written operand: its register
    Vec<bool> direct_ok;    // per written operand: contiguous inner axis, no alias
    Vec<bool> stream;       // per written operand: non-temporal stores
    std::vector<ReductionRun> reductions;  // over every axis, by plan.reductions index (or empty)
    // Per step: a float power by the scalar 2 or 0.5 runs as NumPy's power
    // loop runs it (a stride-0 exponent): as square or sqrt (0.5: sqrt(-0.0) is
    // -0.0, sqrt(-inf) NaN, unlike pow); Unary::abs (never used so) otherwise.
    Vec<Unary> power_as;
    std::atomic<int> fp{0};

    Runner(const FusedPlan& p, const KernelTable& t, std::pmr::memory_resource* m)
        : plan(p), k(t), L(m), temp_reg(m), size(m), scalar(m), out_operand(m), operand_reg(m),
          direct_ok(m), stream(m), power_as(m) {}

    int64_t slot_bytes() const { return (plan.nslots + 1) * kSlotBytes; }

    void run_block(int64_t b, char* buffers) {
        const Block blk = block_at(L, b);
        const int64_t m = blk.size();
        const bool one_run = blk.rows == 1;
        // Each register's view in this block: an address, and whether it holds
        // one value for every element (uniform: stride 0).
        const char* ptr[256];
        bool uni[256];
        auto slot = [&](int r) { return buffers + plan.slot[r] * kSlotBytes; };
        char* scratch = buffers + plan.nslots * kSlotBytes;
        int64_t row_off0[64];  // operands' offsets of the block's first element (single run)
        const int nops = L.nops;
        for (int o = 0; o < nops && one_run; ++o)
            row_off0[o] = L.row_offset(o, blk.row) + blk.start * L.inner_stride(o);
        for (int r = 0; r < plan.n_arrays; ++r) {
            const int64_t s = L.inner_stride(r), sz = size[r];
            if (one_run) {
                const char* p = L.base[r] + row_off0[r];
                if (s == 0 || s == sz) {
                    ptr[r] = p;
                    uni[r] = s == 0;
                } else {
                    strided_copy(slot(r), sz, p, s, m, sz);
                    ptr[r] = slot(r);
                    uni[r] = false;
                }
                continue;
            }
            char* dst = slot(r);
            for (int64_t i = 0; i < blk.rows; ++i)
                strided_copy(dst + i * blk.width * sz, sz,
                             L.base[r] + L.row_offset(r, blk.row + i), s, blk.width, sz);
            ptr[r] = dst;
            uni[r] = false;
        }
        for (int i = 0; i < plan.n_scalars; ++i) {
            ptr[plan.n_arrays + i] = scalar[i];
            uni[plan.n_arrays + i] = true;
        }
        int status = 0;
        const int first_step = plan.n_arrays + plan.n_scalars;
        for (size_t i = 0; i < plan.steps.size(); ++i) {
            const FusedStep& st = plan.steps[i];
            const int r = first_step + int(i);
            bool all_uniform = true;
            for (int a = 0; a < st.nargs; ++a) all_uniform &= uni[st.args[a]];
            const int o = out_operand[r];
            const bool direct = o >= 0 && one_run && !all_uniform && direct_ok[o];
            const bool nt = direct && stream[o];
            char* dst = direct ? const_cast<char*>(L.base[o]) + row_off0[o] : slot(r);
            const int64_t n = all_uniform ? 1 : m;
            if (st.quiet) status |= fp_take();
            const char* a = ptr[st.args[0]];
            switch (st.kind) {
                case StepKind::Binary: {
                    if (power_as[i] != Unary::abs) {  // also 8x faster than pow
                        const UnaryLoops& f = k.unary[int(power_as[i])][int(st.loop)];
                        (nt ? f.v_nt : f.v)(a, dst, n);
                        break;
                    }
                    const BinaryLoops& f = k.binary[st.op][int(st.loop)];
                    const char* c = ptr[st.args[1]];
                    const bool ua = uni[st.args[0]], ub = uni[st.args[1]];
                    if (all_uniform || (!ua && !ub)) (nt ? f.vv_nt : f.vv)(a, c, dst, n);
                    else if (ua) (nt ? f.sv_nt : f.sv)(a, c, dst, n);
                    else (nt ? f.vs_nt : f.vs)(a, c, dst, n);
                    break;
                }
                case StepKind::Unary: {
                    const UnaryLoops& f = k.unary[st.op][int(st.loop)];
                    (nt ? f.v_nt : f.v)(a, dst, n);
                    break;
                }
                case StepKind::Ternary: {
                    char* p[kMaxOperands] = {dst, const_cast<char*>(a),
                                             const_cast<char*>(ptr[st.args[1]]),
                                             const_cast<char*>(ptr[st.args[2]])};
                    int64_t s[kMaxOperands] = {size[r], 0, 0, 0};
                    for (int q = 0; q < 3; ++q)
                        s[q + 1] = uni[st.args[q]] ? 0 : size[st.args[q]];
                    k.ternary[st.op][int(st.loop)](p, s, n);
                    break;
                }
                case StepKind::Cast: st.cast(a, dst, n); break;
            }
            if (st.quiet) fp_take();
            ptr[r] = dst;
            uni[r] = all_uniform;
        }
        // A register's block as m contiguous values (uniform ones repeated).
        auto dense = [&](int r) -> const char* {
            if (!uni[r]) return ptr[r];
            for (int64_t i = 0; i < m; ++i) std::memcpy(scratch + i * size[r], ptr[r], size[r]);
            return scratch;
        };
        // Write what was not written in place.
        for (int o = plan.n_arrays; o < L.nops; ++o) {
            const int r = operand_reg[o];
            char* base = const_cast<char*>(L.base[o]);
            const int64_t s = L.inner_stride(o), sz = size[r];
            if (one_run && ptr[r] == base + row_off0[o]) continue;  // written in place
            const int64_t src_stride = uni[r] ? 0 : sz;
            if (one_run) {
                if (stream[o] && s == sz && !uni[r]) k.stream_copy(base + row_off0[o], ptr[r], m * sz);
                else strided_copy(base + row_off0[o], s, ptr[r], src_stride, m, sz);
                continue;
            }
            for (int64_t i = 0; i < blk.rows; ++i)
                strided_copy(base + L.row_offset(o, blk.row + i), s,
                             ptr[r] + (uni[r] ? 0 : i * blk.width * sz), src_stride, blk.width, sz);
        }
        for (size_t j = 0; j < reductions.size(); ++j) {
            ReductionRun& red = reductions[j];
            if (!red.row) continue;
            const int r = plan.reductions[j].reg;
            status |= fp_take();
            red.row(dense(r), m, red.states.flags, red.state.data() + b * red.states.size);
            status |= fp_take() & red.quiet_mask;
            red.first[b] = blk.row * L.inner + blk.start;
        }
        status |= fp_take();
        if (status) fp.fetch_or(status, std::memory_order_relaxed);
    }
};

}  // namespace

std::string build_plan(FusedPlan& plan) {
    const KernelTable& k = kernels();
    const int nregs = int(plan.dtypes.size());
    const int first_step = plan.n_arrays + plan.n_scalars;
    if (nregs != first_step + int(plan.steps.size())) return "register count mismatch";
    if (nregs > 256 || plan.n_arrays + int(plan.outputs.size() + plan.reductions.size()) > 60)
        return "too many registers or operands";
    plan.cost = 0;
    for (size_t i = 0; i < plan.steps.size(); ++i) {
        FusedStep& s = plan.steps[i];
        const int r = first_step + int(i);
        if (plan.dtypes[r] != s.dtype) return "a step's dtype is not its register's";
        for (int a = 0; a < s.nargs; ++a) {
            if (s.args[a] < 0 || s.args[a] >= r) return "a step reads a later register";
            const bool condition = s.kind == StepKind::Ternary && s.op == int(Ternary::where) && a == 0;
            const DType want = condition ? DType::b1 : s.loop;
            if (s.kind != StepKind::Cast && plan.dtypes[s.args[a]] != want)
                return std::string(step_name(s)) + ": an operand is not of the loop dtype";
        }
        if (!has_kernel(s, k))
            return std::string("no kernel for ") + step_name(s) + " on " + dtype_name(s.loop);
        if (kernel_result(s) != s.dtype)
            return std::string(step_name(s)) + " on " + dtype_name(s.loop) + " gives " +
                   dtype_name(kernel_result(s)) + ", not " + dtype_name(s.dtype);
        switch (s.kind) {
            case StepKind::Binary: {
                const Binary op = Binary(s.op);
                s.quiet = op == Binary::maximum || op == Binary::minimum ||
                          spec(op).result == Result::Bool;
                plan.cost += spec(op).cost;
                break;
            }
            case StepKind::Unary:
                s.quiet = spec(Unary(s.op)).result == Result::Bool;
                plan.cost += spec(Unary(s.op)).cost;
                break;
            case StepKind::Ternary:
                s.quiet = true;
                plan.cost += spec(Ternary(s.op)).cost;
                break;
            case StepKind::Cast:
                s.cast = cast_fn(plan.dtypes[s.args[0]], s.dtype);
                plan.cost += 1;
                break;
        }
    }
    for (int r : plan.outputs)
        if (r < first_step || r >= nregs) return "a register output is not a step's";
    for (const FusedReduction& red : plan.reductions) {
        if (red.reg < 0 || red.reg >= nregs ||
            (red.reg >= plan.n_arrays && red.reg < first_step))
            return "a reduction of a scalar";
        const DType in = plan.dtypes[red.reg];
        if (!k.row[int(spec(red.op).family)][int(in)])
            return std::string("no kernel for ") + spec(red.op).name + " on " + dtype_name(in);
        if (result_dtype(red.op, in) != red.dtype)
            return std::string(spec(red.op).name) + " of " + dtype_name(in) + " gives " +
                   dtype_name(result_dtype(red.op, in)) + ", not " + dtype_name(red.dtype);
    }
    // Block buffers: one per array (for gathers), one per step result while it
    // is live (its last reader; outputs and reduced registers to the end).
    const int end = int(plan.steps.size());
    std::vector<int> last(nregs, -1);
    for (int i = 0; i < end; ++i)
        for (int a = 0; a < plan.steps[i].nargs; ++a) last[plan.steps[i].args[a]] = i;
    for (int r : plan.outputs) last[r] = end;
    for (const FusedReduction& red : plan.reductions) last[red.reg] = end;
    plan.slot.assign(nregs, -1);
    int nslots = plan.n_arrays;
    for (int r = 0; r < plan.n_arrays; ++r) plan.slot[r] = r;
    std::vector<int> free_slots;
    for (int i = 0; i < end; ++i) {
        const int r = first_step + i;
        if (free_slots.empty()) {
            plan.slot[r] = nslots++;
        } else {
            plan.slot[r] = free_slots.back();
            free_slots.pop_back();
        }
        for (int a = 0; a < plan.steps[i].nargs; ++a) {
            const int x = plan.steps[i].args[a];
            if (x >= first_step && last[x] == i &&
                std::find(free_slots.begin(), free_slots.end(), plan.slot[x]) == free_slots.end())
                free_slots.push_back(plan.slot[x]);
        }
        if (last[r] < i + 1 && last[r] != end) free_slots.push_back(plan.slot[r]);  // never read
    }
    plan.nslots = nslots;
    return {};
}

namespace {

// Scratch for one-axis reductions' temporaries: up to kKeptScratch bytes the
// calling thread's, kept between calls (a fresh 10 MB costs ~2500 page faults
// per call); a larger need gets its own memory, `own`, freed after the call.
constexpr int64_t kKeptScratch = int64_t(16) << 20;

char* call_scratch(int64_t bytes, std::unique_ptr<char[]>& own) {
    if (bytes > kKeptScratch) {
        own.reset(new char[bytes]);
        return own.get();
    }
    thread_local std::unique_ptr<char[]> held;
    thread_local int64_t held_bytes = 0;
    if (bytes > held_bytes) {
        held.reset();
        held_bytes = 0;  // (a failed new below leaves nothing held)
        held.reset(new char[std::max<int64_t>(bytes, 64)]);
        held_bytes = std::max<int64_t>(bytes, 64);
    }
    return held.get();
}

FusedReport run_whole(const FusedPlan& plan, const FusedCall& call) {
    const KernelTable& k = kernels();
    alignas(64) std::byte arena[kArenaBytes];
    std::pmr::monotonic_buffer_resource mem(arena, sizeof arena);
    Runner run{plan, k, &mem};
    run.nregs = int(plan.dtypes.size());
    run.n_out = int(plan.outputs.size());
    int64_t total = 1;
    for (int d = 0; d < call.ndim; ++d) total *= call.shape[d];
    for (DType d : plan.dtypes) run.size.push_back(itemsize(d));
    run.scalar.assign(call.scalars, call.scalars + plan.n_scalars);
    for (const FusedStep& st : plan.steps) {
        const int e = st.args[1] - plan.n_arrays;
        double v = 0;
        if (st.kind == StepKind::Binary && Binary(st.op) == Binary::power && e >= 0 &&
            e < plan.n_scalars && (st.loop == DType::f64 || st.loop == DType::f32)) {
            if (st.loop == DType::f64) {
                std::memcpy(&v, call.scalars[e], sizeof v);
            } else {
                float f;
                std::memcpy(&f, call.scalars[e], sizeof f);
                v = f;
            }
        }
        run.power_as.push_back(v == 2.0 ? Unary::square : v == 0.5 ? Unary::sqrt : Unary::abs);
    }

    // One-axis reductions reduce an array, a register output, or else a
    // temporary (C-contiguous) that the blocked pass fills, with the existing
    // reduce(): the kept axes' results come from whole reduced runs.
    // (uninitialised: the blocked pass writes every element; they live in one
    // block of scratch, call_scratch's)
    Vec<char*> temps(&mem);
    Vec<int64_t> temp_offset(&mem);
    Vec<Vec<int64_t>> temp_strides(&mem);
    Vec<int> temp_of(run.nregs, -1, &mem);
    Vec<const char*> red_data(plan.reductions.size(), &mem);
    Vec<const int64_t*> red_strides(plan.reductions.size(), &mem);
    int64_t scratch_bytes = 0;
    for (size_t j = 0; j < plan.reductions.size(); ++j) {
        const int r = plan.reductions[j].reg;
        if (plan.reductions[j].axis < 0) continue;
        if (r < plan.n_arrays) {
            red_data[j] = call.arrays[r];
            red_strides[j] = call.strides[r];
            continue;
        }
        const auto out = std::find(plan.outputs.begin(), plan.outputs.end(), r);
        if (out != plan.outputs.end()) {
            red_data[j] = call.outs[out - plan.outputs.begin()];
            red_strides[j] = call.out_strides[out - plan.outputs.begin()];
            continue;
        }
        if (temp_of[r] < 0) {
            Vec<int64_t> st(std::max(call.ndim, 1), 0, &mem);
            int64_t step = run.size[r];
            for (int d = call.ndim - 1; d >= 0; --d) {
                st[d] = step;
                step *= call.shape[d];
            }
            temp_of[r] = int(temp_offset.size());
            temp_offset.push_back(scratch_bytes);
            scratch_bytes += (std::max<int64_t>(step, 1) + 63) / 64 * 64;
            temp_strides.push_back(std::move(st));
            run.temp_reg.push_back(r);
        }
    }
    std::unique_ptr<char[]> own_scratch;
    char* scratch = call_scratch(scratch_bytes, own_scratch);
    for (int64_t offset : temp_offset) temps.push_back(scratch + offset);
    for (size_t j = 0; j < plan.reductions.size(); ++j) {
        const int r = plan.reductions[j].reg;
        if (plan.reductions[j].axis >= 0 && temp_of[r] >= 0) {
            red_data[j] = temps[temp_of[r]];
            red_strides[j] = temp_strides[temp_of[r]].data();
        }
    }
    // Operands: arrays, register outputs, temporaries.
    const int n_ops = plan.n_arrays + run.n_out + int(temps.size());
    Vec<const char*> base(n_ops, &mem);
    Vec<const int64_t*> strides(n_ops, &mem);
    Vec<int64_t> op_size(n_ops, &mem);
    for (int r = 0; r < plan.n_arrays; ++r) {
        base[r] = call.arrays[r];
        strides[r] = call.strides[r];
        op_size[r] = run.size[r];
    }
    run.out_operand.assign(run.nregs, -1);
    run.operand_reg.assign(n_ops, -1);
    for (int i = 0; i < run.n_out; ++i) {
        const int o = plan.n_arrays + i;
        base[o] = call.outs[i];
        strides[o] = call.out_strides[i];
        op_size[o] = run.size[plan.outputs[i]];
        if (run.out_operand[plan.outputs[i]] < 0) run.out_operand[plan.outputs[i]] = o;
        run.operand_reg[o] = plan.outputs[i];
    }
    for (size_t t = 0; t < temps.size(); ++t) {
        const int o = plan.n_arrays + run.n_out + int(t);
        base[o] = temps[t];
        strides[o] = temp_strides[t].data();
        op_size[o] = run.size[run.temp_reg[t]];
        run.out_operand[run.temp_reg[t]] = o;
        run.operand_reg[o] = run.temp_reg[t];
    }
    // Written operands that overlap an input are written after the block's reads.
    run.direct_ok.assign(n_ops, false);
    run.stream.assign(n_ops, false);
    for (int o = plan.n_arrays; o < n_ops && total > 0; ++o) {
        const char *lo, *hi;
        extent(call.ndim, call.shape, strides[o], base[o], op_size[o], &lo, &hi);
        bool alias = false;
        for (int r = 0; r < plan.n_arrays; ++r) {
            const char *alo, *ahi;
            extent(call.ndim, call.shape, strides[r], base[r], op_size[r], &alo, &ahi);
            alias |= alo < hi && lo < ahi;
        }
        run.direct_ok[o] = !alias;
        run.stream[o] = total * op_size[o] > last_level_cache_bytes();
    }
    // Axes in the first output's memory order (argmin/argmax count in C order: kept).
    bool arg = false;
    for (const FusedReduction& red : plan.reductions)
        arg |= red.axis < 0 && spec(red.op).family == Family::Arg;
    int lead = -1;
    // Without outputs, the first input broadcast along no axis leads (a broadcast
    // axis innermost would leave the others to gather).
    if (!arg && run.n_out > 0) lead = plan.n_arrays;
    for (int r = 0; r < plan.n_arrays && !arg && lead < 0; ++r) {
        bool full = true;
        for (int d = 0; d < call.ndim; ++d) full &= call.shape[d] == 1 || call.strides[r][d] != 0;
        if (full) lead = r;
    }
    if (total > 0) make_layout(run.L, call.ndim, call.shape, n_ops, strides.data(), base.data(), lead);
    for (int o = plan.n_arrays; o < n_ops && total > 0; ++o) {
        const bool contiguous = run.L.inner_stride(o) == op_size[o];
        run.direct_ok[o] = run.direct_ok[o] && contiguous;
        run.stream[o] = run.stream[o] && contiguous;
    }
    const int64_t nblocks = total > 0 ? run.L.nblocks : 0;
    run.reductions.resize(plan.reductions.size());
    for (size_t j = 0; j < plan.reductions.size(); ++j) {
        const FusedReduction& red = plan.reductions[j];
        ReductionRun& rr = run.reductions[j];
        rr.row = nullptr;
        if (red.axis >= 0) continue;
        const DType in = plan.dtypes[red.reg];
        const Family family = spec(red.op).family;
        rr.states = row_states(red.op, in);
        rr.state.assign(nblocks * rr.states.size, 0);
        rr.first.assign(nblocks, 0);
        rr.row = nblocks ? k.row[int(family)][int(in)] : nullptr;
        // As reduce(): min/max and their arg forms report nothing, prod no invalid.
        rr.quiet_mask = family == Family::Extreme || family == Family::Arg ? 0
                        : family == Family::Prod ? ~kFpInvalid : ~0;
    }

    FusedReport report;
    if (nblocks > 0) {
        int64_t io = 0;
        for (int r = 0; r < plan.n_arrays; ++r) io += run.size[r];
        for (int r : plan.outputs) io += run.size[r];
        const int64_t work = total * (io + 8 * plan.cost);
        const int threads = work < kParallelBytes ? 1 : num_threads();
        const int64_t block_elems = std::min(total, run.L.inner >= kBlock ? kBlock
                                                     : run.L.rows_per_block * run.L.inner);
        int64_t per_task = std::max<int64_t>((kMinTask + block_elems - 1) / block_elems,
                                             (nblocks + 4 * threads - 1) / (4 * threads));
        if (threads == 1) per_task = nblocks;
        const int64_t ntasks = (nblocks + per_task - 1) / per_task;
        bool any_stream = false;
        for (bool s : run.stream) any_stream |= s;
        fp_clear();
        const int workers = parallel_for(ntasks, [&](int64_t t) {
            char* buffers = thread_buffers(run.slot_bytes());
            fp_clear();
            const int64_t end = std::min(nblocks, (t + 1) * per_task);
            for (int64_t b = t * per_task; b < end; ++b) run.run_block(b, buffers);
            if (any_stream) k.store_fence();
        });
        report.fp = workers | fp_take() | run.fp.load();
    }
    // Reductions over every axis: the block states merged in block order.
    for (size_t j = 0; j < plan.reductions.size(); ++j) {
        const FusedReduction& red = plan.reductions[j];
        const ReductionRun& rr = run.reductions[j];
        Reported got;
        if (red.axis < 0) {
            got = finish_states(red.op, plan.dtypes[red.reg], red.ddof, rr.state.data(), nblocks,
                                rr.first.data(), call.reduced[j]);
        } else {
            bool reduced[kMaxDims] = {};
            reduced[red.axis] = true;
            int64_t out_strides[kMaxDims] = {};
            int64_t step = itemsize(red.dtype);
            for (int d = call.ndim - 1; d >= 0; --d) {
                if (d == red.axis) continue;
                out_strides[d] = step;
                step *= call.shape[d];
            }
            got = reduce({red.op, plan.dtypes[red.reg], call.ndim, call.shape, red_strides[j],
                          red_data[j], reduced, call.reduced[j], out_strides, red.ddof});
        }
        report.fp |= got.fp;
        report.warnings |= got.warnings;
    }
    return report;
}

// Elements per slab of a call with one-axis reductions: their temporaries
// (and register outputs) are reduced while still in L2.
constexpr int64_t kSlabElements = int64_t(1) << 16;
// Elements a slab's rows keep in C order at least (256: 1.2-2.0x NumPy on
// sum((a-b)**2, axis=0) of 5e6 float64, against 0.7x at 64; RESULTS.md).
constexpr int64_t kMinRun = 256;

// The outermost axis of length > 1 that every reduction keeps, when all are over
// one axis and one reduces a register the blocked pass writes; else -1. Every
// axis before it must be of length 1 or reduced by every reduction: run_whole
// gives a slab's results the C strides of the slab's shape, which are the whole
// result's only then (sums over axes 0 and 1 of (A, B, C) are not slabbed).
int slab_axis(const FusedPlan& plan, const FusedCall& call) {
    bool written = false;
    for (const FusedReduction& red : plan.reductions) {
        if (red.axis < 0) return -1;  // block states merged over the whole call
        written |= red.reg >= plan.n_arrays;
    }
    if (!written) return -1;
    for (int d = 0; d < call.ndim; ++d) {
        if (call.shape[d] == 1) continue;
        int reducing = 0;
        for (const FusedReduction& red : plan.reductions) reducing += red.axis == d;
        if (reducing == 0) return d;
        if (reducing < int(plan.reductions.size())) return -1;
    }
    return -1;
}

}  // namespace

// One-axis reductions reduce a whole register after the blocked pass wrote it:
// on a large call that is a trip to memory and back, so the call runs in slabs
// along the outermost axis every reduction keeps (each slab a whole call: its
// register outputs, reduced rows and results are the slab's own), the written
// temporary of each in cache. The slabs depend on the shape alone, so a
// result has the same bits at any thread count (the pairwise blocking of an
// outer-axis reduce() can differ from the unslabbed call's, within its bound).
FusedReport run_plan(const FusedPlan& plan, const FusedCall& call) {
    const int axis = plan.reductions.empty() ? -1 : slab_axis(plan, call);
    if (axis < 0) return run_whole(plan, call);
    const int64_t n = call.shape[axis];
    int64_t row = 1;  // elements per index along the axis
    for (int d = 0; d < call.ndim; ++d)
        if (d != axis) row *= call.shape[d];
    int64_t step = std::max<int64_t>(1, kSlabElements / std::max<int64_t>(row, 1));
    // Slabs of an innermost axis are runs of `step` elements in C order (a
    // reduction over an outer axis): they must stay long, or the blocked pass
    // gathers short rows, at the cost of a temporary beyond L2.
    int64_t run_length = 1;
    for (int d = axis + 1; d < call.ndim; ++d) run_length *= call.shape[d];
    step = std::max<int64_t>(step, (kMinRun + run_length - 1) / run_length);
    if (step >= n) return run_whole(plan, call);

    // Each reduction's C-contiguous result: its byte stride along the axis.
    std::vector<int64_t> red_stride;
    for (const FusedReduction& red : plan.reductions) {
        int64_t st = itemsize(red.dtype);
        for (int d = axis + 1; d < call.ndim; ++d)
            if (d != red.axis) st *= call.shape[d];
        red_stride.push_back(st);
    }
    std::vector<int64_t> shape(call.shape, call.shape + call.ndim);
    std::vector<const char*> arrays(call.arrays, call.arrays + plan.n_arrays);
    std::vector<char*> outs(call.outs, call.outs + plan.outputs.size());
    std::vector<char*> reduced(call.reduced, call.reduced + plan.reductions.size());
    FusedCall slab = call;
    slab.shape = shape.data();
    slab.arrays = arrays.data();
    slab.outs = outs.data();
    slab.reduced = reduced.data();
    FusedReport report;
    for (int64_t at = 0; at < n; at += step) {
        shape[axis] = std::min(step, n - at);
        for (int r = 0; r < plan.n_arrays; ++r)
            arrays[r] = call.arrays[r] + at * call.strides[r][axis];
        for (size_t i = 0; i < outs.size(); ++i)
            outs[i] = call.outs[i] + at * call.out_strides[i][axis];
        for (size_t j = 0; j < reduced.size(); ++j)
            reduced[j] = call.reduced[j] + at * red_stride[j];
        const FusedReport got = run_whole(plan, slab);
        report.fp |= got.fp;
        report.warnings |= got.warnings;
    }
    return report;
}

}  // namespace mf
