// Reading NumPy arrays and Python scalars for the C++ core. Every check here
// answers "can the core take this as it is?"; a "no" sends the call to the
// Python fallback, which explains what is wrong or converts it.
#pragma once

#include <Python.h>

#ifndef MATHFRONT_IMPORTS_ARRAY
#define NO_IMPORT_ARRAY
#endif
#define PY_ARRAY_UNIQUE_SYMBOL MATHFRONT_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_2_0_API_VERSION
// NumPy >= 2.0 at run time (pyproject.toml): its C API, PyUFunc_GiveFloatingpointErrors included.
#define NPY_TARGET_VERSION NPY_2_0_API_VERSION
#include <numpy/arrayobject.h>

#include <cstdint>

#include "../common/dtype.hpp"
#include "../core/strided.hpp"

static_assert(sizeof(npy_intp) == sizeof(int64_t), "mathfront needs a 64-bit npy_intp");

namespace mf::py {

inline PyArrayObject* array(PyObject* o) { return reinterpret_cast<PyArrayObject*>(o); }

// The core's dtype for a NumPy dtype; false for those it lacks (float16,
// complex, ...).
inline bool descr_dtype(PyArray_Descr* d, DType* out) {
    const npy_intp size = PyDataType_ELSIZE(d);
    switch (d->kind) {
        case 'b': *out = DType::b1; return true;
        case 'i':
            if (size != 4 && size != 8) return false;
            *out = size == 4 ? DType::i32 : DType::i64;
            return true;
        case 'f':
            if (size != 4 && size != 8) return false;
            *out = size == 4 ? DType::f32 : DType::f64;
            return true;
        default: return false;
    }
}

// The core's dtype of an exact ndarray that is aligned and in native byte
// order; false otherwise (subclasses, float16, complex, big-endian, ...).
inline bool core_dtype(PyObject* o, DType* out) {
    if (!PyArray_CheckExact(o)) return false;
    PyArrayObject* a = array(o);
    if (!PyArray_ISALIGNED(a) || !PyArray_ISNOTSWAPPED(a)) return false;
    return descr_dtype(PyArray_DESCR(a), out);
}

// The core's dtype of a NumPy scalar (np.float64(1)...): a typed operand, unlike
// a Python scalar; false for anything else.
inline bool scalar_dtype(PyObject* o, DType* out) {
    if (!PyArray_IsScalar(o, Generic)) return false;
    PyArray_Descr* d = PyArray_DescrFromScalar(o);
    const bool ok = d && descr_dtype(d, out);
    Py_XDECREF(d);
    return ok;
}

inline int type_number(DType d) {
    constexpr int numbers[] = {NPY_BOOL, NPY_INT32, NPY_INT64, NPY_FLOAT32, NPY_FLOAT64};
    return numbers[static_cast<int>(d)];
}

// A weak Python scalar (bool, int, float) as a value of dtype `d`, following
// NumPy 2: it takes the array's dtype. False when that needs NumPy's own
// handling: a float with integer arrays (the result is float64), an int out
// of range (NumPy raises OverflowError), a float outside float32's range.
inline bool scalar_as(PyObject* o, DType d, void* value) {
    double real;
    long long integer;
    if (PyBool_Check(o)) {
        integer = o == Py_True;
        real = double(integer);
    } else if (PyLong_CheckExact(o)) {
        int overflow = 0;
        integer = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow || (integer == -1 && PyErr_Occurred())) {
            PyErr_Clear();
            return false;
        }
        real = double(integer);
    } else if (PyFloat_CheckExact(o)) {
        if (d != DType::f32 && d != DType::f64) return false;
        real = PyFloat_AS_DOUBLE(o);
        integer = 0;
    } else {
        return false;
    }
    switch (d) {
        case DType::i32:
            if (integer < INT32_MIN || integer > INT32_MAX) return false;
            *static_cast<int32_t*>(value) = static_cast<int32_t>(integer);
            return true;
        case DType::i64: *static_cast<int64_t*>(value) = integer; return true;
        case DType::f32:
            if (real == real && (real > 3.4028234663852886e38 || real < -3.4028234663852886e38))
                return false;
            *static_cast<float*>(value) = static_cast<float>(real);
            return true;
        case DType::f64: *static_cast<double*>(value) = real; return true;
        case DType::b1: break;
    }
    return false;
}

