// One C entry point per op, called through CPython's vectorcall protocol.
//
// Each computes the calls the core can take as they are, and hands every
// other call, unchanged, to the Python fallback held as the function's
// `self` (mathfront.backends.cpp_backend): validation, error messages, dtype
// casts and anything unusual live there once, for all ops. Bound to None
// instead, an entry is strict: the Python side has already normalised the
// call, so a refusal is a bug and raises instead of deferring again.
#include "entries.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "../core/elementwise.hpp"
#include "../core/reduce.hpp"
#include "../core/scan.hpp"
#include "../core/ternary.hpp"
#include "arrays.hpp"
#include "fp_errors.hpp"

namespace mf::py {

namespace {

// Each entry's `self` is (fallback, defaults, max_size, large, capped): `defaults`
// holds the objects the op's later keywords (Op.later) default to, which a call
// the entry takes passes as they are, after the protocol-1 arguments; `max_size`
// (> 0) sends elementwise calls of more elements to `large` (or the fallback):
// auto's front for ops whose kernels lose to NumPy's on large arrays but win on
// its per-call cost; `capped` (a dtype_bit mask, 0: all) the loop dtypes it
// applies to (power: float only, whose libm loop loses to NumPy's SIMD one).
PyObject* defer(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    PyObject* fallback = PyTuple_GET_ITEM(self, 0);
    if (fallback == Py_None) {
        PyErr_SetString(PyExc_RuntimeError,
                        "mathfront internal error: a strict C++ entry refused a normalised call; "
                        "please report it");
        return nullptr;
    }
    return PyObject_Vectorcall(fallback, args, static_cast<size_t>(nargs), nullptr);
}

// More elements than the entry's max_size (when it has one for this dtype)?
bool too_large(PyObject* self, DType dtype, int ndim, const npy_intp* shape) {
    const Py_ssize_t cap = PyLong_AsSsize_t(PyTuple_GET_ITEM(self, 2));
    if (cap <= 0) return false;
    const unsigned long capped = PyLong_AsUnsignedLong(PyTuple_GET_ITEM(self, 4));
    if (capped != 0 && !(capped & dtype_bit(dtype))) return false;
    npy_intp size = 1;
    for (int i = 0; i < ndim; ++i) size *= shape[i];
    return size > cap;
}

// A plain call too large for this entry: to its `large` callable (NumPy's ufunc,
// which auto prefers there) with the operands alone when out is None, so that it
// costs no Python on the way; else to the fallback.
PyObject* large_call(PyObject* self, PyObject* const* args, Py_ssize_t operands,
                     Py_ssize_t nargs) {
    PyObject* large = PyTuple_GET_ITEM(self, 3);
    if (large == Py_None || args[operands] != Py_None) return defer(self, args, nargs);
    return PyObject_Vectorcall(large, args, static_cast<size_t>(operands), nullptr);
}

// A call of `plain` protocol-1 arguments with every later keyword at its default?
bool plain_call(PyObject* self, PyObject* const* args, Py_ssize_t nargs, Py_ssize_t plain) {
    PyObject* defaults = PyTuple_GET_ITEM(self, 1);
    const Py_ssize_t later = PyTuple_GET_SIZE(defaults);
    if (nargs != plain + later) return false;
    for (Py_ssize_t i = 0; i < later; ++i)
        if (args[plain + i] != PyTuple_GET_ITEM(defaults, i)) return false;
    return true;
}

// ---- elementwise ----------------------------------------------------------------------

struct Operand {
    PyArrayObject* array = nullptr;  // null for a Python scalar
    alignas(8) char scalar[8];
};

// The arrays' shapes broadcast, right-aligned, into shape[0, ndim); false where
// they do not broadcast.
template <size_t N>
bool broadcast(const Operand (&in)[N], int ndim, npy_intp* shape) {
    std::fill(shape, shape + ndim, npy_intp(1));
    for (const Operand& o : in) {
        if (!o.array) continue;
        const int offset = ndim - PyArray_NDIM(o.array);
        for (int d = 0; d < PyArray_NDIM(o.array); ++d) {
            const npy_intp n = PyArray_DIM(o.array, d);
            npy_intp& s = shape[offset + d];
            if (n == s || n == 1) continue;
            if (s != 1) return false;
            s = n;
        }
    }
    return true;
}

// The inputs as operands 1..N of `space` (space.ndim set): a scalar's value,
// broadcast axes at stride 0.
template <size_t N>
void set_inputs(Space& space, Operand (&in)[N]) {
    const int ndim = space.ndim;
    for (size_t i = 0; i < N; ++i) {
        int64_t* strides = space.strides[i + 1];
        std::fill(strides, strides + ndim, int64_t(0));
        if (!in[i].array) {
            space.data[i + 1] = in[i].scalar;
            continue;
        }
        PyArrayObject* a = in[i].array;
        space.data[i + 1] = PyArray_BYTES(a);
        const int offset = ndim - PyArray_NDIM(a);
        for (int d = 0; d < PyArray_NDIM(a); ++d)
            if (PyArray_DIM(a, d) != 1) strides[offset + d] = PyArray_STRIDE(a, d);
    }
}

bool has_negative(const Operand& o, DType d) {
    alignas(8) char minimum[8];
    std::memcpy(minimum, o.scalar, sizeof minimum);
    if (o.array) {
        PyArrayObject* a = o.array;
        if (PyArray_SIZE(a) == 0) return false;
        bool all[kMaxDims];
        std::fill(all, all + kMaxDims, true);
        reduce({Reduction::min, d, PyArray_NDIM(a), PyArray_DIMS(a), PyArray_STRIDES(a),
                PyArray_BYTES(a), all, minimum, nullptr, 0});
    }
    return visit_dtype(d, [&](auto tag) {
        using T = decltype(tag);
        T v;
        std::memcpy(&v, minimum, sizeof v);
        if constexpr (std::is_signed_v<T>) return v < 0;
        else return false;
    });
}

bool is_signed_integer(DType d) {
    return d == DType::i8 || d == DType::i16 || d == DType::i32 || d == DType::i64;
}

// The ufunc's name, as NumPy's messages give it.
const char* numpy_name(Binary op) { return op == Binary::mod ? "remainder" : spec(op).name; }
const char* numpy_name(Unary op) { return op == Unary::abs ? "absolute" : spec(op).name; }

template <class OpId, int NIn>
PyObject* elementwise_entry(OpId op, PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    if (!plain_call(self, args, nargs, NIn + 1)) return defer(self, args, nargs);
    Ref held[NIn];
    PyObject* x[NIn];
    for (int i = 0; i < NIn; ++i)
        if (!(x[i] = as_operand(args[i], held[i], false))) return defer(self, args, nargs);
    // One dtype for every typed operand (arrays, NumPy scalars); Python scalars
    // take it (NumPy 2).
    DType dtype{};
    bool typed = false, any_array = false;
    for (int i = 0; i < NIn; ++i) {
        DType d;
        const bool is_array = PyArray_CheckExact(x[i]);
        if (!is_array && !scalar_dtype(x[i], &d)) continue;  // a Python scalar, or deferred below
        if ((is_array && !core_dtype(x[i], &d)) || (typed && d != dtype))
            return defer(self, args, nargs);
        dtype = d;
        typed = true;
        any_array |= is_array;
    }
    // A dtype the row lacks (subtract of bool, sqrt of int8): the fallback
    // resolves NumPy's loop, or refuses the dtype.
    if (!typed || !(spec(op).dtypes & dtype_bit(dtype))) return defer(self, args, nargs);
    Operand in[NIn];
    int ndim = 0;
    for (int i = 0; i < NIn; ++i) {
        if (PyArray_CheckExact(x[i])) {
            in[i].array = array(x[i]);
            ndim = std::max(ndim, PyArray_NDIM(in[i].array));
        } else if (PyArray_IsScalar(x[i], Generic)) {
            PyArray_ScalarAsCtype(x[i], in[i].scalar);
        } else if (!scalar_as(x[i], dtype, in[i].scalar)) {
            return defer(self, args, nargs);
        } else if (spec(op).result == Result::Bool && dtype == DType::f32 && PyFloat_CheckExact(x[i])) {
            // A logical op reads a Python float by its truth, which float32 loses
            // where it underflows (1e-300 to 0): the fallback keeps it (_comparisons).
            float v;
            std::memcpy(&v, in[i].scalar, sizeof v);
            if (v == 0 && PyFloat_AS_DOUBLE(x[i]) != 0) return defer(self, args, nargs);
        }
    }
    npy_intp shape[kMaxDims];
    if (!broadcast(in, ndim, shape)) return defer(self, args, nargs);  // the fallback explains
    if (too_large(self, dtype, ndim, shape)) return large_call(self, args, NIn, nargs);
    const DType out_dtype = result_dtype(op, dtype);
    PyObject* out_arg = args[NIn];
    // NumPy scalars (and Python ones) alone give a NumPy scalar: computed into
    // `value`, with no array on either side.
    const bool scalar_result = !any_array && out_arg == Py_None;
    alignas(8) char value[8];
    Ref out;
    if (scalar_result) {
        // nothing to allocate
    } else if (out_arg == Py_None) {
        bool fortran = ndim > 1;
        for (const Operand& o : in)
            if (o.array) fortran &= PyArray_NDIM(o.array) == ndim && PyArray_IS_F_CONTIGUOUS(o.array) &&
                                    !PyArray_IS_C_CONTIGUOUS(o.array);
        out.reset(PyArray_New(&PyArray_Type, ndim, shape, type_number(out_dtype), nullptr,
                              nullptr, 0, fortran, nullptr));
        if (!out.get()) return nullptr;
    } else if (usable_out(out_arg, out_dtype, ndim, shape)) {
        Py_INCREF(out_arg);
        out.reset(out_arg);
    } else {
        return defer(self, args, nargs);
    }
    PyArrayObject* o = scalar_result ? nullptr : array(out.get());
    if constexpr (std::is_same_v<OpId, Binary>) {
        // Integer powers refuse negative exponents, before writing anything.
        if (op == Binary::power && is_signed_integer(dtype) && has_negative(in[1], dtype))
            return defer(self, args, nargs);
    }
    // An input that shares memory with out in any other way than being the
    // very same elements is read from a copy, so that the result is NumPy's.
    Ref copies[NIn];
    if (out_arg != Py_None) {
        for (int i = 0; i < NIn; ++i) {
            PyArrayObject* a = in[i].array;
            if (!a || !may_overlap(a, o)) continue;
            const bool same = PyArray_BYTES(a) == PyArray_BYTES(o) && PyArray_NDIM(a) == ndim &&
                              PyArray_CompareLists(PyArray_STRIDES(a), PyArray_STRIDES(o), ndim);
            if (same) continue;
            copies[i].reset(PyArray_NewCopy(a, NPY_KEEPORDER));
            if (!copies[i].get()) return nullptr;
            in[i].array = array(copies[i].get());
        }
    }
    Space space;
    space.ndim = ndim;
    space.nops = NIn + 1;
    std::copy(shape, shape + ndim, space.shape);
    space.data[0] = scalar_result ? value : PyArray_BYTES(o);
    if (!scalar_result) std::copy(PyArray_STRIDES(o), PyArray_STRIDES(o) + ndim, space.strides[0]);
    set_inputs(space, in);
    if (scalar_result) {
        // One element: not worth releasing the GIL. The scalar is NumPy's even
        // when its error state raises (as for `out` below).
        const int fp = elementwise(op, dtype, space);
        PyArray_Descr* descr = PyArray_DescrFromType(type_number(out_dtype));
        Ref scalar(PyArray_Scalar(value, descr, nullptr));
        Py_DECREF(descr);
        if (!scalar.get() || !report_fp(numpy_name(op), fp)) return nullptr;
        return scalar.release();
    }
    int fp;
    {
        WithoutGil nogil;
        fp = elementwise(op, dtype, space);
    }
    // As NumPy: `out` holds the results even when its error state raises.
    if (!report_fp(numpy_name(op), fp)) return nullptr;
    return out_arg == Py_None ? PyArray_Return(array(out.release())) : out.release();
}

// ---- reductions -----------------------------------------------------------------------

bool normalize_axis(PyObject* item, int ndim, bool* reduced) {
    if (!PyLong_CheckExact(item)) return false;
    long axis = PyLong_AsLong(item);
    if (axis == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return false;
    }
    if (axis < -ndim || axis >= ndim) return false;
    if (axis < 0) axis += ndim;
    if (reduced[axis]) return false;  // repeated: the fallback raises NumPy's error
    reduced[axis] = true;
    return true;
}

const char* warning_text(int bit, bool skip_nan) {
    switch (bit) {
        case kWarnEmptyMean: return "Mean of empty slice";
        case kWarnAllNan: return "All-NaN slice encountered";
        default:  // nanvar's has NumPy's full stop
            return skip_nan ? "Degrees of freedom <= 0 for slice." : "Degrees of freedom <= 0 for slice";
    }
}

// A reduction's floating-point flags, each under the name NumPy's own
// implementation gives it: sums and products are ufunc reductions
// ("reduce"); var and std subtract the mean (inf - inf: "invalid value
// encountered in subtract") and square (overflow, underflow: "square").
bool report_reduction_fp(Family family, int fp) {
    if (family != Family::Moments) return report_fp("reduce", fp);
    return report_fp("subtract", fp & (kFpInvalid | kFpDivideByZero)) &&
           report_fp("square", fp & (kFpOverflow | kFpUnderflow));
}

// x, axis, keepdims, out[, dtype | ddof]
PyObject* reduction_entry(Reduction op, PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    const ReductionSpec& spec = mf::spec(op);
    const bool arg = spec.family == Family::Arg;
    const bool has_ddof = spec.keyword == Keyword::Ddof;
    const bool has_dtype = spec.keyword == Keyword::Dtype;
    if (!plain_call(self, args, nargs, 4 + (spec.keyword != Keyword::None)))
        return defer(self, args, nargs);
    Ref held;
    DType dtype;
    PyArrayObject* x = core_operand(args[0], held, &dtype);
    if (!x) return defer(self, args, nargs);
    const int ndim = PyArray_NDIM(x);
    PyObject* axis = args[1];
    if ((args[2] != Py_True && args[2] != Py_False) || (arg && ndim == 0))
        return defer(self, args, nargs);
    const bool keepdims = args[2] == Py_True;
    double ddof = 0;
    if (has_dtype && args[4] != Py_None) return defer(self, args, nargs);
    if (has_ddof) {  // any real, as NumPy (and the Array API's correction) takes
        if (PyFloat_CheckExact(args[4])) {
            ddof = PyFloat_AS_DOUBLE(args[4]);
        } else if (PyLong_CheckExact(args[4])) {
            ddof = PyLong_AsDouble(args[4]);
            if (ddof == -1 && PyErr_Occurred()) {
                PyErr_Clear();
                return defer(self, args, nargs);
            }
        } else {
            return defer(self, args, nargs);
        }
    }
    bool reduced[kMaxDims] = {};
    if (axis == Py_None) {
        std::fill(reduced, reduced + ndim, true);
    } else if (PyTuple_CheckExact(axis) && !arg) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(axis); ++i)
            if (!normalize_axis(PyTuple_GET_ITEM(axis, i), ndim, reduced))
                return defer(self, args, nargs);
    } else if (!normalize_axis(axis, ndim, reduced)) {
        return defer(self, args, nargs);
    }
    // Result shape; ops without identity leave empty input to the fallback.
    npy_intp shape[kMaxDims];
    int out_ndim = 0;
    npy_intp reduced_size = 1;
    for (int d = 0; d < ndim; ++d) {
        if (reduced[d]) reduced_size *= PyArray_DIM(x, d);
        if (!reduced[d]) shape[out_ndim++] = PyArray_DIM(x, d);
        else if (keepdims) shape[out_ndim++] = 1;
    }
    // NumPy refuses these whenever the reduced size is 0, even for an empty output.
    if (!spec.has_identity && reduced_size == 0) return defer(self, args, nargs);
    if (arg && axis == Py_None && keepdims) {  // argmin(axis=None, keepdims=True): all ones
        out_ndim = ndim;
        std::fill(shape, shape + ndim, npy_intp(1));
    } else if (arg && axis == Py_None) {
        out_ndim = 0;
    }
    const DType out_dtype = result_dtype(op, dtype);
    PyObject* out_arg = args[3];
    Ref out;
    if (out_arg == Py_None) {
        out.reset(PyArray_SimpleNew(out_ndim, shape, type_number(out_dtype)));
        if (!out.get()) return nullptr;
    } else if (usable_out(out_arg, out_dtype, out_ndim, shape) && !may_overlap(array(out_arg), x)) {
        Py_INCREF(out_arg);
        out.reset(out_arg);
    } else {
        return defer(self, args, nargs);
    }
    PyArrayObject* o = array(out.get());
    // The output's stride along each kept input axis.
    int64_t out_strides[kMaxDims] = {};
    for (int d = 0, od = 0; d < ndim; ++d) {
        const bool has_out_axis = keepdims ? !(arg && axis == Py_None) : !reduced[d];
        if (has_out_axis) {
            if (!reduced[d]) out_strides[d] = PyArray_STRIDE(o, od);
            ++od;
        }
    }
    ReduceCall call{op, dtype, ndim, PyArray_DIMS(x), PyArray_STRIDES(x), PyArray_BYTES(x),
                    reduced, PyArray_BYTES(o), out_strides, ddof};
    Reported reported;
    {
        WithoutGil nogil;
        reported = reduce(call);
    }
    for (int bit : {kWarnEmptyMean, kWarnAllNan, kWarnDof}) {
        if ((reported.warnings & bit) &&
            PyErr_WarnEx(PyExc_RuntimeWarning, warning_text(bit, spec.skip_nan), 1) < 0)
            return nullptr;
    }
    // NumPy's mean and var divide by the count last: an array result through
    // np.divide, a float64 scalar through Python's float division.
    const bool scalar = out_ndim == 0 && out_dtype == DType::f64;
    if (!report_reduction_fp(spec.family, reported.fp) ||
        !report_fp(scalar ? "scalar divide" : "divide", divide_flags(reported.warnings)))
        return nullptr;
    return out_arg == Py_None ? PyArray_Return(array(out.release())) : out.release();
}

