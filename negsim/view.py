"""What ``negsim view`` shows, as data and plots: no Solara here, so all of it is tested bare.

The page (:mod:`negsim.view_page`) is Mesa's SolaraViz over a :class:`NegotiationModel`; these
functions give it the tables it draws and draw them: the current forum's table (positions,
the reported bloc's consensus bound, the parties' offers, what is agreed), the focal actor's
and the bloc's paths step by step from the DataCollector, and the outcome distribution of a
batch (:func:`negsim.run`) with the sliders' inputs fixed and the rest drawn as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from negsim import dynamics
from negsim.errors import NegsimError
from negsim.figures.data import share_ci
from negsim.outcomes import OUTCOMES
from negsim.scenario.compile import Compiled, Leaf, inverse_cdf
from negsim.scenario.schema import Choice

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from negsim.model import NegotiationModel

BATCH_RUNS = 300  # runs behind the outcome plot: Wilson intervals about +-0.05 wide
SLIDERS = 4  # inputs with a slider when none are named: the top ones by Morris mu*
SLIDER_STEPS = 20
COLOURS = {"agreement": "#2e7d32", "partial": "#9ccc65", "stalemate": "#90a4ae"}
COLOURS["breakdown"] = "#c62828"


@dataclass(frozen=True)
class Slider:
    """One uncertain input with a slider: its path, its documented range and where it starts
    (its distribution's median)."""

    path: str
    lo: float
    hi: float
    value: float

    def mesa_param(self) -> dict:
        """The slider as Mesa's SolaraViz reads a model parameter."""
        step = (self.hi - self.lo) / SLIDER_STEPS or 0.01
        return {
            "type": "SliderFloat",
            "label": self.path.removeprefix("actors."),
            "value": self.value,
            "min": self.lo,
            "max": self.hi,
            "step": step,
        }


@dataclass(frozen=True)
class ViewConfig:
    """What a view shows: the scenario file (with --set overrides), which run and seed the
    model replays, the inputs with sliders, and the batch behind the outcome plot."""

    scenario: str
    overrides: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    run: int = 0
    seed: int = 0
    runs: int = BATCH_RUNS
    sliders: tuple[Slider, ...] = field(default=(), compare=False)


def slider_for(leaf: Leaf) -> Slider:
    """A slider over the input's documented range (the range ``negsim screen`` uses)."""
    from negsim.screening import support

    if isinstance(leaf.dist, Choice):
        raise NegsimError(f"--input {leaf.path}: a choice, not a number a slider can set")
    lo, hi = support(leaf)
    mid = float(np.clip(inverse_cdf(leaf, np.array([0.5]))[0], lo, hi))
    return Slider(leaf.path, float(lo), float(hi), round(mid, 4))


def choose_sliders(
    cp: Compiled, named: tuple[str, ...] = (), top: int = SLIDERS, trajectories: int = 8
) -> tuple[Slider, ...]:
    """The named inputs, or else the ``top`` inputs by Morris mu* (``negsim screen``'s
    ranking, a short design: a few seconds) that have an effect at all."""
    leaves = {leaf.path: leaf for leaf in cp.leaves}
    if named:
        from negsim.runner import check_fixed

        try:
            check_fixed(cp, dict.fromkeys(named, 0.0))
        except NegsimError as exc:  # the same rule, named as the user wrote it
            raise NegsimError(f"--input: {str(exc).removeprefix('fixed: ')}") from None
        return tuple(slider_for(leaves[p]) for p in dict.fromkeys(named))
    from negsim.screening import morris

    table = morris(cp, trajectories=trajectories, seed=0)
    ranked = [p for p, e in zip(table["input"], table["effect"], strict=True) if e > 0]
    numeric = [p for p in ranked if not isinstance(leaves[p].dist, Choice)]
    return tuple(slider_for(leaves[p]) for p in numeric[:top])


# -- the outcome distribution of a batch --------------------------------------------------


def outcome_table(
    scenario: object, inputs: dict[str, float], runs: int = BATCH_RUNS, seed: int = 0
) -> pd.DataFrame:
    """Outcome shares (with Wilson 95% intervals) of ``runs`` runs of ``scenario`` (a
    :class:`negsim.Scenario` or a file) with ``inputs`` fixed: one row per outcome class."""
    import negsim

    result = negsim.run(scenario, runs=runs, seed=seed, fixed=inputs or None)  # type: ignore[arg-type]
    done = result.frame[result.frame.get("error", pd.Series("", index=result.frame.index))
                        .fillna("").astype(str) == ""]  # fmt: skip
    n = len(done)
    rows = []
    for o in OUTCOMES:
        k = int((done["outcome"].astype(str) == o).sum())
        share = k / n if n else 0.0
        lo, hi = share_ci(k, n) if n else (0.0, 0.0)
        lo, hi = min(lo, share), max(hi, share)  # Wilson's bound at 0 or 1 is off by 1e-18
        rows.append({"outcome": o, "runs": k, "share": share, "lo": lo, "hi": hi})
    return pd.DataFrame(rows).set_index("outcome")


def plot_outcomes(table: pd.DataFrame, title: str = "", ax: Axes | None = None) -> Figure:
    """Bars of the outcome shares with their intervals (the table of :func:`outcome_table`)."""
    fig, ax = _figure(ax, (5.5, 3.2))
    x = np.arange(len(table))
    shares = table["share"].to_numpy()
    err = np.vstack([shares - table["lo"].to_numpy(), table["hi"].to_numpy() - shares])
    ax.bar(x, shares, color=[COLOURS.get(o, "grey") for o in table.index])
    ax.errorbar(x, shares, yerr=np.clip(err, 0, None), fmt="none", ecolor="black", capsize=4)
    for xi, s, top in zip(x, shares, table["hi"].to_numpy(), strict=True):
        ax.text(float(xi), min(top + 0.02, 0.95), f"{s:.2f}", ha="center", fontsize=9)
    ax.set_xticks(x, list(table.index))
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of runs")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


# -- the current forum ----------------------------------------------------------------------


def forum_frame(model: NegotiationModel) -> pd.DataFrame:
    """The table of the model's last exchange, one row per mark on the forum plot: every
    seated actor's position (``position``), each party's offer (``offer``), the reported
    bloc's consensus bound over all its members (``bound``) and each agreed value
    (``agreed``), with the issue and who it is."""
    cp, rec = model.cp, model.last
    rows: list[tuple[str, str, str, float]] = []
    if rec is None:
        return pd.DataFrame(rows, columns=["issue", "who", "kind", "value"])
    x = model.positions()
    seated = rec.table.idx[np.asarray(rec.table.seated, dtype=bool)]
    for j, iid in enumerate(cp.issues):
        rows += [(iid, cp.actors[k], "position", float(x[0, k, j])) for k in seated]
        for p, o in zip(rec.table.forum.parties, rec.offers, strict=True):
            rows.append((iid, p.id, "offer", float(o[0, j])))
        if model.state.agreed[0, j]:
            rows.append((iid, "agreed", "agreed", float(model.state.value[0, j])))
    if cp.bloc is not None:
        members = cp.blocs[cp.bloc].members
        dirn = dynamics.direction(members, model.params, cp.n_issues)
        bound = dynamics.bloc_bound(cp, cp.bloc, x, dirn)[0]
        rows += [(iid, cp.blocs[cp.bloc].id, "bound", float(bound[j])) for j, iid in
                 enumerate(cp.issues)]  # fmt: skip
    return pd.DataFrame(rows, columns=["issue", "who", "kind", "value"])


def forum_title(model: NegotiationModel) -> str:
    rec = model.last
    if rec is None:
        return f"{model.cp.scenario.name}: before the first exchange (press STEP)"
    f = rec.table.forum
    return f"{f.name}: exchange {rec.number} of {f.exchanges} (run {model.run_index})"


def plot_forum(frame: pd.DataFrame, issues: tuple[str, ...], title: str = "",
               ax: Axes | None = None) -> Figure:  # fmt: skip
    """Issues as rows on [0, 1]: seated positions as grey dots, offers as triangles (one
    colour per party), the bloc's consensus bound as a bar, agreed values as stars."""
    fig, ax = _figure(ax, (6.5, 0.45 * len(issues) + 1.4))
    row = {iid: k for k, iid in enumerate(issues)}
    y = frame["issue"].map(row).to_numpy(dtype=float) if len(frame) else np.zeros(0)
    kind = frame["kind"].to_numpy() if len(frame) else np.zeros(0, dtype=object)
    val = frame["value"].to_numpy(dtype=float) if len(frame) else np.zeros(0)
    pos = kind == "position"
    ax.scatter(val[pos], y[pos], s=12, color="#9e9e9e", alpha=0.6, label="seated actors")
    offers = frame[kind == "offer"] if len(frame) else frame
    for n, (who, part) in enumerate(offers.groupby("who", sort=False)):
        ax.scatter(part["value"], part["issue"].map(row) + 0.18, marker="v", s=46,
                   color=f"C{n}", label=f"{who} offer", zorder=3)  # fmt: skip
    b = kind == "bound"
    if b.any():
        who = frame.loc[b, "who"].iloc[0]
        ax.scatter(val[b], y[b], marker="|", s=260, color="black", label=f"{who} bound", zorder=4)
    a = kind == "agreed"
    if a.any():
        ax.scatter(val[a], y[a], marker="*", s=140, color="#2e7d32", label="agreed", zorder=5)
    ax.set_yticks(range(len(issues)), list(issues))
    ax.set_ylim(len(issues) - 0.5, -0.7)
    ax.set_xlim(-0.03, 1.03)
    ax.set_xlabel("position on the issue's scale")
    ax.set_title(title, fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    if len(frame):
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    fig.tight_layout()
    return fig


# -- the paths so far ------------------------------------------------------------------------


def path_frame(model: NegotiationModel) -> pd.DataFrame:
    """The focal actor's position and the reported bloc's offer per issue after every step so
    far, from the DataCollector (columns: step, who, then one per issue)."""
    cp = model.cp
    agents = model.datacollector.get_agent_vars_dataframe()
    if agents.empty:
        return pd.DataFrame(columns=["step", "who", *cp.issues])
    agents = agents.reset_index()
    ident = {a.unique_id: a.ident for a in model.agents}
    agents["who"] = agents["AgentID"].map(ident)
    keep = [cp.actors[cp.focal]] + ([cp.blocs[cp.bloc].id] if cp.bloc is not None else [])
    out = agents[agents["who"].isin(keep)].rename(columns={"Step": "step"})
    return out[["step", "who", *cp.issues]].reset_index(drop=True)


def plot_paths(frame: pd.DataFrame, issues: tuple[str, ...], ax: Axes | None = None) -> Figure:
    """Each issue's gap between the focal actor and the bloc, step by step: the round by round
    story of the talks in one picture (a gap that closes is a deal in reach)."""
    fig, ax = _figure(ax, (5.5, 3.2))
    who = list(dict.fromkeys(frame["who"]))
    if len(who) == 2:
        a = frame[frame["who"] == who[0]].set_index("step")
        b = frame[frame["who"] == who[1]].set_index("step")
        for n, iid in enumerate(issues):
            ax.plot(a.index, (a[iid] - b[iid]).abs(), color=f"C{n % 10}", label=iid)
        ax.set_ylabel(f"gap {who[0]} - {who[1]}")
        ax.legend(fontsize=7, ncol=2, frameon=False)
    ax.set_xlabel("step (one exchange)")
    ax.set_ylim(0, 1.02)
    fig.tight_layout()
    return fig


def _figure(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    """A figure of its own (no pyplot: the page draws from several threads), or ``ax``'s."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(figsize=size, dpi=100)
    return fig, fig.add_subplot()
