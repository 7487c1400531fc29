"""FE-discretized objectives, FE metrics and the error meter against plain-numpy references.

References written here: dense numpy matrices (A, M, K, M⁻¹), normal equations of the
X-orthogonal projection, central finite differences, and exact integrals of piecewise
linear functions (∫ of a squared linear function over a cell = h/3 (a² + ab + b²)).
"""
import dataclasses

import numpy as np
import pytest

from femngd.fem import FESpace, assemble_system, layer_1d, smooth_1d, smooth_2d, uniform_mesh_1d, unit_square_mesh
from femngd.models import FECoefficients, HardDirichlet, Legendre, ShallowNetwork
from femngd.natural import ErrorMeter, FEObjective, FEResidual, L2Regression, SPDInverse, fe_metric, probe_matrices


def setup_1d(problem=None, n=12, degree=1):
    problem = problem or smooth_1d(0.2)
    space = FESpace(uniform_mesh_1d(n), degree)
    return problem, space, assemble_system(problem, space)


def dense(system):
    """Dense A, M, K, F on the interior DOFs, and the Galerkin interior values by numpy."""
    A, M, K = (X.toarray() for X in (system.A_ii, system.M_ii, system.K_ii))
    return A, M, K, system.rhs_i, np.linalg.solve(A, system.rhs_i)


def network(system, width=4, seed=1):
    model = HardDirichlet(ShallowNetwork(width, 1), lift=(0.0, 1.0))
    return model, model.init(seed)


def ngd_step(objective, theta):
    lin = objective.linearize(theta)
    return theta - np.linalg.solve(lin.gram, lin.grad)


# --- FE coefficients: V = θ, J = I ---------------------------------------------------------------

@pytest.mark.parametrize("loss", ["fe-residual", "fe-residual-dual", "l2"])
def test_fe_coefficients_gauss_newton_one_step_to_galerkin(loss):
    _, _, system = setup_1d(layer_1d(0.05), n=16)
    galerkin = dense(system)[4]
    obj = FEObjective(system, FECoefficients(galerkin.size), loss=loss, metric="gauss-newton")
    theta = ngd_step(obj, np.random.default_rng(0).normal(size=galerkin.size))
    assert np.allclose(theta, galerkin, rtol=1e-9, atol=1e-11)
    assert obj.loss(theta) < 1e-20


def test_fe_coefficients_losses_gram_and_transports_match_dense():
    _, _, system = setup_1d(n=10)
    A, M, K, F, U = dense(system)
    n = U.size
    rng = np.random.default_rng(1)
    theta, prev = rng.normal(size=n), rng.normal(size=n)
    r = A @ theta - F
    cases = {("fe-residual", "gauss-newton"): (0.5 * r @ np.linalg.solve(M, r), A.T @ np.linalg.solve(M, A)),
             ("fe-residual-dual", "h1"): (0.5 * r @ np.linalg.solve(K, r), K + M),
             ("l2", "l2"): (0.5 * (theta - U) @ M @ (theta - U), M)}
    for (loss, metric), (value, G) in cases.items():
        obj = FEObjective(system, FECoefficients(n), loss=loss, metric=metric)
        lin = obj.linearize(theta)
        assert np.isclose(lin.loss, value, rtol=1e-12) and np.isclose(obj.loss(theta), value, rtol=1e-12)
        assert np.allclose(lin.gram, G, rtol=1e-10, atol=1e-12 * np.abs(G).max())
        assert np.allclose(lin.cross_gram(prev), G, rtol=1e-10, atol=1e-12 * np.abs(G).max())
        assert np.allclose(lin.pullback_difference(prev), G @ (theta - prev), rtol=1e-9, atol=1e-12)
        assert np.allclose(obj.gauss_newton_gram(theta), cases[(loss, "gauss-newton")][1] if loss == "fe-residual"
                           else (A.T @ np.linalg.solve(K, A) if loss == "fe-residual-dual" else M), rtol=1e-9)