// ---- cumulative ops -------------------------------------------------------------------

// x, axis, dtype, out: an exact array of one or more dimensions, one int axis (None
// for 1-D), no dtype=, out None or the exact result (the input itself, or apart
// from it). The fallback flattens, casts and copies.
PyObject* scan_entry(Scan op, PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    if (!plain_call(self, args, nargs, 4) || args[2] != Py_None) return defer(self, args, nargs);
    Ref held;
    DType dtype;
    PyArrayObject* x = core_operand(args[0], held, &dtype);
    if (!x) return defer(self, args, nargs);
    const int ndim = PyArray_NDIM(x);
    if (ndim == 0) return defer(self, args, nargs);
    bool along[kMaxDims] = {};
    if (args[1] == Py_None) {
        if (ndim != 1) return defer(self, args, nargs);
        along[0] = true;
    } else if (!normalize_axis(args[1], ndim, along)) {
        return defer(self, args, nargs);
    }
    const int axis = int(std::find(along, along + ndim, true) - along);
    const DType out_dtype = result_dtype(op, dtype);
    PyObject* out_arg = args[3];
    Ref out;
    if (out_arg == Py_None) {
        out.reset(PyArray_SimpleNew(ndim, PyArray_DIMS(x), type_number(out_dtype)));
        if (!out.get()) return nullptr;
    } else if (usable_out(out_arg, out_dtype, ndim, PyArray_DIMS(x))) {
        PyArrayObject* o = array(out_arg);
        const bool same = PyArray_BYTES(o) == PyArray_BYTES(x) &&
                          PyArray_CompareLists(PyArray_STRIDES(o), PyArray_STRIDES(x), ndim);
        if (may_overlap(o, x) && !same) return defer(self, args, nargs);
        Py_INCREF(out_arg);
        out.reset(out_arg);
    } else {
        return defer(self, args, nargs);
    }
    PyArrayObject* o = array(out.get());
    const ScanCall call{op, dtype, ndim, PyArray_DIMS(x), PyArray_STRIDES(x), PyArray_BYTES(x),
                        axis, PyArray_BYTES(o), PyArray_STRIDES(o)};
    int fp;
    {
        WithoutGil nogil;
        fp = scan(call);
    }
    // As NumPy: out holds the results even when its error state raises.
    if (!report_fp("accumulate", fp)) return nullptr;
    return out.release();
}

