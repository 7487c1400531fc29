"""Parametric models θ ↦ v_θ with values, spatial derivatives and exact θ-Jacobians."""
from .activations import ACTIVATIONS, activation
from .base import Evaluation, Model, check_points, check_seed, check_theta, seeded_rng
from .bump import PeriodicBump
from .dirichlet import HardDirichlet, affine_lift, unit_distance
from .fe import FECoefficients
from .features import Fourier, Legendre, LinearFeatures
from .freeknot import FreeKnotP1
from .mlp import MLP
from .shallow import ShallowNetwork

__all__ = ["Evaluation", "Model", "check_points", "check_theta", "check_seed", "seeded_rng", "FECoefficients", "LinearFeatures", "Legendre",
           "Fourier", "FreeKnotP1", "HardDirichlet", "affine_lift", "unit_distance", "ACTIVATIONS", "activation",
           "ShallowNetwork", "MLP", "PeriodicBump"]
