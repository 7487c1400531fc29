"""Registries (issue 13): one table per kind, options checked against the factory, user pieces by object,
factory or registered name."""
import numpy as np
import pytest

from femngd import MODELS, OPTIMIZERS, RunSpec
from femngd.fem import FESpace, layer_1d, uniform_mesh_1d
from femngd.models import Legendre
from femngd.natural import GramSolver, build_model, build_objective
from femngd.optim import Grid, build_optimizer
from femngd.registry import Registry
from femngd.train import train


def test_a_registry_takes_the_factory_keywords_as_its_options_and_refuses_others():
    shapes = Registry("shape", positional=1)

    @shapes.register("box", doc="a box")
    def box(size, width=1.0, height=2.0):
        return (size, width, height)

    assert shapes.entry("box").options == ("width", "height") and "box" in shapes and shapes.names() == ("box",)
    assert shapes.build("box", 3, height=5.0) == (3, 1.0, 5.0)
    with pytest.raises(ValueError, match="^depth: not an option of shape 'box' \\(it takes: width, height\\)"):
        shapes.build("box", 3, depth=1.0)
    with pytest.raises(ValueError, match="^shape: must be one of box, got 'ball'"):
        shapes.entry("ball")
    assert shapes.markdown().splitlines()[2] == "| `box` | `width`, `height` | a box |"


def test_every_optimizer_recipe_declares_exactly_what_it_consumes():
    """Each declared option changes the optimizer built (so none is silently ignored)."""
    values = {"lr": 0.5, "momentum": 0.5, "restart": "gradient", "solve": "penrose", "reg": 1e-6, "step": "armijo",
              "search": "whole", "damping": 0.05, "memory": 5, "diagnostics": 3}
    for name in OPTIMIZERS:
        base = repr(vars(build_optimizer(name)))
        for option in OPTIMIZERS.entry(name).options:
            changed = repr(vars(build_optimizer(name, **{option: values[option]})))
            assert changed != base, f"{name}: {option} changes nothing"


def test_user_model_factory_solver_and_step_rule():
    problem, space = layer_1d(0.1), FESpace(uniform_mesh_1d(16))

    def legendre_factory(problem, space, degree=4):
        return Legendre(degree, 1)

    assert build_model(legendre_factory, problem, space, degree=3).n_params == Legendre(3, 1).n_params
    with pytest.raises(ValueError, match="^model"):
        build_model(lambda problem, space: "not a model", problem, space)
    MODELS.register("legendre4", legendre_factory, doc="Legendre, degree 4")
    try:
        spec = RunSpec(eps=0.1, n=16, model="legendre4", model_options={"degree": 5}, loss="l2", metric="l2")
        assert spec.validate().build().model.n_params == Legendre(5, 1).n_params
        with pytest.raises(ValueError, match="^width"):
            RunSpec(model="legendre4", model_options={"width": 2}).validate()
    finally:
        MODELS._entries.pop("legendre4")

    class Recorder(GramSolver):
        calls = 0

        def solve(self, G, rhs):
            Recorder.calls += 1
            return super().solve(G, rhs)

    model = build_model("poly", problem, space, bc="interior")
    objective = build_objective(problem, space, model, loss="l2", metric="l2", bc="interior")   # NGD: a projection
    steps = []

    def halving(loss, base, d, slope, along=None):
        steps.append(0.5)
        return 0.5

    result = train(objective, build_optimizer("ngd", solve=Recorder("penrose", 1e-12), step=halving),
                   model.init(0), iterations=3)
    assert Recorder.calls == 3 and steps == [0.5] * 3 and np.allclose(result.history["step"][1:], 0.5)
    losses = result.history["loss"]
    assert np.allclose(np.array(losses[1:]) / losses[:-1], 0.25, rtol=1e-6)      # the error halves every step
    for bad, needle in (({"solve": Recorder(), "reg": 1e-3}, "^reg"), ({"step": Grid(), "lr": 0.5}, "^lr")):
        with pytest.raises(ValueError, match=needle):
            build_optimizer("ngd", **bad)


def test_run_spec_names_what_a_recipe_would_ignore():
    with pytest.raises(ValueError, match="^loss: the freeknot recipe chooses its own"):
        RunSpec(model="freeknot", recipe="freeknot", loss="fe-residual").validate()
    with pytest.raises(ValueError, match="^width: not an option of recipe 'freeknot'"):
        RunSpec(model="freeknot", recipe="freeknot", model_options={"width": 3}).validate()
    with pytest.raises(ValueError, match="^iterations"):
        RunSpec(model="freeknot", recipe="freeknot").run(iterations=5)
    with pytest.raises(ValueError, match="^meter"):
        RunSpec(meter="exact").validate()