# --- linear features: X-orthogonal projection ------------------------------------------------------

@pytest.mark.parametrize("metric", ["l2", "gauss-newton"])
def test_l2_regression_linear_model_projects_in_one_step(metric):
    _, space, system = setup_1d(n=20)
    A, M, K, F, U = dense(system)
    degree = 4
    obj = L2Regression(system, Legendre(degree), metric=metric)
    V1 = obj.values(ngd_step(obj, np.zeros(obj.n_params)))[0]
    # reference: M-orthogonal projection of U onto polynomials of degree ≤ 4 at the interior nodes
    x = space.dof_locations[space.interior_dofs, 0]
    P = np.vander(x, degree + 1)
    coef = np.linalg.solve(P.T @ M @ P, P.T @ M @ U)
    assert np.allclose(V1, P @ coef, rtol=1e-8, atol=1e-10)
    assert np.linalg.norm(V1 - U) > 1e-6          # the projection is not the target itself


# --- nonlinear models: gradients, Gram matrices, transports ---------------------------------------

@pytest.mark.parametrize("loss", ["l2", "fe-residual", "fe-residual-dual"])
def test_gradient_matches_central_differences(loss):
    _, _, system = setup_1d(n=10)
    model, theta = network(system)
    obj = FEObjective(system, model, loss=loss, metric="l2")
    grad = obj.gradient(theta)
    h = 1e-6
    fd = np.array([(obj.loss(theta + h * e) - obj.loss(theta - h * e)) / (2 * h) for e in np.eye(theta.size)])
    assert np.allclose(grad, fd, rtol=1e-6, atol=1e-8 * np.abs(fd).max())


def test_nonlinear_gram_cross_gram_pullback_match_dense():
    _, _, system = setup_1d(n=10)
    A, M, K, F, U = dense(system)
    model, theta = network(system)
    prev = theta + 0.1 * np.random.default_rng(2).normal(size=theta.size)
    x = system.space.dof_locations[system.interior]
    J, J0 = (model.evaluate(t, x, jacobian=True).dvalue for t in (theta, prev))
    V, V0 = model(theta, x), model(prev, x)
    for metric, X, Phi in [("h1", K + M, lambda v: v), ("l2", M, lambda v: v),
                           ("gauss-newton", np.linalg.inv(M), lambda v: A @ v - F)]:
        obj = FEResidual(system, model, metric=metric)
        lin = obj.linearize(theta)
        D, D0 = (A @ J, A @ J0) if metric == "gauss-newton" else (J, J0)
        assert np.allclose(lin.gram, D.T @ X @ D, rtol=1e-9, atol=1e-12)
        assert np.allclose(lin.cross_gram(prev), D.T @ X @ D0, rtol=1e-9, atol=1e-12)
        assert np.allclose(lin.pullback_difference(prev), D.T @ X @ (Phi(V) - Phi(V0)), rtol=1e-9, atol=1e-12)
    G_H = FEResidual(system, model, dual=True).gauss_newton_gram(theta)
    assert np.allclose(G_H, J.T @ A.T @ np.linalg.solve(K, A @ J), rtol=1e-9, atol=1e-12)


# --- the trained FE function ------------------------------------------------------------------------

def test_evaluate_is_the_fe_function_with_dirichlet_values():
    _, space, system = setup_1d(n=8)
    n = space.interior_dofs.size
    theta = np.random.default_rng(3).normal(size=n)
    obj = FEObjective(system, FECoefficients(n))
    nodes = space.dof_locations[:, 0]
    order = np.argsort(nodes)
    full = system.expand(theta)[order]
    assert np.allclose(full[[0, -1]], [0.0, 1.0], atol=1e-14)      # smooth_1d: u(0) = 0, u(1) = 1
    x = (np.arange(40) + 0.5) / 40          # no point on a node (the gradient jumps there)
    v, dv = obj.evaluate(theta, x[:, None], order=1)
    assert np.allclose(v, np.interp(x, nodes[order], full), atol=1e-13)
    cell = np.searchsorted(nodes[order], x) - 1
    slopes = np.diff(full) / np.diff(nodes[order])
    assert np.allclose(dv[:, 0], slopes[cell], rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match="^order:"):
        obj.evaluate(theta, x[:, None], order=2)


