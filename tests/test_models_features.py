"""Legendre and Fourier features: exact derivatives and Jacobians vs central differences,
orthogonality by Gauss quadrature, explicit low-order formulas, linearity, bad inputs."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from femngd.models import Fourier, Legendre
from models_fd import assert_derivatives_match_fd

MODELS = [Legendre(0, 1), Legendre(1, 1), Legendre(5, 1), Legendre(3, 2), Fourier(1, 1), Fourier(4, 1),
          Fourier(2, 2)]


def gauss_01(n):
    """n-point Gauss–Legendre rule on (0, 1)."""
    s, w = np.polynomial.legendre.leggauss(n)
    return (s + 1) / 2, w / 2


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_jacobians_and_x_derivatives_match_finite_differences(model):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.02, 0.98, size=(6, model.dim))
    theta = model.init(1) + rng.normal(size=model.n_params)
    assert_derivatives_match_fd(model, theta, x)


def test_legendre_orthogonality_by_quadrature_1d_and_2d():
    x, w = gauss_01(10)
    phi = Legendre(6).evaluate(np.zeros(7), x, jacobian=True).dvalue
    norms = 1.0 / (2 * np.arange(7) + 1)
    assert np.allclose(phi.T @ (w[:, None] * phi), np.diag(norms), atol=1e-14)
    X, Y = np.meshgrid(x, x, indexing="ij")
    pts, W = np.column_stack([X.ravel(), Y.ravel()]), np.outer(w, w).ravel()
    phi2 = Legendre(3, 2).evaluate(np.zeros(16), pts, jacobian=True).dvalue
    assert np.allclose(phi2.T @ (W[:, None] * phi2), np.diag(np.outer(norms[:4], norms[:4]).ravel()), atol=1e-14)


def test_legendre_matches_explicit_polynomials_and_tensor_ordering():
    x = np.array([0.0, 0.3, 0.5, 1.0])
    ev = Legendre(3).evaluate(np.zeros(4), x, order=2, jacobian=True)
    s = 2 * x - 1
    # P_2(2x−1) = 6x² − 6x + 1, P_3(s) = (5s³ − 3s)/2 with ds/dx = 2
    assert np.allclose(ev.dvalue[:, 2], 6 * x**2 - 6 * x + 1)
    assert np.allclose(ev.dgrad[:, 0, 2], 12 * x - 6) and np.allclose(ev.dlaplacian[:, 2], 12.0)
    assert np.allclose(ev.dvalue[:, 3], (5 * s**3 - 3 * s) / 2)
    assert np.allclose(ev.dgrad[:, 0, 3], (15 * s**2 - 3)) and np.allclose(ev.dlaplacian[:, 3], 60 * s)
    # 2D tensor product, index i·(degree+1) + j ↔ P_i(2x−1) P_j(2y−1)
    pts = np.array([[0.3, 0.8], [0.1, 0.6]])
    phi = Legendre(3, 2).evaluate(np.zeros(16), pts, jacobian=True).dvalue
    a, b = [Legendre(3).evaluate(np.zeros(4), pts[:, k], jacobian=True).dvalue for k in (0, 1)]
    assert np.allclose(phi[:, 2 * 4 + 1], a[:, 2] * b[:, 1])


def test_fourier_modes_explicit_and_orthogonal():
    model = Fourier(3)
    x = np.array([0.1, 0.25, 0.7])
    ev = model.evaluate(np.zeros(7), x, order=2, jacobian=True)
    k = 2   # column 2 = cos(2πx), column 3 + 2 = sin(2πx)
    assert np.allclose(ev.dvalue[:, 0], 1.0)
    assert np.allclose(ev.dvalue[:, k], np.cos(k * np.pi * x))
    assert np.allclose(ev.dgrad[:, 0, 3 + k], k * np.pi * np.cos(k * np.pi * x))
    assert np.allclose(ev.dlaplacian[:, 3 + k], -(k * np.pi) ** 2 * np.sin(k * np.pi * x))
    xq, w = gauss_01(20)
    phi = model.evaluate(np.zeros(7), xq, jacobian=True).dvalue
    cos, sin = phi[:, :4], phi[:, 4:]
    assert np.allclose(cos.T @ (w[:, None] * cos), np.diag([1, 0.5, 0.5, 0.5]), atol=1e-13)
    assert np.allclose(sin.T @ (w[:, None] * sin), 0.5 * np.eye(3), atol=1e-13)


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_linear_and_jacobian_independent_of_theta(model):
    assert model.is_linear
    rng = np.random.default_rng(4)
    x = rng.uniform(size=(5, model.dim))
    a, b = rng.normal(size=(2, model.n_params))
    ea, eb = model.evaluate(a, x, order=2, jacobian=True), model.evaluate(b, x, order=2, jacobian=True)
    eab = model.evaluate(a + 2 * b, x, order=2)
    for field in ("value", "grad", "laplacian"):
        assert np.allclose(getattr(eab, field), getattr(ea, field) + 2 * getattr(eb, field))
    for field in ("dvalue", "dgrad", "dlaplacian"):
        assert np.array_equal(getattr(ea, field), getattr(eb, field))
    assert np.allclose(ea.value, ea.dvalue @ a)


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_init_is_deterministic_per_seed(model):
    assert np.array_equal(model.init(5), model.init(5))
    assert not np.array_equal(model.init(5), model.init(6))
    assert model.init(0).shape == (model.n_params,)


def test_parameter_counts():
    assert Legendre(3).n_params == 4 and Legendre(3, 2).n_params == 16
    assert Fourier(2).n_params == 5 and Fourier(2, 2).n_params == 25


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["legendre", "fourier"]), st.integers(0, 5), st.integers(1, 2), st.integers(1, 8),
       st.integers(0, 2**31))
def test_shapes_for_any_size(kind, size, dim, m, seed):
    model = Legendre(size, dim) if kind == "legendre" else Fourier(size + 1, dim)
    x = np.random.default_rng(seed).uniform(size=(m, dim))
    ev = model.evaluate(model.init(seed), x, order=2, jacobian=True)
    p = model.n_params
    assert ev.value.shape == (m,) and ev.grad.shape == (m, dim) and ev.laplacian.shape == (m,)
    assert ev.dvalue.shape == (m, p) and ev.dgrad.shape == (m, dim, p) and ev.dlaplacian.shape == (m, p)
    assert np.allclose(ev.dlaplacian @ model.init(seed), ev.laplacian)


def test_bad_inputs():
    with pytest.raises(ValueError, match="^degree:"):
        Legendre(-1)
    with pytest.raises(ValueError, match="^n_modes:"):
        Fourier(0)
    with pytest.raises(ValueError, match="^dim:"):
        Legendre(2, dim=3)
    model = Legendre(2, 2)
    with pytest.raises(ValueError, match="^points:"):
        model.evaluate(model.init(), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="^points:"):
        model.evaluate(model.init(), np.array([[0.5, np.inf]]))
    with pytest.raises(ValueError, match="^theta:"):
        model.evaluate(np.zeros(5), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="^theta:"):
        model.evaluate(np.full(9, np.nan), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="^order:"):
        model.evaluate(model.init(), np.zeros((2, 2)), order=3)
