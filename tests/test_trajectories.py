"""The iterates of the shipped studies' settings and of every optimizer's defaults are those stored in
tests/data/trajectories.json (captured before the optimizer protocol of issue 13): restructuring the
optimizers, the loop and the run description changes no iterate (to rounding). The one intended change:
L-BFGS, once scipy's L-BFGS-B driven through a callback, is now an optimizer of the same protocol as the
others (femngd.optim.baselines.LBFGS), whose iterates differ from scipy's; its entry was captured after."""
import json

import numpy as np
import pytest

from trajectory_cases import DATA, cases, poisson2d_case, run_case

STORED = json.loads(DATA.read_text())
CASES = dict(cases())


def test_every_case_is_stored():
    assert set(STORED) == set(CASES) | {"preset/poisson2d"}


def _same(found, stored):
    theta, ref = np.array(found["theta"]), np.array(stored["theta"])
    assert np.allclose(theta, ref, rtol=1e-9, atol=1e-12 * max(1.0, np.abs(ref).max()))
    assert np.allclose(found["loss"], stored["loss"], rtol=1e-9, atol=1e-25)


@pytest.mark.parametrize("label", sorted(CASES))
def test_iterates_are_unchanged(label):
    _same(run_case(CASES[label]), STORED[label])


def test_poisson2d_preset_iterates_are_unchanged():
    _same(poisson2d_case(), STORED["preset/poisson2d"])
