"""Reference problems: exact solutions satisfy their PDE (checked by finite differences), stay finite."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from femngd.fem import (AdvectionDiffusion, corner_layer_2d, layer_1d, make_problem, poisson_2d, smooth_1d,
                        smooth_2d)


def fd_residual_1d(problem, x, h):
    """−εu″ + b u′ − f by central differences (independent of the closed-form derivatives)."""
    u = lambda s: problem.exact(np.asarray(s)[:, None])
    d1 = (u(x + h) - u(x - h)) / (2 * h)
    d2 = (u(x + h) - 2 * u(x) + u(x - h)) / h**2
    b = problem.velocity(x[:, None])[:, 0]
    return -problem.eps * d2 + b * d1 - problem.source(x[:, None])


@pytest.mark.parametrize("eps", [1.0, 0.1, 0.02])
@pytest.mark.parametrize("b,f,g0,g1", [(1.0, 1.0, 0.0, 0.0), (2.0, -1.0, 0.5, 2.0), (-1.5, 1.0, 1.0, 0.0),
                                       (0.0, 3.0, 1.0, -1.0)])
def test_layer_1d_solves_ode_and_boundary_conditions(eps, b, f, g0, g1):
    p = layer_1d(eps, b=b, f=f, g0=g0, g1=g1)
    x = np.linspace(0.05, 0.95, 37)
    h = 1e-4 * eps ** 0.5
    scale = 1 + np.max(np.abs(p.exact(x[:, None]))) / eps
    assert np.max(np.abs(fd_residual_1d(p, x, h))) < 1e-4 * scale
    ends = p.exact(np.array([[0.0], [1.0]]))
    assert np.allclose(ends, [g0, g1], atol=1e-12)
    assert np.allclose(p.dirichlet(np.array([[0.0], [1.0]])), [g0, g1])


def test_layer_1d_classical_formula_and_gradient():
    eps = 0.05
    p = layer_1d(eps)
    x = np.linspace(0, 1, 11)[:, None]
    ref = x[:, 0] - (np.exp((x[:, 0] - 1) / eps) - np.exp(-1 / eps)) / (1 - np.exp(-1 / eps))
    assert np.allclose(p.exact(x), ref, rtol=1e-14, atol=1e-15)
    h = 1e-6
    fd = (p.exact(x + h) - p.exact(x - h)) / (2 * h)
    assert np.allclose(p.exact_grad(x)[:, 0], fd, rtol=1e-6, atol=1e-6)
    assert p.has_zero_dirichlet


@pytest.mark.parametrize("eps", [1e-4, 1e-7, 1e-10])
def test_layer_1d_finite_for_tiny_eps(eps):
    p = layer_1d(eps)
    x = np.concatenate([np.linspace(0, 1, 1001), 1 - np.geomspace(1e-14, 1e-2, 50)])[:, None]
    u, du = p.exact(x), p.exact_grad(x)
    assert np.all(np.isfinite(u)) and np.all(np.isfinite(du))
    # away from the layer u = x; within it u drops to 0 monotonically: 0 ≤ u ≤ x
    assert np.all(u <= x[:, 0] + 1e-15) and np.all(u >= -1e-15)
    assert abs(p.exact(np.array([[0.5]]))[0] - 0.5) < 1e-12


def fd_residual_2d(problem, x, h):
    u = problem.exact
    ex, ey = np.array([h, 0.0]), np.array([0.0, h])
    ux = (u(x + ex) - u(x - ex)) / (2 * h)
    uy = (u(x + ey) - u(x - ey)) / (2 * h)
    lap = (u(x + ex) + u(x - ex) + u(x + ey) + u(x - ey) - 4 * u(x)) / h**2
    b = problem.velocity(x)
    return -problem.eps * lap + b[:, 0] * ux + b[:, 1] * uy - problem.source(x)


@pytest.mark.parametrize("problem", [corner_layer_2d(0.1), corner_layer_2d(0.03), smooth_2d(0.5),
                                     smooth_2d(1.0, b=(-1.0, 2.0)), poisson_2d(), make_problem("smooth", 0.3, 1)])
def test_2d_and_manufactured_problems_satisfy_pde(problem):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 0.9, size=(40, problem.dim))
    h = 1e-4
    if problem.dim == 1:
        res = fd_residual_1d(problem, x[:, 0], h)
    else:
        res = fd_residual_2d(problem, x, h)
    scale = 1 + np.max(np.abs(problem.source(x)))
    assert np.max(np.abs(res)) < 1e-4 * scale / problem.eps
    # gradients against central differences
    for k in range(problem.dim):
        e = np.zeros(problem.dim)
        e[k] = 1e-6
        fd = (problem.exact(x + e) - problem.exact(x - e)) / 2e-6
        assert np.allclose(problem.exact_grad(x)[:, k], fd, rtol=1e-5, atol=1e-5)


def test_boundary_data_matches_exact_solution():
    for p in (smooth_2d(), corner_layer_2d(0.01), poisson_2d()):
        t = np.linspace(0, 1, 9)
        edges = np.concatenate([np.column_stack([t, 0 * t]), np.column_stack([t, 1 + 0 * t]),
                                np.column_stack([0 * t, t]), np.column_stack([1 + 0 * t, t])])
        assert np.allclose(p.dirichlet(edges), p.exact(edges), atol=1e-12)
    assert not smooth_1d().has_zero_dirichlet and corner_layer_2d(0.1).has_zero_dirichlet


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), "abc"])
def test_bad_eps_is_named(bad):
    with pytest.raises(ValueError, match="^eps:"):
        layer_1d(bad)
    with pytest.raises(ValueError, match="^eps:"):
        corner_layer_2d(bad)
    with pytest.raises(ValueError, match="^eps:"):
        smooth_2d(bad)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="^b:"):
        layer_1d(0.1, b=float("nan"))
    with pytest.raises(ValueError, match="^b:"):
        smooth_2d(1.0, b=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="^f:"):
        layer_1d(0.1, f=[1.0, 2.0])
    with pytest.raises(ValueError, match="^b:"):
        AdvectionDiffusion.create(1.0, 2, velocity=(1.0,))
    with pytest.raises(ValueError, match="^dim:"):
        AdvectionDiffusion.create(1.0, 3)
    p = AdvectionDiffusion.create(1.0, 1, source=lambda x: np.ones((len(x), 2)))
    with pytest.raises(ValueError, match="^f:"):
        p.source(np.zeros((3, 1)))
    with pytest.raises(ValueError, match="^problem:"):
        make_problem("nope", 0.1)


def test_callable_data_are_used():
    p = AdvectionDiffusion.create(0.5, 1, velocity=lambda x: 2 * x, source=lambda x: x[:, 0] ** 2)
    x = np.array([[0.25], [0.5]])
    assert np.allclose(p.velocity(x), 2 * x) and np.allclose(p.source(x), [0.0625, 0.25])
    assert p.exact is None and p.constant_velocity is None


@settings(max_examples=30, deadline=None)
@given(st.floats(1e-10, 1.0), st.floats(0.0, 1.0))
def test_layer_solution_bounded_for_any_eps(eps, x):
    u = layer_1d(eps).exact(np.array([[x]]))[0]
    assert np.isfinite(u) and -1e-12 <= u <= x + 1e-12
