"""The array-api-tests harness (tests/array_api): test selection, the namespace's routing.

The suite itself runs from tests/array_api/run.py (docs/array-api.md), not here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import mathfront as mf
import numpy as np
import pytest

HERE = Path(__file__).resolve().parent / "array_api"
sys.path.insert(0, str(HERE))

from mathfront_select import function_of  # noqa: E402
from run import ELEMENTWISE, ISSUE_13, check_suite  # noqa: E402

FUNCTIONS = {"add", "acos", "sum", "diff", "vecdot", "cumulative_sum", "where", "log", "max",
             "maximum", "logical_and", "atan", "atan2"}


@pytest.mark.parametrize(("name", "param", "expected"), [
    ("test_add", "add(x1, x2)", "add"),
    ("test_add", "__add__(x1, x2)", None),           # an operator: NumPy's method
    ("test_add", "__iadd__(x, s)", None),
    ("test_abs", "__abs__", None),
    ("test_acos", None, "acos"),
    ("test_unary", "acos(x_i is NaN) -> NaN", "acos"),
    ("test_binary", "atan2(x1_i is +0 and x2_i > 0) -> +0", "atan2"),
    ("test_binary", "__pow__(x1_i is NaN) -> NaN", None),
    ("test_iop", "__iadd__(x1_i is NaN) -> NaN", None),
    ("test_binary_with_scalars_real", "maximum", "maximum"),
    ("test_nan_propagation", "max", "max"),
    ("test_func_signature", "sum", "sum"),
    ("test_extension_func_signature", "linalg.vecdot", "vecdot"),
    ("test_diff_append_prepend", None, "diff"),
    ("test_where_with_scalars", None, "where"),
    ("test_vecdot_conj", None, "vecdot"),
    ("test_linalg_vecdot", None, "vecdot"),
    ("test_cumulative_sum", None, "cumulative_sum"),   # not sum
    ("test_maximum", None, "maximum"),                 # not max
    ("test_logical_and", None, "logical_and"),         # not log
    ("test_argmax", None, None),
])
def test_function_of_a_test(name, param, expected):
    assert function_of(name, param, FUNCTIONS) == expected


def test_issue_13_lists_the_standards_67_elementwise_functions():
    assert len(ELEMENTWISE) == len(set(ELEMENTWISE)) == 67
    assert len(ISSUE_13) == len(set(ISSUE_13)) == 67 + 9 + 6


def test_a_suite_without_its_spec_is_refused(tmp_path):
    (tmp_path / "array_api_tests").mkdir()
    with pytest.raises(SystemExit, match="submodule"):
        check_suite(tmp_path)
    with pytest.raises(SystemExit, match="not a checkout"):
        check_suite(tmp_path / "array_api_tests")


def _namespace(monkeypatch, backend):
    pytest.importorskip("array_api_compat")
    monkeypatch.setenv("MATHFRONT_ARRAY_API_BACKEND", backend)
    spec = importlib.util.spec_from_file_location(f"ns_{backend}", HERE / "mathfront_namespace.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_unknown_backend_is_refused(monkeypatch):
    with pytest.raises(ValueError, match="numpy, cpp or cuda"):
        _namespace(monkeypatch, "jax")


def test_the_namespace_runs_mathfront_on_the_engine_and_auto_for_the_rest(monkeypatch, backend):
    xp = _namespace(monkeypatch, backend)
    import array_api_compat.numpy as compat

    assert set(mf._api.FUNCTIONS) <= set(xp.REPLACED)
    assert xp.acos.__wrapped__ is mf.acos
    assert xp.asarray is compat.asarray  # what mathfront lacks stays array_api_compat's
    x = np.array([0.25, 0.5])
    np.testing.assert_array_equal(xp.sqrt(x), np.sqrt(x))  # exact on every engine
    assert not xp.FALLBACKS
    z = np.array([0.25 + 1j])  # complex: no engine claims it but numpy
    np.testing.assert_array_equal(xp.sqrt(z), np.sqrt(z))
    assert xp.FALLBACKS == ({} if backend == "numpy" else {"sqrt": 1})
    # Standard keywords: var's correction, cumulative_sum's include_initial.
    assert xp.var(x, correction=1) == np.var(x, ddof=1)
    np.testing.assert_array_equal(xp.cumulative_sum(x, include_initial=True),
                                  [0.0, 0.25, 0.75])


def test_the_standards_call_forms_are_mapped_onto_numpys(monkeypatch):
    xp = _namespace(monkeypatch, "numpy")
    x = np.arange(3)
    # clip(x, /, min=None, max=None): NumPy's positional bounds are a_min, a_max.
    assert xp._clip((x, 1, 2), {}) == ((x,), {"min": 1, "max": 2})
    assert xp._clip((x,), {"max": 2}) == ((x,), {"max": 2})
    adapt, signature = xp._STANDARD_FORMS["clip"]
    assert list(signature.parameters)[:3] == ["x", "min", "max"]
    # diff's prepend=None / append=None: not given (NumPy would take None as an operand).
    adapt, _ = xp._STANDARD_FORMS["diff"]
    assert adapt((x,), {"prepend": None, "append": x, "axis": 0}) == ((x,), {"append": x,
                                                                            "axis": 0})
