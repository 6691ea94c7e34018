"""threadpoolctl lists mathfront's thread pool and limits it (restoring it after),
through the C ABI's mf_get_num_threads / mf_set_num_threads, in any import order."""

import ctypes
import os
import subprocess
import sys

import mathfront as mf
import numpy as np
import pytest

threadpoolctl = pytest.importorskip("threadpoolctl", minversion="3.3")
if not {s.name: s for s in mf.backends()}["cpp"].available:
    pytest.skip("the pool is the cpp backend's", allow_module_level=True)

from mathfront import _cpp  # noqa: E402

EXTENSION = os.path.realpath(_cpp.__file__)


@pytest.fixture
def threads():
    saved = mf.get_num_threads()
    yield mf.set_num_threads
    mf.set_num_threads(saved)


def entries():
    return [e for e in threadpoolctl.threadpool_info() if e["user_api"] == "mathfront"]


def pool_size():
    (entry,) = entries()
    return entry["num_threads"]


def run_python(code, **env):
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_threadpool_info_lists_the_pool(threads):
    threads(3)
    (entry,) = entries()
    assert entry["internal_api"] == "mathfront"
    assert entry["num_threads"] == 3 == mf.get_num_threads()
    assert entry["version"] == mf.__version__
    assert entry["filepath"] == EXTENSION
    assert entry["prefix"] == "_cpp."


def test_threadpool_limits_limits_and_restores(threads):
    threads(3)
    with threadpoolctl.threadpool_limits(1):
        assert mf.get_num_threads() == 1 == pool_size()
        x = np.random.default_rng(0).random(100_000)
        assert mf.sum(x, backend="cpp") == pytest.approx(np.sum(x))
    assert mf.get_num_threads() == 3 == pool_size()


@pytest.mark.parametrize("limit", [
    {"limits": 1, "user_api": "mathfront"},
    {"limits": {"mathfront": 1}},
    {"limits": {"_cpp.": 1}},  # by filename prefix
])
def test_limits_selected_by_api_name_or_prefix(threads, limit):
    threads(2)
    with threadpoolctl.threadpool_limits(**limit):
        assert mf.get_num_threads() == 1 == pool_size()
    assert mf.get_num_threads() == 2


def test_limits_for_other_apis_leave_the_pool_alone(threads):
    threads(2)
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        assert mf.get_num_threads() == 2 == pool_size()


def test_the_controller_object(threads):
    threads(2)
    controller = threadpoolctl.ThreadpoolController().select(user_api="mathfront")
    (lib,) = controller.lib_controllers
    assert lib.num_threads == 2 and lib.filepath == EXTENSION
    with controller.limit(limits=1):
        assert mf.get_num_threads() == 1
    assert mf.get_num_threads() == 2


def test_python_and_c_share_one_setting(threads):
    lib = ctypes.CDLL(_cpp.__file__)
    threads(3)
    assert lib.mf_get_num_threads() == 3
    assert lib.mf_set_num_threads(2) == 3  # returns the count it replaces
    assert mf.get_num_threads() == 2
    assert lib.mf_set_num_threads(0) == 2 and mf.get_num_threads() == 1  # at least 1
    from mathfront.cabi import lib as cabi  # the cffi module declares them from the header

    assert cabi.mf_set_num_threads(4) == 1 and cabi.mf_get_num_threads() == 4


def test_only_one_entry_after_repeated_registration():
    from mathfront import _threadpoolctl

    assert _threadpoolctl.register(threadpoolctl)
    assert len(entries()) == 1


LIST = ("import threadpoolctl, mathfront as mf\n"
        "info = [e for e in threadpoolctl.threadpool_info() if e['user_api'] == 'mathfront']\n"
        "print(len(info), info[0]['num_threads'] if info else None, mf.get_num_threads())\n")


def test_any_import_order_lists_the_pool():
    """mathfront first: it registers when threadpoolctl is imported; else at its own import."""
    first_mathfront = "import mathfront\n" + LIST
    assert run_python(first_mathfront, MATHFRONT_NUM_THREADS="3") == "1 3 3"
    assert run_python(LIST, MATHFRONT_NUM_THREADS="3") == "1 3 3"


def test_a_limit_set_before_the_first_call_applies_to_it():
    code = ("import mathfront as mf, numpy as np, threadpoolctl\n"
            "with threadpoolctl.threadpool_limits(1):\n"
            "    mf.sum(np.ones(10), backend='cpp'); print(mf.get_num_threads())\n"
            "print(mf.get_num_threads())\n")
    assert run_python(code, MATHFRONT_NUM_THREADS="3").split() == ["1", "3"]


def test_without_threadpoolctl_nothing_is_loaded():
    code = ("import sys, mathfront as mf\n"
            "print([m for m in ('threadpoolctl', 'mathfront._cpp') if m in sys.modules])\n")
    assert run_python(code) == "[]"


def test_no_cpp_backend_means_no_entry_and_no_error():
    code = ("import warnings; warnings.simplefilter('error')\n"
            "warnings.filterwarnings('ignore', 'MATHFRONT_CPU_LEVEL')\n" + LIST)
    assert run_python(code, MATHFRONT_CPU_LEVEL="no-such-level").split()[:2] == ["0", "None"]


def test_the_import_watch_leaves_no_trace():
    code = ("import sys, mathfront, threadpoolctl\n"
            "print(type(threadpoolctl.__loader__).__name__, "
            "threadpoolctl.__spec__.loader is threadpoolctl.__loader__, "
            "[type(f).__name__ for f in sys.meta_path if type(f).__name__ == '_Watcher'])\n")
    assert run_python(code) == "SourceFileLoader True []"
