"""One description of a training run, from which the CLI, the studies, the presets and scripts build it.

    spec = RunSpec(problem="layer", eps=1e-2, n=64, model="shallow", model_options={"width": 32},
                   loss="strong-residual", optimizer="nhb-lm", optimizer_options={"momentum": 0.3})
    spec.validate()                 # every name and option, at once, before any work
    parts = spec.build()            # problem, space, model, objective, optimizer, meter
    result = parts.train(iterations=200)        # or spec.run(iterations=200)

A spec names its pieces from the registries (:data:`femngd.fem.PROBLEMS`, :data:`~femngd.fem.MESHES`,
:data:`femngd.natural.MODELS`, :data:`~femngd.natural.LOSSES`, :data:`~femngd.natural.METRICS`,
:data:`femngd.optim.OPTIMIZERS`, :data:`femngd.recipes.RECIPES`) or passes objects (a user's own model,
factory or optimizer). Options a spec does not name get :mod:`femngd.optim.defaults` (the same for
``femngd train``, study configs and library code), and an option a piece would ignore is an error.
A spec with a ``recipe`` runs that ε-robust procedure (:mod:`femngd.recipes`), which chooses its own
loss, metric and optimizer: naming one of those with it is an error.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Mapping

from .fem import MESHES, PROBLEMS, AdvectionDiffusion, FESpace, make_mesh, problem_by_name, problem_name
from .models import Model
from .natural import LOSSES, METRICS, MODELS, ErrorMeter, GridMeter, build_model, build_objective
from .optim import OPTIMIZERS, Optimizer, build_optimizer
from .optim.defaults import default_optimizer_options
from .recipes import RECIPES
from .train import TrainResult, train

__all__ = ["RunSpec", "RunParts", "optimizer_options", "METERS"]

#: how a run measures its errors: against Galerkin and exact on the FE space ("fe"), against the exact
#: solution on a 198 × 198 grid of the unit square ("grid", the ENGD benchmark's), or not at all ("none")
METERS = ("fe", "grid", "none")
#: what an unnamed loss, metric and optimizer are
DEFAULT_LOSS, DEFAULT_METRIC, DEFAULT_OPTIMIZER = "fe-residual", "gauss-newton", "ngd"


def optimizer_options(name: str, given: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The options of :func:`~femngd.optim.build_optimizer` for ``name``: the ``given`` ones over the
    ``defaults`` that ``name`` takes ('auto' sets the step itself, so it drops the default step and β)."""
    if given.get("lr") == "auto" or given.get("momentum") == "auto":
        defaults = {k: v for k, v in defaults.items() if k not in ("step", "momentum")}
    accepted = OPTIMIZERS.entry(name).options
    return {**{k: v for k, v in defaults.items() if k in accepted}, **given}


@dataclass
class RunParts:
    """What a :class:`RunSpec` builds: everything :func:`femngd.train.train` needs, and the error meter
    (built on first use: the FE meter solves the Galerkin problem, which a caller with its own never needs)."""

    problem: AdvectionDiffusion
    space: FESpace | None
    model: Model
    objective: Any
    optimizer: Optimizer
    seed: int = 0
    spec: "RunSpec | None" = None

    @cached_property
    def meter(self):
        """The spec's error meter (:data:`METERS`): :class:`~femngd.natural.ErrorMeter` by default."""
        kind = self.spec.meter if self.spec is not None else "fe"
        if kind == "grid":
            return GridMeter(self.problem)
        if kind == "none" or self.space is None:
            return None
        return ErrorMeter(self.problem, self.space)

    def train(self, iterations: int = 100, seed: int | None = None, **kwargs: Any) -> TrainResult:
        """:func:`femngd.train.train` from ``model.init(seed)`` (the run's seed by default) with this run's
        meter and seed."""
        seed = self.seed if seed is None else seed
        return train(self.objective, self.optimizer, self.model.init(seed), iterations=iterations,
                     meter=kwargs.pop("meter", self.meter), seed=seed, **kwargs)