// ---- dot ------------------------------------------------------------------------------

// x, y, out
PyObject* dot_entry(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    DType dx, dy;
    if (!plain_call(self, args, nargs, 3) || !core_dtype(args[0], &dx) ||
        !core_dtype(args[1], &dy) || dx != dy)
        return defer(self, args, nargs);
    PyArrayObject* x = array(args[0]);
    PyArrayObject* y = array(args[1]);
    if (PyArray_NDIM(x) != 1 || PyArray_NDIM(y) != 1 || PyArray_DIM(x, 0) != PyArray_DIM(y, 0))
        return defer(self, args, nargs);
    PyObject* out_arg = args[2];
    if (out_arg != Py_None && !usable_out(out_arg, dx, 0, nullptr))
        return defer(self, args, nargs);
    alignas(8) char result[8];
    int fp;
    {
        WithoutGil nogil;
        fp = dot(dx, PyArray_BYTES(x), PyArray_STRIDE(x, 0), PyArray_BYTES(y), PyArray_STRIDE(y, 0),
                 PyArray_DIM(x, 0), result);
    }
    if (out_arg != Py_None) {
        std::memcpy(PyArray_BYTES(array(out_arg)), result, itemsize(dx));
        if (!report_fp("dot", fp)) return nullptr;  // after writing out, as NumPy
        Py_INCREF(out_arg);
        return out_arg;
    }
    if (!report_fp("dot", fp)) return nullptr;
    PyArray_Descr* descr = PyArray_DescrFromType(type_number(dx));
    PyObject* scalar = PyArray_Scalar(result, descr, nullptr);
    Py_DECREF(descr);
    return scalar;
}

