"""negsim: multi-party negotiations as an agent-based model on Mesa (first case: the January
2022 security talks in Geneva, Brussels and Vienna).

The Python API (see :mod:`negsim.api`)::

    import negsim
    result = negsim.run(negsim.load("scenarios/baseline.yaml"), runs=1000)
    result.shares()

The API's names are imported on first use, so ``negsim --help`` and ``negsim validate`` do not
pay for pandas and the engines.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from negsim.api import Result, Scenario, load, run, sweep
    from negsim.errors import NegsimError

__all__ = ["NegsimError", "Result", "Scenario", "__version__", "load", "run", "sweep"]

try:  # pyproject.toml's version is the one source; the installed metadata carries it
    __version__ = version("negsim")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

_API = ("Result", "Scenario", "load", "run", "sweep")


def __getattr__(name: str) -> Any:
    if name in _API:
        from negsim import api

        return getattr(api, name)
    if name == "NegsimError":
        from negsim.errors import NegsimError

        return NegsimError
    raise AttributeError(f"module 'negsim' has no attribute {name!r}")