def test_probe_matrices_2d_agree_with_quadrature_fields():
    space = FESpace(unit_square_mesh(3), 2)
    u = space.interpolate(lambda x: np.sin(x[:, 0] + 2 * x[:, 1]) + x[:, 0] ** 2)
    x, _ = space.quadrature()
    P, D = probe_matrices(space, x, order=1)
    value, grad = space.at_quadrature(u)
    assert np.allclose(P @ u, value, atol=1e-13)
    assert np.allclose(np.stack([Dk @ u for Dk in D], axis=1), grad, atol=1e-12)


def test_2d_network_residual_gradient():
    problem = smooth_2d(0.5)
    space = FESpace(unit_square_mesh(3), 1)
    system = assemble_system(problem, space)
    model = ShallowNetwork(3, 2)
    theta = model.init(0)
    obj = FEObjective(system, model, loss="fe-residual", metric="h1")
    h, e = 1e-6, np.eye(theta.size)
    fd = np.array([(obj.loss(theta + h * ei) - obj.loss(theta - h * ei)) / (2 * h) for ei in e])
    assert np.allclose(obj.gradient(theta), fd, rtol=1e-6, atol=1e-9)


# --- error meter ----------------------------------------------------------------------------------

def cellwise_l2(nodes, a, b):
    """(∫ (a − b)²)^{1/2} for piecewise linear a, b given at sorted nodes: Σ h/3 (d_l² + d_l d_r + d_r²)."""
    d, h = a - b, np.diff(nodes)
    return np.sqrt(np.sum(h / 3 * (d[:-1] ** 2 + d[:-1] * d[1:] + d[1:] ** 2)))


def test_error_meter_against_exact_piecewise_linear_integrals():
    problem, space, system = setup_1d(smooth_1d(0.3), n=10)
    nodes = space.dof_locations[:, 0]
    order = np.argsort(nodes)
    galerkin = system.expand(dense(system)[4])[order]
    interp = space.interpolate(problem.exact)
    obj = FEObjective(system, FECoefficients(space.interior_dofs.size))
    theta = interp[space.interior_dofs]
    out = ErrorMeter(problem, space)(obj, theta)
    x = nodes[order]
    zero = np.zeros_like(x)
    assert np.isclose(out["relative_l2_error_galerkin"],
                      cellwise_l2(x, interp[order], galerkin) / cellwise_l2(x, galerkin, zero), rtol=1e-9)
    slope = lambda u: np.diff(u) / np.diff(x)
    h1 = lambda u: np.sqrt(np.sum(np.diff(x) * u ** 2))
    assert np.isclose(out["relative_h1_error_galerkin"],
                      h1(slope(interp[order]) - slope(galerkin)) / h1(slope(galerkin)), rtol=1e-9)
    # exact error by a fine composite midpoint rule of (I_h u − u)²
    fine = np.linspace(0, 1, 200001)
    mid = 0.5 * (fine[1:] + fine[:-1])
    err = np.sqrt(np.sum(np.diff(fine) * (np.interp(mid, x, interp[order]) - problem.exact(mid[:, None])) ** 2))
    norm = np.sqrt(np.sum(np.diff(fine) * problem.exact(mid[:, None]) ** 2))
    assert np.isclose(out["l2_error_exact"], err, rtol=1e-6)
    assert np.isclose(out["relative_l2_error_exact"], err / norm, rtol=1e-6)
    at_galerkin = ErrorMeter(problem, space)(obj, dense(system)[4])
    assert at_galerkin["relative_l2_error_galerkin"] < 1e-13 and at_galerkin["relative_h1_error_galerkin"] < 1e-12