// ---- ternary ops (where, clip) ---------------------------------------------------------

// a, b, c, out[, min, max at their defaults]: exact arrays (NumPy scalars, lists as
// arrays) of one core dtype and weak Python scalars taking it; where's condition a
// bool array. out None or exactly the result. The fallback resolves clip's bounds,
// promotes mixed dtypes, casts where's condition and takes a looser out.
PyObject* ternary_entry(Ternary op, PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    if (!plain_call(self, args, nargs, 4)) return defer(self, args, nargs);
    const bool condition = op == Ternary::where;  // operand 0 is bool whatever the dtype
    Ref held[3];
    PyObject* x[3];
    for (int i = 0; i < 3; ++i)
        if (!(x[i] = as_operand(args[i], held[i], true))) return defer(self, args, nargs);
    DType dtype{}, d;
    bool typed = false;
    for (int i = condition ? 1 : 0; i < 3; ++i) {
        if (!PyArray_CheckExact(x[i])) continue;  // a Python scalar, checked below
        if (!core_dtype(x[i], &d) || (typed && d != dtype)) return defer(self, args, nargs);
        dtype = d;
        typed = true;
    }
    if (!typed || (condition && (!core_dtype(x[0], &d) || d != DType::b1)))
        return defer(self, args, nargs);
    Operand in[3];
    int ndim = 0;
    for (int i = 0; i < 3; ++i) {
        if (PyArray_CheckExact(x[i])) {
            in[i].array = array(x[i]);
            ndim = std::max(ndim, PyArray_NDIM(in[i].array));
        } else if (!scalar_as(x[i], dtype, in[i].scalar)) {
            return defer(self, args, nargs);
        }
    }
    npy_intp shape[kMaxDims];
    if (!broadcast(in, ndim, shape)) return defer(self, args, nargs);  // the fallback explains
    if (too_large(self, dtype, ndim, shape)) return defer(self, args, nargs);
    const DType out_dtype = result_dtype(op, dtype);
    PyObject* out_arg = args[3];
    Ref out;
    if (out_arg == Py_None) {
        out.reset(PyArray_SimpleNew(ndim, shape, type_number(out_dtype)));
        if (!out.get()) return nullptr;
    } else if (usable_out(out_arg, out_dtype, ndim, shape)) {
        Py_INCREF(out_arg);
        out.reset(out_arg);
    } else {
        return defer(self, args, nargs);
    }
    PyArrayObject* o = array(out.get());
    // An input sharing memory with out otherwise than as the very same elements
    // is read from a copy, so that the answer is NumPy's.
    Ref copies[3];
    for (int i = 0; i < 3 && out_arg != Py_None; ++i) {
        PyArrayObject* a = in[i].array;
        if (!a || !may_overlap(a, o)) continue;
        if (PyArray_BYTES(a) == PyArray_BYTES(o) && PyArray_NDIM(a) == ndim &&
            PyArray_CompareLists(PyArray_STRIDES(a), PyArray_STRIDES(o), ndim))
            continue;
        copies[i].reset(PyArray_NewCopy(a, NPY_KEEPORDER));
        if (!copies[i].get()) return nullptr;
        in[i].array = array(copies[i].get());
    }
    Space space;
    space.ndim = ndim;
    space.nops = 4;
    std::copy(shape, shape + ndim, space.shape);
    space.data[0] = PyArray_BYTES(o);
    std::copy(PyArray_STRIDES(o), PyArray_STRIDES(o) + ndim, space.strides[0]);
    set_inputs(space, in);
    {
        WithoutGil nogil;
        ternary(op, dtype, space);
    }
    if (out_arg != Py_None) return out.release();
    // np.where always gives an array; clip (a ufunc) a NumPy scalar for 0-d operands.
    return condition ? out.release() : PyArray_Return(array(out.release()));
}

