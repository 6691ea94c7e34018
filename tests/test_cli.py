"""``python -m mathfront``."""

import json
import os
import subprocess
import sys

import mathfront as mf
import pytest

CPP = {s.name: s for s in mf.backends()}["cpp"].available


def run(*args):
    return subprocess.run([sys.executable, "-m", "mathfront", *args],
                          capture_output=True, text=True, timeout=120)


def test_info_lists_backends_cpu_and_threads():
    result = run("info")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for needle in ("mathfront", "numpy", "cpp", "cuda", "threads", "CPU"):
        assert needle in text


def test_info_json_is_machine_readable():
    result = run("info", "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    names = {b["name"]: b for b in info["backends"]}
    assert names["numpy"]["available"] is True
    assert all(b["available"] or b["reason"] for b in names.values())
    assert info["threads"] >= 1


def test_unknown_command_exits_2_with_one_line():
    result = run("frobnicate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


# --- bad environment variables: one line naming the variable, and info still prints ---------

def run_with(env, *args):
    return subprocess.run([sys.executable, "-m", "mathfront", *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


@pytest.mark.parametrize("value", ["0", "-3", "many", "2.5"])
def test_bad_thread_count_warns_in_one_line_and_uses_the_cpus(value):
    result = run_with({"MATHFRONT_NUM_THREADS": value}, "info", "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"MATHFRONT_NUM_THREADS={value!r}" in lines[0] and "at least 1" in lines[0]
    assert json.loads(result.stdout)["threads"] == len(os.sched_getaffinity(0))


def test_bad_backend_name_is_one_error_line_after_the_facts():
    result = run_with({"MATHFRONT_BACKEND": "bogus"}, "info")
    assert result.returncode == 2
    assert "cpp" in result.stdout and "threads:" in result.stdout  # the facts still printed
    assert "default backend: bogus (MATHFRONT_BACKEND), unusable" in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "MATHFRONT_BACKEND='bogus'" in lines[0]
    assert all(repr(name) in lines[0] for name in ("auto", "numpy", "cpp", "cuda"))


def test_good_environment_is_quiet():
    result = run_with({"MATHFRONT_BACKEND": "numpy", "MATHFRONT_NUM_THREADS": "1"}, "info")
    assert result.returncode == 0 and result.stderr == ""
    assert "default backend: numpy (MATHFRONT_BACKEND), in use" in result.stdout
    assert "threads: 1 " in result.stdout


@pytest.mark.skipif(not CPP, reason="the cpp backend is not built")
def test_bad_cpu_level_warns_in_one_line_and_says_why_cpp_is_off():
    result = run_with({"MATHFRONT_CPU_LEVEL": "bogus"}, "info", "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "MATHFRONT_CPU_LEVEL='bogus'" in lines[0] and "baseline" in lines[0]
    assert lines[0].endswith("the cpp backend is off")
    cpp = {b["name"]: b for b in json.loads(result.stdout)["backends"]}["cpp"]
    assert not cpp["available"] and "MATHFRONT_CPU_LEVEL='bogus'" in cpp["reason"]


@pytest.mark.skipif(not CPP, reason="the cpp backend is not built")
def test_bad_cpu_level_warns_once_when_auto_drops_cpp():
    code = ("import warnings, numpy as np, mathfront as mf\n"
            "with warnings.catch_warnings(record=True) as caught:\n"
            "    warnings.simplefilter('always')\n"
            "    mf.sum(np.ones(3)); mf.sum(np.ones(3)); mf.backends()\n"
            "print(len(caught), caught[0].category.__name__, caught[0].message)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "MATHFRONT_CPU_LEVEL": "avx-2"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("1 RuntimeWarning MATHFRONT_CPU_LEVEL='avx-2' is an unknown")


def test_cpu_level_message_lists_what_this_cpu_runs():
    from mathfront.backends.cpp_backend import bad_level

    above = bad_level("avx512", "avx2")
    assert above.startswith("MATHFRONT_CPU_LEVEL='avx512' is above this CPU's best level, avx2")
    assert "set it to baseline or avx2, or leave it unset for avx2" in above
    unknown = bad_level("sse9", "avx512")
    assert "unknown CPU level: set it to baseline, avx2 or avx512" in unknown
    assert "set it to baseline, or leave it unset for baseline" in bad_level("avx2", "baseline")
