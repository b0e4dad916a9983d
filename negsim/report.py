"""What ``negsim run`` prints and writes: a readable summary and complete output folders."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import pandas as pd

from negsim import figures
from negsim.errors import os_failure
from negsim.figures.data import share_ci
from negsim.outcomes import Outcome
from negsim.scenario.compile import Compiled
from negsim.spool import RunTable

if TYPE_CHECKING:
    from negsim.model import NegotiationModel
    from negsim.parquet import Parts


def summary_text(cp: Compiled, frame: pd.DataFrame | RunTable, doc: dict) -> str:
    """The text ``negsim run`` prints from its summary ``doc`` and run table: outcome shares
    with their intervals, the issue table, each reported figure's lines (a spooled table is
    read a few columns at a time)."""
    table = RunTable.of(frame)
    engine = doc["engine"]
    n = len(table) - int(table.failed.sum())
    if n == 0:  # nothing to share out: say so rather than print shares of nothing
        first = table.failures().iloc[0] if len(table) else None
        return (
            f"{cp.scenario.name}: all {len(table)} runs failed (seed {doc['seed']}, "
            f"{engine} engine); the first, run "
            + (f"{int(first['run'])}: {first['error']}" if first is not None else "-: no runs")
        )
    lines = [
        f"{cp.scenario.name}: {n} runs, seed {doc['seed']}, {engine} engine, "
        f"{doc['seconds']:.2f} s",
        "",
        f"{'outcome':<12}{'share':>8}   95% interval",
    ]
    outcome = table.done(["outcome"])["outcome"]
    for o in Outcome:
        k = int((outcome == o.label).sum())
        lo, hi = share_ci(k, n)
        lines.append(f"{o.label:<12}{k / n:>8.3f}   [{lo:.3f}, {hi:.3f}]")
    side = doc.get("forecasts")
    lines += ["", *issue_table(cp, table, side), ""]
    for f, r in figures.reported("run"):
        lines += r.text(cp, table.column(f.column))
    shown = figures.reported("run") + figures.reported("issue")
    legends = dict.fromkeys(r.legend for _, r in shown if r.legend)
    if side and doc["eu_runs"]:
        legends[
            f"fc.eu: Bueno de Mesquita's expected-utility model (Scholz et al. 2011), median "
            f"over the first {doc['eu_runs']} runs"
        ] = None
    if legends:
        lines.append("; ".join(legends))
    return "\n".join(lines)


def issue_table(
    cp: Compiled, frame: pd.DataFrame | RunTable, side: dict | None = None
) -> list[str]:
    """The summary's table of issue figures: a header, then one row per issue (over the runs
    that completed); with ``side`` (the summary's
    ``forecasts``) the expected-utility forecast, and the documented outcome where the
    scenario declares one, at the end."""
    table = RunTable.of(frame)
    shown = figures.reported("issue")
    extra = _side_columns(side)
    heads = [h for _, r in shown for h in r.heads] + [(h, 8) for h, _ in extra]
    lines = [f"{'issue':<20}" + "".join(f"{h:>{w}}" for h, w in heads)]
    for iid in cp.issues:  # a column at a time: a million runs' issue row holds one column
        cells = [c for f, r in shown for c in r.text(cp, table.column(f.column_at(iid)))]
        cells += [_cell(side[iid][key]) for _, key in extra]  # type: ignore[index]
        row = "".join(f"{c:>{w}}" for c, (_, w) in zip(cells, heads, strict=True))
        lines.append(f"{iid:<20}{row}")
    return lines


def _side_columns(side: dict | None) -> list[tuple[str, str]]:
    """(header, key) of the side-by-side columns the text adds: fc.eu, and actual if any."""
    if not side:
        return []
    declared = any(v["actual"] is not None for v in side.values())
    return [("fc.eu", "eu")] + ([("actual", "actual")] if declared else [])


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def forecast_doc(data: pd.DataFrame, eu_runs: int) -> dict:
    """The summary's ``forecasts``: per issue the four forecasts (medians over runs) and the
    documented outcome, None where there is none (JSON has no NaN)."""
    clean = data.set_index("issue").astype(object)
    clean = clean.where(clean.notna(), None)
    return {"eu_runs": eu_runs, "forecasts": clean.to_dict(orient="index")}


# What ``negsim run --out`` writes: a folder holding any of them holds an earlier run.
RUN_FILES = (
    "summary.json",
    "runs.parquet",
    "runs.csv",
    "transcript.txt",
    "forecasts.png",
    "scenario.yaml",
)


class RunsWriter:
    """``negsim run --out``: the run table written part by part as the runs come (memory
    follows the part, not the job), in a temporary folder inside ``out``; the table, the
    summary and the transcript are moved into place only when all are complete.
    ``provenance`` (overrides, scenario hash, versions) is added to summary.json. Files get
    the mode the user's umask gives (0644 under the usual 022), as open() would.

    The sampled inputs are not stored (93% of a table's bytes): ``scenario.yaml``, the
    scenario as run (``--set`` applied), with the seed in ``summary.json`` names every run's
    inputs, and ``negsim inputs OUT`` regenerates them exactly."""

    def __init__(
        self, out: Path, fmt: str, provenance: dict | None = None, scenario: dict | None = None
    ) -> None:
        self.out, self.fmt, self.name = out, fmt, f"runs.{fmt}"
        self.provenance = provenance or {}
        self.scenario = scenario
        try:
            out.mkdir(parents=True, exist_ok=True)
            self.tmp = Path(tempfile.mkdtemp(prefix=".negsim-", dir=out))
        except OSError as exc:
            raise os_failure(exc, out) from None
        self._parquet: Parts | None = None
        self._csv: TextIO | None = None

    def append(self, frame: pd.DataFrame) -> None:
        frame = frame[[c for c in frame.columns if not str(c).startswith("in:")]]
        try:
            if self.fmt == "parquet":
                from negsim.parquet import Parts

                if self._parquet is None:
                    self._parquet = Parts(self.tmp / self.name)
                self._parquet.append(frame)
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

    def finish(self, doc: dict, transcript: list[str], drawings: dict | None = None) -> None:
        """Close the table, write the summary, the transcript and ``drawings`` (file name ->
        matplotlib figure, saved as PNG), and move them all into place."""
        try:
            self._close()
            summary = {**doc, **self.provenance}
            (self.tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
            (self.tmp / "transcript.txt").write_text("\n".join(transcript) + "\n")
            names = [self.name, "summary.json", "transcript.txt", *(drawings or {})]
            if self.scenario is not None:
                from negsim.experiments.storage import write_yaml

                write_yaml(self.tmp / "scenario.yaml", self.scenario)
                names.append("scenario.yaml")
            for png, drawing in (drawings or {}).items():
                drawing.savefig(self.tmp / png, dpi=120)
            for f in names:
                os.replace(self.tmp / f, self.out / f)
            for f in RUN_FILES:  # an earlier run's (replaced with --force) in the other format
                if f.startswith("runs.") and f != self.name:
                    (self.out / f).unlink(missing_ok=True)
        except OSError as exc:
            raise os_failure(exc, self.out) from None

    def __enter__(self) -> RunsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self._close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def write_outputs(
    out: Path,
    frame: pd.DataFrame,
    doc: dict,
    transcript: list[str],
    fmt: str,
    drawings: dict | None = None,
) -> None:
    """Write the table, summary, transcript and ``drawings`` (file name -> matplotlib
    figure, saved as PNG); each file appears whole or not at all."""
    with RunsWriter(out, fmt) as writer:
        writer.append(frame)
        writer.finish(doc, transcript, drawings)


def report_failures(frame: pd.DataFrame | RunTable, file: TextIO | None = None) -> int:
    """Say, after a batch, which runs raised; they are in the table with error and seed."""
    table = RunTable.of(frame)
    bad = table.failures()
    if len(bad):
        first = bad.iloc[0]
        print(
            f"negsim: {len(bad)} of {len(table)} runs failed and are recorded with their error "
            f"and seed in the results; the first, run {int(first['run'])}: {first['error']}",
            file=file or sys.stderr,
        )
    return len(bad)


def run_line(model: NegotiationModel) -> str:
    """The outcome of one replayed run, under its transcript."""
    from negsim.figures import summarize
    from negsim.outcomes import IssueStatus, Outcome

    s = summarize(model.cp, model.params, model.state)
    agreed = [
        f"{i} at {v:.2f}"
        for i, st, v in zip(model.cp.issues, s["status"][0], s["value"][0], strict=True)
        if st == IssueStatus.AGREED
    ]
    return (
        f"Run {model.run_index} (seed {model.seed}): {Outcome(int(s['outcome'][0])).label}; "
        f"agreed: {', '.join(agreed) or 'nothing'}; rounds completed "
        f"{int(s['rounds'][0])} of {len(model.cp.forums)}"
    )
