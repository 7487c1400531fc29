"""Build models and objectives by name: the vocabulary of the CLI, the studies and the scripts."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..fem import AdvectionDiffusion, FESpace, assemble_system
from ..models import (MLP, FECoefficients, Fourier, FreeKnotP1, HardDirichlet, Legendre, Model, ShallowNetwork)
from .fe_objectives import FE_LOSSES, FEObjective
from .kl import KLDivergence
from .objective import Objective
from .strong_residual import StrongResidual

__all__ = ["build_model", "build_objective", "MODEL_NAMES", "LOSS_NAMES", "BC_NAMES", "POINT_NAMES"]

MODEL_NAMES = ("fe", "poly", "fourier", "shallow", "mlp", "freeknot")
LOSS_NAMES = ("l2", "fe-residual", "fe-residual-dual", "strong-residual", "kl")
BC_NAMES = ("hard", "interior", "penalty")
POINT_NAMES = ("quadrature", "random", "optimal")


def _lift(problem: AdvectionDiffusion):
    """The lift of the hard constraint: affine in 1D; zero data only in 2D."""
    if problem.has_zero_dirichlet:
        return None
    if problem.dim == 1:
        g0, g1 = problem.dirichlet(np.array([[0.0], [1.0]]))
        return (float(g0), float(g1))
    raise ValueError("bc: hard constraints in 2D need zero Dirichlet data; use --bc interior or penalty")


def build_model(name: str, problem: AdvectionDiffusion, space: FESpace, width: int = 16, depth: int = 1,
                activation: str = "tanh", degree: int = 8, n_modes: int = 8, n_knots: int = 16,
                bc: str = "hard", init_std: float | None = None, **unknown: Any) -> Model:
    """The model ``name`` for ``problem`` (hard Dirichlet wrapper unless ``bc`` is interior/penalty).

    fe: FE coefficients of the interior DOFs; poly: Legendre of ``degree``; fourier:
    ``n_modes`` modes; shallow: ``width`` neurons; mlp: ``depth`` hidden layers of ``width``;
    freeknot: ``n_knots`` movable knots (1D). Unknown options raise ValueError.
    """
    _check_unknown(unknown, "model")
    if bc not in BC_NAMES:
        raise ValueError(f"bc: must be one of {', '.join(BC_NAMES)}, got {bc!r}")
    dim = problem.dim
    if bc == "hard" and name != "fe":
        _check_unit_box(space)
    if name == "fe":
        return FECoefficients(space.interior_dofs.size, dim)
    if name == "poly":
        model = Legendre(degree, dim)
    elif name == "fourier":
        model = Fourier(n_modes, dim)
    elif name == "shallow":
        model = ShallowNetwork(width, dim, activation, init_std=init_std)
    elif name == "mlp":
        model = MLP((width,) * depth, dim, activation, init_std=init_std)
    elif name == "freeknot":
        if dim != 1:
            raise ValueError("model: free-knot P1 is one-dimensional")
        model = FreeKnotP1(n_knots)
    else:
        raise ValueError(f"model: must be one of {', '.join(MODEL_NAMES)}, got {name!r}")
    return HardDirichlet(model, lift=_lift(problem)) if bc == "hard" else model


def _check_unit_box(space: FESpace) -> None:
    """The hard-constraint wrapper's distance function vanishes on the boundary of (0, 1)^dim only."""
    lo, hi = space.mesh.p.min(axis=1), space.mesh.p.max(axis=1)
    if not (np.allclose(lo, 0.0) and np.allclose(hi, 1.0)) or not np.isclose(np.sum(space.mass() @ np.ones(space.n_dofs)), 1.0):
        raise ValueError("bc: hard constraints use the distance function of the unit interval/square; this mesh's "
                         "domain is another one: use bc='interior' (FE losses) or 'penalty' (strong residual)")


def _check_unknown(options: dict, what: str) -> None:
    if options:
        raise ValueError(f"{next(iter(options))}: unknown {what} option")


