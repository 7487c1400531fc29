"""The recipes by name (:data:`RECIPES`): what ``femngd train`` runs for a model named with no method option.

Each factory is ``(problem, space, model=..., <model options>, seed, progress) -> TrainResult``; the
recipe chooses its own loss, metric, optimizer and budget.
"""
from __future__ import annotations

from ..fem import AdvectionDiffusion, FESpace
from ..registry import Registry
from ..train import TrainResult
from .freeknot import train_freeknot
from .network import NETWORK_MODELS, train_network

__all__ = ["RECIPES", "MODEL_RECIPES"]

#: every recipe by name
RECIPES = Registry("recipe", positional=2)
#: the recipe a model runs when named with no method option
MODEL_RECIPES = {"freeknot": "freeknot", **{name: "network" for name in NETWORK_MODELS}}


@RECIPES.register("freeknot", doc="free-knot P1 at small ε: test space moving with the knots, de Boor "
                  "re-equidistribution, continuation in ε")
def _freeknot(problem: AdvectionDiffusion, space: FESpace | None, model: str = "freeknot", n_knots: int = 16,
              seed: int = 0, progress: bool = False) -> TrainResult:
    if model != "freeknot":
        raise ValueError(f"model: the freeknot recipe trains free-knot P1 ('freeknot'), not {model!r}")
    if problem.dim != 1:
        raise ValueError("model: free-knot P1 is one-dimensional")
    return train_freeknot(problem, space, n_knots=n_knots, seed=seed, progress=progress)


@RECIPES.register("network", doc="tanh networks at small ε: the dual-norm residual of a test mesh resolving ε, "
                  "continuation in ε")
def _network(problem: AdvectionDiffusion, space: FESpace | None, model: str = "shallow", width: int = 32,
             depth: int = 1, activation: str = "tanh", seed: int = 0, progress: bool = False) -> TrainResult:
    return train_network(problem, space, model=model, width=width, depth=depth, activation=activation, seed=seed,
                         progress=progress)
