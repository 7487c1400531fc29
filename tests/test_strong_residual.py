"""Strong-form residual objective: loss, gradient, Gram matrices and transports vs plain-numpy references."""
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

from femngd.models.mlp import MLP
from femngd.models.shallow import ShallowNetwork
from femngd.natural.strong_residual import PDEData, StrongResidual


def source_2d(x):
    return np.sin(3 * x[:, 0]) + x[:, 1] ** 2


def velocity_2d(x):
    return np.column_stack([1 + x[:, 1], -0.5 * x[:, 0]])


def dirichlet_2d(x):
    return x[:, 0] - 2 * x[:, 1]


@dataclass(frozen=True)
class Problem:
    """A stand-in for femngd.fem.AdvectionDiffusion: only the attributes the objective reads."""

    eps: float
    dim: int
    velocity: Callable
    source: Callable
    dirichlet: Callable


def make_2d(model, metric="gauss-newton", penalty=3.0):
    rng = np.random.default_rng(0)
    x, w = rng.uniform(size=(12, 2)), rng.uniform(0.5, 1.5, 12) / 12
    xb = np.column_stack([rng.uniform(size=6), np.repeat([0.0, 1.0], 3)])
    wb = np.full(6, 1 / 6)
    obj = StrongResidual(None, model, x, w, boundary=(xb, wb, penalty), metric=metric, eps=0.3,
                         velocity=velocity_2d, source=source_2d, dirichlet=dirichlet_2d)
    return obj, (x, w, xb, wb, penalty)


def reference_residuals(model, theta, data):
    """(R, B) by plain numpy from the model's spatial derivatives (tested in test_models_networks)."""
    x, _, xb, _, _ = data
    ev = model.evaluate(theta, x, order=2)
    R = -0.3 * ev.laplacian + np.sum(velocity_2d(x) * ev.grad, axis=1) - source_2d(x)
    return R, model(theta, xb) - dirichlet_2d(xb)


def fd_gradient(f, theta, h=1e-6):
    return np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(theta.size)])


MODELS = [ShallowNetwork(5, 2, "tanh", output_bias=True), ShallowNetwork(4, 2, "softplus"), MLP((4, 3), 2)]


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_loss_matches_reference_formula(model):
    obj, data = make_2d(model)
    theta = model.init(1)
    R, B = reference_residuals(model, theta, data)
    _, w, _, wb, penalty = data
    expected = 0.5 * np.sum(w * R**2) + 0.5 * penalty * np.sum(wb * B**2)
    assert np.isclose(obj.loss(theta), expected, rtol=1e-13)


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_gradient_against_finite_differences_of_the_loss(model):
    obj, _ = make_2d(model)
    theta = model.init(2)
    lin = obj.linearize(theta)
    fd = fd_gradient(obj.loss, theta)
    assert np.allclose(lin.grad, fd, rtol=1e-6, atol=1e-8 * (1 + np.abs(fd).max()))
    assert np.allclose(obj.gradient(theta), lin.grad, rtol=1e-13, atol=1e-15)
    assert np.isclose(lin.loss, obj.loss(theta), rtol=1e-13)


@pytest.mark.parametrize("model", MODELS[:1] + MODELS[2:], ids=repr)
def test_gauss_newton_gram_and_transports_against_numpy(model):
    obj, data = make_2d(model)
    _, w, _, wb, penalty = data
    weights = np.concatenate([w, penalty * wb])
    theta, theta_prev = model.init(3), model.init(4)

    def residual_vector(t):
        return np.concatenate(reference_residuals(model, t, data))

    def jac(t):                                  # ∂(R, B)/∂θ by central differences
        return np.stack([(residual_vector(t + 1e-6 * e) - residual_vector(t - 1e-6 * e)) / 2e-6
                         for e in np.eye(t.size)], axis=1)

    D, D_prev = jac(theta), jac(theta_prev)
    lin = obj.linearize(theta)
    G = D.T @ (weights[:, None] * D)
    tol = dict(rtol=1e-6, atol=1e-8 * np.abs(G).max())
    assert np.allclose(lin.gram, G, **tol)
    assert np.allclose(lin.gram, lin.gram.T, rtol=0, atol=1e-14 * np.abs(G).max())
    assert np.allclose(obj.gauss_newton_gram(theta), lin.gram, rtol=1e-12, atol=1e-14 * np.abs(G).max())
    assert np.allclose(lin.cross_gram(theta_prev), D.T @ (weights[:, None] * D_prev), **tol)
    assert np.allclose(lin.cross_gram(theta), lin.gram, rtol=1e-12, atol=1e-14 * np.abs(G).max())
    pull = D.T @ (weights * (residual_vector(theta) - residual_vector(theta_prev)))
    assert np.allclose(lin.pullback_difference(theta_prev), pull, rtol=1e-6, atol=1e-8 * np.abs(pull).max())


