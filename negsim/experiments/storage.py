"""The results folder of a sweep: written as chunks land, so an interruption keeps what finished.

Layout of ``OUT``:

- ``manifest.json``: the experiment (as validated), its hash, the scenario file and the sha256
  of the scenario as run, library versions, seed, counts, engine, start and end times, status.
- ``scenario.yaml``: the scenario as run (merged, with the experiment's settings and swept
  ranges), so ``negsim replay`` does not depend on files that may have changed since.
- ``chunks/part-NNNNNN.parquet``: chunk NNNNNN's rows, each file written whole (temporary name,
  then ``os.replace``). A resumed sweep runs only the chunks without a file.
- ``runs.parquet``: one row per run, sorted by run, assembled from the chunks at the end.
- ``trajectories.parquet``: ``run`` and one ``traj:FORUM:WHO:ISSUE`` column per forum, side
  (``focal`` = the focal actor, ``lead`` = the actor traced beside it, ``bloc`` = the reported
  bloc's consensus bound; the manifest's ``trajectory_sides`` names them)
  and issue: positions after each forum, NaN after a breakdown. Fan charts take quantiles of it.
- ``summary.csv``: one row per design point; ``plots/``: PNG and SVG figures.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import yaml

from negsim.errors import NegsimError

CHUNKS = "chunks"
OURS = (
    "manifest.json",
    "scenario.yaml",
    "runs.parquet",
    "trajectories.parquet",
    "summary.csv",
    "discovery.txt",
    "sensitivity.csv",
    CHUNKS,
    "plots",
)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    return {p: version(p) for p in ("negsim", "numpy", "mesa", "pandas", "pyarrow", "scipy")}


def write_atomic(path: Path, write: object) -> None:
    """Write through a temporary file in the same folder, then rename: whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))  # type: ignore[operator]
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, doc: dict) -> None:
    write_atomic(path, lambda p: p.write_text(json.dumps(doc, indent=2, default=str) + "\n"))


def write_yaml(path: Path, data: dict) -> None:
    """YAML, not JSON, for the scenario: it keeps number keys (issue scales) and dates."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    write_atomic(path, lambda p: p.write_text(text))


def read_scenario(out: Path) -> dict:
    return yaml.safe_load((out / "scenario.yaml").read_text())


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    write_atomic(path, lambda p: frame.to_parquet(p, index=False))


def read_manifest(out: Path) -> dict | None:
    path = out / "manifest.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        raise NegsimError(
            "manifest.json is unreadable; not a negsim results folder?", str(out)
        ) from None


def check_out(out: Path, experiment_sha: str, resume: bool, force: bool) -> dict | None:
    """Decide whether the sweep may write into ``out``; nothing is touched here.

    Returns the manifest to resume from, or None for a fresh start. Refuses (one-line error)
    a folder that holds another experiment's results, or this experiment's results without
    ``--resume``, unless ``force``.
    """
    if out.exists() and not out.is_dir():
        raise NegsimError("--out must be a folder, and this is a file", str(out))
    if not out.exists() or force:
        return None
    manifest = read_manifest(out)
    if manifest is None:
        if any(out.iterdir()):
            raise NegsimError(
                "folder is not empty and holds no negsim sweep; choose another or use --force",
                str(out),
            )
        return None
    if manifest.get("experiment_sha256") != experiment_sha:
        raise NegsimError(
            f"holds results of another experiment ({manifest.get('experiment', {}).get('name')}"
            ", or a changed experiment or scenario); choose another folder or use --force",
            str(out),
        )
    if not resume:
        raise NegsimError(
            "already holds this experiment's results; --resume completes an interrupted "
            "sweep, --force starts again",
            str(out),
        )
    return manifest


def clear(out: Path) -> None:
    """Remove negsim's own files (for --force); anything else in the folder stays."""
    for name in OURS:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def chunk_path(out: Path, index: int) -> Path:
    return out / CHUNKS / f"part-{index:06d}.parquet"


def done_chunks(out: Path) -> set[int]:
    folder = out / CHUNKS
    if not folder.is_dir():
        return set()
    return {int(p.stem.split("-")[1]) for p in folder.glob("part-*.parquet")}


def split_trajectories(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    cols = [c for c in frame.columns if c.startswith("traj:")]
    if not cols:
        return frame, None
    return frame.drop(columns=cols), frame[["run", *cols]]


def assemble(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunk tables -> one table sorted by run (the same whatever order they landed in)."""
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values("run", kind="stable").reset_index(drop=True)


def read_chunks(out: Path, n_chunks: int) -> list[pd.DataFrame]:
    return [pd.read_parquet(chunk_path(out, i)) for i in range(n_chunks)]


def load_results(out: str | Path, trajectories: bool = False) -> pd.DataFrame:
    """The run table of a finished sweep (optionally joined with its trajectories)."""
    out = Path(out)
    path = out / "runs.parquet"
    if not path.exists():
        manifest = read_manifest(out)
        if manifest is None:
            raise NegsimError("no negsim sweep results here (no manifest.json)", str(out))
        raise NegsimError(
            "the sweep has not finished; complete it with 'negsim sweep EXP --out OUT --resume'",
            str(out),
        )
    frame = pd.read_parquet(path)
    tpath = out / "trajectories.parquet"
    if trajectories and tpath.exists():
        frame = frame.merge(pd.read_parquet(tpath), on="run", how="left", validate="1:1")
    return frame


def load_trajectories(out: str | Path) -> pd.DataFrame | None:
    path = Path(out) / "trajectories.parquet"
    return pd.read_parquet(path) if path.exists() else None
