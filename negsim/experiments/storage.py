"""The results folder of a sweep: written as chunks land, so an interruption keeps what finished.

Layout of ``OUT``:

- ``manifest.json``: the experiment (as validated), its hash, the scenario file and the sha256
  of the scenario as run, library versions, seed, counts, engine, start and end times, status.
- ``scenario.yaml``: the scenario as run (merged, with the experiment's settings and swept
  ranges), so ``negsim replay`` does not depend on files that may have changed since.
- ``chunks/part-NNNNNN.parquet``: chunk NNNNNN's rows, each file written whole (temporary name,
  then ``os.replace``) and listed in the manifest's ``chunks`` with its sha256, its row count,
  the experiment hash and the engine. A resumed sweep keeps only the chunk files that match
  their entry; a damaged chunk, or one of another seed, experiment or engine, is reported and
  run again, so the final table is the one an uninterrupted sweep writes.
- ``runs.parquet``: one row per run, sorted by run, assembled from the chunks at the end.
- ``trajectories.parquet``: ``run`` and one ``traj:FORUM:WHO:ISSUE`` column per forum, side
  (``focal`` = the focal actor, ``lead`` = the actor traced beside it, ``bloc`` = the reported
  bloc's consensus bound; the manifest's ``trajectory_sides`` names them)
  and issue: positions after each forum, NaN after a breakdown. Fan charts take quantiles of it.
- ``summary.csv``: one row per design point; ``plots/``: PNG and SVG figures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import platform
import re
import tempfile
from collections.abc import Iterable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from negsim import parquet
from negsim.errors import NegsimError, os_failure
from negsim.folders import LOCK

if TYPE_CHECKING:
    from negsim.scenario.compile import Compiled

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
    """Python's and the libraries' versions that made a result (manifest.json, summary.json)."""
    libraries = ("negsim", "numpy", "mesa", "pandas", "pyarrow", "scipy")
    return {"python": platform.python_version(), **{p: version(p) for p in libraries}}


def file_mode() -> int:
    """The mode open() would give a new file: readable like the user's other files."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, write: object) -> None:
    """Write through a temporary file in the same folder, then rename: whole or not at all.
    (mkstemp makes the file 0600; it gets the mode the user's umask gives before the rename.)"""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise os_failure(exc, path) from None
    try:
        write(Path(tmp))  # type: ignore[operator]
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise os_failure(exc, path) from None
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


def compiled_scenario(out: Path) -> Compiled:
    """The scenario a results folder's runs ran (``scenario.yaml``), compiled: what replay and
    ``negsim inputs`` draw a stored run's inputs from."""
    from negsim.scenario.compile import compile_scenario
    from negsim.scenario.load import validate
    from negsim.scenario.yamlio import Located

    raw = read_scenario(out)
    return compile_scenario(validate(raw, Located(), str(out / "scenario.yaml")))


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    write_atomic(path, lambda p: parquet.write(p, frame))


def write_parquet_parts(path: Path, frames: Iterable[pd.DataFrame], compact: bool = True) -> None:
    """One Parquet file from tables written one after the other (a row group each), so
    memory holds one part, not the whole file; ``compact``: see :func:`negsim.parquet.arrow`."""
    write_atomic(path, lambda tmp: parquet.write_parts(tmp, frames, compact))


def write_chunk(
    out: Path, index: int, frame: pd.DataFrame, experiment_sha: str, engine: str
) -> dict:
    """Write chunk ``index``; return its manifest entry (checksum of the bytes written)."""
    buf = io.BytesIO()
    parquet.write(buf, frame)
    data = buf.getvalue()
    write_atomic(chunk_path(out, index), lambda p: p.write_bytes(data))
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "rows": len(frame),
        "experiment_sha256": experiment_sha,
        "engine": engine,
    }


def file_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def chunk_problem(path: Path, entry: dict | None, experiment_sha: str, engine: str) -> str | None:
    """Why the chunk file at ``path`` cannot be kept on resume, or None."""
    if entry is None:
        return "not listed in the manifest (another sweep's, or cut off as it was written)"
    if entry.get("experiment_sha256") != experiment_sha:
        return "from another experiment, scenario or seed"
    if entry.get("engine") != engine:
        return f"made by the {entry.get('engine')} engine, this sweep runs {engine}"
    if file_sha256(path) != entry.get("sha256"):
        return "damaged (its checksum differs from the manifest's)"
    return None


