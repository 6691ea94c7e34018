"""``array_api_compat.numpy`` with every function mathfront has replaced by mathfront's.

The namespace the public array-api-tests suite (data-apis/array-api-tests) runs
against (``ARRAY_API_TESTS_MODULE=mathfront_namespace``; ``run.py`` sets it up).
Everything mathfront does not have (creation, dtypes, ``asarray``, ``finfo``...)
is array_api_compat's NumPy namespace unchanged, so what the suite measures
beyond NumPy's own failures is mathfront's.

``MATHFRONT_ARRAY_API_BACKEND`` (numpy, cpp, cuda; default numpy) names the
engine. Each call goes to it with ``backend=`` when the engine claims the
call's dtypes (``Backend.supports``, the question ``auto`` asks), and to
``auto`` otherwise (complex everywhere; float16, ... on cpp and cuda): the
suite draws every dtype the standard has, and an explicit engine refuses
those it does not claim. ``FALLBACKS`` counts, per function, the calls that
went to ``auto``.

Where the standard's call differs from NumPy's (and so from mathfront's),
``_STANDARD_FORMS`` maps it onto mathfront's signature; docs/array-api.md
lists them.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections import Counter
from types import SimpleNamespace

import array_api_compat.numpy as _compat
import mathfront as _mf
from mathfront import _checks, _registry
from mathfront._api import FUNCTIONS as _FUNCTIONS
from mathfront._explain import _call_of

BACKEND = os.environ.get("MATHFRONT_ARRAY_API_BACKEND", "numpy")
if BACKEND not in ("numpy", "cpp", "cuda"):
    raise ValueError(f"MATHFRONT_ARRAY_API_BACKEND={BACKEND!r}: numpy, cpp or cuda")
if BACKEND == "cuda" and os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
    # As tests/conftest.py does for the simulator (run.py puts tests/ on the path).
    from simulator_fix import make_shared_arrays_thread_safe

    sys.setswitchinterval(1e-4)
    make_shared_arrays_thread_safe()
_ENGINE = _registry.get(BACKEND)
_reason = _ENGINE.unavailable_reason()
if _reason is not None:
    raise RuntimeError(f"mathfront backend {BACKEND!r} is not available: {_reason}")

#: Per function: the calls, and those whose dtypes the engine does not claim (run under auto).
CALLS: Counter = Counter()
FALLBACKS: Counter = Counter()
#: The functions replaced by mathfront's (the rest are array_api_compat's).
REPLACED: list[str] = []


def _backend_for(fn, args, kwargs) -> str:
    """``BACKEND`` when it claims the call's dtypes, else ``auto``."""
    op = fn.op
    CALLS[op.name] += 1
    try:
        call = _call_of(fn, op, args, kwargs)
    except TypeError:
        return BACKEND  # a bad call: let the engine raise what it raises
    if _ENGINE.supports(op, _checks.involved_dtypes(op, call)):
        return BACKEND
    FALLBACKS[op.name] += 1
    return "auto"


def _drop_none(*names):
    """The standard's ``None`` for "not given" where NumPy's default is ``<no value>``."""
    def adapt(args, kwargs):
        return args, {k: v for k, v in kwargs.items() if not (k in names and v is None)}
    return adapt


def _clip(args, kwargs):
    """The standard's ``clip(x, /, min=None, max=None)``: NumPy's takes the bounds by
    position as ``a_min, a_max`` and by name as ``min, max``."""
    x, *bounds = args
    return (x,), {**dict(zip(("min", "max"), bounds, strict=False)), **kwargs}


#: The standard's call forms mathfront (as NumPy) spells otherwise: name -> (adapter of
#: (args, kwargs), the standard's signature or None). The rest of the functions the
#: suite tests take the standard's calls as they are (var/std: correction;
#: cumulative_*: include_initial; vecdot: axis).
_STANDARD_FORMS = {
    # np.diff takes prepend/append only when given (None would be an operand).
    "diff": (_drop_none("prepend", "append"), None),
    "clip": (_clip, inspect.signature(lambda x, /, min=None, max=None, **kwargs: None)),
}


def _wrap(name: str, fn):
    adapt, signature = _STANDARD_FORMS.get(name, (None, None))

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if adapt is not None:
            args, kwargs = adapt(args, kwargs)
        return fn(*args, backend=_backend_for(fn, args, kwargs), **kwargs)

    if signature is not None:
        call.__signature__ = signature
    return call


globals().update({k: v for k, v in vars(_compat).items() if not k.startswith("__")})
__all__ = list(_compat.__all__)
__array_api_version__ = _compat.__array_api_version__
__array_namespace_info__ = _compat.__array_namespace_info__

for _name, _fn in _FUNCTIONS.items():
    globals()[_name] = _wrap(_name, _fn)
    REPLACED.append(_name)
    if _name not in __all__:
        __all__.append(_name)

# linalg.vecdot is the same function as vecdot in the standard.
linalg = _compat.linalg
if "vecdot" in REPLACED:
    linalg = SimpleNamespace(**{k: getattr(_compat.linalg, k) for k in dir(_compat.linalg)
                                if not k.startswith("__")})
    linalg.vecdot = globals()["vecdot"]
    linalg.__name__ = "mathfront_namespace.linalg"

__version__ = f"mathfront {_mf.__version__} ({BACKEND}) over array_api_compat {_compat.__name__}"
