"""Optimizers: natural and parameter-space directions, momentum transforms, step rules, theory."""
from . import theory
from .momentum import (FunctionDifference, HeavyBall, LastGradient, LastMomentum, Momentum, MomentumState,
                       NaturalNesterov, Nesterov, Spring)
from .optimizers import OPTIMIZERS, LBFGS, Adam, Optimizer, StepInfo, build_optimizer
from .steps import STEP_RULES, Armijo, Fixed, Grid, Quadratic, StepRule, make_step

__all__ = ["theory", "Momentum", "MomentumState", "LastMomentum", "FunctionDifference", "LastGradient",
           "NaturalNesterov", "HeavyBall", "Nesterov", "Spring", "Optimizer", "Adam", "LBFGS", "StepInfo",
           "build_optimizer", "OPTIMIZERS", "StepRule", "Fixed", "Armijo", "Grid", "Quadratic", "make_step",
           "STEP_RULES"]
