"""Presets: reference configurations reproduced exactly, ready to train.

:func:`poisson2d` is the standard energy-natural-gradient (ENGD) benchmark:

    −Δu = 2π² sin πx sin πy on (0, 1)², u = 0 on ∂Ω, exact u = sin πx sin πy;
    network 2-``width``-1 tanh (129 parameters for width 32, 257 for 64), all weights and
    biases ~ N(0, 0.1²); interior points: the 28 × 28 grid of (0, 1)² without the boundary
    (784); boundary points: 29 per side (116);
    L = ½ (mean_q R_q² + mean_b v(y_b)²), R = −Δv − f  (half the reference's loss: same
    minimizers, same Gauss–Newton direction, same line-search argmin);
    Gauss–Newton Gram = mean_q ∂θΔv ∂θΔvᵀ + mean_b ∂θv ∂θvᵀ; least-squares solve (cutoff eps·p,
    as ``jnp.linalg.lstsq``);
    grid line search over 2⁻ᵏ, k = 0…30; error: relative L2 on a 198 × 198 grid.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .fem import AdvectionDiffusion, poisson_2d
from .models.base import Model
from .models.mlp import MLP
from .models.shallow import ShallowNetwork
from .natural.strong_residual import StrongResidual
from .optim import build_optimizer

__all__ = ["Preset", "GridMeter", "poisson2d", "unit_square_points", "tune_allocator", "POISSON2D_OPTIMIZER",
           "reference_rcond"]

#: the ENGD optimizer of :func:`poisson2d` (the cutoff ``reg`` is set per network: :func:`reference_rcond`)
POISSON2D_OPTIMIZER = {"optimizer": "ngd", "solve": "lstsq", "step": "grid"}


def reference_rcond(n_params: int) -> float:
    """The relative cutoff of the reference's least-squares solve: ``jnp.linalg.lstsq``'s default
    rcond = eps·max(M, N) for the p × p Gram matrix (2.9e-14 for 2-32-1, 5.7e-14 for 2-64-1).

    The cutoff shapes the whole path, not only the last digits (measured, 2-32-1, seeds 0–19, 300
    iterations, runs reaching relative L2 1e-7): 1e-14: 1/20 (the others stall at 1–5e-7);
    1e-15: 11/20 (the others still on a plateau at 1e-4–1e-2); 1e-16: 5/20; 1e-14 until the loss
    is below 1e-6, then 1e-15: 0/20. 2-64-1: 15/20 at 1e-15 (median 90 its); with the QR solve
    (``solve="lstsq-qr"``) at 1e-15 14/20 (median 45 its), at 5.7e-14 0/20.
    """
    return float(np.finfo(float).eps * n_params)


def tune_allocator() -> bool:
    """Keep freed memory in the process (glibc: M_MMAP_THRESHOLD = 64 MB, M_TRIM_THRESHOLD = 256 MB).

    An ENGD iteration allocates many 0.1–2 MB temporaries; with glibc's defaults each can be a
    fresh mmap whose pages fault in again on every use, which makes elementwise numpy operations
    at these sizes 5–10× slower. Process-wide and harmless; returns False (no-op) without glibc.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(-1, 256 << 20)) and bool(libc.mallopt(-3, 64 << 20))
    except (OSError, AttributeError):
        return False


def unit_square_points(n_grid: int = 28, per_side: int = 29) -> tuple[np.ndarray, np.ndarray]:
    """Interior grid (n_grid², 2) without the boundary and 4·per_side boundary points."""
    t = np.linspace(0.0, 1.0, n_grid + 2)[1:-1]
    X, Y = np.meshgrid(t, t, indexing="ij")
    interior = np.column_stack([X.ravel(), Y.ravel()])
    s = np.linspace(0.0, 1.0, per_side + 1)[:-1]
    zero, one = np.zeros_like(s), np.ones_like(s)
    boundary = np.concatenate([np.column_stack([s, zero]), np.column_stack([one, s]),
                               np.column_stack([1 - s, one]), np.column_stack([zero, 1 - s])])
    return interior, boundary


