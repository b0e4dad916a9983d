"""A spooled run table summarises exactly as the table held in memory does.

``negsim run`` and ``negsim sweep`` summarise a job from a file read a few columns at a time
(so a million runs do not sit in memory); every summary must come out the same as from the
whole table, failed runs included.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from negsim.experiments import analysis
from negsim.figures import data, summarised
from negsim.outcomes import distribution
from negsim.report import issue_table, report_failures
from negsim.runner import run_many
from negsim.scenario.compile import compile_scenario
from negsim.scenario.load import load_scenario
from negsim.spool import RunTable, Spool

from .conftest import MINI


@pytest.fixture(scope="module")
def cp():
    return compile_scenario(load_scenario(MINI))


@pytest.fixture(scope="module")
def frame(cp) -> pd.DataFrame:
    """300 runs of the mini scenario, three of them marked failed, in design points of 20."""
    f = run_many(cp, range(300), seed=4).frame
    f["error"] = f["error"].astype(object)
    f.loc[[5, 17, 230], "error"] = "ValueError: injected"
    return f.assign(point=np.arange(300) // 20, **{"design:x": (np.arange(300) // 20) / 10})


def spooled(
    frame: pd.DataFrame, folder: Path, keep=lambda c: True, part: int = 64, hold: int = 100
) -> RunTable:
    """The frame through a spool in parts of ``part`` rows; past ``hold`` rows on disk."""
    with Spool(folder, keep, hold=hold) as spool:
        for start in range(0, len(frame), part):
            spool.append(frame.iloc[start : start + part])
        return spool.close()


def test_a_spool_holds_a_small_job_and_spills_a_large_one_to_disk(frame, tmp_path) -> None:
    small = spooled(frame, tmp_path / "a", hold=300)
    assert small.path is None and small.frame is not None and not (tmp_path / "a").exists()
    (tmp_path / "b").mkdir()
    large = spooled(frame, tmp_path / "b", hold=100)
    assert large.frame is None and large.path == tmp_path / "b" / "spool.parquet"
    for table in (small, large):
        got = table.read(["run", "bloc_spread"])
        pd.testing.assert_frame_equal(got, frame[["run", "bloc_spread"]].reset_index(drop=True))


def test_a_spilled_spool_writes_a_part_per_hold_rows_and_keeps_every_run(frame, tmp_path) -> None:
    import pyarrow.parquet as pq

    spool = Spool(tmp_path, summarised, hold=100)
    for start in range(0, 300, 30):  # parts of 30 rows, as workers hand them in
        spool.append(frame.iloc[start : start + 30])
    table = spool.close()
    assert table.path is not None
    assert pq.ParquetFile(table.path).metadata.num_row_groups == 3  # 120, 120 and the last 60
    pd.testing.assert_frame_equal(
        table.read(["run", "bloc_spread"]), frame[["run", "bloc_spread"]].reset_index(drop=True)
    )


def test_a_file_read_twice_gives_the_same_columns_within_its_memory_bound(
    frame, tmp_path, monkeypatch
) -> None:
    from negsim import spool as spool_module

    table = spooled(frame, tmp_path, summarised, hold=100)
    monkeypatch.setattr(spool_module, "KEEP_BYTES", 3 * 8 * 300)  # three float columns
    first = table.read(["run", "bloc_spread", "enlargement.value"])
    table.read(["outcome", "enlargement.gap"])
    assert len(table._kept) <= 3  # the oldest went
    again = table.read(["enlargement.value", "bloc_spread", "run"])
    pd.testing.assert_frame_equal(again[first.columns], first)


def test_a_spool_reads_back_the_columns_it_kept_in_run_order(frame, tmp_path) -> None:
    table = spooled(frame, tmp_path, summarised)
    assert set(table.columns) == {c for c in frame.columns if summarised(c)}
    assert "in:" not in "".join(table.columns)  # sampled inputs are never spooled
    got = table.read(["run", "outcome", "enlargement.value"])
    want = frame[["run", "outcome", "enlargement.value"]]
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True), check_categorical=False)
    assert len(table) == 300 and table.failed.sum() == 3


def test_the_run_summary_from_a_spool_is_the_summary_from_memory(cp, frame, tmp_path) -> None:
    table = spooled(frame, tmp_path, summarised)
    assert distribution(table, cp.issues) == distribution(frame, cp.issues)
    assert distribution(table, cp.issues)["failed"] == 3
    assert issue_table(cp, table) == issue_table(cp, frame)
    eu = np.zeros((0, len(cp.issues)))
    pd.testing.assert_frame_equal(
        data.forecasts(table, cp.issues, eu), data.forecasts(frame, cp.issues, eu)
    )
    with (tmp_path / "err").open("w") as err:
        assert report_failures(table, file=err) == 3
    assert "3 of 300 runs failed" in (tmp_path / "err").read_text()


def test_a_point_summary_read_a_column_at_a_time_equals_the_grouped_one(frame, tmp_path) -> None:
    table = spooled(frame, tmp_path)
    got = analysis.point_summary(table, ["x"])
    want = analysis.point_summary(frame, ["x"])
    pd.testing.assert_frame_equal(got, want)
    assert list(got["runs"]) == [20] * 15
    assert got.loc[got["point"] == 0, "failed"].item() == 2  # runs 5 and 17
    assert got.loc[got["point"] == 11, "failed"].item() == 1  # run 230
    # the figures' point summaries are over the completed runs only
    done = frame[(frame["point"] == 0) & (frame["error"] == "")]
    assert got.loc[0, "bloc_spread"] == pytest.approx(done["bloc_spread"].mean(), rel=1e-15)


def test_a_point_summary_agrees_with_its_own_group_by_on_a_shuffled_table(frame) -> None:
    """The column-wise summary does not assume a point's runs are consecutive."""
    shuffled = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    got = analysis.point_summary(shuffled, ["x"])
    for p in (0, 7, 14):
        runs = shuffled[(shuffled["point"] == p) & (shuffled["error"] == "")]
        share = (runs["outcome"] == "breakdown").mean()
        assert got.loc[got["point"] == p, "breakdown"].item() == pytest.approx(share)


def test_an_empty_spool_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="no runs"):
        Spool(tmp_path, lambda c: True).close()


def test_a_spool_left_early_closes_its_file(frame, tmp_path) -> None:
    """An error or Ctrl-C mid-job: the spooled file is closed, whole, with what came."""
    with pytest.raises(KeyboardInterrupt), Spool(tmp_path, lambda c: True, hold=10) as spool:
        spool.append(frame.iloc[:64])
        raise KeyboardInterrupt
    assert len(RunTable(path=tmp_path / "spool.parquet").read(["run"])) == 64