@dataclass(frozen=True)
class RunSpec:
    """A training run: problem and discretization, model, loss and metric, optimizer (or recipe), meter, seed.

    ``problem``: a registered name (which fixes the dimension) or a CLI name (layer, smooth, poisson) with
    ``dim``. ``mesh``: a kind of :data:`~femngd.fem.MESHES` or a mesh file path, with ``n`` cells per direction
    and P``degree``; None for a run on points alone (the strong residual on a grid). ``model``: a name, a
    :class:`~femngd.models.Model` or a factory ``(problem, space, **options) -> Model``. ``loss``, ``metric``,
    ``optimizer``: None for the defaults (fe-residual, gauss-newton, ngd). ``*_options``: keyword options of
    the pieces (unnamed optimizer options from :mod:`femngd.optim.defaults`). ``recipe``: a name of
    :data:`~femngd.recipes.RECIPES` with ``recipe_options``. ``meter``: one of :data:`METERS`.
    """

    problem: str = "layer"
    eps: float = 1e-2
    dim: int = 1
    mesh: str | None = "uniform"
    n: int = 32
    degree: int = 1
    model: Any = "fe"
    model_options: Mapping[str, Any] = field(default_factory=dict)
    loss: str | None = None
    metric: str | None = None
    objective_options: Mapping[str, Any] = field(default_factory=dict)
    optimizer: Any = None
    optimizer_options: Mapping[str, Any] = field(default_factory=dict)
    recipe: str | None = None
    recipe_options: Mapping[str, Any] = field(default_factory=dict)
    meter: str = "fe"
    seed: int = 0

    # --- names and options ---------------------------------------------------------------------

    @property
    def problem_name(self) -> str:
        """The registered name of the spec's problem (:data:`femngd.fem.PROBLEMS`)."""
        return problem_name(self.problem, self.dim)

    def validate(self) -> "RunSpec":
        """Check every name and option of the spec at once (ValueError naming the first bad one), then build
        it on a mesh of at most 4 cells per direction so that bad values fail too; nothing is trained.
        Returns the spec."""
        PROBLEMS.entry(self.problem_name)
        if self.meter not in METERS:
            raise ValueError(f"meter: must be one of {', '.join(METERS)}, got {self.meter!r}")
        if self.recipe is not None:
            self._check_recipe()
            return self
        if isinstance(self.model, str):
            MODELS.check_options(self.model, self.model_options)
        LOSSES.check_options(self.loss_name, self.objective_options)
        METRICS.entry(self.metric_name)
        if isinstance(self.optimizer_name, str):
            OPTIMIZERS.check_options(self.optimizer_name, self.optimizer_options)
        small = replace(self, n=min(self.n, 4)) if self.mesh in MESHES else self
        small.build()
        return self

    @property
    def loss_name(self) -> str:
        return self.loss or DEFAULT_LOSS

    @property
    def metric_name(self) -> str:
        return self.metric or DEFAULT_METRIC

    @property
    def optimizer_name(self) -> Any:
        return self.optimizer if self.optimizer is not None else DEFAULT_OPTIMIZER

    def _recipe_options(self) -> dict[str, Any]:
        """What the recipe gets: the model's name and options, and the recipe's own options."""
        return {"model": self.model, **self.model_options, **self.recipe_options}

    def _check_recipe(self) -> None:
        """A recipe chooses its own loss, metric and optimizer: naming one is an error, not a no-op."""
        RECIPES.check_options(self.recipe, self._recipe_options())
        for key in ("loss", "metric", "optimizer"):
            if getattr(self, key) is not None:
                raise ValueError(f"{key}: the {self.recipe} recipe chooses its own {key}; drop it or drop the recipe")
        for key in ("objective_options", "optimizer_options"):
            if getattr(self, key):
                raise ValueError(f"{key}: the {self.recipe} recipe chooses its own; drop them or drop the recipe")

    # --- building and running --------------------------------------------------------------------

    def discretization(self) -> tuple[AdvectionDiffusion, FESpace | None]:
        """(problem, FE space) of the spec (no space when ``mesh`` is None)."""
        problem = problem_by_name(self.problem_name, self.eps)
        if self.mesh is None:
            return problem, None
        mesh = make_mesh(self.mesh, self.n, problem.dim, eps=self.eps, degree=self.degree)
        return problem, FESpace(mesh, degree=self.degree)

    def build(self) -> RunParts:
        """Problem, space, model, objective, optimizer and meter (ValueError naming a bad name or option)."""
        if self.recipe is not None:
            raise ValueError(f"recipe: a {self.recipe} recipe changes its objective and optimizer per stage: "
                             "run it (spec.run()), there is nothing fixed to build")
        problem, space = self.discretization()
        model = build_model(self.model, problem, space, **self.model_options)
        objective = build_objective(problem, space, model, loss=self.loss_name, metric=self.metric_name,
                                    seed=self.seed, **self.objective_options)
        return RunParts(problem, space, model, objective, self._optimizer(model), self.seed, self)

    def _optimizer(self, model: Model) -> Optimizer:
        """The named optimizer with the given options over the defaults for this model, loss and metric."""
        if not isinstance(self.optimizer_name, str):
            return build_optimizer(self.optimizer_name, **self.optimizer_options)
        defaults = default_optimizer_options(self.optimizer_name, model.is_linear, self.loss_name, self.metric_name)
        return build_optimizer(self.optimizer_name,
                               **optimizer_options(self.optimizer_name, dict(self.optimizer_options), defaults))

    def run(self, iterations: int | None = None, progress: bool = False, **kwargs: Any) -> TrainResult:
        """Build and train: ``build().train(iterations, ...)`` (100 iterations by default), or the recipe
        (which sets its own budget: ``iterations`` is then an error)."""
        if self.recipe is None:
            return self.build().train(iterations=100 if iterations is None else iterations, progress=progress,
                                      **kwargs)
        self._check_recipe()
        if iterations is not None or kwargs:
            raise ValueError(f"{'iterations' if iterations is not None else next(iter(kwargs))}: the {self.recipe} "
                             "recipe sets its own budget")
        problem, space = self.discretization()
        return RECIPES.build(self.recipe, problem, space, seed=self.seed, progress=progress, **self._recipe_options())
