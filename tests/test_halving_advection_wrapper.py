"""The batched grid line search (issue 17): losses along the 31 halving steps equal the one-by-one
losses to 1e-13 relative with advection, with the hard-constraint wrapper, in 1D and 2D."""
import numpy as np
import pytest

from femngd.fem import FESpace, corner_layer_2d, layer_1d, uniform_mesh_1d, unit_square_mesh
from femngd.models import MLP, HardDirichlet, ShallowNetwork
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


@pytest.mark.parametrize("dim, hard, steps", [(1, True, "halving"), (2, True, "halving"), (2, False, "halving"),
                                              (2, True, "arbitrary")])
def test_mlp_batched_losses_equal_one_by_one(dim, hard, steps):
    """The MLP's batched pass over the step grid (MLP.operator_along), with advection, with the wrapper."""
    problem = layer_1d(0.05, g0=0.3, g1=-0.2) if dim == 1 else corner_layer_2d(0.05)
    space = FESpace(uniform_mesh_1d(48) if dim == 1 else unit_square_mesh(6))
    net = MLP((6, 5), dim)
    model = (HardDirichlet(net, lift=(0.3, -0.2)) if dim == 1 else HardDirichlet(net)) if hard else net
    objective = build_objective(problem, space, model, loss="strong-residual", metric="gauss-newton",
                                bc="hard" if hard else "penalty")
    assert objective.velocity is not None and len(objective.points) > MLP.ALONG_CHUNK      # several chunks
    rng = np.random.default_rng(5)
    theta, d = model.init(2), rng.normal(0, 0.5, model.n_params)
    grid = 2.0 * 0.5 ** np.arange(31) if steps == "halving" else np.array([1.3, -0.2, 0.7, 1e-3])
    batched = objective.losses_along(theta, d, grid)
    direct = Objective.losses_along(objective, theta, d, grid)
    assert np.allclose(batched, direct, rtol=1e-13, atol=1e-13 * np.abs(direct).max())


@pytest.mark.parametrize("lift", [None, (0.3, -0.2)])
@pytest.mark.parametrize("dim", [1, 2])
def test_operator_along_halving_steps_of_the_wrapper_matches_direct_evaluation(dim, lift):
    """L v = α v + β·∇v + γΔv at the halving steps vs evaluate's fields at each θ + s_k d."""
    if dim == 2 and lift is not None:
        pytest.skip("an affine lift is 1D")
    model = HardDirichlet(ShallowNetwork(7, dim), lift=lift)
    rng = np.random.default_rng(0)
    theta, d, x = model.init(2), rng.normal(size=model.n_params), rng.uniform(size=(9, dim))
    alpha, beta, gamma = rng.normal(size=9), rng.normal(size=(9, dim)), rng.normal(size=9)
    along = model.operator_along(theta, d, 0.5 * 0.5 ** np.arange(5), x, alpha, beta, gamma)
    for k in range(5):
        ev = model.evaluate(theta + 0.5 * 0.5**k * d, x, order=2)
        direct = alpha * ev.value + np.sum(beta * ev.grad, axis=1) + gamma * ev.laplacian
        assert np.allclose(along[k], direct, rtol=1e-13, atol=1e-13 * np.abs(direct).max())
