"""The kernel's compiled cache is invalidated by a change to any of the kernel's sources.

numba keys a cached function by its own file alone, yet it compiles into it every function
it calls from other files and the constants it reads from them: after an edit of
``choice.py`` (or a ``git pull`` into an editable install), ``exchange.py``'s cached kernel
would still run the old ``decide``, silently. Every module of ``negsim/kernel`` imports
``njit`` from here, which first makes numba's cache locators add a hash of all the kernel's
sources to the stamp of a kernel file: a change anywhere in the kernel recompiles all of it
(a minute or two, once), and nothing else is touched.
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from numba import njit, uint64
from numba.core import caching


def _skip_blas_probe() -> None:
    """Import numba's array maths without its BLAS probe, which imports all of scipy.linalg
    (0.1-0.2 s of a cold ``negsim run``'s CPU here) to learn whether ``np.convolve`` and
    ``np.correlate`` may call BLAS: the kernel uses neither, and without BLAS numba computes
    them with its own loop. The probe's import fails at once while the name is None in
    ``sys.modules``; the name is taken out after, so scipy.linalg imports as usual later."""
    name = "scipy.linalg.cython_blas"
    if name in sys.modules:  # scipy.linalg is imported already: the probe costs nothing
        return
    sys.modules[name] = None  # type: ignore[assignment]
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        if sys.modules.get(name, 0) is None:
            del sys.modules[name]


_skip_blas_probe()

__all__ = ["njit", "sources_hash", "uint64"]

KERNEL = Path(__file__).resolve().parent


def sources_hash(folder: Path = KERNEL) -> str:
    """A hash of every Python source of the kernel (names and contents, in name order)."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _kernel_hash() -> str:
    return sources_hash()


def _in_kernel(locator: Any) -> bool:
    py_file = getattr(locator, "_py_file", None)
    return py_file is not None and Path(os.path.abspath(py_file)).parent == KERNEL


def _stamped(cls: type) -> type:
    """A locator class like ``cls`` whose stamp of a kernel file also holds the kernel's hash."""
    base: Any = cls

    class Stamped(base):
        def get_source_stamp(self) -> Any:
            stamp = super().get_source_stamp()
            return (stamp, _kernel_hash()) if _in_kernel(self) else stamp

    Stamped.__name__ = Stamped.__qualname__ = f"Kernel{cls.__name__}"
    return Stamped


def _install() -> None:
    named = [n for n in ("CacheImpl", "_CacheImpl") if hasattr(caching, n)]  # newer, older numba
    impl: Any = getattr(caching, named[0])
    if not getattr(impl, "_negsim_kernel", False):
        impl._locator_classes = [_stamped(cls) for cls in impl._locator_classes]
        impl._negsim_kernel = True


_install()
