// The fused evaluator (issue 14, docs/fuse.md): a traced program, compiled
// once into a plan of kernel-table calls, run blockwise over its broadcast
// shape so that temporaries stay in cache and memory is crossed once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../common/dtype.hpp"
#include "../common/ops.hpp"
#include "../kernels/table.hpp"
#include "strided.hpp"

namespace mf {

enum class StepKind : int { Binary, Unary, Ternary, Cast };

// Register `result` = op(args): every operand of the step's loop dtype but
// where's condition (bool); `dtype` the result's.
struct FusedStep {
    StepKind kind;
    int op;  // a Binary, Unary or Ternary id; unused for Cast
    DType loop, dtype;
    int nargs;
    int args[3];
    // Derived by build_plan.
    UnaryFn cast = nullptr;  // Cast: the conversion loop
    bool quiet = false;      // NumPy reports no flag of this op (comparisons, where...)
};

// A reduction of register `reg` over every axis (axis < 0) or one.
struct FusedReduction {
    int reg;
    Reduction op;
    int axis;
    double ddof;
    DType dtype;  // the result's: result_dtype(op, dtypes[reg]), checked
};

// A program (fuse/_program.py) in the core's terms. Registers: arrays, then
// scalars, then one per step. build_plan checks it and derives the rest.
struct FusedPlan {
    int n_arrays = 0;
    int n_scalars = 0;
    std::vector<DType> dtypes;  // per register
    std::vector<FusedStep> steps;
    std::vector<int> outputs;   // registers written to arrays, in order
    std::vector<FusedReduction> reductions;
    // Derived by build_plan.
    std::vector<int> slot;      // per register: its block buffer (-1: none)
    int nslots = 0;
    int cost = 0;               // sum of the steps' costs (decides threading)
};

// Checks that every step has a kernel in the active table (and a reduction's
// dtype is its op's) and assigns block buffers by liveness; an empty string
// when the plan can run, else what it lacks.
std::string build_plan(FusedPlan& plan);

// The memory of one run: every array of the program's shape.
struct FusedCall {
    int ndim;
    const int64_t* shape;
    const char* const* arrays;          // per array register
    const int64_t* const* strides;      // per array register (bytes; 0 where broadcast)
    const char* const* scalars;         // per scalar register: its value's bytes
    char* const* outs;                  // per register output
    const int64_t* const* out_strides;  // per register output
    char* const* reduced;               // per reduction: its result, C-contiguous
};

struct FusedReport {
    int fp = 0;        // FpStatus bits raised by the elementwise part and the reductions
    int warnings = 0;  // ReduceWarning bits of the reductions
};

// Runs the plan on the thread pool. Outputs may be the very same memory as an
// input (same strides) but must not overlap one otherwise.
FusedReport run_plan(const FusedPlan& plan, const FusedCall& call);

}  // namespace mf
