"""Models: every θ-Jacobian and x-derivative against central finite differences; determinism; errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from femngd.models import (MLP, FECoefficients, Fourier, FreeKnotP1, HardDirichlet, Legendre, PeriodicBump,
                           ShallowNetwork, activation)

from models_fd import rel, theta_fd, x_fd


MODELS = [
    ShallowNetwork(5, 1, "tanh"), ShallowNetwork(4, 2, "tanh", output_bias=True), ShallowNetwork(3, 1, "sigmoid"),
    ShallowNetwork(3, 2, "softplus"), ShallowNetwork(3, 1, "relu3"), ShallowNetwork(3, 2, "relu4"),
    MLP((4, 3), 1), MLP((3, 3), 2), MLP((3, 2, 2), 1, "softplus"), Legendre(4, 1), Legendre(2, 2), Fourier(3, 1),
    Fourier(2, 2), HardDirichlet(ShallowNetwork(4, 1), lift=(0.5, -1.0)), HardDirichlet(MLP((3,), 2)),
    HardDirichlet(Legendre(3, 1)), PeriodicBump(5.0), PeriodicBump(20.0),
]


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_jacobians_and_x_derivatives_match_finite_differences(model):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.05, 0.95, size=(7, model.dim))
    theta = model.init(1) + 0.2 * rng.normal(size=model.n_params)
    ev = model.evaluate(theta, x, order=2, jacobian=True)
    assert ev.dvalue.shape == (7, model.n_params) and ev.dgrad.shape == (7, model.dim, model.n_params)
    assert rel(ev.dvalue, theta_fd(model, theta, x, "value")) < 1e-7
    assert rel(ev.dgrad, theta_fd(model, theta, x, "grad")) < 1e-7
    assert rel(ev.dlaplacian, theta_fd(model, theta, x, "laplacian")) < 1e-7
    grad, lap = x_fd(model, theta, x)
    assert rel(ev.grad, grad) < 1e-7 and rel(ev.laplacian, lap) < 1e-5
    # lower orders give the same numbers
    ev0 = model.evaluate(theta, x, order=0, jacobian=True)
    assert np.allclose(ev0.value, ev.value) and np.allclose(ev0.dvalue, ev.dvalue) and ev0.grad is None


def test_free_knot_jacobians_and_ordering():
    model = FreeKnotP1(4)
    rng = np.random.default_rng(2)
    theta = np.concatenate([rng.normal(0, 0.5, 4), rng.normal(size=6)])
    t, _ = model.knots(theta)
    assert t[0] == 0 and t[-1] == 1 and np.all(np.diff(t) > 0)
    x = rng.uniform(size=(11, 1))
    x = x[np.min(np.abs(x - t[None, :]), axis=1) > 1e-3]      # not on a knot
    ev = model.evaluate(theta, x, order=2, jacobian=True)
    assert rel(ev.dvalue, theta_fd(model, theta, x, "value")) < 1e-7
    assert rel(ev.dgrad, theta_fd(model, theta, x, "grad")) < 1e-7
    grad, _ = x_fd(model, theta, x)
    assert rel(ev.grad, grad) < 1e-7
    # interpolates its nodal values at the knots
    assert np.allclose(model.evaluate(theta, t[:, None]).value, theta[4:])
    # extreme logits still give ordered knots
    t, _ = model.knots(np.concatenate([[50, -50, 30, 0], np.zeros(6)]))
    assert np.all(np.diff(t) >= 0) and np.isfinite(t).all()


def test_hard_dirichlet_boundary_values():
    model = HardDirichlet(ShallowNetwork(6, 1), lift=(0.5, -1.0))
    theta = model.init(3)
    assert np.allclose(model.evaluate(theta, np.array([[0.0], [1.0]])).value, [0.5, -1.0])
    model2 = HardDirichlet(MLP((4,), 2))
    t = np.linspace(0, 1, 5)
    edge = np.concatenate([np.column_stack([t, 0 * t]), np.column_stack([0 * t + 1, t])])
    assert np.allclose(model2.evaluate(model2.init(0), edge).value, 0.0)


def test_linear_features_orthogonality_and_linearity():
    g, w = np.polynomial.legendre.leggauss(12)
    x, w = (g + 1) / 2, w / 2
    phi = Legendre(5).evaluate(np.zeros(6), x[:, None], jacobian=True).dvalue
    assert np.allclose(phi.T @ (w[:, None] * phi), np.diag(1 / (2 * np.arange(6) + 1)), atol=1e-13)
    model = Fourier(3, 2)
    a, b = model.init(0), model.init(1)
    x2 = np.random.default_rng(0).uniform(size=(5, 2))
    v = lambda th: model.evaluate(th, x2, order=2)
    assert np.allclose(v(a + 2 * b).laplacian, v(a).laplacian + 2 * v(b).laplacian)
    assert model.is_linear and not ShallowNetwork(2).is_linear


@pytest.mark.parametrize("model", MODELS + [FreeKnotP1(3)], ids=repr)
def test_init_is_deterministic_per_seed(model):
    assert np.array_equal(model.init(7), model.init(7))
    if model.n_params > 1 and not isinstance(model, FreeKnotP1):
        assert not np.array_equal(model.init(7), model.init(8))


def test_mlp_of_one_layer_equals_shallow_network():
    shallow, mlp = ShallowNetwork(4, 2, output_bias=True), MLP((4,), 2)
    th = shallow.init(0)
    W, b, c, _ = shallow.unpack(th)
    th_mlp = np.concatenate([W.ravel(), b, c, [th[-1]]])
    x = np.random.default_rng(3).uniform(size=(6, 2))
    e1, e2 = shallow.evaluate(th, x, order=2), mlp.evaluate(th_mlp, x, order=2)
    assert np.allclose(e1.value, e2.value) and np.allclose(e1.laplacian, e2.laplacian)


def test_parameter_counts():
    assert ShallowNetwork(32, 2, output_bias=True).n_params == 129
    assert MLP((32, 32), 2).n_params == 32 * 3 + 32 * 33 + 33
    assert FreeKnotP1(5).n_params == 12 and Legendre(3, 2).n_params == 16


def test_bad_inputs():
    model = ShallowNetwork(3, 2)
    with pytest.raises(ValueError, match="^points:"):
        model.evaluate(model.init(), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="^points:"):
        model.evaluate(model.init(), np.array([[np.nan, 0.0]]))
    with pytest.raises(ValueError, match="^theta:"):
        model.evaluate(np.full(model.n_params, np.nan), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="^theta:"):
        model.evaluate(np.zeros(3), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="^activation:"):
        activation("swish")
    with pytest.raises(ValueError, match="^width:"):
        ShallowNetwork(0)
    with pytest.raises(ValueError, match="^widths:"):
        MLP(())
    with pytest.raises(ValueError, match="^model:"):
        FECoefficients(4).evaluate(np.zeros(4), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="^lift:"):
        HardDirichlet(MLP((2,), 2), lift=(0.0, 1.0))


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.integers(1, 2), st.integers(1, 9), st.integers(0, 2**31))
def test_shapes_for_any_size(width, dim, m, seed):
    model = MLP((width, 2), dim)
    x = np.random.default_rng(seed).uniform(size=(m, dim))
    ev = model.evaluate(model.init(seed), x, order=2, jacobian=True)
    assert ev.value.shape == (m,) and ev.grad.shape == (m, dim) and ev.dlaplacian.shape == (m, model.n_params)
