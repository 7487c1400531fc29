"""Equidistribution of a mesh density (de Boor): meshes adapted to the current approximation.

Given a partition a = z_0 < … < z_N = b and a cell-wise constant density d_k ≥ 0, the
equidistributing mesh with n cells has nodes x_j at equal levels of the cumulative density

    Φ(x) = ∫_a^x d,     Φ(x_j) = j Φ(b) / n,   j = 0…n,

so every new cell carries the same share ∫_{x_j}^{x_{j+1}} d = Φ(b)/n.

For continuous P1 approximation in L2 the local error on a cell of length h is ~ h^{5/2}|u″|,
so the near-optimal density is |u″|^{2/5}. :func:`p1_density` estimates it from a P1 function
alone (no exact solution): the curvature at an interior knot is the jump of the slope over the
mean neighbouring cell length, κ_j = 2|s_j − s_{j−1}|/(h_{j−1} + h_j), a cell gets the mean of its
two end-knot curvatures m_k, and the density is regularized as d_k = (1 + m_k/α)^{2/5} with
α^{2/5} = the length-weighted mean of m^{2/5} (Huang–Russell), which keeps about half the cells
where the curvature is small instead of emptying those regions.
"""
from __future__ import annotations

import numpy as np

__all__ = ["equidistribute", "p1_density", "equidistributed_knots"]


def _check_partition(nodes: np.ndarray) -> np.ndarray:
    z = np.asarray(nodes, dtype=float)
    if z.ndim != 1 or z.size < 2 or not np.all(np.isfinite(z)) or not np.all(np.diff(z) > 0):
        raise ValueError("nodes: need a finite, strictly increasing 1D array of at least two points")
    return z


def equidistribute(nodes: np.ndarray, density: np.ndarray, n_cells: int) -> np.ndarray:
    """Nodes x_0 = a < … < x_n = b at equal levels of Φ(x) = ∫_a^x d (module doc).

    Args:
        nodes: the partition z_0 < … < z_N on which ``density`` is cell-wise constant.
        density: d_k ≥ 0 on cell k (N,), not all zero.
        n_cells: n, the number of cells of the new mesh.
    """
    z = _check_partition(nodes)
    d = np.asarray(density, dtype=float)
    if d.shape != (z.size - 1,) or not np.all(np.isfinite(d)) or np.any(d < 0) or not np.any(d > 0):
        raise ValueError(f"density: need {z.size - 1} finite values >= 0, not all zero")
    if not isinstance(n_cells, (int, np.integer)) or n_cells < 1:
        raise ValueError(f"n_cells: must be a positive integer, got {n_cells!r}")
    phi = np.concatenate([[0.0], np.cumsum(d * np.diff(z))])
    levels = phi[-1] * np.arange(n_cells + 1) / n_cells
    # Φ is piecewise linear and nondecreasing: invert it cell by cell (cells with d = 0 are skipped)
    cell = np.clip(np.searchsorted(phi, levels, side="right") - 1, 0, z.size - 2)
    grow = phi[cell + 1] - phi[cell]
    frac = np.divide(levels - phi[cell], grow, out=np.zeros_like(levels), where=grow > 0)
    x = z[cell] + np.clip(frac, 0.0, 1.0) * (z[cell + 1] - z[cell])
    x[0], x[-1] = z[0], z[-1]
    return x


def p1_density(knots: np.ndarray, values: np.ndarray, power: float = 0.4) -> np.ndarray:
    """Regularized cell density (1 + m_k/α)^power of the P1 function with these knots and values.

    m_k is the curvature estimate of the module doc; power 2/5 is L2-optimal for P1.
    """
    t = _check_partition(knots)
    u = np.asarray(values, dtype=float)
    if u.shape != t.shape or not np.all(np.isfinite(u)):
        raise ValueError(f"values: need {t.size} finite values, got shape {u.shape}")
    h = np.diff(t)
    s = np.diff(u) / h
    kappa = np.zeros(t.size)
    kappa[1:-1] = 2.0 * np.abs(np.diff(s)) / (h[:-1] + h[1:])
    kappa[0], kappa[-1] = kappa[1], kappa[-2]
    m = 0.5 * (kappa[:-1] + kappa[1:])
    scale = (h @ m**power) / h.sum()
    if scale <= 0:             # a linear function: every cell is alike
        return np.ones_like(h)
    return (1.0 + m / scale ** (1.0 / power)) ** power


def equidistributed_knots(knots: np.ndarray, values: np.ndarray, power: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """(new knots, values of the current P1 function there): one de Boor re-equidistribution.

    The number of knots is kept; the new values interpolate the current function.
    """
    t, u = np.asarray(knots, dtype=float), np.asarray(values, dtype=float)
    new = equidistribute(t, p1_density(t, u, power), t.size - 1)
    return new, np.interp(new, t, u)
