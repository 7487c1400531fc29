"""Study 4's mechanism: NGD stops in the local minimum of a two-bump fit, natural heavy ball crosses the barrier."""
import numpy as np
import pytest

from femngd.fem import FESpace, assemble_system, layer_1d, uniform_mesh_1d
from femngd.models import PeriodicBump
from femngd.natural import FEObjective
from femngd.optim import build_optimizer
from femngd.train import train


@pytest.fixture(scope="module")
def two_bumps():
    system = assemble_system(layer_1d(eps=1.0), FESpace(uniform_mesh_1d(128), degree=1))
    x = system.space.dof_locations[system.interior][:, 0]
    target_bump = PeriodicBump(20.0)
    target = 0.6 * target_bump(np.array([1.0, 0.3]), x) + target_bump(np.array([1.0, 0.7]), x)
    return FEObjective(system, PeriodicBump(1.3), loss="l2", metric="l2", target=target)


def final_centre(objective, name, **options):
    result = train(objective, build_optimizer(name, lr=0.2, **options), np.array([0.3, 0.15]), iterations=300)
    return result.theta[1] % 1.0, result.final_loss


def test_ngd_stalls_in_the_local_minimum_and_momentum_escapes(two_bumps):
    c_ngd, loss_ngd = final_centre(two_bumps, "ngd")
    assert abs(c_ngd - 0.32) < 0.03                  # the small bump's well
    for name in ("nhb-lm", "nhb-fd"):
        c, loss = final_centre(two_bumps, name, momentum=0.9)
        assert abs(c - 0.7) < 0.03 and loss < 0.8 * loss_ngd
