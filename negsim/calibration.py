"""Calibrate a scenario to its documented record: approximate Bayesian computation.

Which settings of the uncertain inputs reproduce what happened? The discrepancy of a run is the
number of the scenario's observations it violates. Generation 0 is rejection ABC (runs drawn
from the prior, run k from its own seed as everywhere); generations 1.. are the adaptive ABC-SMC
sampler of Del Moral, Doucet & Jasra (2012): each generation lowers the tolerance (by one
violated observation, or to the given quantile of the population's discrepancies if lower),
reweights the particles by it, resamples when the effective sample size falls below half,
and moves every particle by a Metropolis-Hastings step that leaves the ABC posterior
invariant, until the tolerance is 0 (every observation reproduced). The importance-weighted
population Monte Carlo of Beaumont et al. (2009) was tried first; over the baseline's 228
inputs its kernel-density weights collapse (an effective sample size of 3 of 1,000), which the
MCMC move avoids.

Particles live in the unit cube of the inputs' own cumulative distributions, where the prior
is uniform; a move leaving the cube is reflected back into it. Every particle's input values
are stored, so each accepted run can be replayed exactly, and generation g draws from its own
generator ``SeedSequence([seed, g])``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from negsim import dynamics
from negsim.execution import RUNS_PER_CALL
from negsim.observations import satisfied, specs
from negsim.scenario.compile import Compiled, fill, inverse_cdf, uniforms

STREAM = 0xABC  # the calibration's seed stream, apart from the runs' own


@dataclass
class Generation:
    epsilon: int
    simulated: int
    accepted: int
    ess: float

    @property
    def acceptance(self) -> float:
        return self.accepted / max(self.simulated, 1)


@dataclass
class Posterior:
    """The accepted particles (unit-cube coordinates and input values), their weights and
    discrepancies, and what each generation did."""

    paths: tuple[str, ...]
    u: np.ndarray  # (N, L)
    values: np.ndarray  # (N, L)
    weights: np.ndarray  # (N,) normalised
    distance: np.ndarray  # (N,)
    generations: list[Generation] = field(default_factory=list)

    @property
    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights**2))

    def kept(self) -> Posterior:
        """The particles that carry weight (a reweighting leaves the others at zero)."""
        on = self.weights > 0
        w = self.weights[on] / self.weights[on].sum()
        return Posterior(
            self.paths, self.u[on], self.values[on], w, self.distance[on], self.generations
        )


def values_of(cp: Compiled, u: np.ndarray) -> np.ndarray:
    """Input values (B, L) of unit-cube points: each leaf's inverse distribution function."""
    return np.column_stack([inverse_cdf(leaf, u[:, j]) for j, leaf in enumerate(cp.leaves)])


