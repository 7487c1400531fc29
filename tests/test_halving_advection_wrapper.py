"""The batched grid line search (issue 17): losses along the 31 halving steps equal the one-by-one
losses to 1e-13 relative with advection, with the hard-constraint wrapper, in 1D and 2D."""
import numpy as np
import pytest

from femngd.fem import FESpace, corner_layer_2d, layer_1d, uniform_mesh_1d, unit_square_mesh
from femngd.models import HardDirichlet, ShallowNetwork
from femngd.natural import StrongResidual, build_objective
from femngd.natural.objective import Objective


@pytest.mark.parametrize("dim, hard", [(1, True), (2, True), (1, False), (2, False)])
def test_batched_losses_equal_one_by_one(dim, hard):
    problem = layer_1d(0.05, g0=0.3, g1=-0.2) if dim == 1 else corner_layer_2d(0.05)
    space = FESpace(uniform_mesh_1d(16) if dim == 1 else unit_square_mesh(6))
    net = ShallowNetwork(12, dim)
    model = HardDirichlet(net, lift=(0.3, -0.2)) if hard and dim == 1 else HardDirichlet(net) if hard else net
    objective = build_objective(problem, space, model, loss="strong-residual", metric="gauss-newton",
                                bc="hard" if hard else "penalty")
    assert isinstance(objective, StrongResidual) and objective.velocity is not None
    rng = np.random.default_rng(3)
    theta, d = model.init(1), rng.normal(0, 1.0, model.n_params)
    steps = 2.0 * 0.5 ** np.arange(31)
    batched = objective.losses_along(theta, d, steps)
    direct = Objective.losses_along(objective, theta, d, steps)
    assert np.allclose(batched, direct, rtol=1e-13, atol=1e-13 * np.abs(direct).max())


def test_halving_fields_match_direct_evaluation_of_the_wrapper():
    model = HardDirichlet(ShallowNetwork(7, 2))
    rng = np.random.default_rng(0)
    theta, d, x = model.init(2), rng.normal(size=model.n_params), rng.uniform(size=(9, 2))
    fields = model.halving_fields(theta, d, 0.5, 4, x, fields=("value", "grad", "laplacian"))
    for k in range(5):
        ev = model.evaluate(theta + 0.5 * 0.5**k * d, x, order=2)
        assert np.allclose(fields["value"][k], ev.value, rtol=1e-13, atol=1e-14)
        assert np.allclose(fields["grad"][k], ev.grad, rtol=1e-13, atol=1e-14)
        assert np.allclose(fields["laplacian"][k], ev.laplacian, rtol=1e-12, atol=1e-13)
