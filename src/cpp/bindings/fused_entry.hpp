// The fused evaluator's entries: fused_plan and fused_run (fused_entry.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace mf::py {

void add_fused(pybind11::module_& m);

}  // namespace mf::py