class GridMeter:
    """Relative L2 error against the exact solution on an n × n grid of [0, 1]² (mean-square form)."""

    def __init__(self, problem: AdvectionDiffusion, n: int = 198):
        t = np.linspace(0.0, 1.0, n)
        X, Y = np.meshgrid(t, t, indexing="ij")
        self.points = np.column_stack([X.ravel(), Y.ravel()])
        self.exact = problem.exact(self.points)
        self.norm = float(np.sqrt(np.mean(self.exact**2)))

    def __call__(self, objective, theta: np.ndarray, chunk: int = 2048) -> dict[str, float]:
        # in chunks: small temporaries keep the allocator (and the caches) of the training loop warm
        sq = 0.0
        for start in range(0, len(self.points), chunk):
            v, _ = objective.evaluate(theta, self.points[start: start + chunk], order=0)
            sq += float(np.sum((v - self.exact[start: start + chunk]) ** 2))
        err = float(np.sqrt(sq / len(self.points)))
        return {"relative_l2_error_exact": err / self.norm, "l2_error_exact": err}


@dataclass
class Preset:
    """A ready-to-train configuration: problem, model, objective, error meter, optimizer."""

    problem: AdvectionDiffusion
    model: Model
    objective: StrongResidual
    meter: Any
    optimizer: Any
    space: Any = None
    optimizer_options: dict = field(default_factory=dict)

    def train(self, iterations: int = 200, seed: int = 0, **kwargs):
        """Run :func:`femngd.train.train` from ``model.init(seed)``."""
        from .train import train
        return train(self.objective, self.optimizer, self.model.init(seed), iterations=iterations,
                     meter=self.meter, seed=seed, **kwargs)


def poisson2d(width: int = 32, hidden: tuple[int, ...] | None = None, n_grid: int = 28, boundary_per_side: int = 29,
              seed: int = 0, init_std: float = 0.1, depth: int = 1, fast_allocator: bool = False,
              rcond: float | None = None, solve: str = "lstsq") -> Preset:
    """The ENGD 2D Poisson benchmark (module doc).

    ``depth > 1`` (or ``hidden=(32, 32)``) uses an MLP with ``depth`` hidden layers of ``width``
    instead of the shallow 2-width-1 network (which has an output bias, as the reference).
    ``rcond``: the cutoff of the least-squares solve (default :func:`reference_rcond`); ``solve``:
    "lstsq" (SVD, the reference's; for p ≥ 512 the same cutoff on a pivoted-Cholesky range) or "lstsq-qr" (QR
    with pivoting, faster; see
    :mod:`femngd.natural.solve`).
    ``fast_allocator=True`` calls :func:`tune_allocator` (it changes the whole process's malloc settings, so
    it is opt-in; the benchmark uses it). ``seed`` is kept for the CLI; the initial
    parameters are ``preset.model.init(seed)``.
    """
    if not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth: must be a positive integer, got {depth!r}")
    if hidden is None and depth > 1:
        hidden = (int(width),) * int(depth)
    if fast_allocator:
        tune_allocator()
    problem = poisson_2d()
    if hidden is None:
        model = ShallowNetwork(width, 2, "tanh", init_std=init_std, output_bias=True)
    else:
        model = MLP(hidden, 2, "tanh", init_std=init_std)
    interior, boundary = unit_square_points(n_grid, boundary_per_side)
    objective = StrongResidual(problem, model, interior, np.full(len(interior), 1.0 / len(interior)),
                               boundary=(boundary, np.full(len(boundary), 1.0 / len(boundary))),
                               metric="gauss-newton", seed=seed)
    options = {**POISSON2D_OPTIMIZER, "solve": solve,
               "reg": reference_rcond(model.n_params) if rcond is None else float(rcond)}
    optimizer = build_optimizer(options["optimizer"], **{k: v for k, v in options.items() if k != "optimizer"})
    space = None
    return Preset(problem, model, objective, GridMeter(problem), optimizer, space, options)
