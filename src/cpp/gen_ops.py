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
    """The C result type of an op with result rule ``rule`` on C type ``ctype``."""
    floating = ctype in ("float", "double")
    if rule == t.SAME:
        return ctype
    if rule == t.FLOAT:
        return ctype if floating else "double"
    if rule == t.WIDE:
        return ctype if floating else "int64_t"
    if rule == t.INDEX:
        return "int64_t"
    if rule == getattr(t, "BOOL", None):
        return "uint8_t"  # NumPy's bool: one byte, 0 or 1
    raise ValueError(f"unknown result rule {rule!r}")


def ops_def(t) -> str:
    macros = {
        "MF_BINARY": "name, Functor, result, cost",
        "MF_UNARY": "name, Functor, result, cost",
        "MF_REDUCTION": "name, family, variant, skip_nan, result, keyword, identity",
        "MF_DOT": "name, result",
        "MF_SCAN": "name, family, result",
        "MF_TERNARY": "name, Functor, result, cost",
    }
    lines = [HEADER,
             "// Include after defining the macros you need; the others expand to nothing.",
             "//   result: Same, Float, Wide, Index or Bool (common/ops.hpp's ResultOf);",
             "// Composites (diff, vecdot, isclose...) have no rows: they are written above",
             "// the engines, from other ops' kernels.",
             "//   cost: time per element relative to add (threading thresholds);",
             "//   keyword: a reduction's own keyword (None, Dtype, Ddof);",
             "//   identity: whether an empty reduction has a value (else NumPy raises).", ""]
    for macro, params in macros.items():
        lines += [f"#ifndef {macro}", f"#define {macro}({params})", "#endif"]
    lines.append("")
    for op in t.OPS:
        result = camel(op.result)
        if op.kind == t.BINARY:
            lines.append(f"MF_BINARY({op.name}, {camel(op.name)}, {result}, {op.cost})")
        elif op.kind == t.UNARY:
            lines.append(f"MF_UNARY({op.name}, {camel(op.name)}, {result}, {op.cost})")
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
        elif op.kind == getattr(t, "TERNARY", None):
            lines.append(f"MF_TERNARY({op.name}, {camel(op.name)}, {result}, {op.cost})")
        elif op.kind == getattr(t, "COMPOSITE", None):
            continue
        else:
            raise ValueError(f"{op.name}: unknown kind {op.kind!r}")
    lines.append("")
    lines += [f"#undef {macro}" for macro in macros]
    return "\n".join(lines) + "\n"


def declarations(t) -> str:
    lines = [HEADER.replace("//", "/*").rstrip() + " */",
             "/* Included by mathfront.h: one function per op and dtype. */", ""]
    for op in t.OPS:
        if op.kind in (getattr(t, "TERNARY", None), getattr(t, "COMPOSITE", None)):
            continue  # no C ABI yet (where, clip, composites): docs/design.md
        for sfx, ctype, _ in C_TYPES:
            r = result_ctype(t, op.result, ctype)
            fn = f"mf_{op.name}_{sfx}"
            if op.kind == t.BINARY:
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
