// The fused evaluator's bindings (core/fused.hpp): fused_plan builds a plan
// once per program (pybind11: not a hot path); fused_run, a C entry point
// (every call of a fused function goes through it), runs it.
#include "fused_entry.hpp"

#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <memory_resource>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/fused.hpp"
#include "../core/reduce.hpp"
#include "arrays.hpp"
#include "fp_errors.hpp"

namespace py = pybind11;

namespace mf::py {

namespace {

constexpr const char* kCapsule = "mathfront.fused_plan";

// The plan, and the order of the program's outputs: >= 0 a register output's
// index in plan.outputs, < 0 (~j) reduction j.
struct Plan {
    FusedPlan plan;
    int ndim = 0;
    std::vector<int> order;
};

DType parse_dtype(const std::string& name) {
    for (int d = 0; d < kNumDTypes; ++d)
        if (name == dtype_name(DType(d))) return DType(d);
    throw std::invalid_argument("unsupported dtype " + name);
}

template <size_t N>
int find_op(const ElementwiseSpec (&specs)[N], const std::string& name) {
    for (size_t i = 0; i < N; ++i)
        if (name == specs[i].name) return int(i);
    return -1;
}

Reduction find_reduction(const std::string& name) {
    int i = 0;
    for (const ReductionSpec& s : kReductions) {
        if (name == s.name) return Reduction(i);
        ++i;
    }
    throw std::invalid_argument("no reduction " + name);
}

// steps: (op, loop, dtype, args); outputs: a register, or (op, reg, axis or -1, ddof, dtype).
::py::capsule fused_plan(int ndim, int n_arrays, const std::vector<std::string>& dtypes,
                         const ::py::tuple& steps, const ::py::tuple& outputs) {
    auto plan = std::make_unique<Plan>();
    FusedPlan& p = plan->plan;
    plan->ndim = ndim;
    p.n_arrays = n_arrays;
    for (const std::string& d : dtypes) p.dtypes.push_back(parse_dtype(d));
    p.n_scalars = int(p.dtypes.size()) - n_arrays - int(steps.size());
    if (p.n_scalars < 0) throw std::invalid_argument("fewer registers than steps");
    for (const ::py::handle& item : steps) {
        auto t = item.cast<::py::tuple>();
        const auto op = t[0].cast<std::string>();
        FusedStep s{};
        s.loop = parse_dtype(t[1].cast<std::string>());
        s.dtype = parse_dtype(t[2].cast<std::string>());
        auto args = t[3].cast<std::vector<int>>();
        if (args.empty() || args.size() > 3) throw std::invalid_argument(op + ": 1 to 3 operands");
        s.nargs = int(args.size());
        for (int a = 0; a < s.nargs; ++a) s.args[a] = args[a];
        int id;
        if (op == "cast") {
            s.kind = StepKind::Cast;
        } else if ((id = find_op(kBinary, op)) >= 0 && s.nargs == 2) {
            s.kind = StepKind::Binary;
            s.op = id;
        } else if ((id = find_op(kUnary, op)) >= 0 && s.nargs == 1) {
            s.kind = StepKind::Unary;
            s.op = id;
        } else if ((id = find_op(kTernary, op)) >= 0 && s.nargs == 3) {
            s.kind = StepKind::Ternary;
            s.op = id;
        } else {
            throw std::invalid_argument("no kernel for " + op + " with " +
                                        std::to_string(s.nargs) + " operands");
        }
        if (s.kind == StepKind::Cast && s.nargs != 1) throw std::invalid_argument("cast: 1 operand");
        p.steps.push_back(s);
    }
    for (const ::py::handle& item : outputs) {
        if (::py::isinstance<::py::int_>(item)) {
            plan->order.push_back(int(p.outputs.size()));
            p.outputs.push_back(item.cast<int>());
            continue;
        }
        auto t = item.cast<::py::tuple>();
        FusedReduction r{};
        r.op = find_reduction(t[0].cast<std::string>());
        r.reg = t[1].cast<int>();
        r.axis = t[2].cast<int>();
        r.ddof = t[3].cast<double>();
        r.dtype = parse_dtype(t[4].cast<std::string>());
        if (r.axis >= ndim) throw std::invalid_argument("reduction axis out of range");
        plan->order.push_back(~int(p.reductions.size()));
        p.reductions.push_back(r);
    }
    const std::string problem = build_plan(p);
    if (!problem.empty()) throw std::invalid_argument(problem);
    return ::py::capsule(plan.release(), kCapsule, [](PyObject* c) {
        delete static_cast<Plan*>(PyCapsule_GetPointer(c, kCapsule));
    });
}

PyObject* fail(PyObject* type, const char* message) {
    PyErr_SetString(type, message);
    return nullptr;
}

const char* warning_text(int bit) {
    switch (bit) {
        case kWarnEmptyMean: return "Mean of empty slice";
        case kWarnAllNan: return "All-NaN slice encountered";
        default: return "Degrees of freedom <= 0 for slice";
    }
}

// fused_run(plan, arrays, scalars, outs) -> tuple of results (docs/fuse.md).
PyObject* fused_run(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 4) return fail(PyExc_TypeError, "fused_run(plan, arrays, scalars, outs)");
    auto* plan = static_cast<Plan*>(PyCapsule_GetPointer(args[0], kCapsule));
    if (!plan) return nullptr;
    const FusedPlan& p = plan->plan;
    PyObject* seqs[3];
    Ref held[3];
    for (int i = 0; i < 3; ++i) {
        held[i].reset(PySequence_Fast(args[i + 1], "arrays, scalars and outs must be sequences"));
        if (!held[i].get()) return nullptr;
        seqs[i] = held[i].get();
    }
    const Py_ssize_t n_outs = Py_ssize_t(plan->order.size());
    if (PySequence_Fast_GET_SIZE(seqs[0]) != p.n_arrays ||
        PySequence_Fast_GET_SIZE(seqs[1]) != p.n_scalars ||
        PySequence_Fast_GET_SIZE(seqs[2]) != n_outs)
        return fail(PyExc_ValueError, "fused_run: wrong number of arrays, scalars or outs");
    PyObject** arrays = PySequence_Fast_ITEMS(seqs[0]);
    PyObject** scalars = PySequence_Fast_ITEMS(seqs[1]);
    PyObject** outs = PySequence_Fast_ITEMS(seqs[2]);
    const int ndim = plan->ndim;
    const npy_intp* shape = nullptr;
    bool have_shape = false;  // (a 0-d array's dims may be null)
    auto check = [&](PyObject* o, DType d, bool writeable) {
        if (!PyArray_Check(o)) return false;
        PyArrayObject* a = array(o);
        if (PyArray_TYPE(a) != type_number(d) || !PyArray_ISALIGNED(a) || !PyArray_ISNOTSWAPPED(a) ||
            PyArray_NDIM(a) != ndim || (writeable && !PyArray_ISWRITEABLE(a)))
            return false;
        if (!have_shape) {
            shape = PyArray_DIMS(a);
            have_shape = true;
        }
        return ndim == 0 || PyArray_CompareLists(PyArray_DIMS(a), shape, ndim) != 0;
    };
    // (the call's small vectors from a stack arena: no malloc per call)
    alignas(64) std::byte arena[4096];
    std::pmr::monotonic_buffer_resource mem(arena, sizeof arena);
    std::pmr::vector<const char*> data(p.n_arrays, &mem);
    std::pmr::vector<const int64_t*> strides(p.n_arrays, &mem);
    for (int r = 0; r < p.n_arrays; ++r) {
        if (!check(arrays[r], p.dtypes[r], false))
            return fail(PyExc_ValueError, "fused_run: an array is not of its register's dtype and "
                                          "the program's shape (aligned, native order)");
        data[r] = PyArray_BYTES(array(arrays[r]));
        strides[r] = PyArray_STRIDES(array(arrays[r]));
    }
    std::pmr::vector<char*> out_data(p.outputs.size(), &mem);
    std::pmr::vector<const int64_t*> out_strides(p.outputs.size(), &mem);
    // A register output given as None is allocated here (C order): what the
    // front end would allocate, without a Python call (docs/fuse.md, cpp engine).
    Ref allocated[64];
    if (n_outs > 64) return fail(PyExc_ValueError, "fused_run: too many outputs");
    for (Py_ssize_t i = 0; i < n_outs; ++i) {
        const int at = plan->order[i];
        if (at < 0) continue;
        if (outs[i] == Py_None) {
            if (!have_shape) return fail(PyExc_ValueError, "fused_run: no array gives the shape");
            allocated[i].reset(PyArray_SimpleNew(ndim, const_cast<npy_intp*>(shape),
                                                 type_number(p.dtypes[p.outputs[at]])));
            if (!allocated[i].get()) return nullptr;
            out_data[at] = PyArray_BYTES(array(allocated[i].get()));
            out_strides[at] = PyArray_STRIDES(array(allocated[i].get()));
            continue;
        }
        if (!check(outs[i], p.dtypes[p.outputs[at]], true))
            return fail(PyExc_ValueError, "fused_run: an out is not a writeable array of its "
                                          "register's dtype and the program's shape");
        out_data[at] = PyArray_BYTES(array(outs[i]));
        out_strides[at] = PyArray_STRIDES(array(outs[i]));
    }
    if (!have_shape) return fail(PyExc_ValueError, "fused_run: a program without arrays or outs");
    // Scalars: their values' bytes (a NumPy scalar of the register's dtype as
    // it is, anything else converted as NumPy casts it).
    std::pmr::vector<int64_t> values(p.n_scalars, &mem);
    std::pmr::vector<const char*> scalar_ptrs(p.n_scalars, &mem);
    for (int i = 0; i < p.n_scalars; ++i) {
        const DType d = p.dtypes[p.n_arrays + i];
        PyObject* o = scalars[i];
        DType got = DType::b1;
        if (scalar_dtype(o, &got) && got == d) {
            PyArray_ScalarAsCtype(o, &values[i]);
        } else {
            Ref a(PyArray_FromAny(o, PyArray_DescrFromType(type_number(d)), 0, 0,
                                  NPY_ARRAY_FORCECAST | NPY_ARRAY_CARRAY, nullptr));
            if (!a.get()) return nullptr;
            if (PyArray_SIZE(array(a.get())) != 1) return fail(PyExc_ValueError, "fused_run: a scalar of many values");
            std::memcpy(&values[i], PyArray_BYTES(array(a.get())), itemsize(d));
        }
        scalar_ptrs[i] = reinterpret_cast<const char*>(&values[i]);
    }
    // As NumPy, integer powers refuse negative exponents before writing anything
    // (those an input or a scalar holds; a computed exponent is not checked).
    for (const FusedStep& st : p.steps) {
        const bool is_signed = st.loop == DType::i8 || st.loop == DType::i16 ||
                               st.loop == DType::i32 || st.loop == DType::i64;
        if (st.kind != StepKind::Binary || Binary(st.op) != Binary::power || !is_signed ||
            st.args[1] >= p.n_arrays + p.n_scalars)
            continue;
        const int e = st.args[1];
        alignas(8) char minimum[8];
        if (e >= p.n_arrays) {
            std::memcpy(minimum, scalar_ptrs[e - p.n_arrays], 8);
        } else {
            PyArrayObject* a = array(arrays[e]);
            if (PyArray_SIZE(a) == 0) continue;
            bool all[kMaxDims];
            std::fill(all, all + kMaxDims, true);
            reduce({Reduction::min, st.loop, ndim, PyArray_DIMS(a), PyArray_STRIDES(a),
                    PyArray_BYTES(a), all, minimum, nullptr, 0});
        }
        const bool negative = visit_dtype(st.loop, [&](auto tag) {
            decltype(tag) v;
            std::memcpy(&v, minimum, sizeof v);
            return v < decltype(tag)(0);
        });
        if (negative)
            return fail(PyExc_ValueError, "Integers to negative integer powers are not allowed.");
    }
    // Reductions' results: over every axis 0-d, over one the other axes.
    Ref results[64];
    if (p.reductions.size() > 64) return fail(PyExc_ValueError, "fused_run: too many reductions");
    std::pmr::vector<char*> reduced(p.reductions.size(), &mem);
    for (size_t j = 0; j < p.reductions.size(); ++j) {
        const FusedReduction& red = p.reductions[j];
        npy_intp rshape[kMaxDims];
        int rdim = 0;
        for (int d = 0; d < ndim && red.axis >= 0; ++d)
            if (d != red.axis) rshape[rdim++] = shape[d];
        results[j].reset(PyArray_SimpleNew(rdim, rshape, type_number(red.dtype)));
        if (!results[j].get()) return nullptr;
        reduced[j] = PyArray_BYTES(array(results[j].get()));
    }
    const FusedCall call{ndim, shape, data.data(), strides.data(), scalar_ptrs.data(),
                         out_data.data(), out_strides.data(), reduced.data()};
    FusedReport report;
    {
        WithoutGil nogil;
        report = run_plan(p, call);
    }
    for (int bit : {kWarnEmptyMean, kWarnAllNan, kWarnDof}) {
        if ((report.warnings & bit) && PyErr_WarnEx(PyExc_RuntimeWarning, warning_text(bit), 1) < 0)
            return nullptr;
    }
    if (!report_fp("fused expression", report.fp) ||
        !report_fp("divide", divide_flags(report.warnings)))
        return nullptr;
    PyObject* result = PyTuple_New(n_outs);
    if (!result) return nullptr;
    for (Py_ssize_t i = 0; i < n_outs; ++i) {
        const int at = plan->order[i];
        PyObject* item = at < 0 ? results[~at].release()
                         : allocated[i].get() ? allocated[i].release() : outs[i];
        if (at >= 0 && item == outs[i]) Py_INCREF(item);
        PyTuple_SET_ITEM(result, i, item);
    }
    return result;
}

PyMethodDef g_run = {"fused_run", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fused_run)),
                     METH_FASTCALL,
                     "fused_run(plan, arrays, scalars, outs): run a plan of fused_plan (docs/fuse.md)"};

}  // namespace

void add_fused(::py::module_& m) {
    m.def("fused_plan", &fused_plan, ::py::arg("ndim"), ::py::arg("n_arrays"), ::py::arg("dtypes"),
          ::py::arg("steps"), ::py::arg("outputs"),
          "A fused program's plan (docs/fuse.md), for fused_run; ValueError when it lacks a kernel.");
    PyObject* fn = PyCFunction_NewEx(&g_run, nullptr, m.ptr());
    if (!fn) throw ::py::error_already_set();
    m.add_object("fused_run", ::py::reinterpret_steal<::py::object>(fn));
}

}  // namespace mf::py
