"""One description of a training run, from which the CLI, the studies and scripts build it.

    spec = RunSpec(problem="layer", eps=1e-2, n=64, model="shallow", model_options={"width": 32},
                   loss="strong-residual", optimizer="nhb-lm", optimizer_options={"momentum": 0.3})
    parts = spec.build()            # problem, space, model, objective, optimizer, meter
    result = parts.train(iterations=200)

Options a spec does not name get :mod:`femngd.optim.defaults` (the same defaults for ``femngd train``,
study configs and library code), and an option the named optimizer would ignore is an error.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from .fem import PROBLEM_REGISTRY, AdvectionDiffusion, FESpace, make_mesh, make_problem, problem_by_name

__all__ = ["RunSpec", "RunParts", "optimizer_options"]


def optimizer_options(name: str, given: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The options of :func:`~femngd.optim.build_optimizer` for ``name``: the ``given`` ones over the
    ``defaults`` that ``name`` takes ('auto' sets the step itself, so it drops the default step and β)."""
    from .optim.optimizers import accepted_options

    if given.get("lr") == "auto" or given.get("momentum") == "auto":
        defaults = {k: v for k, v in defaults.items() if k not in ("step", "momentum")}
    accepted = accepted_options(name)
    return {**{k: v for k, v in defaults.items() if k in accepted}, **given}


@dataclass
class RunParts:
    """What a :class:`RunSpec` builds: everything :func:`femngd.train.train` needs, and the Galerkin meter
    (built on first use: it solves the Galerkin problem, which a caller with its own meter never needs)."""

    problem: AdvectionDiffusion
    space: FESpace
    model: Any
    objective: Any
    optimizer: Any
    seed: int = 0

    @cached_property
    def meter(self):
        """:class:`~femngd.natural.ErrorMeter` of the run's problem and space."""
        from .natural import ErrorMeter

        return ErrorMeter(self.problem, self.space)

    def train(self, iterations: int = 100, **kwargs: Any):
        """:func:`femngd.train.train` from ``model.init(seed)`` with this run's meter and seed."""
        from .train import train

        return train(self.objective, self.optimizer, self.model.init(self.seed), iterations=iterations,
                     meter=kwargs.pop("meter", self.meter), seed=self.seed, **kwargs)


@dataclass(frozen=True)
class RunSpec:
    """A training run: problem and discretization, model, loss and metric, optimizer, seed.

    ``problem``: a name of :data:`femngd.fem.PROBLEM_NAMES` (with ``dim``) or of
    :data:`femngd.fem.PROBLEM_REGISTRY` (which fixes the dimension). ``mesh``: uniform, shishkin, a shipped
    mesh or a path (:func:`femngd.fem.make_mesh`). ``*_options``: keyword options of
    :func:`~femngd.natural.build_model`, :func:`~femngd.natural.build_objective` and
    :func:`~femngd.optim.build_optimizer` (unnamed optimizer options from :mod:`femngd.optim.defaults`).
    """

    problem: str = "layer"
    eps: float = 1e-2
    dim: int = 1
    mesh: str = "uniform"
    n: int = 32
    degree: int = 1
    model: str = "fe"
    model_options: Mapping[str, Any] = field(default_factory=dict)
    loss: str = "fe-residual"
    metric: str = "gauss-newton"
    objective_options: Mapping[str, Any] = field(default_factory=dict)
    optimizer: str = "ngd"
    optimizer_options: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0

    def discretization(self) -> tuple[AdvectionDiffusion, FESpace]:
        """(problem, FE space) of the spec."""
        if self.problem in PROBLEM_REGISTRY:
            problem = problem_by_name(self.problem, self.eps)
        else:
            problem = make_problem(self.problem, self.eps, self.dim)
        mesh = make_mesh(self.mesh, self.n, problem.dim, eps=self.eps, degree=self.degree)
        return problem, FESpace(mesh, degree=self.degree)

    def build(self) -> RunParts:
        """Problem, space, model, objective, optimizer and meter (ValueError naming a bad name or option)."""
        from .natural import build_model, build_objective
        from .optim import build_optimizer
        from .optim.defaults import default_optimizer_options

        problem, space = self.discretization()
        model = build_model(self.model, problem=problem, space=space, **self.model_options)
        objective = build_objective(problem, space, model, loss=self.loss, metric=self.metric, seed=self.seed,
                                    **self.objective_options)
        linear = model.is_linear
        defaults = default_optimizer_options(self.optimizer, linear, self.loss, self.metric)
        options = optimizer_options(self.optimizer, dict(self.optimizer_options), defaults)
        return RunParts(problem, space, model, objective, build_optimizer(self.optimizer, **options), self.seed)

