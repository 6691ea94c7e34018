"""What the README promises: its commands, its links, its C ABI snippet, the
public API's docstrings, install hints that work from a checkout."""

import re
from pathlib import Path

import mathfront as mf
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def test_the_first_commands_build_once_and_match_ci():
    """One install (the C++ compiles once) with the extras CI installs; CI runs the tests so."""
    first = blocks("bash")[0]
    installs = re.findall(r"pip install (\S+)", first)
    assert installs == ['".[test]"'], first
    assert "python -m pytest" in first and "python -m mathfront bench" in first
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'python -m pip install -q ".[test]"' in ci and "python -m pytest -q" in ci
    # The bench's own needs come with the test extras.
    pyproject = (ROOT / "pyproject.toml").read_text()
    test_extra = re.search(r"^test = \[(.*?)\]", pyproject, re.S | re.M).group(1)
    assert '"rich' in test_extra and '"matplotlib' in test_extra


def test_every_relative_link_resolves():
    links = [t for t in re.findall(r"\]\(([^)#]+)\)", README) if "://" not in t]
    assert "benchmarks/RESULTS.md" in links
    for target in links:
        assert (ROOT / target).exists(), target


def test_the_c_abi_snippet_runs_from_python_and_from_njit():
    pytest.importorskip("numba")
    if not {s.name: s for s in mf.backends()}["cpp"].available:
        pytest.skip("the C ABI lives in the cpp backend's extension")
    (code,) = [b for b in blocks("python") if "from mathfront.cabi import" in b]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    x = namespace["x"]
    expected = mf.sum(x, backend="cpp")
    plain = [line.split("#")[0].strip() for line in code.splitlines()
             if line.startswith("lib.mf_")]  # called from Python, outside any function
    assert plain, "the snippet shows no plain-Python call"
    for line in plain:
        assert eval(line, namespace) == expected
    assert namespace["total"](x) == expected
    spread, std = namespace["spread"](x, np.empty_like(x))
    assert spread == pytest.approx(np.ptp(x - x.mean())) and std == pytest.approx(np.std(x, ddof=1))


def test_every_public_function_has_a_docstring():
    missing = [name for name in mf.__all__
               if callable(getattr(mf, name)) and not (getattr(mf, name).__doc__ or "").strip()]
    assert missing == []
    doc = mf.register_backend.__doc__
    assert "replace" in doc and "ValueError" in doc and "priority" in doc


def test_install_hints_work_from_a_checkout(monkeypatch):
    """Hints name the packages themselves: 'mathfront[cuda]' would ask PyPI, not the checkout."""
    import importlib.util

    from mathfront.backends import cuda_backend

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "numba_cuda" else real(name, *a))
    reason = cuda_backend._probe()
    assert "pip install 'numba-cuda[cu12]'" in reason and "mathfront[" not in reason
