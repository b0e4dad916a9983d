"""Each run's uniforms come from its own numpy generator, computed in one compiled pass.

:mod:`negsim.kernel.seeds` replaces ``Generator(PCG64(SeedSequence(root, spawn_key=(k,))))``
per run with the same arithmetic compiled for the batch; the draws (and so every sampled input
and golden table) must stay numpy's, bit for bit, for any root and any run index.
"""

from __future__ import annotations

import numpy as np
import pytest

from negsim.kernel import seeds
from negsim.scenario.compile import run_generator

ROOTS = [0, 1, 42, 2**32 - 1, 2**32, 2**63 + 11, 2**130 + 5]
RUNS = np.array([0, 1, 2, 17, 999, 2**31, 2**32 - 1, 2**32, 2**40 + 3])


@pytest.mark.parametrize("root", ROOTS)
def test_the_compiled_draws_are_numpys_own_for_every_root_and_run(root: int) -> None:
    got = seeds.uniforms(root, RUNS, 257)
    want = np.array([run_generator(root, int(k)).random(257) for k in RUNS])
    np.testing.assert_array_equal(got, want)


def test_a_runs_draws_do_not_depend_on_the_batch_it_is_in() -> None:
    batch = seeds.uniforms(3, np.arange(50), 20)
    alone = seeds.uniforms(3, np.array([37]), 20)
    np.testing.assert_array_equal(batch[37], alone[0])
    assert not np.array_equal(batch[36], batch[37])  # each run has a stream of its own


def test_the_comparison_can_fail_a_neighbouring_stream_differs() -> None:
    """The equality above is not vacuous: run k+1's or root+1's draws differ from run k's."""
    want = run_generator(5, 8).random(10)
    assert not np.array_equal(seeds.uniforms(5, np.array([9]), 10)[0], want)
    assert not np.array_equal(seeds.uniforms(6, np.array([8]), 10)[0], want)


def test_a_negative_seed_or_run_is_refused_as_numpy_refuses_it() -> None:
    with pytest.raises(ValueError):
        seeds.uniforms(-1, np.array([0]), 3)
    with pytest.raises(ValueError):
        seeds.uniforms(0, np.array([-2]), 3)
