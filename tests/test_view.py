"""negsim view: its data and plots bare, its missing-extra error, and the page in a real
headless Chromium (Debian's chromium and chromium-driver, driven by Selenium) with no
network beyond this machine: it renders, a slider moved and RESET pressed changes the
outcome plot, and a screenshot is kept."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import numpy as np
import pytest
from matplotlib.figure import Figure

import negsim
from negsim import view
from negsim.cli import main
from negsim.errors import NegsimError
from negsim.model import NegotiationModel

from .conftest import SCENARIOS

BASELINE = SCENARIOS / "baseline.yaml"
HOPE = "actors.russia.patience.hope"
OUTSIDE = "actors.russia.patience.outside_option"


@pytest.fixture(scope="module")
def scenario() -> negsim.Scenario:
    return negsim.load(BASELINE)


def test_outcome_table_is_the_batch_with_the_inputs_fixed(scenario) -> None:
    low = view.outcome_table(scenario, {OUTSIDE: 0.05}, runs=200)
    high = view.outcome_table(scenario, {OUTSIDE: 0.3}, runs=200)
    assert list(low.index) == ["agreement", "partial", "stalemate", "breakdown"]
    assert low["share"].sum() == pytest.approx(1.0)
    assert (low["lo"] <= low["share"]).all() and (low["share"] <= low["hi"]).all()
    ran = negsim.run(scenario, runs=200, fixed={OUTSIDE: 0.3}).shares()
    assert high["share"].to_numpy() == pytest.approx(ran.to_numpy())
    assert high.loc["breakdown", "share"] > low.loc["breakdown", "share"]  # a better exit
    assert isinstance(view.plot_outcomes(high, "t"), Figure)


def test_forum_frame_shows_the_last_exchanges_table(scenario) -> None:
    cp = scenario.compiled
    model = NegotiationModel(cp, 4, 0)
    assert view.forum_frame(model).empty and "before the first" in view.forum_title(model)
    model.step()
    frame = view.forum_frame(model)
    rec = model.last
    seated = int(np.asarray(rec.table.seated).sum())
    kinds = frame.groupby("kind").size()
    assert kinds["position"] == seated * cp.n_issues
    assert kinds["offer"] == len(rec.table.forum.parties) * cp.n_issues
    assert kinds["bound"] == cp.n_issues
    offers = frame[frame["kind"] == "offer"].set_index(["who", "issue"])["value"]
    for party, o in zip(rec.table.forum.parties, rec.offers, strict=True):
        assert offers[party.id].to_numpy() == pytest.approx(o[0])
    assert "exchange 1 of" in view.forum_title(model)
    assert isinstance(view.plot_forum(frame, cp.issues), Figure)


def test_path_frame_is_read_from_the_datacollector(scenario) -> None:
    cp = scenario.compiled
    model = NegotiationModel(cp, 0, 0)
    for _ in range(3):
        model.step()
    frame = view.path_frame(model)
    assert list(frame["step"].unique()) == [1, 2, 3]
    focal = frame[frame["who"] == cp.actors[cp.focal]].iloc[-1]
    assert focal[list(cp.issues)].to_numpy(dtype=float) == pytest.approx(
        model.positions()[0, cp.focal]
    )
    assert isinstance(view.plot_paths(frame, cp.issues), Figure)


def test_sliders_take_the_named_inputs_over_their_screening_range(scenario) -> None:
    cp = scenario.compiled
    (s,) = view.choose_sliders(cp, (HOPE,))
    assert (s.path, s.lo, s.hi) == (HOPE, 0.4, 0.8) and s.lo <= s.value <= s.hi
    assert s.mesa_param()["type"] == "SliderFloat"
    with pytest.raises(NegsimError, match=r"^--input: .*did you mean"):
        view.choose_sliders(cp, ("actors.russia.patience.hop",))


def test_unnamed_sliders_are_the_top_inputs_by_morris(scenario, monkeypatch) -> None:
    """Morris's ranking (faked here: the real design takes seconds), inputs with no effect
    and choices left out, in the ranking's order."""
    import pandas as pd

    from negsim import screening
    from negsim.scenario.schema import Choice

    cp = scenario.compiled
    choice = next((leaf.path for leaf in cp.leaves if isinstance(leaf.dist, Choice)), None)
    ranked = [OUTSIDE, *([choice] if choice else []), HOPE, cp.leaves[0].path]
    table = pd.DataFrame({"input": ranked, "effect": [0.5] * (len(ranked) - 1) + [0.0]})
    monkeypatch.setattr(screening, "morris", lambda cp, trajectories, seed: table)
    sliders = view.choose_sliders(cp, top=3)
    assert [s.path for s in sliders] == [OUTSIDE, HOPE]
    assert all(s.lo <= s.value <= s.hi for s in sliders)


