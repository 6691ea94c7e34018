"""Shared test machinery: which backends run, array layouts, and the NumPy oracle.

Every backend is checked against NumPy with the same test bodies (the CuPy
``xp`` pattern): the body computes NumPy's answer on exactly the inputs it
gives mathfront, then compares dtype, shape, kind (scalar or array) and values
within the error model of the op table's ``tolerance`` column
(``mathfront._tolerance``, stated in docs/verify.md): bounds that follow from
the op and its inputs, never from what a backend computed.
"""

from __future__ import annotations

import os
import warnings

import mathfront as mf
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from mathfront import _registry, _tolerance
from mathfront._ops import BY_NAME, OPS

SIMULATOR = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"

DTYPES = ("float32", "float64", "int32", "int64")
REDUCTION_DTYPES = (*DTYPES, "bool")
ELEMENTWISE = [op for op in OPS if op.elementwise]
#: The elementwise ops that are NumPy ufuncs (where=, casting=, dtype=, a ufunc's out=);
#: np.round is a function with its own keywords.
UFUNCS = [op for op in ELEMENTWISE if "where" in op.later]
REDUCTIONS = [op for op in OPS if op.kind == "reduction"]

#: Largest side of generated arrays: the CUDA simulator runs kernels in Python.
MAX_SIDE = 5


def simulated_cover(backend: str, row: int, column: int, pick: int, picks: int) -> None:
    """On the simulator, runs one case in ``picks`` of a row x column x pick cross
    (op x layout x axis, say), skipping the rest: the one whose ``pick`` is
    ``(row + column) % picks``. Kept: every (row, column) pair, every (row, pick)
    pair where columns number at least ``picks``, and every (column, pick) pair
    over ``picks`` rows. A real GPU, and the other backends, run the whole cross.

    Why: the simulator interprets kernels in Python (~0.2 s a launch), and its
    kernels come from one template per kind, the op and dtype substituted, so
    the cross multiplies CI time without reaching new code (docs/DECISIONS.md,
    "CI time")."""
    if SIMULATOR and backend == "cuda" and pick != (row + column) % picks:
        pytest.skip("the simulator runs a covering sample of this cross (support.simulated_cover)")


def available_backends() -> list[str]:
    return [s.name for s in mf.backends() if s.available]


def require(backend: str, op, *dtypes) -> None:
    """Skip unless ``backend`` implements ``op`` for these dtypes, and the op's row lists
    them (NumPy has no bitwise_and of floats: the numpy backend claims every dtype)."""
    op = BY_NAME[op] if isinstance(op, str) else op
    if any(np.dtype(d).name not in op.dtypes for d in dtypes):
        pytest.skip(f"{op.name} is not computed for {', '.join(map(str, dtypes))}")
    b = _registry.get(backend)
    if not b.supports(op, [np.dtype(d) for d in dtypes]):
        pytest.skip(f"{backend} has no {op.name} for {', '.join(map(str, dtypes))}")


def supported_dtypes(backend: str, op) -> list[str]:
    """The row's dtypes that ``backend`` computes ``op`` for (tests draw from them);
    skips the test when there are none."""
    op = BY_NAME[op] if isinstance(op, str) else op
    b = _registry.get(backend)
    dtypes = [d for d in op.dtypes if b.supports(op, [np.dtype(d)])]
    if not dtypes:
        pytest.skip(f"{backend} has no {op.name}")
    return dtypes


