"""Runs every test that takes a ``backend`` argument once per available backend."""

import os
import sys

import pytest
from hypothesis import HealthCheck, settings
from support import SIMULATOR, available_backends

settings.register_profile(
    "default", max_examples=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The CUDA simulator interprets kernels in Python: fewer, smaller examples.
settings.register_profile(
    "simulator", max_examples=8, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
if SIMULATOR:
    # The simulator's syncthreads spins in the main thread while the block's
    # threads wait for the GIL: a short switch interval makes it ~6x faster.
    sys.setswitchinterval(1e-4)
    from simulator_fix import make_shared_arrays_thread_safe

    make_shared_arrays_thread_safe()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "simulator" if SIMULATOR else "default"))

BACKENDS = available_backends()
if os.environ.get("MATHFRONT_TEST_BACKENDS"):
    # Tests taking ``backend`` run on these alone (comma-separated; those not
    # available are dropped): CI's rerun at MATHFRONT_CPU_LEVEL=baseline takes
    # cpp alone, the one backend whose kernels the level selects (the numpy
    # backend's and cuda's results do not depend on it). Tests without a
    # ``backend`` argument all run.
    wanted = os.environ["MATHFRONT_TEST_BACKENDS"].split(",")
    BACKENDS = [b for b in BACKENDS if b in wanted]

if SIMULATOR and os.environ.get("MATHFRONT_RECORD_KERNELS"):
    # The simulator runs the kernels' Python, not what the GPU compiler would
    # accept: record each kernel and argument types launched, for
    # tests/check_ptx.py to compile to PTX (no GPU needed, only the toolkit).
    from kernel_record import start_recording

    start_recording(os.environ["MATHFRONT_RECORD_KERNELS"])


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS)


def pytest_collection_modifyitems(config, items):
    """``gpu`` tests run only on a real GPU (never the simulator)."""
    marked = [item for item in items if "gpu" in item.keywords]
    if not marked:
        return
    if not SIMULATOR and "cuda" in BACKENDS:
        return
    why = "the CUDA simulator is not a GPU" if SIMULATOR else "no CUDA GPU here"
    for item in marked:
        item.add_marker(pytest.mark.skip(reason=f"needs a real GPU: {why}"))


def pytest_report_header(config):
    return f"mathfront backends under test: {', '.join(BACKENDS)}"
