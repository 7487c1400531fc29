"""train() refuses bad arguments with a ValueError naming the argument, and leaves its optimizer alone."""
import numpy as np
import pytest

from femngd.fem import FESpace, layer_1d, uniform_mesh_1d
from femngd.natural import ErrorMeter, build_model, build_objective
from femngd.optim import build_optimizer
from femngd.train import train


@pytest.fixture(scope="module")
def setup():
    problem, space = layer_1d(0.1), FESpace(uniform_mesh_1d(16))
    model = build_model("fe", problem, space)
    return problem, space, model, build_objective(problem, space, model, loss="fe-residual", metric="h1")


@pytest.mark.parametrize("kwargs, needle", [
    ({"stop_on": "bogus", "tol": 1e-3}, "stop_on"), ({"meter_every": 0}, "meter_every"),
    ({"time_budget": -1}, "time_budget"), ({"iterations": -1}, "iterations")])
def test_bad_loop_arguments(setup, kwargs, needle):
    problem, space, model, objective = setup
    with pytest.raises(ValueError, match=needle):
        train(objective, build_optimizer("ngd"), model.init(0), meter=ErrorMeter(problem, space), **kwargs)


def test_stop_on_without_meter_must_be_the_loss(setup):
    _, _, model, objective = setup
    with pytest.raises(ValueError, match="stop_on"):
        train(objective, build_optimizer("ngd"), model.init(0), stop_on="relative_l2_error_exact", tol=1e-3)


@pytest.mark.parametrize("theta0, needle", [
    (lambda n: np.zeros(n) + 1j, "real"), (lambda n: np.r_[np.nan, np.zeros(n - 1)], "NaN or infinite"),
    (lambda n: np.zeros(n + 1), "shape")])
def test_bad_theta0(setup, theta0, needle):
    _, _, model, objective = setup
    with pytest.raises(ValueError, match=f"theta0: .*{needle}"):
        train(objective, build_optimizer("ngd"), theta0(model.n_params))


@pytest.mark.parametrize("optimizer", ["ngd", None, 3])
def test_optimizer_must_be_an_object(setup, optimizer):
    _, _, model, objective = setup
    with pytest.raises(ValueError, match="optimizer"):
        train(objective, optimizer, model.init(0))


def test_auto_does_not_modify_the_callers_optimizer(setup):
    _, _, model, objective = setup
    optimizer = build_optimizer("nhb-lm", momentum="auto", step="fixed")
    before = (repr(optimizer), repr(optimizer.step_rule), optimizer.momentum.beta, dict(vars(optimizer)))
    result = train(objective, optimizer, model.init(0), iterations=3)
    assert (repr(optimizer), repr(optimizer.step_rule), optimizer.momentum.beta, dict(vars(optimizer))) == before
    assert result.info["auto_momentum"]["beta"] > 0.5


@pytest.mark.parametrize("name, options, needle", [
    ("ngd", {"momentum": 0.9}, "momentum"), ("gd", {"restart": True}, "restart"), ("adam", {"lr": "auto"}, "lr"),
    ("adam", {"step": "grid"}, "step"), ("lbfgs", {"reg": 1e-8}, "reg"), ("nhb-lm", {"damping": 0.1}, "damping"),
    ("nhb-lm", {"momentum": "auto", "step": "armijo"}, "step"), ("ngd", {"lr": "auto", "step": "grid"}, "step")])
def test_options_an_optimizer_would_ignore_are_errors(name, options, needle):
    with pytest.raises(ValueError, match=f"^{needle}:"):
        build_optimizer(name, **options)


def test_spring_takes_damping():
    assert build_optimizer("spring", damping=0.1, momentum=0.5).direction.damping == 0.1