def numpy_reference(op, *args, **kwargs):
    """NumPy's answer (warnings silenced: they are NumPy's, not under test)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return op.reference(*args, **kwargs)


# --- layouts ---------------------------------------------------------------------------

LAYOUTS = ("contiguous", "fortran", "transposed", "reversed", "strided", "broadcast")


def with_layout(a: np.ndarray, layout: str) -> np.ndarray:
    """An array of ``a``'s shape laid out in memory as named.

    The values are ``a``'s except for "broadcast", whose zero strides repeat the
    first entry along each axis longer than one. Tests compute NumPy's answer
    on the returned array itself, so that does not matter.
    """
    a = np.asarray(a)
    if a.ndim == 0:
        return a.copy()  # one element has one layout
    every = (slice(None, None, -1),) * a.ndim
    if layout == "contiguous":
        return np.ascontiguousarray(a)
    if layout == "fortran":
        return np.asfortranarray(a)
    if layout == "transposed":
        return np.ascontiguousarray(a.T).T
    if layout == "reversed":
        return np.ascontiguousarray(a[every])[every]
    if layout == "strided":
        buffer = np.zeros(tuple(2 * n + 1 for n in a.shape), a.dtype)
        view = buffer[tuple(slice(1, None, 2) for _ in a.shape)]
        view[...] = a
        return view
    if layout == "broadcast":
        first = a[tuple(slice(0, 1) for _ in a.shape)] if a.size else a
        return np.broadcast_to(first, a.shape)
    raise ValueError(layout)


# --- operands --------------------------------------------------------------------------

SPECIALS = (np.nan, np.inf, -np.inf, 0.0, -0.0)

#: The op table's real domains (``Op.domain``) as float ranges: most inputs fall
#: inside; the specials (and integers) still go outside, where NumPy gives NaN.
DOMAINS = {"[-1,1]": (-1, 1), ">=1": (1, 1e6), ">=-1": (-1, 1e6), ">=0": (0, 1e6)}


def elements(dtype, op=None):
    """Values to draw for ``op``: ranges that keep NumPy's answer independent of order.

    Floats stay within +-1e6 (so no sum of a few hundred of them overflows in
    any order) and include NaN, +-inf and signed zeros; integers span the whole
    range so that wrap-around is exercised.
    """
    dtype = np.dtype(dtype)
    family = getattr(op, "family", "")
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if getattr(op, "domain", "") == "exponent>=0":
            return st.integers(max(-3, int(info.min)), 3)
        if getattr(op, "domain", "") == "[-1,1]":
            return st.integers(max(-2, int(info.min)), 2)
        if family in ("prod", "moments") or getattr(op, "variant", "") == "mean":
            # Accumulated in float64: keep the exact integer sum within 2**53.
            return st.integers(max(-1000, int(info.min)), min(1000, int(info.max)))
        return st.integers(int(info.min), int(info.max))
    width = dtype.itemsize * 8
    if family == "prod":
        # |x| in [0.5, 2]: no product of up to 125 of them under- or overflows
        # float32 in any order, so NumPy's order-dependent overflow stays out.
        magnitude = st.floats(0.5, 2, width=width)
        finite = st.one_of(magnitude, magnitude.map(lambda v: -v), st.just(0.0))
    elif getattr(op, "domain", "") == "exponent>=0":
        finite = st.floats(-3, 3, width=width)
    elif getattr(op, "domain", "") in DOMAINS:
        finite = st.floats(*DOMAINS[op.domain], width=width)
    else:
        finite = st.floats(-1e6, 1e6, width=width)
    return st.one_of(finite, finite, finite, st.sampled_from(SPECIALS))


@st.composite
def arrays(draw, dtype, shape, op=None, layouts=LAYOUTS):
    values = draw(hnp.arrays(np.dtype(dtype), shape, elements=elements(dtype, op)))
    if op is not None and op.domain == "exponent>=0" and values.dtype.kind in "iu":
        values = np.abs(values)  # negative integer powers are an error, tested apart
    return with_layout(values, draw(st.sampled_from(layouts)))


@st.composite
def operand(draw, dtype, shape, op=None):
    """An array, or (for 0-d operands) sometimes a weak Python scalar."""
    a = draw(arrays(dtype, shape, op))
    if a.ndim == 0 and draw(st.booleans()):
        return a.item()
    return a


# --- comparison ------------------------------------------------------------------------

#: Error bounds per op, from the op table's ``tolerance`` column: the same
#: bounds verify mode uses (mathfront._tolerance; docs/verify.md).
elementwise_tolerance = _tolerance.elementwise
reduction_tolerance = _tolerance.reduction


def assert_matches(got, expected, *, atol=0.0, rtol=0.0, what=""):
    """Same kind (scalar/array), dtype, shape; values equal or within tolerance.

    NaN must meet NaN, infinities must match exactly, and ``atol`` may be an
    array (a bound per output element).
    """
    assert isinstance(got, np.ndarray) == isinstance(expected, np.ndarray), (
        f"{what}: got a {type(got).__name__}, NumPy gives a {type(expected).__name__}")
    if not isinstance(expected, np.ndarray):
        assert isinstance(got, np.generic), f"{what}: got {type(got).__name__}, not a NumPy scalar"
    g, e = np.asarray(got), np.asarray(expected)
    assert g.dtype == e.dtype, f"{what}: dtype {g.dtype}, NumPy gives {e.dtype}"
    assert g.shape == e.shape, f"{what}: shape {g.shape}, NumPy gives {e.shape}"
    if e.dtype.kind in "fc":
        with np.errstate(all="ignore"):
            same = (g == e) | (np.isnan(g) & np.isnan(e))
            close = np.isfinite(e) & (np.abs(g.astype(np.float64) - e) <= atol + rtol * np.abs(e))
        ok = same | close
    else:
        ok = g == e
    if not np.all(ok):
        bad = np.argwhere(~np.asarray(ok))[:5]
        pairs = [(tuple(i), g[tuple(i)], e[tuple(i)]) for i in bad]
        raise AssertionError(f"{what}: values differ from NumPy at (index, got, numpy) {pairs}")
