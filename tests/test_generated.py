"""What is generated from the op table is current, and the table agrees with NumPy."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import mathfront as mf
import numpy as np
import pytest
from mathfront._ops import (
    ALIASES,
    ALL_DTYPES,
    BINARY,
    BY_NAME,
    COMPOSITE,
    DOT,
    FAMILIES,
    OPS,
    REDUCTION,
    RESULT_RULES,
    SCAN,
    TERNARY,
    TOLERANCES,
    UNARY,
    VARIANTS,
)
from support import numpy_reference

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_generated_docs_and_stubs_are_current():
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "generate.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_a_stale_file_is_reported(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "docs"))
    stale = tmp_path / "api.md"
    stale.write_text("an old reference\n")
    monkeypatch.setattr(generate, "targets", lambda: {stale: "the current reference\n"})
    monkeypatch.setattr(generate, "ROOT", tmp_path)
    assert generate.main(["--check"]) == 1
    assert stale.read_text() == "an old reference\n"  # --check writes nothing
    assert generate.main([]) == 0 and stale.read_text() == "the current reference\n"


#: What each result rule gives, per input dtype (written out here, not derived);
#: "float16": NumPy's answer, which no row may list.
RULES = {
    "same": {"bool": "bool", "int8": "int8", "int16": "int16", "int32": "int32",
             "int64": "int64", "uint8": "uint8", "uint16": "uint16", "uint32": "uint32",
             "uint64": "uint64", "float32": "float32", "float64": "float64"},
    "float": {"bool": "float64", "int8": "float64", "int16": "float64", "int32": "float64",
              "int64": "float64", "uint8": "float64", "uint16": "float64", "uint32": "float64",
              "uint64": "float64", "float32": "float32", "float64": "float64"},
    "inexact": {"bool": "float16", "int8": "float16", "int16": "float32", "int32": "float64",
                "int64": "float64", "uint8": "float16", "uint16": "float32",
                "uint32": "float64", "uint64": "float64", "float32": "float32",
                "float64": "float64"},
    "numeric": {"bool": "int8", "int8": "int8", "int16": "int16", "int32": "int32",
                "int64": "int64", "uint8": "uint8", "uint16": "uint16", "uint32": "uint32",
                "uint64": "uint64", "float32": "float32", "float64": "float64"},
    "wide": {"bool": "int64", "int8": "int64", "int16": "int64", "int32": "int64",
             "int64": "int64", "uint8": "uint64", "uint16": "uint64", "uint32": "uint64",
             "uint64": "uint64", "float32": "float32", "float64": "float64"},
    "index": {"bool": "int64", "int8": "int64", "int16": "int64", "int32": "int64",
              "int64": "int64", "uint8": "int64", "uint16": "int64", "uint32": "int64",
              "uint64": "int64", "float32": "int64", "float64": "int64"},
    "bool": {"bool": "bool", "int8": "bool", "int16": "bool", "int32": "bool", "int64": "bool",
             "uint8": "bool", "uint16": "bool", "uint32": "bool", "uint64": "bool",
             "float32": "bool", "float64": "bool"},
}


def test_the_rules_cover_every_dtype():
    for rule in RESULT_RULES:
        assert tuple(RULES[rule]) == ALL_DTYPES, rule


def _numpys_result(op, dtype):
    """NumPy's result dtype of ``op`` on ``dtype`` operands, or None where it refuses."""
    x = np.ones(3, dtype)
    try:
        return np.asarray(numpy_reference(op, *([x] * op.arity))).dtype.name
    except TypeError:  # numpy.exceptions.UFuncTypeError among them
        return None


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_each_rows_result_rule_is_numpys(op):
    """For all 11 dtypes: a row lists those NumPy computes, its rule gives NumPy's
    result, and it leaves out exactly those NumPy refuses or computes in float16."""
    for dtype in ALL_DTYPES:
        result = _numpys_result(op, dtype)
        if dtype in op.dtypes:
            assert result == RULES[op.result][dtype], (op.name, dtype)
        else:
            assert result in (None, "float16"), (op.name, dtype, result)


