"""The training loop: history, stopping rules, divergence, determinism, baselines."""
import math

import numpy as np
import pytest

from femngd.optim import build_optimizer
from femngd.train import TrainResult, train
from optim_toys import LinearQuadratic, TanhRegression, tridiagonal


def small_quadratic(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return LinearQuadratic(tridiagonal(n, 0.2, 1.0), rng.normal(size=n))


def error_meter(objective, theta):
    """A meter as ErrorMeter would be: errors of v_θ at fixed points against the minimizer."""
    x = np.linspace(0.1, 0.9, 7)[:, None]
    v, _ = objective.evaluate(theta, x)
    ref, _ = objective.evaluate(objective.minimizer(), x)
    e = np.linalg.norm(v - ref) / np.linalg.norm(ref)
    return {"relative_l2_error_galerkin": e, "relative_l2_error_exact": math.nan}


def test_history_has_one_row_per_iterate_with_meter_keys():
    obj = small_quadratic()
    rows = []
    result = train(obj, build_optimizer("ngd", step="armijo"), np.zeros(5), iterations=40, meter=error_meter,
                   callback=lambda k, th, row: rows.append(k))
    assert isinstance(result, TrainResult) and not result.diverged and result.iterations == 40
    h = result.history
    for key in ("loss", "step", "seconds", "rank", "condition", "relative_l2_error_galerkin",
                "relative_l2_error_exact"):
        assert len(h[key]) == 41, key
    assert rows == list(range(41))
    assert np.all(np.diff(h["seconds"]) >= 0) and math.isnan(h["step"][0])
    assert h["rank"][1:] == [5.0] * 40
    assert np.isclose(h["loss"][-1], obj.loss(result.theta))
    assert np.isclose(h["relative_l2_error_galerkin"][-1], error_meter(obj, result.theta)["relative_l2_error_galerkin"])
    assert h["relative_l2_error_galerkin"][-1] < 1e-8      # metric I, Hessian H: Armijo NGD converges


def test_tolerance_stops_on_any_history_entry():
    obj = small_quadratic()
    result = train(obj, build_optimizer("gd", lr=0.3), np.zeros(5), iterations=500, tol=1e-3, meter=error_meter,
                   stop_on="relative_l2_error_galerkin")
    assert result.iterations < 500 and "converged" in result.message
    errors = result.history["relative_l2_error_galerkin"]
    assert errors[-1] <= 1e-3 < errors[-2]


def test_time_budget_and_zero_iterations():
    obj = small_quadratic()
    result = train(obj, build_optimizer("gd", lr=0.01), np.zeros(5), iterations=10**6, time_budget=0.05)
    assert 0 < result.iterations < 10**6 and "time budget" in result.message
    assert result.history["seconds"][-1] >= 0.05
    none = train(obj, build_optimizer("gd"), np.ones(5), iterations=0)
    assert none.iterations == 0 and np.all(none.theta == 1.0)


def test_divergence_is_flagged_and_the_last_good_iterate_returned():
    obj = small_quadratic()
    good = []
    with np.errstate(over="ignore", invalid="ignore"):
        result = train(obj, build_optimizer("gd", lr=1e3), np.ones(5), iterations=10**4,
                       callback=lambda k, th, row: good.append(th.copy()))
    assert result.diverged and "diverged" in result.message and "last finite iterate" in result.message
    assert np.all(np.isfinite(result.theta)) and np.array_equal(result.theta, good[-1])
    assert np.isfinite(result.history["loss"][-1]) and result.iterations == len(good) - 1


@pytest.mark.parametrize("name,kwargs", [("ngd", {"step": "grid"}), ("ngd", {"step": "armijo"}),
                                         ("ngd", {"step": "quadratic"})])
def test_line_searches_decrease_the_loss_on_a_nonlinear_model(name, kwargs):
    obj = TanhRegression(4, points=np.linspace(0, 1, 20))
    result = train(obj, build_optimizer(name, **kwargs), obj.init(1), iterations=40)
    loss = np.array(result.history["loss"])
    assert not result.diverged
    assert loss[-1] < 1e-4 * loss[0]
    assert np.all(np.diff(loss) <= 1e-15)


@pytest.mark.parametrize("name,kwargs,iterations", [("adam", {"lr": 0.05}, 800), ("lbfgs", {}, 60)])
def test_adam_and_lbfgs_converge_on_a_small_quadratic(name, kwargs, iterations):
    obj = small_quadratic()
    star = obj.minimizer()
    result = train(obj, build_optimizer(name, **kwargs), np.zeros(5), iterations=iterations)
    assert np.linalg.norm(result.theta - star) < 1e-4 * np.linalg.norm(star)
    assert len(result.history["loss"]) == result.iterations + 1
    assert np.isclose(result.history["loss"][-1], obj.loss(result.theta))


def test_lbfgs_tolerance_stops_inside_the_scipy_callback():
    obj = small_quadratic()
    result = train(obj, build_optimizer("lbfgs"), np.zeros(5), iterations=100, tol=1e-3, meter=error_meter,
                   stop_on="relative_l2_error_galerkin")
    errors = result.history["relative_l2_error_galerkin"]
    assert "converged" in result.message and errors[-1] <= 1e-3 < errors[-2]


def test_stochastic_training_is_deterministic_per_seed():
    def run(seed):
        obj = TanhRegression(3, samples=30)
        return train(obj, build_optimizer("nhb-fd", lr=0.5, momentum=0.5, step="fixed"), obj.init(0),
                     iterations=8, seed=seed)

    a, b, c = run(0), run(0), run(1)
    assert a.history["loss"] == b.history["loss"] and np.array_equal(a.theta, b.theta)
    assert not np.array_equal(a.theta, c.theta)


def test_resample_is_called_every_iteration_with_the_seeded_generator():
    obj = TanhRegression(3, samples=10)
    drawn = []
    original = obj.resample
    obj.resample = lambda rng: (original(rng), drawn.append(obj.x.copy()))
    obj.resample(np.random.default_rng(99))
    train(obj, build_optimizer("ngd"), obj.init(0), iterations=4, seed=7)
    rng = np.random.default_rng(7)
    expected = [rng.uniform(0.0, 1.0, 10) for _ in range(4)]
    assert len(drawn) == 5 and all(np.array_equal(x, y) for x, y in zip(drawn[1:], expected))


def test_a_finite_blow_up_counts_as_divergence():
    """GD at 3× the stability limit grows geometrically: stopped at the ceiling, long before overflow."""
    obj = small_quadratic()
    result = train(obj, build_optimizer("gd", lr=3.0), np.ones(5), iterations=10**4, divergence_factor=1e6)
    L0 = result.history["loss"][0]
    assert result.diverged and "blew up" in result.message and result.iterations < 100
    assert max(result.history["loss"]) <= 1e6 * max(L0, 1.0) and np.all(np.isfinite(result.theta))


def test_blas_threads_does_not_change_the_numbers():
    obj = small_quadratic()
    runs = [train(obj, build_optimizer("ngd", lr=0.5), np.ones(5), iterations=20, blas_threads=t) for t in (1, None)]
    assert np.allclose(runs[0].history["loss"], runs[1].history["loss"], rtol=1e-12, atol=0)


@pytest.mark.parametrize("kwargs,match", [({"iterations": -1}, "^iterations:"), ({"iterations": 2.5}, "^iterations:"),
                                          ({"tol": -1.0}, "^tol:"), ({"theta0": np.zeros(3)}, "^theta0:"),
                                          ({"theta0": np.full(5, np.nan)}, "^theta0:"),
                                          ({"blas_threads": 0}, "^blas_threads:"),
                                          ({"divergence_factor": 0.5}, "^divergence_factor:")])
def test_bad_arguments(kwargs, match):
    args = {"theta0": np.zeros(5), **kwargs}
    with pytest.raises(ValueError, match=match):
        train(small_quadratic(), build_optimizer("ngd"), **args)