def test_without_the_extra_view_is_one_line_naming_it(monkeypatch, capsys) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "solara" else real(name, *a)
    )
    assert main(["view", str(BASELINE), "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'viz' extra" in err


# -- the page in a browser -----------------------------------------------------------------

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _server(port: int, *args: str) -> Iterator[str]:
    """negsim view in a process of its own; always stopped, whatever the test did."""
    cmd = [sys.executable, "-m", "negsim.cli", "view", str(BASELINE), "--port", str(port), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
            time.sleep(0.3)
        else:
            raise AssertionError("negsim view did not answer within 30 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _chrome():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = BROWSER
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000",
              "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
              "--proxy-server=127.0.0.1:9"):  # fmt: skip
        opts.add_argument(a)  # no name resolves, no request leaves: loopback only
    return webdriver.Chrome(service=Service(DRIVER), options=opts)


def _wait(what, timeout: float = 25.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            got = what()
            if got:
                return got
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s")


@pytest.mark.skipif(not (BROWSER and DRIVER), reason="no chromium and chromedriver on PATH "
                    "(apt-get install chromium chromium-driver; .ci/run does)")  # fmt: skip
def test_page_renders_and_a_slider_changes_the_outcome_plot(tmp_path_factory) -> None:
    pytest.importorskip("solara", reason="the viz extra is not installed")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    started = time.monotonic()
    with _server(_free_port(), "--input", HOPE, "--input", OUTSIDE, "--runs", "200") as url:
        driver = _chrome()
        try:
            driver.set_page_load_timeout(20)
            driver.get(url)
            img = ".negsim-outcomes img"
            plot = _wait(lambda: driver.find_element(By.CSS_SELECTOR, img))
            _wait(lambda: plot.get_attribute("naturalWidth") not in (None, "0"))
            before = plot.screenshot_as_png  # the plot as the browser draws it
            assert "patience.outside_option=0.175" in driver.find_element(By.TAG_NAME, "body").text
            field = driver.find_element(
                By.XPATH, "//div[contains(@class,'v-input')][.//label[contains(., "
                "'russia.patience.outside_option')]]",
            )  # fmt: skip
            track = field.find_element(By.CSS_SELECTOR, ".v-slider")
            ActionChains(driver).move_to_element_with_offset(
                track, track.size["width"] // 2 - 1, 0
            ).click().send_keys(Keys.END).perform()  # to the top of its range
            driver.find_element(By.XPATH, "//button[contains(., 'Reset') or contains(., "
                                "'RESET')]").click()  # fmt: skip
            _wait(lambda: "outside_option=0.3" in driver.find_element(By.TAG_NAME, "body").text)
            after = _wait(lambda: (
                shot if (shot := driver.find_element(By.CSS_SELECTOR, img).screenshot_as_png)
                != before else None
            ))  # fmt: skip
            assert after[:8] == b"\x89PNG\r\n\x1a\n"
            assert "patience.outside_option=0.3" in driver.find_element(By.TAG_NAME, "body").text
            step = driver.find_element(By.XPATH, "//button[contains(., 'Step') or contains(., "
                                       "'STEP')]")  # fmt: skip

            def told() -> str:  # the transcript so far: every exchange adds lines
                return driver.find_element(By.CSS_SELECTOR, ".negsim-transcript").text

            for _ in range(6):  # into the NATO-Russia Council: the table, the transcript
                was = told()
                step.click()
                _wait(lambda was=was: told() != was)
            assert "NATO-Russia Council, exchange 1: " in told()
            time.sleep(1.0)
            shot = tmp_path_factory.mktemp("view") / "view.png"
            driver.save_screenshot(str(shot))
            print(f"screenshot: {shot}")
            if os.environ.get("NEGSIM_VIEW_SHOT"):
                shutil.copy(shot, os.environ["NEGSIM_VIEW_SHOT"])
        finally:
            driver.quit()
    assert time.monotonic() - started < 60
