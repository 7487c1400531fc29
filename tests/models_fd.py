"""Shared checks for the model tests: central finite differences in θ and in x."""
import numpy as np

H = 1e-6        # step of first differences (θ and x)
H2 = 1e-4       # step of the second difference (Laplacian in x)


def rel(a, b):
    """max |a − b| / (1 + max |b|)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b)) / (1.0 + np.max(np.abs(b)))


def theta_fd(model, theta, x, field, order=2):
    """Central differences of ``field`` (value/grad/laplacian) in θ, stacked on a last axis (…, p)."""
    cols = []
    for e in np.eye(theta.size):
        plus = getattr(model.evaluate(theta + H * e, x, order=order), field)
        minus = getattr(model.evaluate(theta - H * e, x, order=order), field)
        cols.append((plus - minus) / (2 * H))
    return np.stack(cols, axis=-1)


def x_fd(model, theta, x):
    """Central differences in x of the value: gradient (m, dim) and Laplacian (m,)."""
    v = lambda y: model.evaluate(theta, y).value
    eye = np.eye(x.shape[1])
    grad = np.stack([(v(x + H * e) - v(x - H * e)) / (2 * H) for e in eye], axis=1)
    lap = sum((v(x + H2 * e) - 2 * v(x) + v(x - H2 * e)) / H2**2 for e in eye)
    return grad, lap


def assert_derivatives_match_fd(model, theta, x, tol=1e-7, lap_tol=1e-5):
    """Every θ-Jacobian and the x-gradient/Laplacian of ``model`` agree with central differences."""
    ev = model.evaluate(theta, x, order=2, jacobian=True)
    m, p = x.shape[0], model.n_params
    assert ev.value.shape == (m,) and ev.grad.shape == (m, model.dim) and ev.laplacian.shape == (m,)
    assert ev.dvalue.shape == (m, p) and ev.dgrad.shape == (m, model.dim, p) and ev.dlaplacian.shape == (m, p)
    assert rel(ev.dvalue, theta_fd(model, theta, x, "value")) < tol
    assert rel(ev.dgrad, theta_fd(model, theta, x, "grad")) < tol
    assert rel(ev.dlaplacian, theta_fd(model, theta, x, "laplacian")) < tol
    grad, lap = x_fd(model, theta, x)
    assert rel(ev.grad, grad) < tol
    assert rel(ev.laplacian, lap) < lap_tol
    assert_orders_consistent(model, theta, x, ev)


def assert_orders_consistent(model, theta, x, ev):
    """Lower orders return the same numbers and omit the higher fields."""
    ev0 = model.evaluate(theta, x, order=0, jacobian=True)
    ev1 = model.evaluate(theta, x, order=1, jacobian=False)
    assert ev0.grad is None and ev0.laplacian is None and ev0.dgrad is None and ev0.dlaplacian is None
    assert ev1.laplacian is None and ev1.dvalue is None and ev1.dgrad is None
    assert np.allclose(ev0.value, ev.value, rtol=1e-14, atol=1e-14)
    assert np.allclose(ev0.dvalue, ev.dvalue, rtol=1e-14, atol=1e-14)
    assert np.allclose(ev1.grad, ev.grad, rtol=1e-14, atol=1e-14)
