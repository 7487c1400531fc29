"""Presets: reference configurations reproduced exactly, as run descriptions.

:func:`poisson2d_spec` is the standard energy-natural-gradient (ENGD) benchmark as a
:class:`~femngd.runspec.RunSpec`, and :func:`poisson2d` the run built from it:

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

import numpy as np

from .fem import poisson_2d
from .natural import build_model, grid_points
from .runspec import RunParts, RunSpec

__all__ = ["poisson2d", "poisson2d_spec", "unit_square_points", "tune_allocator", "POISSON2D_OPTIMIZER",
           "reference_rcond", "PRESETS"]

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
    """Interior grid (n_grid², 2) without the boundary and 4·per_side boundary points
    (:func:`femngd.natural.grid_points`: per_side = n_grid + 1)."""
    if per_side != n_grid + 1:
        raise ValueError(f"per_side: the boundary nodes of the same grid are n_grid + 1 = {n_grid + 1} per side, "
                         f"got {per_side}")
    return grid_points(2, n_grid)


def _network(width: int, depth: int, hidden: tuple[int, ...] | None, init_std: float) -> tuple[str, dict]:
    """(model name, options) of the preset's network: 2-width-1 with an output bias, or an MLP."""
    if not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth: must be a positive integer, got {depth!r}")
    if hidden is None and depth > 1:
        hidden = (int(width),) * int(depth)
    if hidden is None:
        return "shallow", {"width": width, "init_std": init_std, "output_bias": True, "bc": "penalty"}
    hidden = tuple(int(h) for h in hidden)
    if len(set(hidden)) != 1:
        raise ValueError(f"hidden: the preset's MLP has equal widths, got {hidden}")
    return "mlp", {"width": hidden[0], "depth": len(hidden), "init_std": init_std, "bc": "penalty"}


def poisson2d_spec(width: int = 32, hidden: tuple[int, ...] | None = None, n_grid: int = 28,
                   boundary_per_side: int = 29, seed: int = 0, init_std: float = 0.1, depth: int = 1,
                   rcond: float | None = None, solve: str = "lstsq") -> RunSpec:
    """The ENGD 2D Poisson benchmark (module doc) as a run description.

    ``depth > 1`` (or ``hidden=(32, 32)``) uses an MLP with ``depth`` hidden layers of ``width``
    instead of the shallow 2-width-1 network (which has an output bias, as the reference).
    ``rcond``: the cutoff of the least-squares solve (default :func:`reference_rcond`); ``solve``:
    "lstsq" (SVD, the reference's; for p ≥ 512 the same cutoff on a pivoted-Cholesky range) or "lstsq-qr" (QR
    with pivoting, faster; see :mod:`femngd.natural.solve`). ``seed``: the initial parameters and the run's seed.
    """
    if boundary_per_side != n_grid + 1:
        raise ValueError(f"boundary_per_side: the boundary nodes of the same grid are n_grid + 1 = {n_grid + 1} "
                         f"per side, got {boundary_per_side}")
    model, model_options = _network(width, depth, hidden, init_std)
    n_params = build_model(model, poisson_2d(), None, **model_options).n_params
    options = {"solve": solve, "step": POISSON2D_OPTIMIZER["step"],
               "reg": reference_rcond(n_params) if rcond is None else float(rcond)}
    return RunSpec(problem="poisson_2d", eps=1.0, mesh=None, model=model, model_options=model_options,
                   loss="strong-residual", metric="gauss-newton", objective_options={"points": "grid", "grid": n_grid},
                   optimizer=POISSON2D_OPTIMIZER["optimizer"], optimizer_options=options, meter="grid", seed=seed)


def poisson2d(width: int = 32, hidden: tuple[int, ...] | None = None, n_grid: int = 28, boundary_per_side: int = 29,
              seed: int = 0, init_std: float = 0.1, depth: int = 1, fast_allocator: bool = False,
              rcond: float | None = None, solve: str = "lstsq") -> RunParts:
    """The run of :func:`poisson2d_spec` (same arguments), built: ``.train(iterations)``, ``.objective``,
    ``.model``, ``.optimizer``, ``.meter``. ``fast_allocator=True`` calls :func:`tune_allocator` (it changes
    the whole process's malloc settings, so it is opt-in; the benchmark uses it)."""
    if fast_allocator:
        tune_allocator()
    return poisson2d_spec(width, hidden, n_grid, boundary_per_side, seed, init_std, depth, rcond, solve).build()


#: the presets by name (``femngd train --preset``): factory(**options) → RunSpec
PRESETS = {"poisson2d": poisson2d_spec}
