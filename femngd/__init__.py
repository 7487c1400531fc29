"""femngd: natural gradient descent in function space, measured against finite elements.

The public API, by layer (see README): problems/spaces/references (``femngd.fem``), models,
kernels, objectives and solves (``femngd.natural``), optimizers (``femngd.optim``), the
training loop, presets and studies.
"""
__version__ = "0.1.0"

from .fem import (MESHES, PROBLEMS, AdvectionDiffusion, FESpace, assemble_system, corner_layer_2d, galerkin,
                  layer_1d, load_mesh, make_mesh, make_problem, poisson_2d, problem_family, shipped_mesh,
                  shishkin_mesh_1d, smooth_2d, supg, uniform_mesh_1d, unit_square_mesh)
from .kernels import cross_gram, gram, point_gram, pullback, streaming_gram
from .models import (MLP, FECoefficients, Fourier, FreeKnotP1, HardDirichlet, Legendre, PeriodicBump,
                     ShallowNetwork)
from .natural import (LOSSES, METRICS, MODELS, SOLVES, ErrorMeter, GramSolver, ParametricResidual, StrongResidual,
                      build_model, build_objective)
from .optim import OPTIMIZERS, Optimizer, build_optimizer
from .train import TrainResult, train
from .presets import poisson2d, poisson2d_spec
from .results import FieldResult, galerkin_result, trained_result
from .recipes import (RECIPES, FreeKnotRecipe, NetworkRecipe, ParametricRecipe, train_freeknot, train_network,
                      train_parametric)
from .runspec import RunParts, RunSpec

__all__ = ["AdvectionDiffusion", "FESpace", "assemble_system", "corner_layer_2d", "galerkin", "layer_1d",
           "load_mesh", "make_mesh", "make_problem", "poisson_2d", "shipped_mesh", "shishkin_mesh_1d", "smooth_2d",
           "supg", "uniform_mesh_1d", "unit_square_mesh", "cross_gram", "gram", "point_gram", "pullback",
           "streaming_gram", "MLP", "FECoefficients", "Fourier", "FreeKnotP1", "HardDirichlet", "Legendre",
           "ShallowNetwork", "PeriodicBump", "ErrorMeter", "GramSolver", "StrongResidual", "build_model",
           "build_objective",
           "build_optimizer", "TrainResult", "train", "poisson2d", "FieldResult", "galerkin_result", "trained_result",
           "train_freeknot", "train_network", "FreeKnotRecipe", "NetworkRecipe", "RunSpec", "RunParts",
           "problem_family", "ParametricResidual", "ParametricRecipe", "train_parametric", "poisson2d_spec",
           "Optimizer", "PROBLEMS", "MESHES", "MODELS", "LOSSES", "METRICS", "SOLVES", "OPTIMIZERS", "RECIPES"]
