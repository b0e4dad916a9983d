"""Which figures a results folder gets, with readable names for the inputs; PNG and SVG.

The figure set follows the design: the plot of every recorded figure that has one (outcome
probabilities, per-issue gaps and deals, the allies' spread: see :mod:`negsim.figures`) and
the trajectories of positions; shares along each swept input, a heatmap over the first two,
sensitivity indices for Sobol and Morris designs, and PRIM's peeling trajectory when scenario
discovery is asked for. The table carries its :class:`~negsim.figures.data.Layout` (how its
runs were drawn), so every plot shows a grid per design point and gives a sampled design's
shares the interval its design allows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from negsim import figures, plots
from negsim.experiments import analysis, storage
from negsim.experiments.designs import make_design
from negsim.experiments.spec import Experiment
from negsim.figures.data import Layout, interval_note, layout_of, pooled_note
from negsim.outcomes import failed

FIELDS = {
    "patience.rounds": "patience: rounds without core progress it tolerates",
    "patience.progress_required": "core progress it requires (0-1)",
    "cohesion": "cohesion: pull of members toward the bloc position (0-1)",
    "threshold": "linkage threshold: core progress needed before it moves (0-1)",
    "reservation": "furthest acceptable position (issue scale 0-1)",
    "ideal": "ideal position (issue scale 0-1)",
    "salience": "salience (0-1)",
    "concession.beta": "concession exponent beta (<1 holds firm, >1 concedes early)",
    "concession.reciprocity": "reciprocity: share of the other side's step returned (0-1)",
    "wedge": "wedge pressure on allies (0-1)",
    "wedge_susceptibility": "receptiveness to the other side's wedge (0-1)",
    "cohesion_susceptibility": "receptiveness to the bloc's pull (0-1)",
    "capability": "capability weight (0-1)",
    "horizon": "negotiation horizon (exchanges until reservations are reached)",
    "tolerance": "tolerance of an agreement (0-0.5)",
}


def label(path: str, labels: dict[str, str] | None = None) -> str:
    """A reader's name for a scenario path: the experiment's own label if it gives one."""
    if labels and path in labels:
        return labels[path]
    parts = path.split(".")
    who = parts[1].replace("_", " ") if parts[0] in ("actors", "blocs", "groups") else ""
    issue = ""
    if "positions" in parts:
        issue = parts[parts.index("positions") + 1].replace("_", " ")
    for suffix, text in sorted(FIELDS.items(), key=lambda kv: -len(kv[0])):
        if path.endswith(suffix):
            head = ", ".join(filter(None, [who, issue]))
            return f"{head}: {text}" if head else text
    return path


def save(fig: Figure, folder: Path, stem: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}.png", folder / f"{stem}.svg"]
    for p in paths:
        storage.write_atomic(p, lambda t, p=p: fig.savefig(t, dpi=130, format=p.suffix[1:]))
    return paths


def _slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")


def sweep_layout(manifest: dict) -> Layout:
    """How a sweep's runs were drawn (its design, inputs, seed and their readers' names)."""
    exp = Experiment.model_validate(manifest["experiment"])
    labels = exp_labels(exp)
    names = list(manifest.get("parameters", []))
    return Layout(exp.design, tuple(names), exp.seed, tuple(label(n, labels) for n in names))


def write_plots(out: str | Path, discover: str | None = None) -> list[Path]:
    """Write every figure that applies to the sweep in ``out`` into ``out/plots``."""
    out = Path(out)
    manifest = storage.read_manifest(out) or {}
    layout = sweep_layout(manifest)
    tables = _Tables(out, layout)
    frame = tables.base
    if failed(frame).all():
        return []  # every run failed: there is nothing to draw (the CLI says so)
    exp = Experiment.model_validate(manifest["experiment"])
    labels = exp_labels(exp)
    names = list(manifest.get("parameters", []))
    name = exp.name
    folder = out / "plots"
    written: list[Path] = []
    for f in figures.FIGURES.values():
        cols = f.columns(manifest["issues"])
        if f.plot is None or not cols or not tables.stored.issuperset(cols):
            continue  # no plot, or not recorded
        fig = f.plot.draw(tables.read(cols), f.column, name)  # one figure's columns at a time
        if fig is not None:
            written += save(fig, folder, f.plot.stem or f.column)
    if discover:
        frame = storage.load_results(out)  # PRIM reads the inputs too
        frame.attrs["layout"] = layout
    si = sensitivity_outputs(out, frame, exp, names, labels)
    written += si[1]
    written += along_plots(frame, exp, names, labels, si[0], folder)
    varied = [p for p in names if frame[f"design:{p}"].nunique() > 1]
    if len(varied) >= 2:
        x, y = varied[:2]
        data = analysis.heatmap(frame, f"design:{x}", f"design:{y}", exp.focus, layout)
        fig = plots.outcome_heatmap(
            data,
            label(x, labels),
            label(y, labels),
            exp.focus,
            f"{name}: share of runs with {plots.focus_text(exp.focus)}",
            [label(o, labels) for o in data.attrs["over"]],
        )
        written += save(fig, folder, "heatmap")
    if discover:
        written += discovery_outputs(out, frame, discover, name)
    note = pooled_note(frame, layout)
    del frame  # the run table and the trajectories are never held together (both ~run count)
    path = out / "trajectories.parquet"
    if path.exists():
        reader = lambda c: pd.read_parquet(path, columns=c)  # noqa: E731 (one issue's columns)
        drawing = trajectory_figure(reader, manifest, name, note)
        written += save(drawing, folder, "trajectories")
    _list_plots(out, written)
    return written


def along_plots(
    frame: pd.DataFrame,
    exp: Experiment,
    names: list[str],
    labels: dict[str, str],
    si: pd.DataFrame,
    folder: Path,
) -> list[Path]:
    """Shares along each swept input; a sampled design's carry the input's sensitivity index,
    so a wiggle between bins is read beside what the variance decomposition says of it."""
    layout = layout_of(frame)
    targets = None if exp.focus in analysis.OUTCOMES else [*analysis.OUTCOMES, exp.focus]
    note = interval_note(frame, layout)
    written: list[Path] = []
    for path in names:
        col = f"design:{path}"
        if frame[col].nunique() < 2:
            continue
        data = analysis.along(frame, col, targets, layout)
        extra = index_note(si, path, exp.design, exp.focus)
        steps = analysis.whole_numbered(frame[col])
        title = f"{exp.name}: outcomes along one input"
        fig = plots.outcomes_along(
            data, label(path, labels), title, "; ".join(filter(None, [note, extra])), steps
        )
        written += save(fig, folder, f"along_{_slug(path)}")
    return written


def index_note(si: pd.DataFrame, path: str, design: str, focus: str) -> str:
    """The input's sensitivity index on the focus, in words for an along plot's title."""
    if si.empty or "note" in si or path not in set(si["parameter"]):
        return ""
    row = si.set_index("parameter").loc[path]
    what = plots.focus_text(focus)
    if design == "sobol":
        return (
            f"Sobol index on {what}: S1 {row['S1']:.2f} +- {row['S1_conf']:.2f}, "
            f"ST {row['ST']:.2f} +- {row['ST_conf']:.2f}"
        )
    return f"Morris on {what}: mu* {row['mu_star']:.2f} +- {row['mu_star_conf']:.2f}"


def sensitivity_outputs(
    out: Path, frame: pd.DataFrame, exp: Experiment, names: list[str], labels: dict[str, str]
) -> tuple[pd.DataFrame, list[Path]]:
    """Sobol or Morris indices of the focus (``sensitivity.csv`` and its plot), for designs
    that allow them; an empty table otherwise."""
    if exp.design not in ("sobol", "morris"):
        return pd.DataFrame(), []
    si = analysis.sensitivity(make_design(exp), frame, exp.focus, exp.seed)
    if "note" in si:
        return si, []
    storage.write_atomic(out / "sensitivity.csv", lambda p: si.to_csv(p, index=False))
    title = (
        f"{exp.name}: what drives the probability of {plots.focus_text(exp.focus)}\n"
        f"{exp.design} indices over {len(frame)} runs ({frame['point'].nunique()} points);"
        " whiskers: 95% intervals"
    )
    fig = plots.sensitivity_bars(si, exp.design, {n: label(n, labels) for n in names}, title)
    return si, save(fig, out / "plots", "sensitivity")


def _list_plots(out: Path, written: list[Path]) -> None:
    """Add the figures to the manifest's list of files negsim wrote (``--force`` removes
    those, and nothing else, from ``plots/``)."""
    manifest = storage.read_manifest(out)
    if manifest is None:
        return
    names = {str(p.relative_to(out)) for p in written if p.parent.name == "plots"}
    manifest["plots"] = sorted(set(manifest.get("plots") or []) | names)
    storage.write_json(out / "manifest.json", manifest)


class _Tables:
    """The sweep's run table as its plots read it, a figure at a time: ``base`` holds the
    columns every plot reads (run, point, outcome, error, the design, the issues' statuses),
    read once; :meth:`read` adds a figure's own columns to it. A million runs' table is never
    held whole, and the base never twice."""

    def __init__(self, out: Path, layout: Layout) -> None:
        import pyarrow.parquet as pq

        self.out = out
        names = pq.read_schema(out / "runs.parquet").names
        self.stored = set(names)
        wanted = ("run", "point", "outcome", "error")
        keep = [c for c in names if c in wanted or c.startswith("design:") or c.endswith(".status")]
        self.base = storage.load_results(out, columns=keep)
        self.base.attrs["layout"] = layout  # the figures' own plots read how the runs were drawn

    def read(self, columns: list[str]) -> pd.DataFrame:
        more = [c for c in columns if c not in self.base]
        if not more:
            return self.base
        extra = storage.load_results(self.out, columns=more)
        frame = self.base.assign(**{c: extra[c] for c in more})
        frame.attrs["layout"] = self.base.attrs["layout"]
        return frame


def exp_labels(exp: Experiment) -> dict[str, str]:
    return dict(exp.labels)


def trajectory_figure(
    read: Callable[[list[str]], pd.DataFrame], manifest: dict, name: str, note: str = ""
) -> Figure:
    """One fan chart per issue, side by side, sharing the forum axis; ``note`` says how many
    design points the quantiles pool. ``read`` gives columns of the trajectory table, an
    issue's at a time (a million runs' positions are never held at once)."""
    issues = manifest["issues"]
    forums = [f["id"] for f in manifest["forums"]]
    flabels = [f"{f['id'].replace('_', ' ')[:16]}\n{f['date'][5:]}" for f in manifest["forums"]]
    sides = manifest["trajectory_sides"]
    cols = 4 if len(issues) > 4 else len(issues)
    rows = -(-len(issues) // cols)
    fig = Figure(figsize=(3.6 * cols, 3.0 * rows + 1.2), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
    runs = 0
    for k, issue in enumerate(issues):
        wanted = [f"traj:{f}:{s}:{issue}" for f in forums for s in ("focal", "lead", "bloc")]
        positions = read(wanted)
        runs = len(positions)
        q = analysis.fan_quantiles(positions, forums, issue)
        plots.fan_chart(q, flabels, sides, issue.replace("_", " "), ax=axes.flat[k])
    for ax in axes.flat[len(issues) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("position (issue scale 0-1)")
    for ax in axes[-1, :]:
        ax.set_xlabel("after forum (month-day)", fontsize=8)
    handles, texts = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncols=3, fontsize=9)
    fig.suptitle(
        f"{name}: positions after each forum, {runs} runs (runs that broke down drop out)"
        + (f"; {note}" if note else "")
        + "\nline: median; dark band: middle half; light band: 5-95%"
    )
    return fig


def discovery_outputs(out: Path, frame: pd.DataFrame, focus: str, name: str) -> list[Path]:
    """Scenario discovery on the design's inputs as text (``discovery.txt``) and as a figure
    (the trajectory and the chosen box's limits)."""
    from negsim.experiments.discovery import analyse_runs, report
    from negsim.experiments.discovery_plot import prim_figure

    found = analyse_runs(frame, focus)
    text = report(found)
    storage.write_atomic(out / "discovery.txt", lambda p: p.write_text(text + "\n"))
    title = f"{name}: when is {plots.focus_text(focus)} likely? (PRIM, {len(frame)} runs)"
    fig = prim_figure(found, title)
    return [out / "discovery.txt", *save(fig, out / "plots", f"prim_{_slug(focus)}")]


def manifest_of(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())
