"""Natural gradients in function space: objectives (losses + metrics), Gram solves, error meters."""
from .objective import Linearization, Measurable, Objective
from .tangent import METRICS, TangentObjective
from .metrics import RESIDUAL_NORMS, SPDInverse, fe_metric, residual_weight
from .solve import SOLVE_METHODS, SOLVES, GramSolver, SolveResult
from .fe_objectives import FE_LOSSES, FEObjective, FEResidual, L2Regression, probe_matrices
from .strong_residual import StrongResidual
from .parametric_residual import ParametricResidual
from .kl import KLDivergence, bimodal_density
from .errors import ErrorMeter, GridMeter
from .factory import (BC_NAMES, LOSS_NAMES, LOSSES, MODEL_NAMES, MODELS, POINT_NAMES, build_model, build_objective,
                      grid_points)

__all__ = ["Linearization", "Measurable", "Objective", "SOLVES", "MODELS", "LOSSES", "grid_points", "TangentObjective", "METRICS", "RESIDUAL_NORMS", "SPDInverse", "fe_metric",
           "residual_weight", "GramSolver", "SolveResult", "SOLVE_METHODS", "FEObjective", "FE_LOSSES",
           "L2Regression", "FEResidual", "probe_matrices", "StrongResidual", "ParametricResidual", "KLDivergence", "bimodal_density",
           "ErrorMeter", "GridMeter", "build_model", "build_objective", "MODEL_NAMES", "LOSS_NAMES", "BC_NAMES", "POINT_NAMES"]