// The bytes [low, high) an array's elements occupy.
inline void extent(PyArrayObject* a, const char** low, const char** high) {
    const char* lo = PyArray_BYTES(a);
    const char* hi = lo;
    for (int d = 0; d < PyArray_NDIM(a); ++d) {
        const npy_intp span = (PyArray_DIM(a, d) - 1) * PyArray_STRIDE(a, d);
        if (PyArray_DIM(a, d) == 0) {
            *low = *high = lo;
            return;
        }
        if (span < 0) lo += span;
        else hi += span;
    }
    *low = lo;
    *high = hi + PyArray_ITEMSIZE(a);
}

inline bool may_overlap(PyArrayObject* a, PyArrayObject* b) {
    const char *alo, *ahi, *blo, *bhi;
    extent(a, &alo, &ahi);
    extent(b, &blo, &bhi);
    return alo < bhi && blo < ahi;
}

// out can be written as it is: exact ndarray, dtype d, this shape, writeable.
inline bool usable_out(PyObject* o, DType d, int ndim, const npy_intp* shape) {
    DType got;
    if (!core_dtype(o, &got) || got != d) return false;
    PyArrayObject* a = array(o);
    return PyArray_ISWRITEABLE(a) && PyArray_NDIM(a) == ndim &&
           PyArray_CompareLists(PyArray_DIMS(a), shape, ndim);
}

// Holds the GIL released while the core runs (every kernel call).
class WithoutGil {
public:
    WithoutGil() : state_(PyEval_SaveThread()) {}
    ~WithoutGil() { PyEval_RestoreThread(state_); }
    WithoutGil(const WithoutGil&) = delete;
    WithoutGil& operator=(const WithoutGil&) = delete;
private:
    PyThreadState* state_;
};

// A strong reference that is released on every path.
class Ref {
public:
    explicit Ref(PyObject* o = nullptr) : o_(o) {}
    ~Ref() { Py_XDECREF(o_); }
    Ref(const Ref&) = delete;
    Ref& operator=(const Ref&) = delete;
    PyObject* get() const { return o_; }
    PyObject* release() { PyObject* o = o_; o_ = nullptr; return o; }
    void reset(PyObject* o) { Py_XDECREF(o_); o_ = o; }
private:
    PyObject* o_;
};

// Lists and tuples (and, with `scalars`, NumPy scalars) as the exact arrays
// NumPy reads them as (held by `holder`), so that small calls on them need no
// Python; anything else as it is. Null, with no error set, where NumPy cannot
// convert it: the caller defers, and the fallback raises NumPy's error.
inline PyObject* as_operand(PyObject* o, Ref& holder, bool scalars) {
    const bool scalar = scalars && PyArray_IsScalar(o, Generic);
    if (!(scalar || PyList_CheckExact(o) || PyTuple_CheckExact(o))) return o;
    holder.reset(scalar ? PyArray_FromScalar(o, nullptr)
                        : PyArray_FromAny(o, nullptr, 0, 0, 0, nullptr));
    if (!holder.get()) PyErr_Clear();
    return holder.get();
}

// The one operand of a reduction or scan as an exact array of a core dtype
// (NumPy scalars, lists and tuples converted into `holder`); null where the
// entry defers.
inline PyArrayObject* core_operand(PyObject* o, Ref& holder, DType* dtype) {
    PyObject* operand = as_operand(o, holder, true);
    return operand && core_dtype(operand, dtype) ? array(operand) : nullptr;
}

}  // namespace mf::py
