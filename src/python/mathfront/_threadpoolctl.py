"""mathfront's thread pool under threadpoolctl.

``threadpoolctl.threadpool_info()`` lists it and ``threadpoolctl.threadpool_limits()``
limits it (and restores it after), like a BLAS or OpenMP pool: threadpoolctl
finds the extension ``mathfront._cpp`` among the shared objects loaded in the
process and drives it through the C functions ``mf_get_num_threads`` and
``mf_set_num_threads`` (``mathfront.h``), with the controller built here.

threadpoolctl stays optional, and nothing here imports it: ``import mathfront``
only watches for it. As soon as threadpoolctl is imported (or at once, if it
already is), the cpp backend is loaded, so that the pool is there to be listed
and a limit set before mathfront's first call applies to that call, and the
controller is registered. A program that never imports threadpoolctl pays
nothing for this.
"""

from __future__ import annotations

import re
import sys

NAME = "threadpoolctl"
#: ``register`` came in 3.2; 3.3 checks a controller's ``check_symbols``, without
#: which any other ``_cpp.*`` extension in the process would be taken for ours.
MIN_VERSION = (3, 3)

USER_API = "mathfront"
INTERNAL_API = "mathfront"

# The ``register`` function mathfront's controller went to (a reloaded
# threadpoolctl has a new one, and has forgotten the controller).
_registered_with = None


def watch() -> None:
    """Register with threadpoolctl now if it is imported, else once it is."""
    module = sys.modules.get(NAME)
    if module is not None:
        register(module)
    elif not any(isinstance(finder, _Watcher) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Watcher())


def register(threadpoolctl) -> bool:
    """Load the cpp backend and register its pool's controller; False where it cannot be."""
    global _registered_with
    add = getattr(threadpoolctl, "register", None)
    if add is None or _version(threadpoolctl) < MIN_VERSION:
        return False
    if add is _registered_with:
        return True
    try:
        from . import _registry

        if _registry.get("cpp").unavailable_reason() is not None:
            return False  # no extension, no pool: nothing to list
        add(_controller_class(threadpoolctl.LibController))
    except Exception as e:  # it runs inside threadpoolctl's import: never break that
        import warnings

        warnings.warn(f"mathfront could not register its thread pool with threadpoolctl: {e!r}",
                      RuntimeWarning, stacklevel=2)
        return False
    _registered_with = add
    return True


def _version(threadpoolctl) -> tuple[int, int]:
    found = re.match(r"(\d+)\.(\d+)", getattr(threadpoolctl, "__version__", ""))
    return (int(found[1]), int(found[2])) if found else (0, 0)


def _controller_class(base):
    class MathfrontController(base):
        """The cpp backend's std::thread pool (src/cpp/core/thread_pool.cpp)."""

        user_api = USER_API
        internal_api = INTERNAL_API
        # _cpp.cpython-311-x86_64-linux-gnu.so, _cpp.cp311-win_amd64.pyd, ...
        filename_prefixes = ("_cpp.",)
        # Those a library must export to be ours (a prefix this short is shared).
        check_symbols = ("mf_get_num_threads", "mf_set_num_threads")

        def get_num_threads(self):
            get = getattr(self.dynlib, "mf_get_num_threads", None)
            return None if get is None else get()

        def set_num_threads(self, num_threads):
            self.dynlib.mf_set_num_threads(int(num_threads))

        def get_version(self):
            # Called when threadpoolctl lists libraries, never during mathfront's import.
            return sys.modules["mathfront"].__version__

    return MathfrontController


class _Watcher:
    """A meta path finder that finds nothing itself: it notices threadpoolctl's import.

    It lets the other finders find threadpoolctl and wraps the loader they
    return, which calls ``register`` once the module has run, then takes
    itself off ``sys.meta_path`` and puts the original loader back.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != NAME:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if isinstance(finder, _Watcher) or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if hasattr(spec.loader, "exec_module"):
            spec.loader = _RegisteringLoader(spec.loader)
        return spec


class _RegisteringLoader:
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)  # raises as it would have: nothing registered
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _Watcher)]
        register(module)

    def __getattr__(self, name):
        return getattr(self.loader, name)
