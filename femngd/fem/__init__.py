"""Finite elements for −εΔu + b·∇u = f: problems, meshes, spaces, Galerkin/SUPG, errors."""
from .problems import (PROBLEM_NAMES, PROBLEMS, AdvectionDiffusion, check_eps, corner_layer_2d, layer_1d,
                       layer_profile, make_problem, poisson_1d, poisson_2d, problem_by_name, problem_name, smooth_1d,
                       smooth_2d)
from .meshes import (MESH_KINDS, MESHES, graded_mesh_1d, make_mesh, shishkin_mesh_1d, shishkin_mesh_2d,
                     shishkin_transition, uniform_mesh_1d, unit_square_mesh)
from .mesh_io import SHIPPED_MESHES, load_mesh, shipped_mesh
from .spaces import FESpace
from .families import FAMILY_NAMES, EpsAxis, ProblemFamily, problem_family
from .galerkin import LinearSystem, assemble_system, galerkin, solve_system, supg
from .errors import (error_report, h1_error, l2_error, l2_norm, max_nodal_error, observed_orders, relative_h1_error,
                     relative_l2_error)

__all__ = [
    "AdvectionDiffusion", "check_eps", "EpsAxis", "ProblemFamily", "problem_family", "FAMILY_NAMES", "layer_1d",
    "layer_profile", "corner_layer_2d", "smooth_2d", "poisson_1d", "poisson_2d", "smooth_1d", "make_problem",
    "PROBLEM_NAMES", "PROBLEMS", "problem_by_name", "problem_name", "make_mesh", "MESHES", "MESH_KINDS",
    "shishkin_mesh_2d", "uniform_mesh_1d", "graded_mesh_1d", "shishkin_mesh_1d", "shishkin_transition",
    "unit_square_mesh", "load_mesh", "shipped_mesh", "SHIPPED_MESHES", "FESpace", "LinearSystem",
    "assemble_system", "galerkin", "supg", "solve_system", "l2_error", "l2_norm", "h1_error",
    "max_nodal_error", "relative_l2_error", "relative_h1_error", "observed_orders", "error_report",
]
