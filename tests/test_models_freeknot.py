"""Free-knot P1: valid ordered knots for any θ, values against numpy.interp, exact Jacobians
(knot logits and nodal values) vs central differences away from the knots."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from femngd.models import FreeKnotP1
from models_fd import H, assert_derivatives_match_fd, rel


def random_theta(model, seed, scale=0.7):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(0, scale, model.n_knots), rng.normal(size=model.n_knots + 2)])


def off_knot_points(model, theta, m, seed, gap=1e-3):
    """m uniform points of (a, b) at distance > gap from every knot (central differences stay in one cell)."""
    t, _ = model.knots(theta)
    x = np.random.default_rng(seed).uniform(model.a, model.b, size=4 * m)
    return x[np.min(np.abs(x[:, None] - t[None, :]), axis=1) > gap][:m, None]


@pytest.mark.parametrize("n_knots, a, b", [(1, 0.0, 1.0), (4, 0.0, 1.0), (3, -1.0, 2.0)])
def test_jacobians_and_x_derivatives_match_finite_differences(n_knots, a, b):
    model = FreeKnotP1(n_knots, a, b)
    theta = random_theta(model, 2)
    assert_derivatives_match_fd(model, theta, off_knot_points(model, theta, 9, 3), lap_tol=1e-7)


def test_values_match_numpy_interp_and_nodal_values():
    model = FreeKnotP1(5, -1.0, 2.0)
    theta = random_theta(model, 4, scale=1.5)
    t, _ = model.knots(theta)
    x = np.linspace(-1, 2, 41)
    ev = model.evaluate(theta, x, order=2)
    assert np.allclose(ev.value, np.interp(x, t, theta[5:]), rtol=0, atol=1e-13)
    assert np.allclose(model.evaluate(theta, t).value, theta[5:], atol=1e-13)
    assert np.array_equal(ev.laplacian, np.zeros_like(x))
    # v′ on each cell is the difference quotient of the nodal values
    mid = (t[:-1] + t[1:]) / 2
    assert np.allclose(model.evaluate(theta, mid, order=1).grad[:, 0], np.diff(theta[5:]) / np.diff(t))


def test_knot_derivative_matches_finite_differences():
    model = FreeKnotP1(4)
    rho = random_theta(model, 5)[:4]
    t, dt = model.knots(np.concatenate([rho, np.zeros(6)]))
    fd = np.stack([(model.knots(np.concatenate([rho + H * e, np.zeros(6)]))[0]
                    - model.knots(np.concatenate([rho - H * e, np.zeros(6)]))[0]) / (2 * H) for e in np.eye(4)],
                  axis=1)
    assert dt.shape == (4, 4) and rel(dt, fd[1:-1]) < 1e-8
    assert np.allclose(fd[[0, -1]], 0.0)      # the end points do not move


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8), st.floats(-60, 60), st.integers(0, 2**31))
def test_any_theta_gives_strictly_ordered_knots_in_the_interval(n_knots, shift, seed):
    model = FreeKnotP1(n_knots, 0.0, 1.0)
    rho = np.random.default_rng(seed).normal(0, 3, n_knots) + shift
    t, _ = model.knots(np.concatenate([rho, np.zeros(n_knots + 2)]))
    assert t[0] == 0.0 and t[-1] == 1.0 and np.all(np.isfinite(t)) and np.all(np.diff(t) >= 0)
    if np.max(np.abs(rho)) < 20:       # moderate logits: strictly ordered in floating point
        assert np.all(np.diff(t) > 0)


def test_init_uniform_knots_and_deterministic_values():
    model = FreeKnotP1(3)
    th = model.init(7)
    assert np.array_equal(th, model.init(7)) and not np.array_equal(th, model.init(8))
    assert np.allclose(model.knots(th)[0], [0, 0.25, 0.5, 0.75, 1.0])
    assert model.n_params == 8 and not model.is_linear and model.dim == 1


def test_extrapolates_linearly_outside_the_interval():
    model = FreeKnotP1(2)
    theta = random_theta(model, 1)
    t, _ = model.knots(theta)
    u = theta[2:]
    v = model.evaluate(theta, np.array([-0.5, 1.5])).value
    s0, s1 = (u[1] - u[0]) / (t[1] - t[0]), (u[-1] - u[-2]) / (t[-1] - t[-2])
    assert np.allclose(v, [u[0] - 0.5 * s0, u[-1] + 0.5 * s1])


def test_bad_inputs():
    with pytest.raises(ValueError, match="^n_knots:"):
        FreeKnotP1(0)
    with pytest.raises(ValueError, match="^a, b:"):
        FreeKnotP1(2, 1.0, 0.0)
    model = FreeKnotP1(2)
    with pytest.raises(ValueError, match="^theta:"):
        model.evaluate(np.zeros(5), np.zeros(3))
    with pytest.raises(ValueError, match="^theta:"):
        model.evaluate(np.full(6, np.nan), np.zeros(3))
    with pytest.raises(ValueError, match="^points:"):
        model.evaluate(model.init(), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="^order:"):
        model.evaluate(model.init(), np.zeros(3), order=-1)


def test_fixed_boundary_values_jacobians_and_round_trip():
    model = FreeKnotP1(4, boundary_values=(0.5, -1.0))
    rng = np.random.default_rng(6)
    theta = np.concatenate([rng.normal(0, 0.7, 4), rng.normal(size=4)])
    assert model.n_params == 8
    assert_derivatives_match_fd(model, theta, off_knot_points(model, theta, 9, 3), lap_tol=1e-7)
    t, _ = model.knots(theta)
    assert model(theta, np.array([[0.0], [1.0]])) == pytest.approx([0.5, -1.0])
    assert np.allclose(model.parameters_of(t, model.nodal_values(theta)), theta)
    with pytest.raises(ValueError, match="boundary_values"):
        FreeKnotP1(3, boundary_values=(0.0, np.nan))
    with pytest.raises(ValueError, match="knots"):
        model.parameters_of(t[::-1], model.nodal_values(theta))
    with pytest.raises(ValueError, match="seed"):
        model.init(-1)
