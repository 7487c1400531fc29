"""Optimizers: the protocol, directions, momentum transforms, step rules, named recipes, theory.

An optimizer is ``init(objective, θ₀) → state`` and ``step(objective, θ, state) → (θ, state, info)``
(:mod:`.base`); :class:`Descent` composes a direction (:mod:`.directions`), a momentum transform
(:mod:`.momentum`) and a step rule (:mod:`.steps`); :data:`OPTIMIZERS` names the recipes over them
(:func:`build_optimizer`); :mod:`.baselines` holds Adam and L-BFGS; :mod:`.theory` the quadratic theory.
"""
from . import theory
from .base import Optimizer, StepInfo
from .baselines import LBFGS, Adam
from .descent import RESTARTS, SEARCHES, Descent, DescentState
from .directions import Direction, Gradient, Natural, Spring
from .momentum import (FunctionDifference, HeavyBall, LastGradient, LastMomentum, Momentum, MomentumState,
                       NaturalNesterov, Nesterov)
from .optimizers import OPTIMIZERS, accepted_options, build_optimizer
from .steps import STEP_RULES, Armijo, Fixed, Grid, Quadratic, StepRule, make_step

__all__ = ["theory", "Optimizer", "StepInfo", "Descent", "DescentState", "SEARCHES", "RESTARTS", "Direction",
           "Natural", "Gradient", "Spring", "Momentum", "MomentumState", "LastMomentum", "FunctionDifference",
           "LastGradient", "NaturalNesterov", "HeavyBall", "Nesterov", "Adam", "LBFGS", "OPTIMIZERS",
           "accepted_options", "build_optimizer", "StepRule", "Fixed", "Armijo", "Grid", "Quadratic", "make_step",
           "STEP_RULES"]
