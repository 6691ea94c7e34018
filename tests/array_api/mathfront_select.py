"""A pytest plugin for the array-api-tests suite: select tests by function, record outcomes.

Loaded with ``-p mathfront_select`` by ``run.py``. ``MATHFRONT_ARRAY_API_FUNCTIONS``
(comma-separated names) keeps the tests of those functions and deselects the
rest; ``MATHFRONT_ARRAY_API_IDS`` (a file, one test id a line) keeps only
those tests; ``MATHFRONT_ARRAY_API_RESULTS`` names the JSON file each test's outcome
(and a failure's report) is written to.

Operator and in-place forms (``__add__``, ``test_iop``) are deselected: they
call the arrays' own methods (NumPy's), never the namespace's functions.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import settings

#: Tests parametrized by function, whose parameter id starts with the function's name.
_BY_PARAMETER = ("test_unary", "test_binary", "test_nan_propagation", "test_empty_arrays",
                 "test_func_signature", "test_extension_func_signature",
                 "test_binary_with_scalars")
#: Tests of operators and methods only.
_OPERATORS_ONLY = ("test_iop",)
_HEAD = re.compile(r"[\w.]+")


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """The same draws for the baseline and each backend, whatever ran before.

    No example database: a run replays no example an earlier run saved. No
    local constants: hypothesis also draws literals it finds in the loaded
    modules outside site-packages (mathfront's own source among them, and
    only once loaded), so the namespace's runs would draw other values than
    the baseline's. Its global constants (0, -0.0, inf, nan...) stay.
    """
    settings.register_profile("mathfront-array-api", parent=settings.default, database=None)
    settings.load_profile("mathfront-array-api")
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - another hypothesis: the recheck still guards
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        providers._get_local_constants = providers.Constants


def function_of(name: str, param: str | None, functions) -> str | None:
    """The function a test (its function's name, its parameter id) is about, or None.

    ``test_add[add(x1, x2)]`` -> add; ``test_unary[acos(x_i is NaN) -> NaN]`` ->
    acos; ``test_diff_append_prepend`` -> diff; ``test_linalg_vecdot`` -> vecdot;
    ``test_add[__add__(x1, x2)]`` -> None (an operator).
    """
    if name in _OPERATORS_ONLY:
        return None
    if param:
        head = _HEAD.match(param)
        head = head.group(0) if head else ""
        if head.startswith("__"):
            return None
        if name.startswith(_BY_PARAMETER):
            return head.removeprefix("linalg.")
    base = name.removeprefix("test_").removeprefix("linalg_")
    matches = [f for f in functions if base == f or base.startswith(f + "_")]
    return max(matches, key=len) if matches else None


def _functions() -> list[str]:
    return [f for f in os.environ.get("MATHFRONT_ARRAY_API_FUNCTIONS", "").split(",") if f]


def _selected(item, functions, ids) -> bool:
    if ids is not None:
        return item.nodeid in ids
    callspec = getattr(item, "callspec", None)
    name = getattr(item, "originalname", item.name)
    return function_of(name, callspec.id if callspec else None, functions) in functions


def pytest_collection_modifyitems(config, items):
    functions = _functions()
    ids_file = os.environ.get("MATHFRONT_ARRAY_API_IDS")
    ids = set(Path(ids_file).read_text().splitlines()) if ids_file else None
    if not functions and ids is None:
        return
    keep, drop = [], []
    for item in items:
        (keep if _selected(item, set(functions), ids) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


_outcomes: dict[str, dict] = {}


def pytest_runtest_logreport(report):
    entry = _outcomes.setdefault(report.nodeid, {"outcome": "passed"})
    if report.failed:
        if entry["outcome"] != "failed":  # the first failing phase's report
            entry["outcome"] = "failed"
            entry["when"] = report.when
            entry["report"] = report.longreprtext[-4000:]
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"
        entry["reason"] = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("MATHFRONT_ARRAY_API_RESULTS")
    if not path:
        return
    namespace = sys.modules.get("mathfront_namespace")
    result = {
        "module": os.environ.get("ARRAY_API_TESTS_MODULE"),
        "tests": _outcomes,
        "calls": dict(namespace.CALLS) if namespace else {},
        "fallbacks_to_auto": dict(namespace.FALLBACKS) if namespace else {},
    }
    with open(path, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
