"""notebooks/quickstart.ipynb runs from top to bottom in a fresh kernel (nbclient), prints
outcome shares that are shares, and draws its figure; it is kept without outputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="needs the notebook extra")
nbclient = pytest.importorskip("nbclient", reason="needs the notebook extra")

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "quickstart.ipynb"
SHARE = re.compile(r"^  (agreement|partial|stalemate|breakdown)\s+(\d\.\d{4})$")


def _outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def test_the_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert _outputs(nb) == []
    assert all(c.execution_count is None for c in nb.cells if c.cell_type == "code")


def test_quickstart_notebook_runs_and_shows_shares_and_a_figure() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": NOTEBOOK.parent}}
    )
    client.execute()
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    blocks: list[dict[str, float]] = []
    for line in text.splitlines():
        m = SHARE.match(line)
        if m is None:
            blocks.append({})
        else:
            blocks[-1][m.group(1)] = float(m.group(2))
    shares = [b for b in blocks if b]
    assert len(shares) == 2  # the baseline and the changed scenario
    for block in shares:
        assert len(block) == 4 and abs(sum(block.values()) - 1) < 1e-3, block
    assert shares[0] != shares[1]  # the changed value changes the distribution
    assert any("image/png" in o.get("data", {}) for o in outputs if o.output_type == "display_data")
