"""Models and objectives by name: the registries behind the CLI, the studies and the scripts.

:data:`MODELS` maps a name to ``factory(problem, space, **options) -> Model`` and :data:`LOSSES` to
``factory(problem, space, model, metric=..., **options) -> Objective``; each factory's keyword
parameters are the options it takes, so an option a model or loss would ignore is an error naming it.
:func:`build_model` and :func:`build_objective` also take a user's own :class:`~femngd.models.Model`
(or a factory callable) and objective class, the way the rest of the toolkit takes objects.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..fem import AdvectionDiffusion, FESpace, assemble_system
from ..models import (MLP, FECoefficients, Fourier, FreeKnotP1, HardDirichlet, Legendre, Model, ShallowNetwork)
from ..registry import Registry
from .fe_objectives import FEObjective
from .kl import KLDivergence
from .objective import Objective
from .strong_residual import StrongResidual
from .tangent import METRICS

__all__ = ["build_model", "build_objective", "MODELS", "LOSSES", "MODEL_NAMES", "LOSS_NAMES", "BC_NAMES",
           "POINT_NAMES", "grid_points"]

#: boundary treatments: hard wrapper v = d(x)N(x) + lift; FE losses on the interior DOFs; boundary penalty
BC_NAMES = ("hard", "interior", "penalty")
#: interior points of the strong residual: the space's quadrature, uniform random, the optimal density, or
#: a uniform grid (with the boundary nodes of the same grid as penalty points)
POINT_NAMES = ("quadrature", "random", "optimal", "grid")

#: every model by name: factory(problem, space, **options) → Model (hard boundary wrapper unless bc says)
MODELS = Registry("model", positional=2)
#: every loss by name: factory(problem, space, model, metric, **options) → Objective
LOSSES = Registry("loss", positional=3)


def _lift(problem: AdvectionDiffusion):
    """The lift of the hard constraint: affine in 1D; zero data only in 2D."""
    if problem.has_zero_dirichlet:
        return None
    if problem.dim == 1:
        g0, g1 = problem.dirichlet(np.array([[0.0], [1.0]]))
        return (float(g0), float(g1))
    raise ValueError("bc: hard constraints in 2D need zero Dirichlet data; use --bc interior or penalty")


def _check_unit_box(space: FESpace) -> None:
    """The hard-constraint wrapper's distance function vanishes on the boundary of (0, 1)^dim only."""
    lo, hi = space.mesh.p.min(axis=1), space.mesh.p.max(axis=1)
    if not (np.allclose(lo, 0.0) and np.allclose(hi, 1.0)) or not np.isclose(np.sum(space.mass() @ np.ones(space.n_dofs)), 1.0):
        raise ValueError("bc: hard constraints use the distance function of the unit interval/square; this mesh's "
                         "domain is another one: use bc='interior' (FE losses) or 'penalty' (strong residual)")


def _bounded(model: Model, problem: AdvectionDiffusion, space: FESpace | None, bc: str) -> Model:
    """``model`` inside the hard-constraint wrapper (bc="hard"), or as it is (interior, penalty)."""
    if bc not in BC_NAMES:
        raise ValueError(f"bc: must be one of {', '.join(BC_NAMES)}, got {bc!r}")
    if bc != "hard":
        return model
    if space is not None:
        _check_unit_box(space)
    return HardDirichlet(model, lift=_lift(problem))


@MODELS.register("fe", doc="FE coefficients of the interior DOFs (V = θ, J = I)")
def _fe(problem: AdvectionDiffusion, space: FESpace, bc: str = "hard") -> Model:
    if bc not in ("hard", "interior"):
        raise ValueError(f"bc: FE coefficients carry the boundary values on the boundary DOFs ('hard' or "
                         f"'interior'), got {bc!r}")
    return FECoefficients(space.interior_dofs.size, problem.dim)


@MODELS.register("poly", doc="Legendre polynomials of total degree `degree` (linear)")
def _poly(problem, space, degree: int = 8, bc: str = "hard") -> Model:
    return _bounded(Legendre(degree, problem.dim), problem, space, bc)


@MODELS.register("fourier", doc="`n_modes` sine/cosine modes per direction (linear)")
def _fourier(problem, space, n_modes: int = 8, bc: str = "hard") -> Model:
    return _bounded(Fourier(n_modes, problem.dim), problem, space, bc)


