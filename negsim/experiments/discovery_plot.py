"""The scenario-discovery figure: PRIM's trajectory and the chosen box's limits, side by side.

A trajectory alone says how dense and how wide a box can be, not *where* it is; the limits
alone hide what was traded for them. Both belong in the figure a reader looks at, not in a text
file beside it: left, coverage against density for every box of the peeling (and pasting)
trajectory with the chosen box marked; right, each input the chosen box restricts, its full
range as a grey bar and the box's range on it, with the numbers (and quasi-p values where the
EMA Workbench computed them) written beside it.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from negsim.experiments.discovery import Discovery, limits_table


def prim_figure(d: Discovery, title: str, labels: dict[str, str] | None = None) -> Figure:
    """Trajectory (left) and box limits (right) of a discovery; returns the figure."""
    rows = max(len(d.box.limits), 1)
    fig = Figure(figsize=(13.0, max(4.5, 1.2 + 0.55 * rows)), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.0, 1.25])
    trajectory(d, left)
    box_limits(d, right, labels or {})
    fig.suptitle(title)
    return fig


def trajectory(d: Discovery, ax: Axes) -> Axes:
    """Coverage against density, one point per box, coloured by the inputs it restricts."""
    traj = d.prim.trajectory()
    sc = ax.scatter(traj["coverage"], traj["density"], c=traj["restricted"], cmap="viridis", s=18)
    ax.plot(traj["coverage"], traj["density"], color="#bbbbbb", lw=0.8, zorder=0)
    ax.scatter(
        [d.box.coverage], [d.box.density], s=180, facecolors="none", edgecolors="red", lw=1.5,
        label=f"chosen box (step {d.box.step}): coverage {d.box.coverage:.2f}, "
        f"density {d.box.density:.2f}",
    )  # fmt: skip
    bar = ax.figure.colorbar(sc, ax=ax, label="inputs restricted by the box")
    # the colorbar's locator is an AutoLocator (a MaxNLocator); the stub knows only Locator
    bar.ax.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    what = d.prim.focus
    ax.set_xlabel(f"coverage: share of all cases with\n'{what}' that are inside the box")
    ax.set_ylabel(f"density: share of the cases inside\nthe box that have '{what}'")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(f"trajectory ({d.engine}): {d.prim.hits} of {d.prim.runs} cases", fontsize=10)
    return ax


def box_limits(d: Discovery, ax: Axes, labels: dict[str, str]) -> Axes:
    """Each restricted input's full range (grey) and the chosen box's range on it (red), as a
    fraction of the full range, with the limits and quasi-p values written in."""
    table = limits_table(d)
    if table.empty:
        ax.text(0.5, 0.5, "the chosen box restricts no input", ha="center", va="center")
        ax.set_axis_off()
        return ax
    y = list(range(len(table)))[::-1]
    # the numbers as floats (a quasi-p not computed, None, is NaN: both print as '-')
    cols = ["low", "high", "full_low", "full_high", "low_frac", "high_frac", "qp_low", "qp_high"]
    for k, values in zip(y, table[cols].to_numpy(dtype=float).tolist(), strict=True):
        low, high, full_low, full_high, low_frac, high_frac, qp_low, qp_high = values
        ax.barh(k, 1.0, color="#dddddd", height=0.6)
        ax.barh(k, high_frac - low_frac, left=low_frac, color="#d7301f", height=0.6)
        text = f"[{low:.3g}, {high:.3g}] of {full_low:.3g} to {full_high:.3g}"
        sides = [f"{side} {_p(q)}" for side, q in (("low", qp_low), ("high", qp_high))]
        sides = [t for t in sides if not t.endswith("-")]
        if sides:
            text += f"   quasi-p: {', '.join(sides)}"
        ax.text(1.02, k, text, va="center", fontsize=8)
    ax.set_yticks(y, [_wrap(labels.get(n, n)) for n in table["input"]], fontsize=8)
    ax.set_xlim(0, 2.2)  # room for the limits written beside the bars
    ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
    ax.set_xlabel("position within the input's full range")
    ax.set_title("chosen box: red = the range inside the box", fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def _p(q: float | None) -> str:
    return "-" if q is None or q != q else f"{q:.2g}"


def _wrap(text: str, width: int = 34) -> str:
    if len(text) <= width:
        return text
    cut = text.rfind(".", 0, width) + 1 or width
    return text[:cut] + "\n" + text[cut:]
