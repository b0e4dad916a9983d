"""The sampled inputs of stored runs, regenerated exactly instead of stored.

A run's inputs are a pure function of the scenario as run, the root seed, the run's index and
the values a design (or a posterior) fixed for it (:func:`negsim.scenario.compile.draw`), and
they are ~93% of a result table's bytes. So ``negsim run --out`` and ``negsim sweep`` store
what names them (``scenario.yaml``, the seed, the ``design:`` columns, the posterior's path)
and ``negsim inputs DIR`` or :func:`regenerate` draws them again, bit for bit, chunk by chunk.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from negsim.errors import NegsimError
from negsim.scenario.compile import Compiled

CHUNK = 20_000  # runs drawn at a time: ~35 MB of inputs on the baseline


@dataclass(frozen=True)
class Stored:
    """What names a folder's runs: the compiled scenario, the seed, and per run the values
    fixed for it (design columns) and the posterior they were drawn from, if any."""

    cp: Compiled
    seed: int
    runs: np.ndarray
    design: dict[str, np.ndarray]
    posterior: str | None


def stored(folder: str | Path) -> Stored:
    """Read a results folder of ``negsim sweep`` (manifest.json) or ``negsim run --out``."""
    from negsim.experiments import storage

    out = Path(folder)
    if not (out / "scenario.yaml").is_file():
        raise NegsimError(
            "no scenario.yaml here: not a results folder of negsim sweep or negsim run --out "
            "(or one written before negsim stored it)",
            str(out),
        )
    cp = storage.compiled_scenario(out)
    manifest = storage.read_manifest(out)
    if manifest is not None:
        if manifest.get("status") != "complete":
            raise NegsimError("the sweep is not complete: finish it with --resume", str(out))
        swept = list(manifest["swept"])
        cols = ["run", "seed", *(f"design:{p}" for p in swept)]
        table = pd.read_parquet(out / "runs.parquet", columns=cols)
        design = {p: table[f"design:{p}"].to_numpy(dtype=float) for p in swept}
        runs = table["run"].to_numpy(dtype=np.int64)
        return Stored(cp, int(manifest["seed"]), runs, design, manifest.get("posterior"))
    summary = out / "summary.json"
    if not summary.is_file():
        raise NegsimError("no manifest.json or summary.json here", str(out))
    doc = json.loads(summary.read_text())
    runs = np.arange(int(doc["runs"]), dtype=np.int64)
    return Stored(cp, int(doc["seed"]), runs, {}, doc.get("posterior"))


def chunks(source: Stored, chunk: int = CHUNK) -> Iterator[pd.DataFrame]:
    """``run`` and one ``in:PATH`` column (float64) per input, ``chunk`` runs at a time."""
    from negsim.experiments.execute import with_posterior
    from negsim.scenario.compile import draw

    paths = [f"in:{leaf.path}" for leaf in source.cp.leaves]
    for start in range(0, len(source.runs), chunk):
        runs = source.runs[start : start + chunk]
        design = {p: v[start : start + chunk] for p, v in source.design.items()}
        fixed = with_posterior(source.cp, runs, source.seed, design, source.posterior)
        values = draw(source.cp, runs, source.seed, fixed)[0]
        frame = pd.DataFrame(values, columns=paths)
        frame.insert(0, "run", runs)
        yield frame


def regenerate(folder: str | Path) -> pd.DataFrame:
    """Every stored run's sampled inputs, exactly as its run drew them (one row per run)."""
    return pd.concat(list(chunks(stored(folder))), ignore_index=True)
