"""Natural gradients in function space: objectives (losses + metrics), Gram solves, error meters."""
from .objective import Linearization, Objective
from .tangent import METRICS, TangentObjective
from .metrics import RESIDUAL_NORMS, SPDInverse, fe_metric, residual_weight
from .solve import SOLVE_METHODS, GramSolver, SolveResult
from .fe_objectives import FE_LOSSES, FEObjective, FEResidual, L2Regression, probe_matrices
from .strong_residual import StrongResidual
from .parametric_residual import ParametricResidual
from .kl import KLDivergence, bimodal_density
from .errors import ErrorMeter
from .factory import BC_NAMES, LOSS_NAMES, MODEL_NAMES, POINT_NAMES, build_model, build_objective

__all__ = ["Linearization", "Objective", "TangentObjective", "METRICS", "RESIDUAL_NORMS", "SPDInverse", "fe_metric",
           "residual_weight", "GramSolver", "SolveResult", "SOLVE_METHODS", "FEObjective", "FE_LOSSES",
           "L2Regression", "FEResidual", "probe_matrices", "StrongResidual", "ParametricResidual", "KLDivergence", "bimodal_density",
           "ErrorMeter", "build_model", "build_objective", "MODEL_NAMES", "LOSS_NAMES", "BC_NAMES", "POINT_NAMES"]
