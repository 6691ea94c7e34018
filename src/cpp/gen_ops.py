"""Generates the C++ side of the op table from src/python/mathfront/_ops.py.

Run by CMake at build time (and whenever _ops.py changes):

    python gen_ops.py OPS_PY OUTPUT_DIR

writes OUTPUT_DIR/mf_ops.def, the X-macro list of ops whose rows carry their
result-type rule and cost (included by the kernels, the driver, the bindings
and the C ABI), and OUTPUT_DIR/mathfront_ops.h, the C ABI's declarations
(included by include/mathfront.h). Files are rewritten only when their text
changes, so an unchanged table rebuilds nothing.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys

HEADER = "// Generated from src/python/mathfront/_ops.py by src/cpp/gen_ops.py: do not edit.\n"

#: The C ABI's dtypes: (suffix, C type, dtype name).
C_TYPES = (("f32", "float", "float32"), ("f64", "double", "float64"),
           ("i32", "int32_t", "int32"), ("i64", "int64_t", "int64"))


def load_ops(path: str):
    spec = importlib.util.spec_from_file_location("mathfront_ops_table", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses looks the module up
    spec.loader.exec_module(module)
    return module


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def result_ctype(t, rule: str, ctype: str) -> str:
    """The C result type of an op with result rule ``rule`` on C type ``ctype`` (one of
    C_TYPES': int32 and int64 are the only integers of the C ABI)."""
    floating = ctype in ("float", "double")
    if rule in (t.SAME, t.NUMERIC):
        return ctype
    if rule in (t.FLOAT, t.INEXACT):  # INEXACT: int32 and int64 give float64 too
        return ctype if floating else "double"
    if rule == t.WIDE:
        return ctype if floating else "int64_t"
    if rule == t.INDEX:
        return "int64_t"
    if rule == t.BOOL:
        return "uint8_t"  # NumPy's bool: one byte, 0 or 1
    raise ValueError(f"unknown result rule {rule!r}")


#: The C++ enumerator (common/dtype.hpp's DType) of each dtype name.
CPP_DTYPES = {"bool": "b1", "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
              "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64",
              "float32": "f32", "float64": "f64"}


def dtype_mask(op) -> str:
    """The row's input dtypes as a C++ mask expression (a missing enumerator fails to compile)."""
    return "(" + " | ".join(f"::mf::dtype_bit(::mf::DType::{CPP_DTYPES[d]})"
                            for d in op.dtypes) + ")"


def cabi_types(op):
    """The C ABI's dtypes of ``op``: those of C_TYPES its row lists."""
    return [c for c in C_TYPES if c[2] in op.dtypes]


def ops_def(t) -> str:
    macros = {
        "MF_BINARY": "name, Functor, result, cost, dtypes",
        "MF_UNARY": "name, Functor, result, cost, dtypes",
        "MF_REDUCTION": "name, family, variant, skip_nan, result, keyword, identity",
        "MF_DOT": "name, result",
        "MF_SCAN": "name, family, result",
        "MF_TERNARY": "name, Functor, result, cost",
    }
    lines = [HEADER,
             "// Include after defining the macros you need; the others expand to nothing.",
             "//   result: Same, Float, Inexact, Numeric, Wide, Index or Bool (common/ops.hpp's",
             "//     ResultOf);",
             "//   cost: time per element relative to add (threading thresholds);",
             "//   dtypes: the row's input dtypes, a mask of dtype_bit(DType) (common/dtype.hpp):",
             "//     the kernel tables instantiate a functor for these only;",
             "//   keyword: a reduction's own keyword (None, Dtype, Ddof);",
             "//   identity: whether an empty reduction has a value (else NumPy raises).",
             "// Composites (diff, vecdot, isclose...) have no rows: they are written above",
             "// the engines, from other ops' kernels (their C ABI functions too, in",
             "// cabi/cabi.cpp: MF_CABI_DTYPES_<op> below lists their dtypes as well).", ""]
    for macro, params in macros.items():
        lines += [f"#ifndef {macro}", f"#define {macro}({params})", "#endif"]
    lines.append("")
    for op in t.OPS:
        result = camel(op.result)
        if op.kind == t.BINARY:
            lines.append(f"MF_BINARY({op.name}, {camel(op.name)}, {result}, {op.cost}, "
                         f"{dtype_mask(op)})")
        elif op.kind == t.UNARY:
            lines.append(f"MF_UNARY({op.name}, {camel(op.name)}, {result}, {op.cost}, "
                         f"{dtype_mask(op)})")
        elif op.kind == t.REDUCTION:
            skip = "true" if op.skips_nan else "false"
            if len(op.extra) > 1:
                raise ValueError(f"{op.name}: C++ entries take at most one reduction keyword")
            keyword = camel(op.extra[0]) if op.extra else "None"
            identity = "false" if op.identity is None else "true"
            lines.append(f"MF_REDUCTION({op.name}, {camel(op.family)}, {camel(op.variant)}, "
                         f"{skip}, {result}, {keyword}, {identity})")
        elif op.kind == t.DOT:
            lines.append(f"MF_DOT({op.name}, {result})")
        elif op.kind == t.SCAN:
            lines.append(f"MF_SCAN({op.name}, {camel(op.family)}, {result})")
        elif op.kind == t.TERNARY:
            lines.append(f"MF_TERNARY({op.name}, {camel(op.name)}, {result}, {op.cost})")
        elif op.kind == t.COMPOSITE:
            continue
        else:
            raise ValueError(f"{op.name}: unknown kind {op.kind!r}")
    lines.append("")
    lines += [f"#undef {macro}" for macro in macros]
    lines += ["", "// The C ABI's functions of each op: MF_CABI_DTYPES_<op>(DEFINE, name) expands",
              "// DEFINE(name, suffix, C type) for each of C_TYPES the row lists.",
              "#ifndef MF_CABI_DTYPES_DEFINED", "#define MF_CABI_DTYPES_DEFINED"]
    for op in t.OPS:
        defines = " ".join(f"DEFINE(name, {sfx}, {ctype})" for sfx, ctype, _ in cabi_types(op))
        lines.append(f"#define MF_CABI_DTYPES_{op.name}(DEFINE, name) {defines}")
    lines.append("#endif")
    return "\n".join(lines) + "\n"


#: The C form of each op whose kind has no common one (ternary, composite): its
#: parameters after the name, T the input's C type and R the result's. A new op of
#: those kinds must say how C calls it here (main refuses a row without a form).
C_FORMS = {
    # a NumPy bool condition: one byte, nonzero true
    "where": "int {fn}(const uint8_t* cond, const {T}* x, const {T}* y, {R}* out, int64_t n)",
    # scalar bounds, as nearly every clip is called: per-element bounds are
    # mf_maximum then mf_minimum (NumPy's definition of clip)
    "clip": "int {fn}(const {T}* x, {T} lo, {T} hi, {R}* out, int64_t n)",
    # out has n - 1 elements (none for n <= 1)
    "diff": "int {fn}(const {T}* a, {R}* out, int64_t n)",
    "vecdot": "{R} {fn}(const {T}* x1, const {T}* x2, int64_t n)",
    "isclose": "int {fn}(const {T}* a, const {T}* b, {R}* out, int64_t n, double rtol, "
               "double atol, int equal_nan)",
    "allclose": "{R} {fn}(const {T}* a, const {T}* b, int64_t n, double rtol, double atol, "
                "int equal_nan)",
    # a copy (NumPy's real of a real array is the array itself)
    "real": "int {fn}(const {T}* x, {R}* out, int64_t n)",
    # zeros of x's type and length
    "imag": "int {fn}(const {T}* x, {R}* out, int64_t n)",
}


def declarations(t) -> str:
    lines = [HEADER.replace("//", "/*").rstrip() + " */",
             "/* Included by mathfront.h: one function per op and dtype. */", ""]
    for op in t.OPS:
        if op.kind in (t.TERNARY, t.COMPOSITE) and op.name not in C_FORMS:
            raise ValueError(f"{op.name}: no C form in gen_ops.C_FORMS (how C calls it)")
        for sfx, ctype, _ in cabi_types(op):
            r = result_ctype(t, op.result, ctype)
            fn = f"mf_{op.name}_{sfx}"
            if op.name in C_FORMS:
                lines.append(f"MF_API {C_FORMS[op.name].format(fn=fn, T=ctype, R=r)};")
            elif op.kind == t.BINARY:
                lines.append(f"MF_API int {fn}(const {ctype}* a, const {ctype}* b, {r}* out, "
                             "int64_t n);")
            elif op.kind in (t.UNARY, t.SCAN):  # a scan: the running sum/product into out
                lines.append(f"MF_API int {fn}(const {ctype}* x, {r}* out, int64_t n);")
            elif op.kind == t.REDUCTION:
                ddof = ", double ddof" if "ddof" in op.extra else ""
                lines.append(f"MF_API {r} {fn}(const {ctype}* x, int64_t n{ddof});")
            else:
                lines.append(f"MF_API {r} {fn}(const {ctype}* a, const {ctype}* b, int64_t n);")
        lines.append("")
    return "\n".join(lines)


def write(path: pathlib.Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def main(ops_py: str, output_dir: str) -> None:
    table = load_ops(ops_py)
    out = pathlib.Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    write(out / "mf_ops.def", ops_def(table))
    write(out / "mathfront_ops.h", declarations(table))


if __name__ == "__main__":
    main(*sys.argv[1:3])