@MODELS.register("shallow", doc="shallow network Σ c_i σ(w_i·x + b_i) of `width` neurons")
def _shallow(problem, space, width: int = 16, activation: str = "tanh", init_std: float | None = None,
             output_bias: bool = False, bc: str = "hard") -> Model:
    return _bounded(ShallowNetwork(width, problem.dim, activation, init_std=init_std, output_bias=output_bias),
                    problem, space, bc)


@MODELS.register("mlp", doc="MLP of `depth` hidden layers of `width`")
def _mlp(problem, space, width: int = 16, depth: int = 1, activation: str = "tanh", init_std: float | None = None,
         bc: str = "hard") -> Model:
    return _bounded(MLP((width,) * depth, problem.dim, activation, init_std=init_std), problem, space, bc)


@MODELS.register("freeknot", doc="free-knot P1: `n_knots` movable interior knots and their values (1D)")
def _freeknot(problem, space, n_knots: int = 16, bc: str = "hard") -> Model:
    if problem.dim != 1:
        raise ValueError("model: free-knot P1 is one-dimensional")
    return _bounded(FreeKnotP1(n_knots), problem, space, bc)


#: the names of :data:`MODELS`
MODEL_NAMES = MODELS.names()


def build_model(name: str | Model | Callable[..., Model], problem: AdvectionDiffusion, space: FESpace | None,
                **options: Any) -> Model:
    """The model ``name`` of :data:`MODELS` for ``problem`` with ``options`` (ValueError naming an unknown
    name or option); a :class:`~femngd.models.Model` is returned as it is, and a callable is called as
    ``name(problem, space, **options)`` (a user's own factory)."""
    if isinstance(name, Model):
        if options:
            raise ValueError(f"{next(iter(options))}: options go to a named model, not to a model object")
        return name
    if callable(name):
        model = name(problem, space, **options)
        if not isinstance(model, Model):
            raise ValueError(f"model: the factory {name!r} returned {type(model).__name__}, not a femngd Model")
        return model
    return MODELS.build(name, problem, space, **options)


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


def _fe_loss(name: str, problem, space, model, metric: str, bc: str, target=None) -> Objective:
    """An FE loss of ``model`` evaluated at the interior DOFs of ``space``."""
    if bc == "penalty":
        raise ValueError("bc: 'penalty' applies to the strong residual; FE losses impose g_B on the boundary DOFs")
    if bc not in BC_NAMES:
        raise ValueError(f"bc: must be one of {', '.join(BC_NAMES)}, got {bc!r}")
    return FEObjective(assemble_system(problem, space), model, name, metric, target=target)


@LOSSES.register("l2", doc="½‖V − U‖² in the metric, U the Galerkin solution, the interpolated exact one or given values")
def _l2(problem, space, model, metric: str = "l2", bc: str = "hard", target: str | np.ndarray | None = None):
    return _fe_loss("l2", problem, space, model, metric, bc, _fe_target(problem, space, target))


@LOSSES.register("fe-residual", doc="½ rᵀM⁻¹r, r = A V − F: the weak residual in the dual L2 norm")
def _fe_residual(problem, space, model, metric: str = "l2", bc: str = "hard"):
    return _fe_loss("fe-residual", problem, space, model, metric, bc)


@LOSSES.register("fe-residual-dual", doc="½ rᵀK⁻¹r: the weak residual in the discrete H⁻¹ norm")
def _fe_residual_dual(problem, space, model, metric: str = "l2", bc: str = "hard"):
    return _fe_loss("fe-residual-dual", problem, space, model, metric, bc)


def grid_points(dim: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The interior nodes of the uniform grid with n + 1 cells per direction of (0, 1)^dim ((n^dim, dim),
    ordered with the last coordinate fastest) and its boundary nodes (4(n + 1) in 2D, counter-clockwise
    from the origin; {0, 1} in 1D)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"grid: need a positive number of interior points per direction, got {n!r}")
    t = np.linspace(0.0, 1.0, n + 2)[1:-1]
    if dim == 1:
        return t[:, None], np.array([[0.0], [1.0]])
    X, Y = np.meshgrid(t, t, indexing="ij")
    s = np.linspace(0.0, 1.0, n + 2)[:-1]
    zero, one = np.zeros_like(s), np.ones_like(s)
    boundary = np.concatenate([np.column_stack([s, zero]), np.column_stack([one, s]),
                               np.column_stack([1 - s, one]), np.column_stack([zero, 1 - s])])
    return np.column_stack([X.ravel(), Y.ravel()]), boundary


