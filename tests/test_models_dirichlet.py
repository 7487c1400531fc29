"""HardDirichlet v = d·N + ℓ: product-rule derivatives and Jacobians vs central differences,
zero/lift boundary values, the distance function, bad inputs. The inner model is a small
exponential model written here (independent of the network modules)."""
import numpy as np
import pytest

from femngd.models import Evaluation, HardDirichlet, Legendre, Model, check_points, check_theta, unit_distance
from models_fd import assert_derivatives_match_fd, rel, x_fd


class ExpSum(Model):
    """N(x) = Σ_k c_k exp(w_k·x), θ = (W (K×dim) row-major, c (K)); closed-form derivatives:
    ∇N = Σ c_k w_k e_k, ΔN = Σ c_k |w_k|² e_k, ∂N/∂w_kj = c_k x_j e_k,
    ∂∂_iN/∂w_kj = c_k (δ_ij + w_ki x_j) e_k, ∂ΔN/∂w_kj = c_k (2 w_kj + |w_k|² x_j) e_k."""

    is_linear = False

    def __init__(self, k, dim):
        self.k, self.dim, self.n_params = k, dim, k * (dim + 1)

    def __repr__(self):
        return f"ExpSum({self.k}, {self.dim})"

    def init(self, seed=0):
        return np.random.default_rng(seed).normal(0, 0.5, self.n_params)

    def evaluate(self, theta, x, order=0, jacobian=False):
        theta, x = check_theta(theta, self.n_params), check_points(x, self.dim)
        W, c = theta[: self.k * self.dim].reshape(self.k, self.dim), theta[self.k * self.dim:]
        e = np.exp(x @ W.T)                          # (m, K)
        n2 = np.sum(W**2, axis=1)                   # (K,)
        m, eye = x.shape[0], np.eye(self.dim)
        out = {"value": e @ c, "grad": (e * c) @ W, "laplacian": (e * c) @ n2}
        if jacobian:
            dW = (e * c)[:, :, None] * x[:, None, :]                      # (m, K, dim)
            out["dvalue"] = np.hstack([dW.reshape(m, -1), e])
            dgW = (e * c)[:, None, :, None] * (eye[None, :, None, :] + W.T[None, :, :, None] * x[:, None, None, :])
            out["dgrad"] = np.concatenate([dgW.reshape(m, self.dim, -1), e[:, None, :] * W.T[None]], axis=2)
            dlW = (e * c)[:, :, None] * (2 * W[None] + n2[None, :, None] * x[:, None, :])
            out["dlaplacian"] = np.hstack([dlW.reshape(m, -1), e * n2])
        keep = {"value"} | ({"grad"} if order >= 1 else set()) | ({"laplacian"} if order >= 2 else set())
        keep |= {"d" + f for f in keep} if jacobian else set()
        return Evaluation(**{f: v for f, v in out.items() if f in keep})


def lift_2d():
    """ℓ = sin(x) + x y², ∇ℓ = (cos x + y², 2xy), Δℓ = −sin x + 2x."""
    return (lambda x: np.sin(x[:, 0]) + x[:, 0] * x[:, 1] ** 2,
            lambda x: np.column_stack([np.cos(x[:, 0]) + x[:, 1] ** 2, 2 * x[:, 0] * x[:, 1]]),
            lambda x: -np.sin(x[:, 0]) + 2 * x[:, 0])


def models():
    f, g, lap = lift_2d()
    return [ExpSum(3, 1), ExpSum(2, 2), HardDirichlet(ExpSum(3, 1)), HardDirichlet(ExpSum(3, 1), lift=(0.5, -1.0)),
            HardDirichlet(ExpSum(2, 2)), HardDirichlet(ExpSum(2, 2), lift=f, lift_grad=g, lift_laplacian=lap),
            HardDirichlet(Legendre(3, 2))]


@pytest.mark.parametrize("model", models(), ids=repr)
def test_jacobians_and_x_derivatives_match_finite_differences(model):
    rng = np.random.default_rng(1)
    x = rng.uniform(0.05, 0.95, size=(6, model.dim))
    assert_derivatives_match_fd(model, model.init(2) + 0.3 * rng.normal(size=model.n_params), x)