def discrepancy(cp: Compiled, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many observations each run violates (B,), and which it satisfies (B, O)."""
    parts = []
    for start in range(0, len(values), RUNS_PER_CALL):
        params = fill(cp, values[start : start + RUNS_PER_CALL])
        st = dynamics.simulate(cp, params)
        parts.append(satisfied(cp, params, st))
    ok = np.concatenate(parts) if parts else np.zeros((0, len(specs(cp))), dtype=bool)
    return (~ok).sum(axis=1), ok


def calibrate(
    cp: Compiled,
    particles: int = 1000,
    generations: int = 5,
    seed: int = 0,
    quantile: float = 0.5,
    progress: Callable[[Generation], None] | None = None,
    checkpoint: Path | None = None,
) -> tuple[Posterior, Posterior, np.ndarray]:
    """ABC: rejection from the prior, then ``generations`` SMC steps with a falling tolerance
    down to 0 (every observation holds); steps left at 0 move the particles further (MCMC at
    the final tolerance, decorrelating those resampled). Returns the prior sample, the
    posterior, and which observations each prior run satisfied.

    With ``checkpoint`` (a folder), each generation is kept there as it completes and a call
    with the same arguments resumes after the last one kept: every generation draws from its
    own generator, so the result is the one an uninterrupted calibration gives."""
    paths = tuple(leaf.path for leaf in cp.leaves)
    key = json.dumps({"scenario": _digest(cp), "seed": seed, "particles": particles})
    saved = _load(checkpoint, key, paths)
    if saved is None:
        u = uniforms(cp, range(particles), seed)  # run k's own uniforms: replayable
        values = values_of(cp, u)
        dist, prior_ok = discrepancy(cp, values)
        prior = Posterior(paths, u, values, np.full(particles, 1 / particles), dist)
        prior.generations.append(Generation(int(dist.max()), particles, particles, prior.ess))
        _save(checkpoint, 0, prior, prior_ok, key)
        post = prior
        if progress:
            progress(prior.generations[-1])
    else:
        prior, prior_ok, post = saved
        prior.values, post.values = values_of(cp, prior.u), values_of(cp, post.u)
    for g in range(len(post.generations), generations + 1):
        last = post.generations[-1].epsilon  # at 0, the further steps move the particles only
        eps = min(max(last - 1, 0), int(np.floor(np.quantile(post.distance, quantile))))
        post = _generation(cp, post, eps, np.random.default_rng([seed, STREAM, g]))
        _save(checkpoint, g, post, prior_ok, key)
        if progress:
            progress(post.generations[-1])
    return prior, post.kept(), prior_ok


def _digest(cp: Compiled) -> str:
    """The scenario as validated (values, observations, everything): checkpoints of another
    scenario are not resumed."""
    return hashlib.sha256(cp.scenario.model_dump_json().encode()).hexdigest()


def _save(folder: Path | None, g: int, p: Posterior, prior_ok: np.ndarray, key: str) -> None:
    """Keep generation g (written to a temporary name, then renamed: never half a file)."""
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".gen{g}.npz"
    np.savez(
        tmp, u=p.u, weights=p.weights, distance=p.distance, prior_ok=prior_ok,
        generations=np.array([[x.epsilon, x.simulated, x.accepted, x.ess]
                              for x in p.generations], dtype=float),
        key=np.array(key),
    )  # fmt: skip
    tmp.replace(folder / f"gen{g}.npz")


def _load(
    folder: Path | None, key: str, paths: tuple[str, ...]
) -> tuple[Posterior, np.ndarray, Posterior] | None:
    """The prior and the last generation kept in ``folder``, if it holds this calibration's."""
    if folder is None or not (folder / "gen0.npz").is_file():
        return None
    first = np.load(folder / "gen0.npz")
    if str(first["key"]) != key:
        for old in folder.glob("gen*.npz"):  # another calibration's: start afresh
            old.unlink()
        return None
    last = max(int(f.stem[3:]) for f in folder.glob("gen*.npz"))
    prior, at = _posterior(first, paths), _posterior(np.load(folder / f"gen{last}.npz"), paths)
    return prior, first["prior_ok"], at


def _posterior(data: np.lib.npyio.NpzFile, paths: tuple[str, ...]) -> Posterior:
    gens = [Generation(int(e), int(s), int(a), float(x)) for e, s, a, x in data["generations"]]
    u = data["u"]
    return Posterior(paths, u, np.empty_like(u), data["weights"], data["distance"], gens)


def _generation(cp: Compiled, prev: Posterior, eps: int, rng: np.random.Generator) -> Posterior:
    """One SMC step at tolerance ``eps`` (Del Moral, Doucet & Jasra 2012, one simulation per
    particle): reweight by the new tolerance, resample when the effective sample size falls
    below half, then move every particle by one Metropolis-Hastings step that leaves the ABC
    posterior invariant. The prior is uniform on the cube and the reflected random walk
    symmetric, so a move is accepted exactly when its run is within the tolerance; no kernel
    density is needed, which keeps the weights sound over hundreds of inputs."""
    w = prev.weights * (prev.distance <= eps)
    if w.sum() == 0:  # no particle within the tolerance: stay at the previous one
        return prev
    w = w / w.sum()
    u, dist = prev.u, prev.distance
    if 1.0 / np.sum(w**2) < len(w) / 2:
        pick = rng.choice(len(w), size=len(w), p=w)
        u, dist, w = u[pick], dist[pick], np.full(len(w), 1 / len(w))
    live = w > 0
    scale = _width(u, w) * 2.38 / np.sqrt(u.shape[1])
    prop = _reflect(u + rng.normal(size=u.shape) * scale)
    d_new, _ = discrepancy(cp, values_of(cp, prop[live]))
    accept = np.zeros(len(w), dtype=bool)
    accept[live] = d_new <= eps
    u = np.where(accept[:, None], prop, u)
    dist = dist.copy()
    dist[np.flatnonzero(live)[d_new <= eps]] = d_new[d_new <= eps]
    post = Posterior(prev.paths, u, values_of(cp, u), w, dist, list(prev.generations))
    post.generations.append(Generation(eps, int(live.sum()), int(accept.sum()), post.ess))
    return post


def _width(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The population's weighted standard deviation per input (in the unit cube)."""
    mean = w @ u
    var = w @ (u - mean) ** 2
    return np.sqrt(np.maximum(var, 1e-10))


def _reflect(u: np.ndarray) -> np.ndarray:
    """Fold a move back into the unit cube (a point beyond an edge is mirrored at it): the
    reflected random walk stays symmetric."""
    u = np.abs(u) % 2.0
    return np.where(u > 1.0, 2.0 - u, u).clip(1e-12, 1 - 1e-12)


# -- diagnostics and outputs -------------------------------------------------------------------


def informativeness(cp: Compiled, prior_ok: np.ndarray) -> pd.DataFrame:
    """Per observation, the share of prior runs that already satisfy it: one every prior run
    satisfies carries no information about the inputs."""
    obs = specs(cp)
    share = prior_ok.mean(axis=0) if len(prior_ok) else np.zeros(len(obs))
    return pd.DataFrame(
        {
            "observation": [o.id for o in obs],
            "kind": [o.kind for o in obs],
            "prior_share": share,
            "informative": share < 1.0,
        }
    )


KS_99 = 1.628  # the two-sample Kolmogorov-Smirnov coefficient c(0.01)


def narrowing(prior: Posterior, post: Posterior) -> pd.DataFrame:
    """Per input: prior and posterior median and interquartile range, their ratio (below 1:
    narrower), and the Kolmogorov-Smirnov distance between the two distributions; ``informed``
    where that distance exceeds the 1% critical value for the prior's size and the posterior's
    effective size (so sampling noise is not read as information). Most informed first."""
    n, m = len(prior.weights), post.ess
    crit = KS_99 * np.sqrt((n + m) / (n * m))
    rows = []
    for j, path in enumerate(post.paths):
        q_pr = _wquantile(prior.values[:, j], prior.weights, [0.25, 0.5, 0.75])
        q_po = _wquantile(post.values[:, j], post.weights, [0.25, 0.5, 0.75])
        iqr_pr, iqr_po = q_pr[2] - q_pr[0], q_po[2] - q_po[0]
        ks = _ks(prior.values[:, j], prior.weights, post.values[:, j], post.weights)
        rows.append(
            {"input": path, "prior_median": q_pr[1], "posterior_median": q_po[1],
             "prior_iqr": iqr_pr, "posterior_iqr": iqr_po,
             "iqr_ratio": iqr_po / iqr_pr if iqr_pr > 0 else np.nan,
             "ks": ks, "informed": bool(ks > crit)}
        )  # fmt: skip
    table = pd.DataFrame(rows)
    return table.sort_values("ks", ascending=False, kind="stable").reset_index(drop=True)


def _ks(x: np.ndarray, wx: np.ndarray, y: np.ndarray, wy: np.ndarray) -> float:
    """The largest distance between two weighted empirical distribution functions."""
    grid = np.union1d(x, y)
    fx = np.cumsum(np.bincount(np.searchsorted(grid, x), wx, len(grid))) / wx.sum()
    fy = np.cumsum(np.bincount(np.searchsorted(grid, y), wy, len(grid))) / wy.sum()
    return float(np.abs(fx - fy).max())


def _wquantile(x: np.ndarray, w: np.ndarray, qs: list[float]) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    cum /= cum[-1]
    return np.array([x[order][np.searchsorted(cum, q)] for q in qs])


def write(out: Path, cp: Compiled, post: Posterior, prior: Posterior, info: pd.DataFrame) -> dict:
    """The posterior (Parquet), its manifest (JSON) with the diagnostics; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(post.values, columns=[f"in:{p}" for p in post.paths])
    frame.insert(0, "weight", post.weights)
    frame.insert(1, "distance", post.distance)
    frame.to_parquet(out / "posterior.parquet", index=False)
    narrow = narrowing(prior, post)
    narrow.to_csv(out / "narrowing.csv", index=False)
    manifest = {
        "scenario": cp.scenario.name,
        "particles": len(post.weights),
        "generations": [
            {
                "epsilon": g.epsilon,
                "simulated": g.simulated,
                "accepted": g.accepted,
                "acceptance": g.acceptance,
                "ess": g.ess,
            }
            for g in post.generations
        ],
        "observations": info.to_dict("records"),
        "narrowed": narrow.head(10).to_dict("records"),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=float) + "\n")
    return manifest


def read(out: Path) -> pd.DataFrame:
    """A calibration's posterior: one row per particle, its weight and input values."""
    return pd.read_parquet(out / "posterior.parquet")


def posterior_fixed(
    posterior: pd.DataFrame, cp: Compiled, runs: np.ndarray | range, seed: int
) -> dict[str, np.ndarray]:
    """Input values for runs drawn from a posterior: run k picks a particle by weight from its
    own generator; inputs the posterior does not hold (a variant's new ones) stay the prior's."""
    w = posterior["weight"].to_numpy()
    w = w / w.sum()
    pick = np.array(
        [np.random.default_rng([seed, STREAM, 1 << 20, int(k)]).choice(len(w), p=w) for k in runs]
    )
    paths = {leaf.path for leaf in cp.leaves}
    return {
        c.removeprefix("in:"): posterior[c].to_numpy()[pick]
        for c in posterior.columns
        if c.startswith("in:") and c.removeprefix("in:") in paths
    }


def render(info: pd.DataFrame, narrow: pd.DataFrame) -> str:
    """The diagnostics as text: what each observation tells, which inputs the record narrows."""
    lines = ["observation                          kind       prior runs satisfying it"]
    for r in info.itertuples(index=False):
        note = "" if r.informative else "  (every prior run satisfies it: no information)"
        lines.append(f"{str(r.observation)[:36]:<37}{r.kind:<11}{r.prior_share:>6.3f}{note}")
    head = f"{'input the record informs':<56}{'prior med':>10}{'post med':>10}{'IQR ratio':>10}"
    lines += ["", head + f"{'KS':>7}"]
    for r in narrow[narrow["informed"]].itertuples(index=False):
        lines.append(
            f"{str(r.input)[:55]:<56}{r.prior_median:>10.3g}{r.posterior_median:>10.3g}"
            f"{r.iqr_ratio:>10.2f}{r.ks:>7.3f}"
        )
    rest = int((~narrow["informed"]).sum())
    lines.append(f"({rest} inputs: posterior within sampling noise of the prior, KS 1% test)")
    return "\n".join(lines)
