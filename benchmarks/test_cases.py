"""The benchmark cases of ``python -m mathfront bench``, under pytest-benchmark.

    pytest benchmarks --benchmark-autosave       # record a run in .benchmarks/
    pytest benchmarks --benchmark-compare        # compare with the last record

The cases are mathfront.bench.cases' quick set, so this suite and the CLI
time the same calls. Each op is timed on every available host backend.
"""

import mathfront as mf
import pytest
from mathfront.bench import cases

BACKENDS = [s.name for s in mf.backends() if s.available and s.device == "cpu"]
CASES = cases.cases(cases.QUICK_OPS, cases.QUICK_DTYPES, cases.QUICK_SIZES)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.op}-{c.dtype}-{c.size:g}")
def test_case(benchmark, case, backend):
    benchmark.group = case.label
    benchmark(case.call(mf, backend))
