"""Error norms: layer-accurate quadrature, relative forms, observed orders."""
import numpy as np
import pytest
from scipy.integrate import quad

from femngd.fem import (FESpace, error_report, h1_error, l2_error, l2_norm, layer_1d, max_nodal_error,
                        observed_orders, relative_l2_error, uniform_mesh_1d)
from femngd.fem.errors import graded_rule


@pytest.mark.parametrize("eps", [1e-2, 1e-5, 1e-9])
def test_l2_norm_of_layer_solution_matches_adaptive_quadrature(eps):
    """‖u‖² with the layer inside one coarse cell, against scipy's adaptive quad split at the layer."""
    p = layer_1d(eps)
    u = lambda s: p.exact(np.array([[s]]))[0]
    ref = quad(lambda s: u(s) ** 2, 0, 1 - 50 * eps, limit=200)[0] + quad(lambda s: u(s) ** 2, 1 - 50 * eps, 1,
                                                                          limit=200)[0]
    space = FESpace(uniform_mesh_1d(4))
    assert np.isclose(l2_norm(space, p.exact) ** 2, ref, rtol=1e-10)


def test_h1_error_inside_layer():
    """|u|²_{H1} = ∫ u′² has a layer contribution ≈ 1/(2ε) that a plain Gauss rule misses."""
    eps = 1e-6
    p = layer_1d(eps)
    space = FESpace(uniform_mesh_1d(8))
    e = h1_error(space, np.zeros(space.n_dofs), p.exact_grad)
    # ∫ (1 − w′)² with w′ = exp((x−1)/ε)/ε: 1 − 2 + 1/(2ε) (up to exp(−1/ε))
    assert np.isclose(e**2, 1 / (2 * eps) - 1, rtol=1e-9)


def test_graded_rule_integrates_polynomials_and_sums_to_one():
    x, w = graded_rule(4, 1e-6)
    assert np.isclose(w.sum(), 1.0) and np.all(np.diff(x[0]) > 0)
    assert np.isclose(w @ x[0] ** 7, 1 / 8)


def test_errors_of_interpolant_and_relative_forms():
    f = lambda x: np.sin(2 * x[:, 0])
    space = FESpace(uniform_mesh_1d(16), 2)
    u = space.interpolate(f)
    assert max_nodal_error(space, u, f) == 0.0
    e = l2_error(space, u, f)
    assert 0 < e < 1e-4
    norm = np.sqrt(quad(lambda s: np.sin(2 * s) ** 2, 0, 1)[0])
    assert np.isclose(relative_l2_error(space, u, f), e / norm)
    rep = error_report(space, u, f, None)
    assert np.isnan(rep["h1_error"]) and np.isclose(rep["l2_error"], e)


def test_observed_orders():
    h = np.array([1, 0.5, 0.25])
    assert np.allclose(observed_orders(h, 3 * h**2), 2)
    with pytest.raises(ValueError, match="^errors:"):
        observed_orders([1, 0.5], [1.0, 0.0])
    with pytest.raises(ValueError, match="^errors:"):
        observed_orders([1], [1.0])
    with pytest.raises(ValueError, match="^exact:"):
        relative_l2_error(FESpace(uniform_mesh_1d(2)), np.zeros(3), lambda x: 0 * x[:, 0])


def test_error_report_in_one_pass_equals_the_separate_errors():
    from femngd.fem import (FESpace, corner_layer_2d, error_report, galerkin, h1_error, l2_error, make_mesh,
                            max_nodal_error, relative_h1_error, relative_l2_error)

    problem = corner_layer_2d(0.05)
    space = FESpace(make_mesh("uniform", 12, 2), degree=2)
    u = galerkin(problem, space)
    report = error_report(space, u, problem.exact, problem.exact_grad)
    assert report["l2_error"] == pytest.approx(l2_error(space, u, problem.exact), rel=1e-12)
    assert report["relative_l2_error"] == pytest.approx(relative_l2_error(space, u, problem.exact), rel=1e-12)
    assert report["h1_error"] == pytest.approx(h1_error(space, u, problem.exact_grad), rel=1e-12)
    assert report["relative_h1_error"] == pytest.approx(relative_h1_error(space, u, problem.exact_grad), rel=1e-12)
    assert report["max_nodal_error"] == max_nodal_error(space, u, problem.exact)
