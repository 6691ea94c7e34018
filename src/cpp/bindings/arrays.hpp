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
#include <cstring>
#include <limits>
#include <type_traits>

#include "../common/dtype.hpp"
#include "../core/strided.hpp"

static_assert(sizeof(npy_intp) == sizeof(int64_t), "mathfront needs a 64-bit npy_intp");

namespace mf::py {

inline PyArrayObject* array(PyObject* o) { return reinterpret_cast<PyArrayObject*>(o); }

// The core's dtype for a NumPy dtype; false for those it lacks (float16,
// complex, ...).
inline bool descr_dtype(PyArray_Descr* d, DType* out) {
    const npy_intp size = PyDataType_ELSIZE(d);
    const int at = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : -1;
    constexpr DType signed_[] = {DType::i8, DType::i16, DType::i32, DType::i64};
    constexpr DType unsigned_[] = {DType::u8, DType::u16, DType::u32, DType::u64};
    switch (d->kind) {
        case 'b': *out = DType::b1; return true;
        case 'i':
            if (at < 0) return false;
            *out = signed_[at];
            return true;
        case 'u':
            if (at < 0) return false;
            *out = unsigned_[at];
            return true;
        case 'f':  // float16 and long double: NumPy's
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
    constexpr int numbers[] = {NPY_BOOL,   NPY_INT8,   NPY_INT16,  NPY_INT32,   NPY_INT64,  NPY_UINT8,
                               NPY_UINT16, NPY_UINT32, NPY_UINT64, NPY_FLOAT32, NPY_FLOAT64};
    return numbers[static_cast<int>(d)];
}

// A weak Python scalar (bool, int, float) as a value of dtype `d`, following
// NumPy 2: it takes the array's dtype. False when that needs NumPy's own
// handling: an int with a bool array or a float with an integer one (the
// result is int64, float64), an int out of the dtype's range (NumPy raises
// OverflowError, or computes in its float loop: divide), a float outside
// float32's range.
inline bool scalar_as(PyObject* o, DType d, void* value) {
    if (PyFloat_CheckExact(o)) {
        const double real = PyFloat_AS_DOUBLE(o);
        if (d == DType::f64) {
            *static_cast<double*>(value) = real;
            return true;
        }
        if (d != DType::f32 ||
            (real == real && (real > 3.4028234663852886e38 || real < -3.4028234663852886e38)))
            return false;
        *static_cast<float*>(value) = static_cast<float>(real);
        return true;
    }
    const bool is_bool = PyBool_Check(o);
    if (!is_bool && (!PyLong_CheckExact(o) || d == DType::b1)) return false;
    long long integer = o == Py_True;
    unsigned long long big = 0;  // past LLONG_MAX: uint64's upper half
    bool is_big = false;
    if (!is_bool) {
        int overflow = 0;
        integer = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (integer == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            return false;
        }
        if (overflow > 0) {
            big = PyLong_AsUnsignedLongLong(o);
            if (big == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
                PyErr_Clear();
                return false;
            }
            is_big = true;
        } else if (overflow < 0) {
            return false;
        }
    }
    return visit_dtype(d, [&](auto tag) {
        using T = decltype(tag);
        T v;
        if constexpr (std::is_floating_point_v<T>) {
            v = is_big ? T(big) : T(integer);
        } else if constexpr (std::is_same_v<T, bool>) {
            v = integer != 0;  // a Python bool
        } else if constexpr (std::is_unsigned_v<T>) {
            if (is_big) {
                if (!std::is_same_v<T, uint64_t>) return false;
                v = T(big);
            } else {
                if (integer < 0 || static_cast<unsigned long long>(integer) >
                                       std::numeric_limits<T>::max())
                    return false;
                v = T(integer);
            }
        } else {
            if (is_big || integer < std::numeric_limits<T>::min() ||
                integer > std::numeric_limits<T>::max())
                return false;
            v = T(integer);
        }
        std::memcpy(value, &v, sizeof v);
        return true;
    });
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
