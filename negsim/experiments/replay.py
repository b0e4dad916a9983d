"""Replay: one run of a sweep, told again agent by agent with its transcript.

Run k of a sweep is fully named by the scenario as run (``OUT/scenario.yaml``), the root seed
and the design's values for its point; the Mesa model given the same three reproduces it alone,
which is what makes a surprising run in a table of 100,000 inspectable.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from negsim.errors import NegsimError
from negsim.experiments import storage


def stored_row(out: Path, run: int, manifest: dict) -> pd.Series:
    """Run ``run``'s row: from runs.parquet, or from its chunk if the sweep is unfinished."""
    n = manifest["counts"]["runs"]
    if run >= n:
        raise NegsimError(f"the sweep has runs 0 to {n - 1}, not {run}", str(out), path="--run")
    if (out / "runs.parquet").exists():
        frame = pd.read_parquet(out / "runs.parquet", filters=[("run", "==", run)])
    else:
        path = storage.chunk_path(out, run // manifest["counts"]["chunk"])
        if not path.exists():
            raise NegsimError(f"run {run} has not been computed yet", str(out), path="--run")
        frame = pd.read_parquet(path)
        frame = frame[frame["run"] == run]
    return frame.iloc[0]


def replay(out: str | Path, run: int) -> tuple[list[str], str, str]:
    """Re-run ``run`` in the agent model: (transcript lines, stored outcome, replayed outcome)."""
    from negsim.figures import summarize
    from negsim.model import NegotiationModel
    from negsim.outcomes import Outcome

    out = Path(out)
    manifest = storage.read_manifest(out)
    if manifest is None:
        raise NegsimError("no negsim sweep results here (no manifest.json)", str(out))
    row = stored_row(out, run, manifest)
    cp = storage.compiled_scenario(out)
    fixed = {p: float(row[f"design:{p}"]) for p in manifest["swept"]}
    model = NegotiationModel(cp, run, int(row["seed"]), transcript=True, fixed=fixed).run()
    code = int(summarize(cp, model.params, model.state)["outcome"][0])
    head = [
        f"{manifest['experiment']['name']}, run {run} (design point {int(row['point'])}, "
        f"replication {int(row['replication'])}, seed {int(row['seed'])})",
        *[f"  {p} = {v:.6g}" for p, v in fixed.items()],
        "",
    ]
    return head + model.transcript, str(row["outcome"]), Outcome(code).label
