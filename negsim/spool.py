"""A job's result table read back a few columns at a time, from memory or from disk.

``negsim run`` summarises every run exactly: outcome shares, and percentiles and medians of
the agreed values and other figures. Holding the columns those need costs about 390 bytes a
baseline run (390 MB for a million runs), growing with the job. A :class:`Spool` writes each
part's columns to a Parquet file as the part lands; each summary then reads back only the
columns it works on (8 bytes a run each), so a job holds one part and a few columns at a time.
A :class:`RunTable` is what the summaries read: a spooled file, or a table in memory (a
small job's, the API's, a test's), behind the same few methods.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from negsim.errors import os_failure

if TYPE_CHECKING:
    from negsim.parquet import Parts

T = TypeVar("T")


def raised(errors: pd.Series) -> np.ndarray:
    """Which runs raised, from a table's ``error`` column: blank (or missing) where a run
    completed, the exception's text where it did not."""
    return (errors.fillna("").astype(str) != "").to_numpy()


KEEP_BYTES = 64 * 2**20  # a file-backed table keeps up to this much of what it read last


class RunTable:
    """One row per run, read a few columns at a time: :meth:`done` gives the completed runs'
    columns (a run that raised has no outcome to summarise), :meth:`failures` the others'."""

    def __init__(self, frame: pd.DataFrame | None = None, path: Path | None = None) -> None:
        if (frame is None) == (path is None):
            raise ValueError("a run table is a frame or a file, one of them")
        self.frame, self.path = frame, path
        self._failed: np.ndarray | None = None
        self._kept: dict[str, pd.Series] = {}

    @classmethod
    def of(cls, table: pd.DataFrame | RunTable) -> RunTable:
        """The table as a RunTable (a frame is wrapped, not copied)."""
        return table if isinstance(table, RunTable) else cls(frame=table)

    def read(self, columns: Sequence[str]) -> pd.DataFrame:
        """These columns of every run, in run order. From a file, the columns read last are
        kept (up to :data:`KEEP_BYTES`): the summaries read some columns several times."""
        if self.frame is not None:
            return self.frame[list(columns)]
        have = {c: self._kept[c].copy() for c in columns if c in self._kept}  # not shared
        missing = [c for c in dict.fromkeys(columns) if c not in have]
        if missing:
            got = self._file(lambda pq, p: pq.read_table(p, columns=missing).to_pandas())
            for c in missing:
                have[c] = got[c]
                self._keep(c, got[c])
        return pd.DataFrame({c: have[c] for c in columns})

    def _keep(self, name: str, column: pd.Series) -> None:
        self._kept.pop(name, None)
        self._kept[name] = column  # the newest last: dicts keep their order
        size = sum(int(c.memory_usage(index=False, deep=False)) for c in self._kept.values())
        while size > KEEP_BYTES and len(self._kept) > 1:
            oldest = next(iter(self._kept))
            size -= int(self._kept.pop(oldest).memory_usage(index=False, deep=False))

    @property
    def columns(self) -> list[str]:
        """The table's column names, in table order."""
        if self.frame is not None:
            return [str(c) for c in self.frame.columns]
        return self._file(lambda pq, p: list(pq.read_schema(p).names))

    @property
    def failed(self) -> np.ndarray:
        """Which runs raised (their ``error`` is not blank), one bool a run, read once."""
        if self._failed is None:
            if "error" in self.columns:
                self._failed = raised(self.read(["error"])["error"])
            else:
                self._failed = np.zeros(self._rows(), dtype=bool)
        return self._failed

    def _rows(self) -> int:
        if self.frame is not None:
            return len(self.frame)
        return self._file(lambda pq, p: int(pq.read_metadata(p).num_rows))

    def _file(self, call: Callable[[Any, Path], T]) -> T:
        """``call(pyarrow.parquet, path)`` on the spooled file; a failure to read it is one
        line naming the file, as a failure to write it is."""
        import pyarrow.parquet as pq

        assert self.path is not None
        try:
            return call(pq, self.path)
        except OSError as exc:
            raise os_failure(exc, self.path) from None

    def __len__(self) -> int:
        return len(self.failed)

    def done(self, columns: Sequence[str]) -> pd.DataFrame:
        """These columns of the runs that completed."""
        frame = self.read(columns)
        return frame if not self.failed.any() else frame[~self.failed]

    def column(self, name: str) -> pd.Series:
        """One column of the runs that completed."""
        return self.done([name])[name]

    def failures(self) -> pd.DataFrame:
        """``run`` and ``error`` of the runs that raised, in run order."""
        if not self.failed.any():
            return pd.DataFrame({"run": pd.Series(dtype="int64"), "error": pd.Series(dtype=str)})
        return self.read(["run", "error"])[self.failed]


SPILL_ROWS = 10_000  # a spool holds this many rows in memory before it writes to disk


class Spool:
    """Parts of a job's table, the columns ``keep`` says, held in memory up to ``hold`` rows
    and past that appended to ``folder/name`` as they come (each part handed whole to
    ``also`` first, e.g. the run table's writer); a context manager, and :meth:`close` gives
    them back as a :class:`RunTable`. A small job never touches the disk (reading a file back
    column by column costs more than it saves there); a large one holds a part at a time. The
    folder is the caller's (a temporary one): the spool writes one file there and never
    removes it. ``advice`` is what a full disk's one-line error tells the user to do."""

    def __init__(
        self,
        folder: Path,
        keep: Callable[[str], bool],
        name: str = "spool.parquet",
        also: Callable[[pd.DataFrame], None] | None = None,
        advice: str | None = None,
        hold: int = SPILL_ROWS,
    ) -> None:
        self.path, self.keep, self.also, self.advice = folder / name, keep, also, advice
        self.hold, self.rows = hold, 0
        self._held: list[pd.DataFrame] = []  # parts not yet written: at most ``hold`` rows
        self._held_rows = 0
        self._parts: Parts | None = None  # the file, once spilled
        self._closed = False

    def append(self, frame: pd.DataFrame) -> None:
        assert not self._closed, "append after close"
        if self.also is not None:
            self.also(frame)
        kept = frame[[c for c in frame.columns if self.keep(str(c))]]
        self.rows += len(frame)
        self._held.append(kept.copy())  # its own columns: the part itself can go
        self._held_rows += len(kept)
        # written more than ``hold`` rows at a time: converting a part to Arrow costs per
        # column, whatever its rows
        if self._held_rows > self.hold:
            self._write_held()

    def _write_held(self) -> None:
        kept = pd.concat(self._held, ignore_index=True)
        self._held, self._held_rows = [], 0
        try:
            if self._parts is None:
                from negsim.parquet import Parts

                self._parts = Parts(self.path)
            self._parts.append(kept)
        except OSError as exc:
            raise os_failure(exc, self.path, self.advice) from None

    def close(self) -> RunTable:
        """The table as kept, to read back: from memory, or from the file."""
        self._closed = True
        if not self.rows:
            raise ValueError("no runs")
        if self._parts is None:  # never spilled: a small job stays in memory
            return RunTable(frame=pd.concat(self._held, ignore_index=True))
        if self._held:
            self._write_held()
        parts, self._parts = self._parts, None
        try:
            parts.close()
        except OSError as exc:
            raise os_failure(exc, self.path, self.advice) from None
        return RunTable(path=self.path)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed = True
        if self._parts is not None:  # left early (an error, Ctrl-C): close the file now
            parts, self._parts = self._parts, None
            with contextlib.suppress(OSError):
                parts.close()