// ---- the method table -----------------------------------------------------------------

template <Binary Op>
PyObject* binary(PyObject* self, PyObject* const* args, Py_ssize_t n) {
    return elementwise_entry<Binary, 2>(Op, self, args, n);
}
template <Unary Op>
PyObject* unary(PyObject* self, PyObject* const* args, Py_ssize_t n) {
    return elementwise_entry<Unary, 1>(Op, self, args, n);
}
template <Reduction Op>
PyObject* reduction(PyObject* self, PyObject* const* args, Py_ssize_t n) {
    return reduction_entry(Op, self, args, n);
}

template <Scan Op>
PyObject* scan_op(PyObject* self, PyObject* const* args, Py_ssize_t n) {
    return scan_entry(Op, self, args, n);
}

template <Ternary Op>
PyObject* ternary_op(PyObject* self, PyObject* const* args, Py_ssize_t n) {
    return ternary_entry(Op, self, args, n);
}

template <class F>
constexpr PyCFunction fastcall(F f) {
    return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f));
}

PyMethodDef g_entries[] = {
#define MF_BINARY(name, Functor, result, cost, dtypes) \
    {#name, fastcall(binary<Binary::name>), METH_FASTCALL, nullptr},
#define MF_UNARY(name, Functor, result, cost, dtypes) \
    {#name, fastcall(unary<Unary::name>), METH_FASTCALL, nullptr},
#define MF_REDUCTION(name, family, variant, skip_nan, result, keyword, identity) \
    {#name, fastcall(reduction<Reduction::name>), METH_FASTCALL, nullptr},
#define MF_DOT(name, result) {#name, fastcall(dot_entry), METH_FASTCALL, nullptr},
#define MF_SCAN(name, family, result) {#name, fastcall(scan_op<Scan::name>), METH_FASTCALL, nullptr},
#define MF_TERNARY(name, Functor, result, cost) \
    {#name, fastcall(ternary_op<Ternary::name>), METH_FASTCALL, nullptr},
#include "mf_ops.def"
};

}  // namespace

PyObject* bind(const char* op, PyObject* fallback, PyObject* defaults, Py_ssize_t max_size,
               PyObject* large, uint32_t capped) {
    for (PyMethodDef& def : g_entries) {
        if (std::strcmp(op, def.ml_name) != 0) continue;
        Ref cap(PyLong_FromSsize_t(max_size));
        Ref mask(PyLong_FromUnsignedLong(capped));
        if (!cap.get() || !mask.get()) return nullptr;
        PyObject* self = PyTuple_Pack(5, fallback, defaults, cap.get(), large ? large : Py_None,
                                      mask.get());
        if (!self) return nullptr;
        PyObject* fn = PyCFunction_NewEx(&def, self, nullptr);
        Py_DECREF(self);
        return fn;
    }
    PyErr_Format(PyExc_KeyError, "no C++ entry point for op '%s'", op);
    return nullptr;
}

}  // namespace mf::py