def _fe_target(problem: AdvectionDiffusion, space: FESpace, target: str | np.ndarray | None):
    """Interior target values of the l2 loss: None (Galerkin), "exact" (interpolated) or an array."""
    if target is None or isinstance(target, np.ndarray):
        return target
    if target == "galerkin":
        return None
    if target != "exact":
        raise ValueError(f"target: must be 'galerkin', 'exact' or an array of interior values, got {target!r}")
    if problem.exact is None:
        raise ValueError(f"target: problem {problem.name} has no exact solution")
    return space.interpolate(problem.exact)[space.interior_dofs]


def _boundary_points(problem: AdvectionDiffusion, space: FESpace, penalty: float):
    """Penalty points: the boundary DOF locations, weights penalty / #points."""
    y = space.dof_locations[space.boundary_dofs]
    return y, np.full(y.shape[0], penalty / y.shape[0])


def build_objective(problem: AdvectionDiffusion, space: FESpace, model: Model, loss: str = "fe-residual",
                    metric: str = "l2", seed: int = 0, bc: str = "hard", points: str = "quadrature",
                    samples: int = 100, penalty: float = 1.0, target: str | np.ndarray | None = None,
                    gram: str = "auto", **unknown: Any) -> Objective:
    """The objective ``loss`` of ``model`` in ``metric`` (see :data:`LOSS_NAMES`).

    FE losses evaluate the model at the interior DOFs; the strong residual at the quadrature
    points of ``space`` (``points="quadrature"``) or at ``samples`` points redrawn every step
    (random, optimal), with a boundary penalty of weight ``penalty`` unless ``bc="hard"``.
    ``target`` (l2 loss): "galerkin" (default), "exact" (interpolated) or interior values.
    KL: the model is the log-density n_θ, v = exp(n_θ) > 0, so it must be unconstrained
    (``bc="interior"``, no hard wrapper). ``gram`` (strong residual): "auto" (the m × m kernel form when
    there are fewer points than parameters), "dense" or "kernel" (:mod:`femngd.natural.kernel_gram`).
    """
    _check_unknown(unknown, "objective")
    if loss not in LOSS_NAMES:
        raise ValueError(f"loss: must be one of {', '.join(LOSS_NAMES)}, got {loss!r}")
    if not isinstance(model, Model):
        raise ValueError(f"model: expected a Model (see build_model), got {type(model).__name__}")
    if gram != "auto" and loss != "strong-residual":
        raise ValueError(f"gram: chooses the Gram form of the strong residual's point metrics, not of {loss}")
    if loss in FE_LOSSES:
        if bc == "penalty":
            raise ValueError("bc: 'penalty' applies to the strong residual; FE losses impose g_B on the boundary DOFs")
        target = _fe_target(problem, space, target) if loss == "l2" else target
        if target is not None and loss != "l2":
            raise ValueError(f"target: only the l2 loss has a target, not {loss}")
        return FEObjective(assemble_system(problem, space), model, loss, metric, target=target)
    if isinstance(model, FECoefficients):
        raise ValueError(f"model: FE coefficients need an FE loss ({', '.join(FE_LOSSES)}), not {loss}")
    if loss == "kl":
        if isinstance(model, HardDirichlet):
            raise ValueError("bc: the KL loss trains an unconstrained log-density; use bc='interior'")
        return KLDivergence(space, model, metric=metric)
    if isinstance(getattr(model, "model", model), FreeKnotP1):
        raise ValueError("loss: free-knot P1 has v″ = 0 inside every cell, so the strong residual cannot see the "
                         "diffusion; use fe-residual-dual (or the default free-knot recipe: no --loss)")
    if points not in POINT_NAMES:
        raise ValueError(f"points: must be one of {', '.join(POINT_NAMES)}, got {points!r}")
    if bc == "interior":
        raise ValueError("bc: 'interior' applies to FE losses; use hard or penalty with the strong residual")
    boundary = None if isinstance(model, HardDirichlet) else _boundary_points(problem, space, penalty)
    if points == "quadrature":
        x, w = space.quadrature()
        return StrongResidual(problem, model, x, w, boundary=boundary, metric=metric, gram=gram)
    return StrongResidual(problem, model, sampler="random" if points == "random" else "optimal",
                          samples=samples, boundary=boundary, metric=metric, seed=seed, gram=gram)
