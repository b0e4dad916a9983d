"""The page of ``negsim view``: Mesa's SolaraViz over the negotiation model, and its server.

Solara and Mesa's visualisation are the ``viz`` extra; nothing else in negsim imports this
module. The page's model parameters are the sliders' uncertain inputs (model parameters by
dotted path, as :class:`~negsim.model.NegotiationModel` takes them) and the run replayed;
moving a slider and pressing RESET builds the model anew, and the outcome plot runs its batch
for the model's inputs. The server is Solara's Starlette app under uvicorn, started here
rather than through ``solara run``, which asks PyPI for a newer version; telemetry is off and
the front end comes from the solara-assets package, with the CDN fallback pointed at a closed
port on this machine, so the page never reaches outside it.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from negsim.errors import NegsimError
from negsim.view import ViewConfig

if TYPE_CHECKING:
    from negsim.scenario.compile import Compiled

CONFIG_ENV = "NEGSIM_VIEW_CONFIG"
EXTRA_HINT = "negsim view needs the 'viz' extra: pip install -c requirements/lock.txt -e '.[viz]'"
SOLARA_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_PROXY": "True",  # /_solara/cdn served from solara-assets' files
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",  # a miss fails here, never reaches a CDN
    "SOLARA_THEME_LOADER": "solara",
}


def check_extra() -> None:
    """The one-line error (exit status 2) when the viz extra is missing."""
    import importlib.util

    for module in ("solara", "solara_assets", "ipyvuetify", "altair", "uvicorn"):
        if importlib.util.find_spec(module) is None:
            raise NegsimError(f"{EXTRA_HINT} (no module {module!r})")


def serve(config: ViewConfig, host: str = "127.0.0.1", port: int = 8765) -> int:
    """Serve the page until stopped (Ctrl-C or SIGTERM)."""
    check_extra()
    doc = {
        "scenario": config.scenario,
        "overrides": list(config.overrides),
        "run": config.run,
        "seed": config.seed,
        "runs": config.runs,
        "sliders": [s.__dict__ for s in config.sliders],
    }
    os.environ[CONFIG_ENV] = json.dumps(doc)
    os.environ.update(SOLARA_ENV)
    os.environ["SOLARA_APP"] = "negsim.view_app"
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    import warnings

    import uvicorn

    # Solara's notes on Mesa's hooks and on cookies over plain http are for their developers
    warnings.filterwarnings("ignore", category=UserWarning, module=r"solara\.")

    print(f"negsim view: {config.scenario} at http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning")
    return 0


def _config() -> dict[str, Any]:
    raw = os.environ.get(CONFIG_ENV)
    if not raw:
        raise RuntimeError(f"{CONFIG_ENV} is not set: start the page with negsim view")
    return json.loads(raw)


def build() -> Any:
    """The page's Solara component (built when Solara imports negsim.view_app as its app)."""
    import solara
    from mesa.visualization import SolaraViz

    import negsim
    from negsim import view

    doc = _config()
    scenario = negsim.load(doc["scenario"], doc["overrides"] or None)
    cp = scenario.compiled
    sliders = [view.Slider(**s) for s in doc["sliders"]]
    model_class = _model_class(cp)
    params: dict[str, Any] = {
        "run": {
            "type": "SliderInt",
            "label": "run replayed",
            "value": doc["run"],
            "min": 0,
            "max": max(doc["runs"] - 1, 1),
            "step": 1,
        },
        "seed": doc["seed"],
        **{s.path: s.mesa_param() for s in sliders},
    }
    start = {s.path: s.value for s in sliders}
    components = _components(scenario, doc["runs"], doc["seed"])

    @solara.component
    def Page() -> None:
        model = solara.use_memo(lambda: model_class(run=doc["run"], seed=doc["seed"], **start), [])
        SolaraViz(
            model,
            components=[(c, 0) for c in components],
            model_params=params,
            name=f"negsim: {cp.scenario.name}",
        )

    return Page


def _model_class(cp: Compiled) -> type:
    """The model with the page's scenario bound, so that every model parameter is a slider
    or a number; Mesa 3.4+'s reset also hands in a Mesa ``scenario`` and ``rng``, which the
    negsim scenario and the run's own seed replace."""
    from negsim.model import NegotiationModel

    class NegotiationView(NegotiationModel):
        def __init__(self, run: int = 0, seed: int = 0, scenario: Any = None, **kwargs: Any):
            kwargs.pop("rng", None)
            super().__init__(cp, run=int(run), seed=int(seed), **kwargs)

    return NegotiationView


def _components(scenario: Any, runs: int, seed: int) -> list:
    """The page's four panels, Solara components of the model (redrawn on each step)."""
    import solara
    from mesa.visualization.utils import update_counter

    from negsim import view
    from negsim.model import NegotiationModel

    cp = scenario.compiled
    batch: dict[tuple, Any] = {}

    @solara.component
    def Outcomes(model: NegotiationModel) -> None:
        key = tuple(sorted(model.inputs.items()))
        if key not in batch:
            if len(batch) >= 64:  # the settings tried last stay; memory stays bounded
                batch.pop(next(iter(batch)))
            batch[key] = view.outcome_table(scenario, dict(key), runs, seed)
        fixed = ", ".join(f"{p.removeprefix('actors.')}={v:g}" for p, v in key) or "none"
        title = f"Outcomes of {runs} runs (seed {seed}) at the sliders' values"
        with solara.Div(classes=["negsim-outcomes"]):
            solara.FigureMatplotlib(view.plot_outcomes(batch[key], title), format="png")
            solara.Markdown(
                f"Fixed: {fixed}; every other input drawn from its distribution.\n\n"
                "Move a slider, then RESET: the batch reruns with the new values."
            )

    @solara.component
    def Forum(model: NegotiationModel) -> None:
        update_counter.get()
        fig = view.plot_forum(view.forum_frame(model), cp.issues, view.forum_title(model))
        with solara.Div(classes=["negsim-forum"]):
            solara.FigureMatplotlib(fig, format="png")

    @solara.component
    def Transcript(model: NegotiationModel) -> None:
        update_counter.get()
        lines = model.transcript[::-1][:40] or ["(no exchange yet: press STEP or ▶)"]
        if not model.running:
            from negsim.report import run_line

            lines = [run_line(model), *lines]
        solara.Markdown(
            f"**Transcript** ({len(model.transcript)} lines; the last 40, newest first)"
        )
        solara.v.Html(tag="pre", children=["\n".join(lines)], class_="negsim-transcript",
                      style_="white-space: pre-wrap; font-size: 11px; max-height: 420px; "
                             "overflow-y: auto")  # fmt: skip

    @solara.component
    def Paths(model: NegotiationModel) -> None:
        update_counter.get()
        with solara.Div(classes=["negsim-paths"]):
            solara.FigureMatplotlib(view.plot_paths(view.path_frame(model), cp.issues))

    return [Outcomes, Forum, Transcript, Paths]
