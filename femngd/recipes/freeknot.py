"""The ε-robust free-knot recipe: natural gradient + knot equidistribution + continuation in ε.

Each part answers a measured failure of plain NGD on free-knot P1 at small ε:

1. **Loss from the PDE alone, in a test space that moves with the knots**
   (:class:`~femngd.natural.moving_test.KnotDualResidual`): against a fixed test mesh the optimizer
   packs knots into a spurious layer inside one test cell and drives the loss to round-off with an
   O(1e-2) error.
2. **Re-equidistribution every ``cycle`` iterations** (:func:`~femngd.fem.equidistribution.equidistributed_knots`):
   knots where v is linear get no gradient, and a Gauss–Newton knot move is only valid on the layer's
   scale, so NGD alone cannot carry knots from the flat region into the layer. Every cycle the knots
   are redistributed by the curvature of the *current* approximation (|v″|^{2/5}, de Boor), the
   values interpolated from it; NGD then corrects values and positions locally.
3. **Continuation in ε**: the stages solve the problem at ε_k = max(ε, ε_0·q^k); each warm-starts from
   the previous one, so the layer sharpens gradually and the knots follow it. No stage is told where
   the layer is: every density comes from the current approximation.

Steps are natural-gradient (Gauss–Newton metric) with a grid line search over 2⁻ᵏ and a tiny
relative Tikhonov shift (the knot logits make G rank-deficient where cells are equal).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..fem import AdvectionDiffusion, FESpace
from ..fem.equidistribution import equidistributed_knots
from ..models import FreeKnotP1
from ..natural.errors import ErrorMeter
from ..natural.moving_test import KnotDualResidual
from ..optim import build_optimizer
from ..train import TrainResult, train
from .continuation import ContinuationSchedule, add_stage

__all__ = ["FreeKnotRecipe", "train_freeknot"]


@dataclass(frozen=True)
class FreeKnotRecipe(ContinuationSchedule):
    """Settings of :func:`train_freeknot` (module doc); the defaults are the tested recipe.

    Attributes:
        cycle: NGD iterations between two re-equidistributions.
        cycles: cycles per continuation stage.
        final_cycles: cycles at the target ε.
        eps_start: ε_0 of the continuation (no continuation when ε ≥ eps_start).
        eps_ratio: q, the ratio of consecutive stage ε's.
        refine: test cells per trial cell.
        reg: relative Tikhonov shift of the Gram solve.
    """

    cycle: int = 10
    cycles: int = 2
    final_cycles: int = 6
    eps_ratio: float = 0.1
    refine: int = 2
    reg: float = 1e-4


def _equidistribute(model: FreeKnotP1, theta: np.ndarray) -> np.ndarray:
    t, _ = model.knots(theta)
    new, values = equidistributed_knots(t, model.nodal_values(theta))
    return model.parameters_of(new, values)


def train_freeknot(problem: AdvectionDiffusion, space: FESpace | None = None, n_knots: int = 63, seed: int = 0,
                   recipe: FreeKnotRecipe = FreeKnotRecipe(), meter: Callable | None = None, meter_every: int = 10,
                   progress: bool = False) -> TrainResult:
    """Train free-knot P1 with ``n_knots`` interior knots on a 1D ``problem`` (module doc).

    Args:
        space: the FE space of the Galerkin comparison; with it and no ``meter`` the errors against
            the Galerkin and exact solutions are recorded (:class:`~femngd.natural.ErrorMeter`,
            quadrature split at the knots) every ``meter_every`` iterations.
        seed: seeds the initial nodal values.
    Returns:
        the :class:`~femngd.train.TrainResult` of the whole run: histories of all stages in order,
        ``info["stages"]`` the ε of each stage and ``info["objective"]`` the final objective.
    """
    if problem.dim != 1:
        raise ValueError("problem: the free-knot recipe is one-dimensional")
    g = problem.dirichlet(np.array([[0.0], [1.0]]))
    model = FreeKnotP1(n_knots, boundary_values=(float(g[0]), float(g[1])))
    if meter is None and space is not None:
        meter = ErrorMeter(problem, space)
    theta = model.init(seed)
    history: dict[str, list] = {}
    stages, start, diverged, message = recipe.stages(problem.eps), time.perf_counter(), False, ""
    for index, eps in enumerate(stages):
        objective = KnotDualResidual(problem, model, refine=recipe.refine, eps=eps)
        cycles = recipe.final_cycles if index == len(stages) - 1 else recipe.cycles
        for _ in range(cycles):
            theta = _equidistribute(model, theta)
            optimizer = build_optimizer("ngd", step="grid", solve="tikhonov", reg=recipe.reg)
            result = train(objective, optimizer, theta, iterations=recipe.cycle, meter=meter,
                           meter_every=meter_every, progress=False)
            theta, message = result.theta, result.message
            diverged = add_stage(history, result, progress, f"  ε = {eps:.1e}: loss {result.final_loss:.3e}")
            if diverged:
                break
        if diverged:
            break
    if meter is not None and not np.isfinite(history.get("relative_l2_error_exact", [0.0])[-1]):
        for key, value in meter(objective, theta).items():   # the final iterate is always measured
            history[key][-1] = value
    iterations = len(history["loss"]) - 1
    info = {"stages": stages, "objective": objective, "model": model, "seconds": time.perf_counter() - start}
    return TrainResult(theta, history, diverged, message if diverged else
                       f"free-knot recipe: {len(stages)} stages, {iterations} iterations", iterations, info)