def _mean_weights(x: np.ndarray, total: float = 1.0) -> np.ndarray:
    return np.full(len(x), total / len(x))


@LOSSES.register("strong-residual", doc="½ Σ w R², R = −εΔv + b·∇v − f at points (+ a boundary penalty)")
def _strong_residual(problem, space, model, metric: str = "l2", bc: str = "hard", points: str = "quadrature",
                     samples: int | None = None, penalty: float = 1.0, grid: int | None = None, gram: str = "auto",
                     seed: int = 0):
    if isinstance(model, FECoefficients):
        raise ValueError("model: FE coefficients need an FE loss (l2, fe-residual, fe-residual-dual), not "
                         "strong-residual")
    if isinstance(model, HardDirichlet) and isinstance(model.model, FreeKnotP1) or isinstance(model, FreeKnotP1):
        raise ValueError("loss: free-knot P1 has v″ = 0 inside every cell, so the strong residual cannot see the "
                         "diffusion; use fe-residual-dual (or the default free-knot recipe: no --loss)")
    if points not in POINT_NAMES:
        raise ValueError(f"points: must be one of {', '.join(POINT_NAMES)}, got {points!r}")
    if bc == "interior":
        raise ValueError("bc: 'interior' applies to FE losses; use hard or penalty with the strong residual")
    if samples is not None and points not in ("random", "optimal"):
        raise ValueError(f"samples: only random and optimal points are drawn; {points!r} points would ignore it")
    if grid is not None and points != "grid":
        raise ValueError(f"grid: the size of points='grid'; {points!r} points would ignore it")
    samples = 100 if samples is None else samples
    if points == "grid":
        x, y = grid_points(problem.dim, 28 if grid is None else grid)
    elif space is None:
        raise ValueError(f"points: {points!r} points need an FE space (mesh); use points='grid'")
    boundary = None
    if not isinstance(model, HardDirichlet):
        y = y if points == "grid" else space.dof_locations[space.boundary_dofs]
        boundary = (y, _mean_weights(y, penalty))
    if points == "grid":
        return StrongResidual(problem, model, x, _mean_weights(x), boundary=boundary, metric=metric, gram=gram)
    if points == "quadrature":
        x, w = space.quadrature()
        return StrongResidual(problem, model, x, w, boundary=boundary, metric=metric, gram=gram)
    return StrongResidual(problem, model, sampler=points, samples=samples, boundary=boundary, metric=metric,
                          seed=seed, gram=gram)


@LOSSES.register("kl", doc="∫ u log(u/v) − u + v for densities, v = exp(n_θ) > 0 (1D)")
def _kl(problem, space, model, metric: str = "l2", bc: str = "interior"):
    if isinstance(model, HardDirichlet) or bc != "interior":
        raise ValueError("bc: the KL loss trains an unconstrained log-density; use bc='interior'")
    return KLDivergence(space, model, metric=metric)


#: the names of :data:`LOSSES`
LOSS_NAMES = LOSSES.names()


def build_objective(problem: AdvectionDiffusion, space: FESpace | None, model: Model, loss: str = "fe-residual",
                    metric: str = "l2", seed: int | None = None, **options: Any) -> Objective:
    """The objective ``loss`` of :data:`LOSSES` for ``model`` in ``metric`` with ``options``.

    FE losses evaluate the model at the interior DOFs; the strong residual at the quadrature points of
    ``space`` (``points="quadrature"``), at ``samples`` points redrawn every step (random, optimal), or on a
    uniform grid (``points="grid"``, ``grid`` interior points per direction, 28 by default), with a boundary penalty of
    weight ``penalty`` unless the model has the hard wrapper. ``target`` (l2 loss): "galerkin" (default),
    "exact" (interpolated) or interior values. KL: the model is the log-density n_θ, v = exp(n_θ) > 0, so
    it must be unconstrained (``bc="interior"``). ``gram`` (strong residual): "auto" (the m × m kernel form when
    there are fewer points than parameters), "dense" or "kernel" (:mod:`femngd.natural.kernel_gram`). ``seed``
    (the run's) seeds the losses that draw points and is not passed to the others.
    """
    if not isinstance(model, Model):
        raise ValueError(f"model: expected a Model (see build_model), got {type(model).__name__}")
    METRICS.entry(metric)
    entry = LOSSES.entry(loss)
    if seed is not None and "seed" in entry.options:
        options = {**options, "seed": seed}
    return LOSSES.build(loss, problem, space, model, metric=metric, **options)