def test_value_is_distance_times_inner_plus_lift():
    inner = ExpSum(2, 2)
    f, g, lap = lift_2d()
    model = HardDirichlet(inner, lift=f, lift_grad=g, lift_laplacian=lap)
    x = np.random.default_rng(3).uniform(size=(8, 2))
    theta = model.init(4)
    d = x[:, 0] * (1 - x[:, 0]) * x[:, 1] * (1 - x[:, 1])
    assert np.allclose(model.evaluate(theta, x).value, d * inner.evaluate(theta, x).value + f(x), rtol=1e-14)
    assert model.n_params == inner.n_params and np.array_equal(model.init(4), inner.init(4))


def unit_square_boundary(k=6):
    t = np.linspace(0, 1, k)
    z, o = np.zeros(k), np.ones(k)
    return np.concatenate([np.column_stack(p) for p in ((t, z), (t, o), (z, t), (o, t))])


def test_vanishes_on_the_boundary_or_equals_the_lift():
    theta = np.random.default_rng(5).normal(size=6)
    assert np.allclose(HardDirichlet(ExpSum(2, 2)).evaluate(theta, unit_square_boundary()).value, 0.0, atol=1e-15)
    f, g, lap = lift_2d()
    model = HardDirichlet(ExpSum(2, 2), lift=f, lift_grad=g)
    xb = unit_square_boundary()
    ev = model.evaluate(theta, xb, jacobian=True)
    assert np.allclose(ev.value, f(xb), atol=1e-15) and np.allclose(ev.dvalue, 0.0)
    one_d = HardDirichlet(ExpSum(3, 1), lift=(0.5, -1.0))
    assert np.allclose(one_d.evaluate(one_d.init(1), np.array([0.0, 1.0])).value, [0.5, -1.0], atol=1e-15)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_unit_distance_derivatives(dim):
    x = np.random.default_rng(dim).uniform(size=(5, dim))
    d, grad, lap = unit_distance(x)
    assert np.allclose(d, np.prod(x * (1 - x), axis=1))

    class Distance(ExpSum):           # d as a parameter-free "model" to reuse the x-differences
        def evaluate(self, theta, y, order=0, jacobian=False):
            return Evaluation(value=unit_distance(y)[0])
    fd_grad, fd_lap = x_fd(Distance(1, dim), np.zeros(dim + 1), x)
    assert rel(grad, fd_grad) < 1e-8 and rel(lap, fd_lap) < 1e-6


def test_linearity_is_inherited():
    assert HardDirichlet(Legendre(2)).is_linear and not HardDirichlet(ExpSum(1, 1)).is_linear


def test_bad_inputs():
    with pytest.raises(ValueError, match="^model:"):
        HardDirichlet(lambda th, x: x)
    with pytest.raises(ValueError, match="^distance:"):
        HardDirichlet(ExpSum(1, 1), distance="disk")
    with pytest.raises(ValueError, match="^lift:"):
        HardDirichlet(ExpSum(1, 2), lift=(0.0, 1.0))
    f, g, _ = lift_2d()
    model = HardDirichlet(ExpSum(1, 2), lift=f)
    x = np.full((3, 2), 0.5)
    model.evaluate(model.init(), x)                       # values need only the lift itself
    with pytest.raises(ValueError, match="^lift_grad:"):
        model.evaluate(model.init(), x, order=1)
    with pytest.raises(ValueError, match="^lift_laplacian:"):
        HardDirichlet(ExpSum(1, 2), lift=f, lift_grad=g).evaluate(model.init(), x, order=2)
    with pytest.raises(ValueError, match="^lift:"):
        HardDirichlet(ExpSum(1, 2), lift=lambda y: y).evaluate(model.init(), x)
    with pytest.raises(ValueError, match="^theta:"):
        model.evaluate(np.array([np.nan, 0.0, 0.0]), x)
    with pytest.raises(ValueError, match="^points:"):
        model.evaluate(model.init(), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="^order:"):
        model.evaluate(model.init(), x, order=3)
