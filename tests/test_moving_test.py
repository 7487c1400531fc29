"""The moving-test-space dual residual: exact for P1 trial functions (scikit-fem assembly on the
test mesh), exact gradient and Jacobian (central differences), the knot-aware error quadrature."""
import numpy as np
import pytest
import scipy.sparse.linalg as spla
import skfem
from skfem.helpers import dot, grad

from femngd.fem import FESpace, layer_1d, smooth_1d, uniform_mesh_1d
from femngd.models import FreeKnotP1
from femngd.natural import ErrorMeter
from femngd.natural.moving_test import KnotDualResidual


def random_theta(model, seed):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(0, 0.5, model.n_knots), rng.normal(size=model.n_params - model.n_knots)])


def skfem_residual_and_loss(problem, z, w):
    """A(z) w − F(z) and ½ rᵀK⁻¹r assembled by scikit-fem on the test mesh z (interior rows)."""
    basis = skfem.Basis(skfem.MeshLine(z), skfem.ElementLineP1(), intorder=10)
    b = float(problem.constant_velocity[0])

    @skfem.BilinearForm
    def a(u, v, _):
        return problem.eps * dot(grad(u), grad(v)) + b * grad(u)[0] * v

    @skfem.BilinearForm
    def k(u, v, _):
        return dot(grad(u), grad(v))

    @skfem.LinearForm
    def load(v, p):
        return problem.source(p.x.reshape(1, -1).T).reshape(p.x.shape[1:]) * v

    r = (a.assemble(basis) @ w - load.assemble(basis))[1:-1]
    K = k.assemble(basis)[1:-1, 1:-1]
    return r, 0.5 * r @ spla.spsolve(K.tocsc(), r)


@pytest.mark.parametrize("problem", [layer_1d(1e-2), smooth_1d(0.3)])
def test_residual_and_loss_match_scikit_fem_on_the_test_mesh(problem):
    g = problem.dirichlet(np.array([[0.0], [1.0]]))
    model = FreeKnotP1(6, boundary_values=tuple(g))
    objective = KnotDualResidual(problem, model, refine=3)
    theta = random_theta(model, 1)
    z = objective.P @ model.knots(theta)[0]
    w = model(theta, z)
    r_ref, loss_ref = skfem_residual_and_loss(problem, z, w)
    r, _ = objective.residual(theta)
    assert np.allclose(r, r_ref, rtol=1e-10, atol=1e-12)
    assert objective.loss(theta) == pytest.approx(loss_ref, rel=1e-10)


@pytest.mark.parametrize("problem", [layer_1d(1e-2), smooth_1d(0.3)])
def test_gradient_and_jacobian_match_central_differences(problem):
    g = problem.dirichlet(np.array([[0.0], [1.0]]))
    model = FreeKnotP1(5, boundary_values=tuple(g))
    objective = KnotDualResidual(problem, model)
    theta = random_theta(model, 3)
    h = 1e-6
    E = np.eye(theta.size)
    fd_grad = np.array([(objective.loss(theta + h * e) - objective.loss(theta - h * e)) / (2 * h) for e in E])
    fd_jac = np.stack([(objective.residual(theta + h * e)[0] - objective.residual(theta - h * e)[0]) / (2 * h)
                       for e in E], axis=1)
    lin = objective.linearize(theta)
    tol = 1e-7 if problem.name.startswith("layer") else 1e-5     # f′ by differences for non-constant f
    assert np.abs(lin.grad - fd_grad).max() <= tol * np.abs(fd_grad).max()
    assert np.abs(objective._jacobian(theta)[2] - fd_jac).max() <= tol * np.abs(fd_jac).max()
    assert np.allclose(lin.gram, lin.gram.T) and np.linalg.eigvalsh(lin.gram).min() > -1e-10


def test_knot_aware_error_quadrature_against_a_fine_reference():
    """A layer placed away from where a Shishkin mesh would put knots is still integrated accurately."""
    problem = layer_1d(1e-4)
    model = FreeKnotP1(63, boundary_values=(0.0, 0.0))
    t = np.sort(np.concatenate([np.linspace(0, 1, 34), 1 - np.geomspace(1e-6, 0.4, 31)]))
    theta = model.parameters_of(t, problem.exact(t[:, None]))
    errors = ErrorMeter(problem, FESpace(uniform_mesh_1d(64)))(KnotDualResidual(problem, model), theta)
    xs = np.unique(np.concatenate([np.linspace(0, 1, 400_001), 1 - np.geomspace(1e-12, 1e-2, 100_000), t]))
    v, u = np.interp(xs, t, problem.exact(t[:, None])), problem.exact(xs[:, None])
    reference = np.sqrt(np.trapezoid((v - u) ** 2, xs) / np.trapezoid(u**2, xs))
    assert errors["relative_l2_error_exact"] == pytest.approx(reference, rel=1e-3)


@pytest.mark.parametrize("kwargs, needle", [({"refine": 1}, "refine"), ({"eps": -1.0}, "eps")])
def test_bad_arguments(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        KnotDualResidual(layer_1d(0.1), FreeKnotP1(3, boundary_values=(0.0, 0.0)), **kwargs)


def test_model_must_carry_the_dirichlet_data():
    with pytest.raises(ValueError, match="model"):
        KnotDualResidual(layer_1d(0.1), FreeKnotP1(3))
    with pytest.raises(ValueError, match="boundary_values"):
        KnotDualResidual(layer_1d(0.1), FreeKnotP1(3, boundary_values=(0.0, 1.0)))
