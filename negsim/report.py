"""What ``negsim run`` prints and writes: a readable summary and complete output folders."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TextIO

import pandas as pd
from scipy.stats import binomtest

from negsim.errors import NegsimError
from negsim.outcomes import IssueStatus, Outcome, failed
from negsim.runner import Results
from negsim.scenario.compile import Compiled


def share_ci(k: int, n: int) -> tuple[float, float]:
    """Wilson 95% interval of a share: honest about how few runs a rare outcome rests on."""
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def summary_text(cp: Compiled, results: Results, doc: dict) -> str:
    frame = results.frame[~failed(results.frame)]
    n = max(len(frame), 1)
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
    lines += [
        "",
        f"{'issue':<20}{'agreed':>8}{'open':>8}{'deadlock':>9}{'gap':>7}"
        f"{'value':>7}{'fc.mean':>9}{'fc.median':>10}",
    ]
    for iid in cp.issues:
        st = frame[f"{iid}.status"]
        shares = [(st == s.label).mean() for s in IssueStatus]
        value = frame[f"{iid}.value"]
        val = f"{value.mean():.2f}" if value.notna().any() else "-"
        lines.append(
            f"{iid:<20}{shares[0]:>8.3f}{shares[1]:>8.3f}{shares[2]:>9.3f}"
            f"{frame[f'{iid}.gap'].mean():>7.2f}{val:>7}"
            f"{frame[f'{iid}.forecast_mean'].mean():>9.2f}"
            f"{frame[f'{iid}.forecast_median'].mean():>10.2f}"
        )
    q = frame["core_progress"].quantile([0.05, 0.5, 0.95]).to_numpy()
    lines += [
        "",
        f"{cp.names[cp.russia]}'s core progress: median {q[1]:.3f} (5-95%: {q[0]:.3f}-{q[2]:.3f})",
        f"{cp.blocs[cp.west].id} spread of members' positions: mean "
        f"{frame['west_spread'].mean():.3f}",
        f"rounds completed: mean {frame['rounds_completed'].mean():.2f} of {len(cp.forums)}",
        "gap: distance between Russia's position and the bloc's consensus bound at the "
        "end; fc.: capability x salience weighted mean/median of initial positions",
    ]
    return "\n".join(lines)


def write_outputs(
    out: Path, frame: pd.DataFrame, doc: dict, transcript: list[str], fmt: str
) -> None:
    """Write the table, summary and transcript; each file appears whole or not at all."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".negsim-", dir=out))
    except OSError as exc:
        raise NegsimError(f"cannot write here ({exc.strerror})", str(out)) from None
    try:
        name = f"runs.{fmt}"
        if fmt == "parquet":
            frame.to_parquet(tmp / name, index=False)
        else:
            frame.to_csv(tmp / name, index=False, float_format="%.10g")
        (tmp / "summary.json").write_text(json.dumps(doc, indent=2) + "\n")
        (tmp / "transcript.txt").write_text("\n".join(transcript) + "\n")
        for f in (name, "summary.json", "transcript.txt"):
            os.replace(tmp / f, out / f)
    except OSError as exc:
        raise NegsimError(f"cannot write results ({exc.strerror})", str(out)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
