"""Whether the optional EMA Workbench is there, and importing it: kept apart from
:mod:`negsim.ema` so that scenario discovery can ask without importing the adapter (which
imports the experiments package, discovery among it)."""

from __future__ import annotations

import importlib.util
import warnings
from types import ModuleType

from negsim.errors import NegsimError

INSTALL = "pip install -c requirements/lock.txt -e '.[ema]' (or pip install 'negsim[ema]')"


def available() -> bool:
    """Whether the EMA Workbench can be imported (without importing it)."""
    return importlib.util.find_spec("ema_workbench") is not None


def workbench() -> ModuleType:
    """The ``ema_workbench`` module, or a one-line error saying which extra to install."""
    if not available():
        raise NegsimError(f"the EMA Workbench (ema_workbench) is not installed: {INSTALL}")
    with warnings.catch_warnings():  # it warns on import about optional parallel back-ends
        warnings.simplefilter("ignore")
        import ema_workbench

    return ema_workbench