def verified_chunks(
    out: Path, manifest: dict, experiment_sha: str, engine: str, n_chunks: int
) -> tuple[dict[str, dict], list[str]]:
    """The manifest entries of the chunk files a resume may keep, and one note per file it
    may not (each such file is removed: it is recomputed)."""
    entries = manifest.get("chunks") or {}
    keep: dict[str, dict] = {}
    notes: list[str] = []
    for index in sorted(done_chunks(out)):
        path = chunk_path(out, index)
        entry = entries.get(str(index))
        problem = (
            f"beyond this sweep's {n_chunks} chunks"
            if index >= n_chunks
            else chunk_problem(path, entry, experiment_sha, engine)
        )
        if problem is None:
            keep[str(index)] = entry  # type: ignore[assignment]
        else:
            notes.append(f"{path.name} {problem}")
            path.unlink(missing_ok=True)
    return keep, notes


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
        if any(p.name != LOCK for p in out.iterdir()):
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


def written_files(out: Path, manifest: dict | None) -> list[Path]:
    """The files negsim wrote into ``out``, as its manifest lists them: the fixed outputs,
    the chunk files and the plots. A file the user put there (in ``plots/`` too) is not one."""
    if manifest is None:
        return []
    names = [n for n in OURS if n not in (CHUNKS, "plots")]
    names += [f"{CHUNKS}/part-{int(i):06d}.parquet" for i in manifest.get("chunks") or {}]
    names += [n for n in manifest.get("plots") or [] if _plot_name(n)]
    return [out / n for n in names]


def _plot_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and re.fullmatch(r"plots/[A-Za-z0-9_.-]+\.(png|svg)", name) is not None
    )


def clear(out: Path) -> None:
    """Remove the files negsim wrote (for --force), as the manifest lists them; anything else
    in the folder stays, and ``chunks/`` and ``plots/`` go only if nothing else is in them."""
    manifest = read_manifest(out)
    for path in written_files(out, manifest):
        if path.is_file() or path.is_symlink():
            path.unlink()
    for name in (CHUNKS, "plots"):
        folder = out / name
        if folder.is_dir():
            for tmp in folder.glob(".*.tmp"):  # our own temporary files, cut off mid-write
                tmp.unlink(missing_ok=True)
            if not any(folder.iterdir()):
                folder.rmdir()


def drop_chunks(out: Path, manifest: dict) -> None:
    """After the final tables are written: the chunk files (only ours) and their folder."""
    for i in manifest.get("chunks") or {}:
        chunk_path(out, int(i)).unlink(missing_ok=True)
    folder = out / CHUNKS
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def chunk_path(out: Path, index: int) -> Path:
    return out / CHUNKS / f"part-{index:06d}.parquet"


def done_chunks(out: Path) -> set[int]:
    folder = out / CHUNKS
    if not folder.is_dir():
        return set()
    found = (re.fullmatch(r"part-(\d{6})\.parquet", p.name) for p in folder.iterdir())
    return {int(m.group(1)) for m in found if m}


def split_trajectories(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    cols = [c for c in frame.columns if c.startswith("traj:")]
    if not cols:
        return frame, None
    return frame.drop(columns=cols), frame[["run", *cols]]


def assemble(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunk tables -> one table sorted by run (the same whatever order they landed in)."""
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values("run", kind="stable").reset_index(drop=True)


def read_chunks(out: Path, n_chunks: int) -> Iterator[pd.DataFrame]:
    """The chunk tables in run order, one at a time; each must continue where the last ended."""
    start = 0
    for i in range(n_chunks):
        frame = pd.read_parquet(chunk_path(out, i))
        runs = frame["run"].to_numpy()
        if len(runs) == 0 or (runs != range(start, start + len(runs))).any():
            raise RuntimeError(
                f"chunk {i} does not continue the runs at {start}"
            )  # pragma: no cover
        start += len(runs)
        yield frame


def load_results(
    out: str | Path, trajectories: bool = False, columns: list[str] | None = None
) -> pd.DataFrame:
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
    frame = pd.read_parquet(path, columns=columns)
    tpath = out / "trajectories.parquet"
    if trajectories and tpath.exists():
        frame = frame.merge(pd.read_parquet(tpath), on="run", how="left", validate="1:1")
    return frame


def load_trajectories(out: str | Path) -> pd.DataFrame | None:
    path = Path(out) / "trajectories.parquet"
    return pd.read_parquet(path) if path.exists() else None
