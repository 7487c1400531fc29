"""Step rules against brute force and exact minimizers; line searches use the loss only."""
import numpy as np
import pytest

from femngd.optim import Armijo, Fixed, Grid, Quadratic, make_step
from optim_toys import LinearQuadratic, TanhRegression, tridiagonal


def quadratic(n=6, seed=0):
    rng = np.random.default_rng(seed)
    obj = LinearQuadratic(tridiagonal(n, 1.0, 1.0), rng.normal(size=n))
    theta = rng.normal(size=n)
    return obj, theta


def counting(loss):
    calls = []

    def wrapped(theta):
        calls.append(theta)
        return loss(theta)
    return wrapped, calls


def test_fixed_step():
    obj, theta = quadratic()
    assert Fixed(0.25)(obj.loss, theta, -obj.gradient(theta), -1.0) == 0.25


def test_quadratic_step_is_the_exact_line_minimizer_even_off_the_linearization_point():
    """s* = −∇L(θ_b)ᵀd / dᵀHd for the quadratic; the slope passed in belongs to another point."""
    obj, theta = quadratic()
    rng = np.random.default_rng(1)
    d, base = rng.normal(size=6), theta + rng.normal(size=6)
    exact = -(obj.gradient(base) @ d) / (d @ obj.H @ d)
    wrong_slope = obj.gradient(theta) @ d
    assert np.isclose(Quadratic(1.0)(obj.loss, base, d, wrong_slope), exact, rtol=1e-8)
    assert np.isclose(Quadratic(1e-3)(obj.loss, base, d, wrong_slope), exact, rtol=1e-5)


def test_quadratic_step_without_curvature_falls_back():
    line = lambda th: float(-th[0])          # linear loss: no curvature, decreasing along d = e0
    assert Quadratic(0.5)(line, np.zeros(1), np.ones(1), -1.0) == 0.5


def test_grid_picks_the_best_power_of_two():
    obj = TanhRegression(3, points=np.linspace(0, 1, 15))
    theta = obj.init(2)
    d = -obj.gradient(theta) * 40.0
    loss, calls = counting(obj.loss)
    s = Grid(1.0, 30)(loss, theta, d, obj.gradient(theta) @ d)
    candidates = 0.5 ** np.arange(31)
    values = [obj.loss(theta + c * d) for c in candidates]
    assert s == candidates[int(np.argmin(values))]
    assert len(calls) == 31 and obj.loss(theta + s * d) < obj.loss(theta)
    along = lambda b, dd, steps: np.array([obj.loss(b + c * dd) for c in steps])   # noqa: E731
    batched = Grid(1.0, 30)(loss, theta, d, 0.0, along=along)
    assert batched == s and len(calls) == 31          # ``along`` replaces the 31 loss calls


def test_armijo_gives_sufficient_decrease():
    obj = TanhRegression(3, points=np.linspace(0, 1, 15))
    theta = obj.init(2)
    g = obj.gradient(theta)
    d = -100.0 * g                  # far too long a step: backtracking needed
    slope = g @ d
    rule = Armijo(1.0)
    s = rule(obj.loss, theta, d, slope)
    assert s < 1.0
    assert obj.loss(theta + s * d) <= obj.loss(theta) + rule.c * s * slope
    # the previous candidate 2s failed the test (s is the first accepted one)
    assert obj.loss(theta + 2 * s * d) > obj.loss(theta) + rule.c * 2 * s * slope


def test_line_searches_survive_non_finite_losses():
    loss = lambda th: float(th[0] ** 2) if abs(th[0]) < 3 else np.nan
    base, d = np.array([2.0]), np.array([-8.0])
    for rule in (Armijo(1.0), Grid(1.0)):
        s = rule(loss, base, d, -32.0)
        assert np.isfinite(loss(base + s * d)) and loss(base + s * d) < loss(base)


def test_make_step_errors():
    assert isinstance(make_step("grid", 0.5), Grid)
    with pytest.raises(ValueError, match="^step:"):
        make_step("wolfe")
    with pytest.raises(ValueError, match="^lr:"):
        make_step("fixed", -1.0)
