"""The git revision a build records (cmake/revision.cmake), which the bench reports.

A checkout's build asks git; making an sdist writes the revision into it as
REVISION, and a build from that sdist (no .git) reads it back. The CMake step
runs here as a script on scratch folders; .ci/run builds the real sdist and
the wheel from it, whose test run checks the installed record.
"""

import re
import shutil
import subprocess
from pathlib import Path

import mathfront as mf
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "cmake" / "revision.cmake"
CMAKE = shutil.which("cmake")
needs_cmake = pytest.mark.skipif(CMAKE is None or not SCRIPT.exists(),
                                 reason="needs cmake and the source tree")


def record(source: Path, out: Path, state: str | None = None) -> None:
    args = [CMAKE, f"-DMF_SOURCE_DIR={source}", f"-DMF_REVISION_PY={out}"]
    if state:
        args.append(f"-DSKBUILD_STATE={state}")
    subprocess.run([*args, "-P", str(SCRIPT)], check=True, capture_output=True, timeout=60)


def recorded(path: Path):
    namespace = {}
    exec(path.read_text(), namespace)
    return namespace["REVISION"]


def git(folder: Path, *args) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True,
                          text=True, timeout=30).stdout.strip()


@pytest.fixture
def checkout(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("needs git")
    repo = tmp_path / "checkout"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "file").write_text("x")
    git(repo, "add", "file")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x")
    return repo


@needs_cmake
def test_a_checkout_records_git_s_revision(checkout, tmp_path):
    record(checkout, tmp_path / "_revision.py")
    assert recorded(tmp_path / "_revision.py") == git(checkout, "rev-parse", "--short", "HEAD")


@needs_cmake
def test_the_revision_survives_the_sdist(checkout, tmp_path):
    """Making the sdist writes REVISION; the unpacked sdist, without .git, reads it."""
    record(checkout, tmp_path / "unused.py", state="sdist")
    revision = git(checkout, "rev-parse", "--short", "HEAD")
    assert (checkout / "REVISION").read_text().strip() == revision
    unpacked = tmp_path / "mathfront-0.1.0"
    shutil.copytree(checkout, unpacked, ignore=shutil.ignore_patterns(".git"))
    record(unpacked, tmp_path / "_revision.py")
    assert recorded(tmp_path / "_revision.py") == revision


@needs_cmake
def test_an_enclosing_repository_is_not_asked(checkout, tmp_path):
    """An sdist unpacked inside some other checkout, without REVISION: unknown, not theirs."""
    inner = checkout / "mathfront-0.1.0"
    inner.mkdir()
    record(inner, tmp_path / "_revision.py")
    assert recorded(tmp_path / "_revision.py") is None


def test_the_sdist_runs_the_step_and_ships_the_file():
    tomllib = pytest.importorskip("tomllib")
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["scikit-build"]
    assert settings["sdist"]["cmake"] is True and "REVISION" in settings["sdist"]["include"]


def test_the_environment_variable_wins(monkeypatch):
    from mathfront.bench.run import git_revision

    monkeypatch.setenv("MATHFRONT_GIT_REVISION", "feedbee")
    assert git_revision() == "feedbee"


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="the tests are not in a git checkout")
def test_an_installed_mathfront_knows_its_revision(monkeypatch):
    """Built from this checkout or an sdist of it (CI's wheel), the record is a revision."""
    from mathfront.bench.run import git_revision

    monkeypatch.delenv("MATHFRONT_GIT_REVISION", raising=False)
    from mathfront._revision import REVISION

    assert re.fullmatch("[0-9a-f]{7,}", REVISION or ""), REVISION
    if Path(mf.__file__).resolve().parents[3] != ROOT:  # installed, not this source tree
        assert git_revision() == REVISION
