"""Runs every test that takes a ``backend`` argument once per available backend."""

import os

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
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "simulator" if SIMULATOR else "default"))

BACKENDS = available_backends()


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS)


def pytest_report_header(config):
    return f"mathfront backends under test: {', '.join(BACKENDS)}"
