"""Parametric models θ ↦ v_θ with values, spatial derivatives and exact θ-Jacobians."""
from .base import Evaluation, Model, check_points, check_theta
from .activations import ACTIVATIONS, activation
from .fe import FECoefficients
from .features import Fourier, Legendre, LinearFeatures
from .shallow import ShallowNetwork
from .mlp import MLP
from .freeknot import FreeKnotP1
from .dirichlet import HardDirichlet, affine_lift, unit_distance

__all__ = ["Evaluation", "Model", "check_points", "check_theta", "ACTIVATIONS", "activation", "FECoefficients",
           "LinearFeatures", "Legendre", "Fourier", "ShallowNetwork", "MLP", "FreeKnotP1", "HardDirichlet",
           "affine_lift", "unit_distance"]
