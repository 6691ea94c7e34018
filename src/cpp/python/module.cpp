// mathfront._cpp: the bindings. Kept thin: informational functions through
// pybind11, and one C entry point per op through CPython's vectorcall
// protocol, because per-call cost is what small arrays pay (pybind11's
// argument conversion alone would cost several times NumPy's own overhead).
//
// An entry point computes the calls it can take in C++ and hands every other
// call, unchanged, to a Python fallback held as the function's `self`. The
// fallback validates, normalises and raises mathfront's errors; the C++ side
// never has to reproduce them.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#define PY_ARRAY_UNIQUE_SYMBOL MATHFRONT_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_2_0_API_VERSION
#include <numpy/arrayobject.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "../core/cpu_features.hpp"
#include "../kernels/table.hpp"

namespace py = pybind11;

namespace {

// Below this many elements a kernel holds the GIL: releasing and re-taking it
// costs more than the work (NumPy uses the same rule, with 500).
constexpr npy_intp kReleaseGilAbove = 4096;

class GilRelease {
public:
    explicit GilRelease(npy_intp n) : state_(n > kReleaseGilAbove ? PyEval_SaveThread() : nullptr) {}
    ~GilRelease() { if (state_) PyEval_RestoreThread(state_); }
    GilRelease(const GilRelease&) = delete;
    GilRelease& operator=(const GilRelease&) = delete;
private:
    PyThreadState* state_;
};

PyArrayObject* as_array(PyObject* o) { return reinterpret_cast<PyArrayObject*>(o); }

// An exact ndarray of this type, C-contiguous, aligned and in native byte order.
bool is_c_array(PyObject* o, int type) {
    return PyArray_CheckExact(o) && PyArray_TYPE(as_array(o)) == type &&
           PyArray_ISCARRAY_RO(as_array(o));
}

bool same_shape(PyArrayObject* a, PyArrayObject* b) {
    return PyArray_NDIM(a) == PyArray_NDIM(b) &&
           PyArray_CompareLists(PyArray_DIMS(a), PyArray_DIMS(b), PyArray_NDIM(a));
}

// out may be the very same buffer as an input, but must not partly overlap one.
bool overlaps_partly(PyArrayObject* out, PyArrayObject* in) {
    const char* o = PyArray_BYTES(out);
    const char* i = PyArray_BYTES(in);
    if (o == i) return false;
    return o < i + PyArray_NBYTES(in) && i < o + PyArray_NBYTES(out);
}

PyObject* defer(PyObject* fallback, PyObject* const* args, Py_ssize_t nargs) {
    return PyObject_Vectorcall(fallback, args, static_cast<size_t>(nargs), nullptr);
}

// add(x, y, out)
PyObject* add_entry(PyObject* fallback, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 3 || !is_c_array(args[0], NPY_DOUBLE) || !is_c_array(args[1], NPY_DOUBLE))
        return defer(fallback, args, nargs);
    PyArrayObject* x = as_array(args[0]);
    PyArrayObject* y = as_array(args[1]);
    if (!same_shape(x, y)) return defer(fallback, args, nargs);
    PyObject* out = args[2];
    if (out == Py_None) {
        out = PyArray_SimpleNew(PyArray_NDIM(x), PyArray_DIMS(x), NPY_DOUBLE);
        if (!out) return nullptr;
    } else if (is_c_array(out, NPY_DOUBLE) && PyArray_ISWRITEABLE(as_array(out)) &&
               same_shape(as_array(out), x) && !overlaps_partly(as_array(out), x) &&
               !overlaps_partly(as_array(out), y)) {
        Py_INCREF(out);
    } else {
        return defer(fallback, args, nargs);
    }
    npy_intp n = PyArray_SIZE(x);
    {
        GilRelease nogil(n);
        mf::kernels().add_f64(static_cast<const double*>(PyArray_DATA(x)),
                              static_cast<const double*>(PyArray_DATA(y)),
                              static_cast<double*>(PyArray_DATA(as_array(out))), n);
    }
    return args[2] == Py_None ? PyArray_Return(as_array(out)) : out;
}

PyObject* float64_scalar(double value) {
    PyArray_Descr* descr = PyArray_DescrFromType(NPY_DOUBLE);
    PyObject* scalar = PyArray_Scalar(&value, descr, nullptr);
    Py_DECREF(descr);
    return scalar;
}

// sum(x, axis, keepdims, out, dtype): the whole array, or the last axis of a 2-D one.
PyObject* sum_entry(PyObject* fallback, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 5 || !is_c_array(args[0], NPY_DOUBLE) || args[2] != Py_False ||
        args[3] != Py_None || args[4] != Py_None)
        return defer(fallback, args, nargs);
    PyArrayObject* x = as_array(args[0]);
    const double* data = static_cast<const double*>(PyArray_DATA(x));
    if (args[1] == Py_None) {
        npy_intp n = PyArray_SIZE(x);
        double total;
        {
            GilRelease nogil(n);
            total = mf::kernels().sum_f64(data, n);
        }
        return float64_scalar(total);
    }
    if (PyArray_NDIM(x) != 2 || !PyLong_Check(args[1]) || PyLong_AsLong(args[1]) != -1)
        return defer(fallback, args, nargs);
    npy_intp rows = PyArray_DIM(x, 0), cols = PyArray_DIM(x, 1);
    PyObject* out = PyArray_SimpleNew(1, &rows, NPY_DOUBLE);
    if (!out) return nullptr;
    double* dst = static_cast<double*>(PyArray_DATA(as_array(out)));
    {
        GilRelease nogil(rows * cols);
        for (npy_intp r = 0; r < rows; ++r) dst[r] = mf::kernels().sum_f64(data + r * cols, cols);
    }
    return out;
}

// One PyMethodDef per op that has an entry point; it must outlive the
// function objects made from it, hence static storage.
PyMethodDef g_entries[] = {
    {"add", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(add_entry)),
     METH_FASTCALL, "mathfront add (C++)"},
    {"sum", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(sum_entry)),
     METH_FASTCALL, "mathfront sum (C++)"},
};

py::object bind(const std::string& op, py::object fallback) {
    if (!PyCallable_Check(fallback.ptr())) throw py::type_error("fallback must be callable");
    for (PyMethodDef& def : g_entries) {
        if (op == def.ml_name) {
            return py::reinterpret_steal<py::object>(PyCFunction_NewEx(&def, fallback.ptr(), nullptr));
        }
    }
    throw py::key_error("no C++ entry point for op '" + op + "'");
}

py::dict supported() {
    py::dict ops;
    ops["add"] = py::make_tuple("float64");
    ops["sum"] = py::make_tuple("float64");
    return ops;
}

}  // namespace

PYBIND11_MODULE(_cpp, m) {
    if (_import_array() < 0) throw py::error_already_set();
    m.doc() = "mathfront's compiled CPU kernels (see mathfront.backends.cpp_backend)";
    m.def("bind", &bind, py::arg("op"), py::arg("fallback"),
          "A callable computing `op` in C++ that passes the calls it cannot take to `fallback`.");
    m.def("supported", &supported, "{op name: dtypes with a C++ kernel}");
    m.def("cpu_features", &mf::cpu_features);
    m.def("best_level", [] { return mf::level_name(mf::best_level()); });
    m.def("active_level", [] { return mf::level_name(mf::active_level()); });
    m.def("select_level", [](const std::string& name) {
        try {
            mf::select_level(mf::parse_level(name));
        } catch (const std::invalid_argument& e) {
            throw py::value_error(e.what());
        }
    });
}
