"""``python -m mathfront``."""

import json
import subprocess
import sys


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