def test_l2_metric_is_the_weighted_point_gram():
    model = ShallowNetwork(4, 2, output_bias=True)
    obj, (x, w, *_) = make_2d(model, metric="l2")
    theta, theta_prev = model.init(0), model.init(5)
    Jv = np.stack([(model(theta + 1e-6 * e, x) - model(theta - 1e-6 * e, x)) / 2e-6 for e in np.eye(model.n_params)],
                  axis=1)
    lin = obj.linearize(theta)
    assert np.allclose(lin.gram, Jv.T @ (w[:, None] * Jv), rtol=1e-6, atol=1e-10)
    diff = model(theta, x) - model(theta_prev, x)
    assert np.allclose(lin.pullback_difference(theta_prev), Jv.T @ (w * diff), rtol=1e-6, atol=1e-10)
    # the gradient is still that of the residual loss
    assert np.allclose(lin.grad, fd_gradient(obj.loss, theta), rtol=1e-6, atol=1e-9)


def test_problem_object_constant_velocity_and_keyword_data_agree():
    model = ShallowNetwork(3, 1, "sigmoid")
    x = np.linspace(0.05, 0.95, 9)
    f, g = (lambda p: np.cos(p[:, 0])), (lambda p: 1 + p[:, 0])
    problem = Problem(0.1, 1, lambda p: np.full((len(p), 1), 2.0), f, g)
    a = StrongResidual(problem, model, x, boundary=(np.array([[0.0], [1.0]]), None))
    b = StrongResidual(None, model, x[:, None], np.full(9, 1 / 9), boundary=([[0.0], [1.0]], [0.5, 0.5]),
                       eps=0.1, velocity=[2.0], source=f, dirichlet=g)
    theta = model.init(0)
    assert np.isclose(a.loss(theta), b.loss(theta), rtol=1e-14)
    assert np.allclose(a.linearize(theta).gram, b.linearize(theta).gram, rtol=1e-13)
    # reference: ½ mean (−0.1 v″ + 2 v′ − f)² + ½ mean (v − g)² on the boundary
    ev = model.evaluate(theta, x[:, None], order=2)
    R = -0.1 * ev.laplacian + 2 * ev.grad[:, 0] - f(x[:, None])
    B = model(theta, np.array([[0.0], [1.0]])) - np.array([1.0, 2.0])
    assert np.isclose(a.loss(theta), 0.5 * np.mean(R**2) + 0.5 * np.mean(B**2), rtol=1e-13)


def test_evaluate_returns_the_model():
    model = MLP((3,), 2)
    obj, _ = make_2d(model)
    theta, x = model.init(0), np.random.default_rng(1).uniform(size=(4, 2))
    v, grad = obj.evaluate(theta, x, order=1)
    ev = model.evaluate(theta, x, order=1)
    assert np.array_equal(v, ev.value) and np.array_equal(grad, ev.grad)
    assert obj.evaluate(theta, x)[1] is None


