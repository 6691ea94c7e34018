// mathfront._cpp: the bindings, kept thin. pybind11 for the informational
// functions; the ops themselves are C entry points (entries.cpp), because on
// small arrays the per-call cost is what matters, and pybind11's argument
// conversion alone would cost several times NumPy's own overhead.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#define MATHFRONT_IMPORTS_ARRAY
#include "arrays.hpp"
#include "fp_errors.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "../probe/bandwidth.hpp"
#include "../core/cpu_features.hpp"
#include "../core/thread_pool.hpp"
#include "../kernels/table.hpp"
#include "entries.hpp"
#include "fused_entry.hpp"

namespace py = pybind11;

namespace {

py::object bind(const std::string& op, py::object fallback, py::tuple defaults,
                Py_ssize_t max_size, py::object large, const std::vector<std::string>& capped) {
    if (!fallback.is_none() && !PyCallable_Check(fallback.ptr()))
        throw py::type_error("fallback must be callable or None");
    if (!large.is_none() && !PyCallable_Check(large.ptr()))
        throw py::type_error("large must be callable or None");
    uint32_t mask = 0;
    for (const std::string& name : capped) {
        int d = 0;
        while (d < mf::kNumDTypes && name != mf::dtype_name(static_cast<mf::DType>(d))) ++d;
        if (d == mf::kNumDTypes) throw py::value_error("capped: no dtype named " + name);
        mask |= mf::dtype_bit(static_cast<mf::DType>(d));
    }
    PyObject* fn = mf::py::bind(op.c_str(), fallback.ptr(), defaults.ptr(), max_size, large.ptr(),
                                mask);
    if (!fn) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(fn);
}

// {op: dtypes it takes}: those whose kernel slot the active level's table fills.
py::dict supported() {
    const mf::KernelTable& k = mf::kernels();
    py::dict ops;
    auto add = [&](const char* name, auto has_kernel) {
        py::list dtypes;
        for (int d = 0; d < mf::kNumDTypes; ++d)
            if (has_kernel(d)) dtypes.append(mf::dtype_name(static_cast<mf::DType>(d)));
        ops[name] = py::tuple(dtypes);
    };
    for (int op = 0; op < mf::kNumBinary; ++op)
        add(mf::kBinary[op].name, [&](int d) { return k.binary[op][d].vv != nullptr; });
    for (int op = 0; op < mf::kNumUnary; ++op)
        add(mf::kUnary[op].name, [&](int d) { return k.unary[op][d].v != nullptr; });
    for (const mf::ReductionSpec& spec : mf::kReductions)
        add(spec.name, [&](int d) { return k.row[static_cast<int>(spec.family)][d] != nullptr; });
#define MF_DOT(name, result) add(#name, [&](int d) { return k.dot[d] != nullptr; });
#define MF_TERNARY(name, Functor, result, cost) \
    add(#name, [&](int d) { return k.ternary[int(mf::Ternary::name)][d] != nullptr; });
    // Scans are compiled once, outside the per-level tables, for every dtype.
#define MF_SCAN(name, family, result) add(#name, [](int) { return true; });
#include "mf_ops.def"
    return ops;
}

}  // namespace

PYBIND11_MODULE(_cpp, m) {
    if (_import_array() < 0) throw py::error_already_set();
    if (_import_umath() < 0) throw py::error_already_set();  // for fp_errors.hpp
    m.doc() = "mathfront's compiled CPU kernels (see mathfront.backends.cpp_backend)";
    m.def("bind", &bind, py::arg("op"), py::arg("fallback"), py::arg("defaults") = py::tuple(),
          py::arg("max_size") = 0, py::arg("large") = py::none(),
          py::arg("capped") = std::vector<std::string>(),
          "A callable computing `op` in C++ that passes the calls it cannot take to `fallback`:\n"
          "those with other arguments than `defaults` after the protocol-1 ones among them,\n"
          "and (max_size > 0) elementwise calls of more than max_size elements, which go to\n"
          "`large(*operands)` instead when it is given and out is None; `capped` (dtype\n"
          "names; empty: all) the loop dtypes max_size applies to.");
    m.def("supported", &supported, "{op name: dtypes it takes}");
    m.def("cpu_features", &mf::cpu_features, "ISA extensions this CPU reports");
    m.def("best_level", [] { return mf::level_name(mf::best_level()); });
    m.def("active_level", [] { return mf::kernels().level; });
    m.def("select_level", [](const std::string& name) {
        try {
            mf::select_level(mf::parse_level(name));
        } catch (const std::invalid_argument& e) {
            throw py::value_error(e.what());
        }
    }, "Use the kernels of a level no higher than the CPU's best (MATHFRONT_CPU_LEVEL).");
    m.def("bandwidth", [](int64_t bytes, int repeats) {
        mf::Bandwidth b;
        {
            py::gil_scoped_release nogil;
            b = mf::measure_bandwidth(bytes, repeats);
        }
        py::dict gbs;
        gbs["read"] = b.read;
        gbs["copy"] = b.copy;
        gbs["add"] = b.add;
        gbs["triad"] = b.triad;
        return gbs;
    }, py::arg("bytes") = int64_t(1) << 28, py::arg("repeats") = 5,
       "Memory bandwidth in GB/s (read, copy, add, triad) on arrays of `bytes` each.");
    mf::py::add_fused(m);
    m.def("set_num_threads", &mf::set_num_threads);
    m.def("get_num_threads", &mf::num_threads,
          "This thread's limit if it has one, else the pool's count.");
    m.def("exchange_thread_limit", &mf::exchange_thread_limit, py::arg("n"),
          "Gives this thread its own thread count (0: none); returns the one it replaces.");
}
