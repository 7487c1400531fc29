"""Library boundaries: bad arguments raise a ValueError naming the argument (issue 14)."""
import numpy as np
import pytest

from femngd.fem import FESpace, layer_1d, uniform_mesh_1d
from femngd.models import MLP, FECoefficients, Fourier, FreeKnotP1, HardDirichlet, Legendre, PeriodicBump, ShallowNetwork
from femngd.natural import ErrorMeter, build_model, build_objective

MODELS = [FECoefficients(5, 1), Legendre(3, 1), Fourier(3, 1), ShallowNetwork(4, 1), MLP((3, 3), 1),
          FreeKnotP1(3), PeriodicBump(1.0), HardDirichlet(ShallowNetwork(4, 1))]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_init_refuses_a_bad_seed(model, seed):
    with pytest.raises(ValueError, match="seed"):
        model.init(seed)


@pytest.mark.parametrize("intorder", [-1, 0, 2.5, True])
def test_fespace_refuses_a_bad_quadrature_order(intorder):
    with pytest.raises(ValueError, match="intorder"):
        FESpace(uniform_mesh_1d(4), intorder=intorder)


def test_error_meter_on_another_space_measures_on_its_own_points():
    problem = layer_1d(0.1)
    coarse, fine = FESpace(uniform_mesh_1d(16)), FESpace(uniform_mesh_1d(64))
    model = build_model("fe", problem, coarse)
    objective = build_objective(problem, coarse, model, loss="fe-residual", metric="gauss-newton")
    theta = np.linalg.solve(objective.A.toarray(), objective.F)          # the Galerkin solution on the coarse space
    own, other = ErrorMeter(problem, coarse)(objective, theta), ErrorMeter(problem, fine)(objective, theta)
    assert own["relative_l2_error_exact"] == pytest.approx(other["relative_l2_error_exact"], rel=1e-6)
    assert own["relative_l2_error_galerkin"] < 1e-12 < other["relative_l2_error_galerkin"]


def test_kl_gram_belongs_to_the_point_being_linearized():
    """linearize(θ1), linearize(θ2), linearize(θ1): the third Gram equals a fresh object's (issue 13)."""
    from femngd.natural import KLDivergence

    space = FESpace(uniform_mesh_1d(16))
    model = Legendre(4, 1)
    rng = np.random.default_rng(0)
    theta1, theta2 = rng.normal(0, 0.5, model.n_params), rng.normal(0, 0.5, model.n_params)
    objective = KLDivergence(space, model)
    objective.linearize(theta1)
    objective.linearize(theta2)
    again = objective.linearize(theta1).gram
    fresh = KLDivergence(space, model).linearize(theta1).gram
    assert np.allclose(again, fresh, rtol=1e-13, atol=0)