def test_random_sampler_is_seeded_and_consistent():
    model = ShallowNetwork(3, 2)
    kw = dict(eps=1.0, source=source_2d, dirichlet=dirichlet_2d, samples=50)
    a, b = StrongResidual(None, model, "random", seed=3, **kw), StrongResidual(None, model, "random", seed=3, **kw)
    assert np.array_equal(a.points, b.points) and np.allclose(a.weights, 1 / 50)
    theta = model.init(0)
    before = a.loss(theta)
    lin = a.linearize(theta)
    assert np.isclose(lin.loss, before)
    a.resample(np.random.default_rng(9))
    assert not np.array_equal(a.points, b.points) and np.all((a.points > 0) & (a.points < 1))
    assert not np.isclose(a.loss(theta), before)
    # after resampling, gradient and Gram are those of the new points
    assert np.allclose(a.gradient(theta), fd_gradient(a.loss, theta), rtol=1e-6, atol=1e-9)


def test_optimal_sampler_weights_are_an_unbiased_quadrature():
    model = ShallowNetwork(4, 1)
    obj = StrongResidual(None, model, "optimal", samples=4000, seed=0, eps=1.0, source=lambda p: p[:, 0])
    obj.remember(model.init(0) * 3)
    obj.resample(np.random.default_rng(1))
    x, w = obj.points[:, 0], obj.weights
    assert np.all(w > 0) and np.all((x > 0) & (x < 1))
    assert abs(w.sum() - 1) < 0.05 and abs(np.sum(w * x**2) - 1 / 3) < 0.03


def test_bad_input_names_the_parameter():
    model = ShallowNetwork(3, 2)
    kw = dict(eps=1.0, source=source_2d, dirichlet=dirichlet_2d)
    x = np.full((4, 2), 0.5)
    cases = [
        ("metric", dict(metric="h2")), ("points", dict(points="sobol")), ("boundary", dict(boundary=(x, None, -1.0))),
        ("boundary", dict(boundary=(x[:, :1], None))), ("points", dict(points=np.zeros((3, 3)))),
    ]
    for name, extra in cases:
        with pytest.raises(ValueError, match=f"^{name}"):
            StrongResidual(None, model, **{"points": x, **kw, **extra})
    with pytest.raises(ValueError, match="^eps"):
        StrongResidual(None, model, x, eps=-1.0, source=source_2d)
    with pytest.raises(ValueError, match="^problem"):
        StrongResidual(None, model, x)
    with pytest.raises(ValueError, match="^model"):
        StrongResidual(Problem(1.0, 2, velocity_2d, source_2d, None), ShallowNetwork(3, 1), x)
    with pytest.raises(ValueError, match="^velocity"):
        StrongResidual(None, model, x, eps=1.0, source=source_2d, velocity=[1.0])
    with pytest.raises(ValueError, match="^dirichlet"):
        StrongResidual(None, model, x, eps=1.0, source=source_2d, boundary=(x, None))
    assert PDEData(1.0, 2, source_2d).constant_velocity.tolist() == [0.0, 0.0]


def test_batched_line_losses_equal_the_loss_on_the_line():
    # tanh network: the halving fast path, without and with advection
    model = ShallowNetwork(5, 2, "tanh", output_bias=True)
    rng = np.random.default_rng(3)
    x, xb = rng.uniform(size=(20, 2)), np.column_stack([rng.uniform(size=8), np.repeat([0.0, 1.0], 4)])
    theta, d = model.init(0), rng.standard_normal(model.n_params)
    steps = 0.5 ** np.arange(31)
    for velocity in (None, velocity_2d):
        obj = StrongResidual(None, model, x, boundary=(xb, None, 2.0), eps=0.3, velocity=velocity,
                             source=source_2d, dirichlet=dirichlet_2d)
        direct = np.array([obj.loss(theta + s * d) for s in steps])
        calls = []
        loss = obj.loss
        obj.loss = lambda th: calls.append(1) or loss(th)
        assert np.allclose(obj.losses_along(theta, d, steps), direct, rtol=1e-12, atol=0)
        assert not calls                                            # the fast path evaluates no single loss
        assert np.allclose(obj.losses_along(theta, d, steps[::-1]), direct[::-1], rtol=1e-12, atol=0)