def test_error_meter_without_exact_solution_and_network_model():
    problem = smooth_1d(0.3)
    no_exact = dataclasses.replace(problem, exact=None, exact_grad=None)
    _, space, system = setup_1d(problem, n=10)
    model, theta = network(system)
    obj = FEResidual(system, model)
    meter = ErrorMeter(no_exact, space)
    out = meter(obj, theta)
    assert np.isnan(out["relative_l2_error_exact"]) and np.isnan(out["l2_error_exact"])
    fe = FEObjective(system, FECoefficients(space.interior_dofs.size))
    same = meter(fe, obj.values(theta)[0])       # the same FE function through the FE-coefficient model
    assert np.isclose(out["relative_l2_error_galerkin"], same["relative_l2_error_galerkin"], rtol=1e-12)


# --- metric helpers and bad input ------------------------------------------------------------------

def test_spd_inverse_and_metric_matrices():
    _, _, system = setup_1d(n=9)
    A, M, K, F, U = dense(system)
    W = SPDInverse(system.M_ii)
    B = np.random.default_rng(4).normal(size=(M.shape[0], 3))
    assert np.allclose(W(B), np.linalg.solve(M, B)) and np.allclose(W.dense_form(B), B.T @ np.linalg.solve(M, B))
    assert np.allclose(fe_metric(system, "h1").toarray(), K + M) and np.allclose(fe_metric(system, "l2").toarray(), M)
    with pytest.raises(ValueError, match="^metric:"):
        fe_metric(system, "gauss-newton")


def test_bad_input():
    _, space, system = setup_1d(n=9)
    n = space.interior_dofs.size
    with pytest.raises(ValueError, match="^loss:"):
        FEObjective(system, FECoefficients(n), loss="l1")
    with pytest.raises(ValueError, match="^metric:"):
        FEObjective(system, FECoefficients(n), metric="energy")
    with pytest.raises(ValueError, match="^model:"):
        FEObjective(system, FECoefficients(n + 1))
    with pytest.raises(ValueError, match="^target:"):
        L2Regression(system, FECoefficients(n), target=np.ones(n + 2))
    obj = FEObjective(system, FECoefficients(n))
    with pytest.raises(ValueError, match="^theta:"):
        obj.loss(np.full(n, np.nan))


@pytest.mark.parametrize("dim", [1, 2])
def test_error_meter_on_fe_functions_equals_the_error_quadrature(dim):
    """The meter's quadratic forms dᵀMd, dᵀKd and chunked exact error = the layer-accurate quadrature."""
    from femngd.fem import FESpace, corner_layer_2d, layer_1d, make_mesh
    from femngd.fem.errors import quadrature_fields
    from femngd.natural import ErrorMeter, build_model, build_objective

    problem = layer_1d(0.05) if dim == 1 else corner_layer_2d(0.05)
    space = FESpace(make_mesh("uniform", 16 if dim == 1 else 6, dim), degree=2)
    model = build_model("shallow", problem, space, width=6)
    objective = build_objective(problem, space, model, loss="fe-residual", metric="gauss-newton")
    theta = model.init(1)
    meter = ErrorMeter(problem, space)
    fast = meter(objective, theta)
    v, dv, x, w = quadrature_fields(space, objective.fe_vector(theta))
    u, du, _, _ = quadrature_fields(space, meter.galerkin)
    l2 = lambda f: np.sqrt(w @ (f * f if f.ndim == 1 else np.sum(f * f, axis=1)))
    exact = problem.exact(x)
    assert fast["relative_l2_error_galerkin"] == pytest.approx(l2(v - u) / l2(u), rel=1e-10)
    assert fast["relative_h1_error_galerkin"] == pytest.approx(l2(dv - du) / l2(du), rel=1e-10)
    assert fast["relative_l2_error_exact"] == pytest.approx(l2(v - exact) / l2(exact), rel=1e-12)
    assert "_quadrature" not in meter.__dict__                     # nothing of the quadrature's size was kept