@pytest.mark.parametrize("op", [o for o in OPS if o.kind == SCAN], ids=lambda op: op.name)
def test_each_scans_identity_is_numpys_initial_element(op):
    assert op.family in ("sum", "prod") and op.identity is not None, op.name
    (initial,) = {"sum": np.add, "prod": np.multiply}[op.family].reduce(np.empty(0))[None]
    assert op.identity == initial, op.name
    if op.standard:  # NumPy 2's cumulative_*: the identity is what include_initial prepends
        np.testing.assert_equal(numpy_reference(op, np.array([5.0]), include_initial=True)[0],
                                op.identity)


@pytest.mark.parametrize("op", [o for o in OPS if o.kind == REDUCTION], ids=lambda op: op.name)
def test_each_rows_identity_is_numpys_empty_reduction(op):
    empty = np.empty(0)
    if op.identity is None:
        with pytest.raises(ValueError):
            numpy_reference(op, empty)
    else:
        np.testing.assert_equal(numpy_reference(op, empty), op.identity)


def test_rows_are_complete():
    for op in OPS:
        assert op.kind in (BINARY, UNARY, REDUCTION, SCAN, DOT, TERNARY, COMPOSITE), op.name
        assert op.summary and op.result in RESULT_RULES and op.tolerance in TOLERANCES, op.name
        assert op.dtypes == tuple(d for d in ALL_DTYPES if d in op.dtypes), op.name
        if op.kind in (REDUCTION, SCAN, TERNARY):
            assert "bool" in op.dtypes, op.name
        if op.kind == COMPOSITE:  # its parts are rows
            assert set(op.parts) <= {o.name for o in OPS}, op.name
        if op.kind == REDUCTION:
            assert op.family in FAMILIES and op.variant in VARIANTS, op.name


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_a_functor_that_breaks_its_rows_result_rule_does_not_compile(tmp_path):
    """The kernels' output type is tied to the row's rule: a mismatch fails the build."""
    sys.path.insert(0, str(ROOT / "src" / "cpp"))
    try:
        import gen_ops
    finally:
        sys.path.remove(str(ROOT / "src" / "cpp"))
    gen_ops.main(str(ROOT / "src" / "python" / "mathfront" / "_ops.py"), str(tmp_path))
    compile_kernels = ["g++", "-std=c++17", "-fsyntax-only", "-DMF_LEVEL_NS=baseline",
                       "-DMF_LEVEL_BASELINE", "-DMF_PART=MF_PART_BINARY",
                       f"-I{tmp_path}", str(ROOT / "src" / "cpp" / "kernels" / "kernels.cpp")]
    good = subprocess.run(compile_kernels, capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    table = tmp_path / "mf_ops.def"
    row = "divide, Divide, Float"
    assert row in table.read_text()
    table.write_text(table.read_text().replace(row, row.replace("Float", "Same")))
    bad = subprocess.run(compile_kernels, capture_output=True, text=True)
    assert bad.returncode != 0 and "result rule" in bad.stderr


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_each_array_api_name_is_numpys_alias_and_the_same_function(alias):
    name = ALIASES[alias]
    assert getattr(np, alias) is BY_NAME[name].reference  # NumPy 2 has the same alias
    assert getattr(mf, alias) is getattr(mf, name)
    assert alias in mf.__all__
    dtype = "float64" if "float64" in BY_NAME[name].dtypes else "int64"  # (shifts: ints)
    x = np.array([0.25, 0.5] if dtype == "float64" else [1, 2], dtype)
    # (transcendentals within the contract's 4 ulp: small calls may run on cpp)
    np.testing.assert_allclose(getattr(mf, alias)(*[x] * BY_NAME[name].arity),
                               getattr(np, alias)(*[x] * BY_NAME[name].arity), rtol=1e-15)
