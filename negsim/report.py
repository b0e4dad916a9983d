"""What ``negsim run`` prints and writes: a readable summary and complete output folders."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TextIO

import pandas as pd

from negsim import figures
from negsim.errors import os_failure
from negsim.figures.data import share_ci
from negsim.outcomes import Outcome, failed
from negsim.runner import Results
from negsim.scenario.compile import Compiled


def summary_text(cp: Compiled, results: Results, doc: dict) -> str:
    bad = failed(results.frame)
    frame = results.frame[~bad]
    n = len(frame)
    if n == 0:  # nothing to share out: say so rather than print shares of nothing
        first = results.frame["error"].iloc[0] if len(results.frame) else "no runs"
        return (
            f"{cp.scenario.name}: all {len(results.frame)} runs failed (seed {doc['seed']}, "
            f"{results.engine} engine); the first, run {int(results.frame['run'].iloc[0])}: "
            f"{first}"
        )
    lines = [
        f"{cp.scenario.name}: {n} runs, seed {doc['seed']}, {results.engine} engine, "
        f"{doc['seconds']:.2f} s",
        "",
        f"{'outcome':<12}{'share':>8}   95% interval",
    ]
    for o in Outcome:
        k = int((frame["outcome"] == o.label).sum())
        lo, hi = share_ci(k, n)
        lines.append(f"{o.label:<12}{k / n:>8.3f}   [{lo:.3f}, {hi:.3f}]")
    lines += ["", *issue_table(cp, frame), ""]
    for f, r in figures.reported("run"):
        lines += r.text(cp, frame[f.column])
    shown = figures.reported("run") + figures.reported("issue")
    legends = dict.fromkeys(r.legend for _, r in shown if r.legend)
    if legends:
        lines.append("; ".join(legends))
    return "\n".join(lines)


def issue_table(cp: Compiled, frame: pd.DataFrame) -> list[str]:
    """The summary's table of issue figures: a header, then one row per issue."""
    shown = figures.reported("issue")
    heads = [h for _, r in shown for h in r.heads]
    lines = [f"{'issue':<20}" + "".join(f"{h:>{w}}" for h, w in heads)]
    for iid in cp.issues:
        cells = [c for f, r in shown for c in r.text(cp, frame[f.column_at(iid)])]
        row = "".join(f"{c:>{w}}" for c, (_, w) in zip(cells, heads, strict=True))
        lines.append(f"{iid:<20}{row}")
    return lines


class RunsWriter:
    """``negsim run --out``: the run table written part by part as the runs come (memory
    follows the part, not the job), in a temporary folder inside ``out``; the table, the
    summary and the transcript are moved into place only when all are complete."""

    def __init__(self, out: Path, fmt: str) -> None:
        self.out, self.fmt, self.name = out, fmt, f"runs.{fmt}"
        try:
            out.mkdir(parents=True, exist_ok=True)
            self.tmp = Path(tempfile.mkdtemp(prefix=".negsim-", dir=out))
        except OSError as exc:
            raise os_failure(exc, out) from None
        self._parquet = None
        self._csv: TextIO | None = None

    def append(self, frame: pd.DataFrame) -> None:
        try:
            if self.fmt == "parquet":
                import pyarrow as pa
                import pyarrow.parquet as pq

                table = pa.Table.from_pandas(frame, preserve_index=False)
                if self._parquet is None:
                    self._parquet = pq.ParquetWriter(self.tmp / self.name, table.schema)
                elif not table.schema.equals(self._parquet.schema, check_metadata=False):
                    table = table.cast(self._parquet.schema)
                self._parquet.write_table(table)
            else:
                first = self._csv is None
                if self._csv is None:
                    self._csv = (self.tmp / self.name).open("w", newline="")
                frame.to_csv(self._csv, index=False, header=first, float_format="%.10g")
        except OSError as exc:
            raise os_failure(exc, self.out / self.name) from None

    def _close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        if self._csv is not None:
            self._csv.close()
            self._csv = None

    def finish(self, doc: dict, transcript: list[str]) -> None:
        try:
            self._close()
            (self.tmp / "summary.json").write_text(json.dumps(doc, indent=2) + "\n")
            (self.tmp / "transcript.txt").write_text("\n".join(transcript) + "\n")
            for f in (self.name, "summary.json", "transcript.txt"):
                os.replace(self.tmp / f, self.out / f)
        except OSError as exc:
            raise os_failure(exc, self.out) from None

    def __enter__(self) -> RunsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self._close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def write_outputs(
    out: Path, frame: pd.DataFrame, doc: dict, transcript: list[str], fmt: str
) -> None:
    """Write the table, summary and transcript; each file appears whole or not at all."""
    with RunsWriter(out, fmt) as writer:
        writer.append(frame)
        writer.finish(doc, transcript)


def report_failures(frame: pd.DataFrame, file: TextIO | None = None) -> int:
    """Say, after a batch, which runs raised; they are in the table with error and seed."""
    bad = frame[failed(frame)]
    if len(bad):
        first = bad.iloc[0]
        print(
            f"negsim: {len(bad)} of {len(frame)} runs failed and are recorded with their error "
            f"and seed in the results; the first, run {int(first['run'])}: {first['error']}",
            file=file or sys.stderr,
        )
    return len(bad)
