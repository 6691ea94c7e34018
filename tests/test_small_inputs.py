"""Lists, tuples and NumPy scalars: read as NumPy reads them, NumPy's result type
(a NumPy scalar for scalars), on every backend (issue 12)."""

import mathfront as mf
import numpy as np
import pytest
from support import assert_matches

CASES = [
    ("add", (np.float32(1.5), np.float32(2))),
    ("add", (np.float32(1.5), 1.0)),             # a weak Python float keeps float32
    ("add", (np.float32(1.5), np.int32(1))),     # two strong types: float64
    ("add", (np.int64(2**62), np.int64(2**62))),  # wraps around, as NumPy
    ("multiply", (np.float64(3), [1.0, 2.0])),
    ("subtract", ([[1, 2], [3, 4]], (1, 2))),
    ("sqrt", (np.int32(4),)),
    ("exp", (np.float32(1),)),
    ("maximum", (np.float64(np.nan), 1.0)),
    ("power", (np.int64(3), 4)),
    ("sum", ([1, 2, 3],)),
    ("mean", ((1.0, 2.0, 4.0),)),
    ("max", (np.float32(2.5),)),
    ("argmax", ([3, 9, 1],)),
]


@pytest.mark.parametrize(("name", "args"), CASES, ids=lambda v: str(v))
def test_small_inputs_as_numpy(backend, name, args):
    expected = getattr(np, mf.__dict__[name].op.reference.__name__)(*args)
    got = getattr(mf, name)(*args, backend=backend)
    assert type(got) is type(expected)
    assert_matches(got, expected, rtol=4 * np.finfo(np.float32).eps, what=name)


def test_negative_integer_power_of_numpy_scalars_is_refused(backend):
    with pytest.raises(ValueError, match="negative integer powers"):
        mf.power(np.int64(2), np.int64(-1), backend=backend)


def test_ragged_lists_get_numpys_error(backend):
    with pytest.raises(ValueError, match="inhomogeneous"):
        np.add([[1.0], [1.0, 2.0]], 1.0)
    with pytest.raises(ValueError, match="inhomogeneous"):
        mf.add([[1.0], [1.0, 2.0]], 1.0, backend=backend)
