"""Parametric models θ ↦ v_θ with values, spatial derivatives and exact θ-Jacobians."""
from .base import Evaluation, Model, check_points, check_theta
from .fe import FECoefficients
from .features import Fourier, Legendre, LinearFeatures
from .freeknot import FreeKnotP1
from .dirichlet import HardDirichlet, affine_lift, unit_distance

__all__ = ["Evaluation", "Model", "check_points", "check_theta", "FECoefficients", "LinearFeatures", "Legendre",
           "Fourier", "FreeKnotP1", "HardDirichlet", "affine_lift", "unit_distance"]

# networks (written concurrently by the NETWORKS engineer): optional until their modules exist
try:
    from .activations import ACTIVATIONS, activation
    __all__ += ["ACTIVATIONS", "activation"]
except ImportError:  # pragma: no cover
    pass
try:
    from .shallow import ShallowNetwork
    __all__ += ["ShallowNetwork"]
except ImportError:  # pragma: no cover
    pass
try:
    from .mlp import MLP
    __all__ += ["MLP"]
except ImportError:  # pragma: no cover
    pass
