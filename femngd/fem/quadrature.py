"""Composite Gauss rules for layers: graded towards the ends of an interval, or split at breakpoints.

Layers of width ε much smaller than a cell are invisible to an ordinary Gauss rule; a rule graded
geometrically towards both ends of the interval down to ``resolution`` of its length integrates a
layer of any width ≥ ``resolution``·h sitting at an end to ~1e-11 relative accuracy.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.legendre import leggauss

__all__ = ["graded_rule", "breakpoint_rule"]


def graded_rule(order: int, resolution: float = 1e-14, ratio: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss rule on [0, 1] graded geometrically towards 0 and 1.

    Breakpoints ratio^j/2 and 1 − ratio^j/2 for j = 0…L, L = ⌈log(resolution)/log(ratio)⌉,
    plus the end points; ``order``-point Gauss–Legendre on every piece. Returns points (1, q)
    and weights (q,) summing to 1.
    """
    levels = max(1, math.ceil(math.log(resolution) / math.log(ratio)))
    left = 0.5 * ratio ** np.arange(levels + 1)
    breaks = np.unique(np.concatenate([[0.0], left, 1.0 - left, [1.0]]))
    g, gw = leggauss(order)
    a, b = breaks[:-1, None], breaks[1:, None]
    points = (a + (b - a) * (g + 1) / 2).ravel()
    weights = ((b - a) * gw / 2).ravel()
    return points[None, :], weights


def breakpoint_rule(breaks: np.ndarray, order: int = 8, resolution: float = 1e-14) -> tuple[np.ndarray, np.ndarray]:
    """Points (q, 1) and weights (q,) of :func:`graded_rule` on every interval between sorted ``breaks``.

    Integrates functions that are smooth between the breakpoints, including layers of any width
    ≥ ``resolution`` times an interval at the interval's ends, to ~1e-11 relative accuracy.
    """
    z = np.unique(np.asarray(breaks, dtype=float))
    if z.ndim != 1 or z.size < 2 or not np.all(np.isfinite(z)):
        raise ValueError("breaks: need at least two distinct finite points")
    xi, w = graded_rule(order, resolution)
    h = np.diff(z)
    return (z[:-1, None] + h[:, None] * xi).reshape(-1, 1), (h[:, None] * w).ravel()
