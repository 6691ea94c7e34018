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

#include "../core/elementwise.hpp"
#include "../core/reduce.hpp"
#include "arrays.hpp"
#include "fp_errors.hpp"

namespace mf::py {

namespace {

PyObject* defer(PyObject* fallback, PyObject* const* args, Py_ssize_t nargs) {
    if (fallback == Py_None) {
        PyErr_SetString(PyExc_RuntimeError,
                        "mathfront internal error: a strict C++ entry refused a normalised call; "
                        "please report it");
        return nullptr;
    }
    return PyObject_Vectorcall(fallback, args, static_cast<size_t>(nargs), nullptr);
}

// ---- elementwise ----------------------------------------------------------------------

struct Operand {
    PyArrayObject* array = nullptr;  // null for a Python scalar
    alignas(8) char scalar[8];
};

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
    int64_t value;
    if (d == DType::i32) {
        int32_t v;
        std::memcpy(&v, minimum, sizeof v);
        value = v;
    } else {
        std::memcpy(&value, minimum, sizeof value);
    }
    return value < 0;
}

// The ufunc's name, as NumPy's messages give it.
const char* numpy_name(Binary op) { return spec(op).name; }
const char* numpy_name(Unary op) { return op == Unary::abs ? "absolute" : spec(op).name; }

template <class OpId, int NIn>
PyObject* elementwise_entry(OpId op, PyObject* fallback, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != NIn + 1) return defer(fallback, args, nargs);
    // One dtype for every array operand; Python scalars take it (NumPy 2).
    DType dtype{};
    bool have_array = false;
    for (int i = 0; i < NIn; ++i) {
        DType d;
        if (!PyArray_CheckExact(args[i])) continue;
        if (!core_dtype(args[i], &d) || d == DType::b1 || (have_array && d != dtype))
            return defer(fallback, args, nargs);
        dtype = d;
        have_array = true;
    }
    if (!have_array) return defer(fallback, args, nargs);
    Operand in[NIn];
    int ndim = 0;
    for (int i = 0; i < NIn; ++i) {
        if (PyArray_CheckExact(args[i])) {
            in[i].array = array(args[i]);
            ndim = std::max(ndim, PyArray_NDIM(in[i].array));
        } else if (!scalar_as(args[i], dtype, in[i].scalar)) {
            return defer(fallback, args, nargs);
        }
    }
    // Broadcast the shapes, right-aligned.
    npy_intp shape[kMaxDims];
    std::fill(shape, shape + ndim, npy_intp(1));
    for (const Operand& o : in) {
        if (!o.array) continue;
        const int offset = ndim - PyArray_NDIM(o.array);
        for (int d = 0; d < PyArray_NDIM(o.array); ++d) {
            const npy_intp n = PyArray_DIM(o.array, d);
            npy_intp& s = shape[offset + d];
            if (n == s || n == 1) continue;
            if (s != 1) return defer(fallback, args, nargs);  // the fallback explains
            s = n;
        }
    }
    const DType out_dtype = result_dtype(op, dtype);
    PyObject* out_arg = args[NIn];
    Ref out;
    if (out_arg == Py_None) {
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
        return defer(fallback, args, nargs);
    }
    PyArrayObject* o = array(out.get());
    if constexpr (std::is_same_v<OpId, Binary>) {
        // Integer powers refuse negative exponents, before writing anything.
        if (op == Binary::power && (dtype == DType::i32 || dtype == DType::i64) &&
            has_negative(in[1], dtype))
            return defer(fallback, args, nargs);
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
    space.data[0] = PyArray_BYTES(o);
    std::copy(PyArray_STRIDES(o), PyArray_STRIDES(o) + ndim, space.strides[0]);
    for (int i = 0; i < NIn; ++i) {
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
PyObject* reduction_entry(Reduction op, PyObject* fallback, PyObject* const* args, Py_ssize_t nargs) {
    const ReductionSpec& spec = mf::spec(op);
    const bool arg = spec.family == Family::Arg;
    const bool has_ddof = spec.keyword == Keyword::Ddof;
    const bool has_dtype = spec.keyword == Keyword::Dtype;
    if (nargs != 4 + (spec.keyword != Keyword::None)) return defer(fallback, args, nargs);
    DType dtype;
    if (!core_dtype(args[0], &dtype)) return defer(fallback, args, nargs);
    PyArrayObject* x = array(args[0]);
    const int ndim = PyArray_NDIM(x);
    PyObject* axis = args[1];
    if ((args[2] != Py_True && args[2] != Py_False) || (arg && ndim == 0))
        return defer(fallback, args, nargs);
    const bool keepdims = args[2] == Py_True;
    double ddof = 0;
    if (has_dtype && args[4] != Py_None) return defer(fallback, args, nargs);
    if (has_ddof) {  // any real, as NumPy (and the Array API's correction) takes
        if (PyFloat_CheckExact(args[4])) {
            ddof = PyFloat_AS_DOUBLE(args[4]);
        } else if (PyLong_CheckExact(args[4])) {
            ddof = PyLong_AsDouble(args[4]);
            if (ddof == -1 && PyErr_Occurred()) {
                PyErr_Clear();
                return defer(fallback, args, nargs);
            }
        } else {
            return defer(fallback, args, nargs);
        }
    }
    bool reduced[kMaxDims] = {};
    if (axis == Py_None) {
        std::fill(reduced, reduced + ndim, true);
    } else if (PyTuple_CheckExact(axis) && !arg) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(axis); ++i)
            if (!normalize_axis(PyTuple_GET_ITEM(axis, i), ndim, reduced))
                return defer(fallback, args, nargs);
    } else if (!normalize_axis(axis, ndim, reduced)) {
        return defer(fallback, args, nargs);
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
    if (!spec.has_identity && reduced_size == 0) return defer(fallback, args, nargs);
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
        return defer(fallback, args, nargs);
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

// ---- dot ------------------------------------------------------------------------------

// x, y, out
PyObject* dot_entry(PyObject* fallback, PyObject* const* args, Py_ssize_t nargs) {
    DType dx, dy;
    if (nargs != 3 || !core_dtype(args[0], &dx) || !core_dtype(args[1], &dy) || dx != dy ||
        dx == DType::b1)
        return defer(fallback, args, nargs);
    PyArrayObject* x = array(args[0]);
    PyArrayObject* y = array(args[1]);
    if (PyArray_NDIM(x) != 1 || PyArray_NDIM(y) != 1 || PyArray_DIM(x, 0) != PyArray_DIM(y, 0))
        return defer(fallback, args, nargs);
    PyObject* out_arg = args[2];
    if (out_arg != Py_None && !usable_out(out_arg, dx, 0, nullptr))
        return defer(fallback, args, nargs);
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

template <class F>
constexpr PyCFunction fastcall(F f) {
    return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f));
}

PyMethodDef g_entries[] = {
#define MF_BINARY(name, Functor, result, cost) \
    {#name, fastcall(binary<Binary::name>), METH_FASTCALL, nullptr},
#define MF_UNARY(name, Functor, result, cost) \
    {#name, fastcall(unary<Unary::name>), METH_FASTCALL, nullptr},
#define MF_REDUCTION(name, family, variant, skip_nan, result, keyword, identity) \
    {#name, fastcall(reduction<Reduction::name>), METH_FASTCALL, nullptr},
#define MF_DOT(name, result) {#name, fastcall(dot_entry), METH_FASTCALL, nullptr},
#include "mf_ops.def"
};

}  // namespace

PyObject* bind(const char* op, PyObject* fallback) {
    for (PyMethodDef& def : g_entries) {
        if (std::strcmp(op, def.ml_name) == 0) return PyCFunction_NewEx(&def, fallback, nullptr);
    }
    PyErr_Format(PyExc_KeyError, "no C++ entry point for op '%s'", op);
    return nullptr;
}

}  // namespace mf::py
