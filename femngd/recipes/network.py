"""The ε-robust network recipe: natural gradient on the dual-norm FE residual of a resolving test mesh, with continuation in ε.

Each part answers a measured failure of plain NGD on a tanh network at ε = 1e-3 (1D, width 32). (The
figures in this list were taken while tuning and are of the network's P1 interpolant on the test mesh,
which the loss sees; the recipe's reported errors are of the network itself, :class:`ModelValues`.)

1. **The dual-norm residual** ½ rᵀK⁻¹r, r = A·v_θ(nodes) − F, against the P1 hats of a *uniform*
   test mesh fine enough for every layer of width ε (h ≤ ε/``cells_per_eps``): the loss needs no
   points in the layer chosen from the known solution, and its minimizer is the Galerkin solution
   of that mesh, which bounds what the network can reach: at ε = 1e-3, 4 096 cells (h = ε/4)
   give Galerkin 1.6e-4 and the interpolant 1.7e-4–3.4e-4 over seeds 0–6; 8 192 cells (h = ε/8,
   the default) 7.4e-5 and 8.5e-5 for seeds 0 and 1, twice the time. The strong residual at points
   drawn uniformly puts a fraction ~ε of them in the layer and ends near error 1.
2. **Continuation in ε** (:mod:`~femngd.recipes.continuation`, q = 1/2): from random initial
   weights the Gauss–Newton steps never grow a neuron of slope ~1/ε (the direct run ends at
   relative error 0.93 already at ε = 0.02); warm starts from ε_k sharpen the layer by a factor
   two per stage, each within the Gauss–Newton model's reach. Measured at ε = 1e-3: stages
   0.1 → 0.01 → 0.001: 0.16; q = 10^{-1/2}: 1.9e-4–7.0e-3 over seeds 0–4 (seed 0 stalls at
   ε ≈ 3e-3); q = 1/2: 1.7e-4–3.3e-4.
3. **A tiny Tikhonov shift** (1e-9 relative to trace(G)/p) with a grid line search: the Gram of a
   layer-resolving network spans ten orders of magnitude, and a larger shift freezes exactly the
   directions that sharpen the layer (q = 10^{-1/2}, seeds 1 and 2: shift 1e-6: 1.0e-3 and 1.1e-3;
   1e-9: 1.9e-4 and 5.0e-4).

The hard Dirichlet wrapper x(1 − x)·N(x) (products in 2D) imposes g = 0, as in the plain path.
No stage is told where the layer is: the test mesh is uniform and its size depends on ε only.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np


from ..fem import AdvectionDiffusion, FESpace, uniform_mesh_1d, unit_square_mesh
from ..models import Model
from ..natural import ErrorMeter, build_model, build_objective
from ..natural.objective import Measurable
from ..optim import build_optimizer
from ..train import TrainResult, train
from .continuation import ContinuationSchedule, add_stage, problem_at

__all__ = ["NetworkRecipe", "train_network", "NETWORK_MODELS", "ModelValues"]

#: models the recipe trains (the nonlinear networks of :func:`femngd.natural.build_model`)
NETWORK_MODELS = ("shallow", "mlp")


@dataclass(frozen=True)
class NetworkRecipe(ContinuationSchedule):
    """Settings of :func:`train_network` (module doc); the defaults are the tested recipe.

    Attributes:
        iterations: NGD iterations of every continuation stage but the last.
        final_iterations: NGD iterations at the target ε.
        eps_start: ε₀ of the continuation (no continuation when ε ≥ eps_start).
        eps_ratio: q, the ratio of consecutive stage ε's.
        cells_per_eps: test cells per length ε (1D: h ≤ ε/cells_per_eps, rounded to a power of two).
        min_test_cells: test cells per direction at least at the target ε (1D): the test mesh's Galerkin
            error bounds the network's also where ε is large (at ε = 0.1, 128 cells: 2.1e-4). Earlier
            stages only carry the model and keep their ε-sized meshes (raising them to 1 024 cells
            changed the paths at ε = 1e-3: seeds 0 and 1 ended at 1.6e-4 and 1.8e-4 instead of 7e-5).
        max_test_cells: cap on the test cells per direction in 1D.
        max_test_cells_2d: cap per direction in 2D (the Gram costs one sparse solve per parameter).
        reg: relative Tikhonov shift of the Gram solve.
    """

    iterations: int = 300
    final_iterations: int = 1000
    cells_per_eps: float = 8.0
    min_test_cells: int = 1024
    max_test_cells: int = 2 ** 15
    max_test_cells_2d: int = 128
    reg: float = 1e-9

    def test_cells(self, eps: float, dim: int, n: int = 1, final: bool = True) -> int:
        """Cells per direction of the uniform test mesh at ε: 2^⌈log₂(cells_per_eps/ε)⌉, at least n (and
        ``min_test_cells`` at the ``final`` stage in 1D), capped."""
        cells = max(2 ** math.ceil(math.log2(self.cells_per_eps / eps) - 1e-12), n,
                    self.min_test_cells if dim == 1 and final else 1)
        return int(min(cells, self.max_test_cells if dim == 1 else self.max_test_cells_2d))


class ModelValues(Measurable):
    """The network v_θ itself at any points: what the recipe's errors and figures show. (Its FE loss sees
    only the interpolant on the test mesh, an FE function with far more DOFs than the network has
    parameters: measuring that would compare FE functions, not the model, with the Galerkin solution.)"""

    def __init__(self, model: Model):
        self.model = model

    def evaluate(self, theta: np.ndarray, x: np.ndarray, order: int = 0):
        """(v_θ(x) (m,), ∇v_θ(x) (m, dim) or None)."""
        values = self.model.evaluate(theta, x, order=order)
        return values.value, values.grad


def test_space(dim: int, cells: int) -> FESpace:
    """P1 on the uniform mesh of (0, 1)^dim with ``cells`` cells per direction."""
    return FESpace(uniform_mesh_1d(cells) if dim == 1 else unit_square_mesh(cells))


def train_network(problem: AdvectionDiffusion, space: FESpace | None = None, model: str = "shallow", width: int = 32,
                  depth: int = 1, activation: str = "tanh", seed: int = 0, recipe: NetworkRecipe = NetworkRecipe(),
                  meter: Callable | None = None, meter_every: int | None = None, progress: bool = False) -> TrainResult:
    """Train the network ``model`` (shallow or mlp, hard Dirichlet wrapper) on ``problem`` (module doc).

    Args:
        space: the FE space of the Galerkin comparison; with it and no ``meter`` the errors against
            the Galerkin and exact solutions are recorded (:class:`~femngd.natural.ErrorMeter`, in 1D its
            quadrature split at the final test mesh: features of the network on the test mesh's scale,
            possibly much finer than ``space``, are integrated accurately) every ``meter_every``
            iterations of the last stage (default: at its first and last iterate only). Its size never shrinks the test mesh
            below it (``n`` of :meth:`NetworkRecipe.test_cells`).
        seed: seeds the initial weights.
    Returns:
        the :class:`~femngd.train.TrainResult` of the whole run: histories of all stages in order,
        ``info["stages"]`` the ε of each stage, ``info["test_cells"]`` their test meshes,
        ``info["objective"]`` the final objective, ``info["model"]`` the model and ``info["values"]`` its
        :class:`ModelValues` (what the meter measured: the network itself).
    """
    if model not in NETWORK_MODELS:
        raise ValueError(f"model: the network recipe trains {', '.join(NETWORK_MODELS)}, not {model!r}")
    n = 1 if space is None else round(space.mesh.p.shape[1] ** (1 / problem.dim)) - 1   # cells per direction
    stages = recipe.stages(problem.eps)
    cells = [recipe.test_cells(eps, problem.dim, n, final=k == len(stages) - 1) for k, eps in enumerate(stages)]
    if model == "shallow" and depth != 1:
        raise ValueError(f"depth: a shallow network has one hidden layer (got {depth}); use model 'mlp'")
    shape = {"width": width, **({"depth": depth} if model == "mlp" else {})}
    net = build_model(model, problem, space or test_space(problem.dim, cells[0]), activation=activation, bc="hard",
                      **shape)                                   # on the user's space: refuses non-unit domains
    if meter is None and space is not None and problem.dim == 1:   # quadrature split at the final test mesh
        meter = ErrorMeter(problem, space, breakpoints=np.linspace(0.0, 1.0, cells[-1] + 1), resolution=0.1)
    elif meter is None and space is not None:
        meter = ErrorMeter(problem, space)
    values = ModelValues(net)
    measure = None if meter is None else (lambda objective, theta: meter(values, theta))
    theta, history, start = net.init(seed), {}, time.perf_counter()
    for index, (eps, count) in enumerate(zip(stages, cells)):
        objective = build_objective(problem_at(problem, eps), test_space(problem.dim, count), net,
                                    loss="fe-residual-dual", metric="gauss-newton")
        last = index == len(stages) - 1
        optimizer = build_optimizer("ngd", step="grid", solve="tikhonov", reg=recipe.reg)
        result = train(objective, optimizer, theta, iterations=recipe.final_iterations if last else recipe.iterations,
                       meter=measure if last else None, meter_every=meter_every or recipe.final_iterations,
                       progress=False)
        theta = result.theta
        if add_stage(history, result, progress, f"  ε = {eps:.3g} ({count} test cells): loss {result.final_loss:.3e}"):
            break
    for key in history:                       # stages before the last are not metered: pad their rows
        if len(history[key]) < len(history["loss"]):
            history[key][:0] = [math.nan] * (len(history["loss"]) - len(history[key]))
    iterations = len(history["loss"]) - 1
    info = {"stages": stages[:index + 1], "test_cells": cells[:index + 1], "objective": objective, "model": net,
            "values": values, "seconds": time.perf_counter() - start}
    message = result.message if result.diverged else f"network recipe: {index + 1} stages, {iterations} iterations"
    return TrainResult(theta, history, result.diverged, message, iterations, info)
