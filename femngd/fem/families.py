"""Problem families over ε: −εΔu + b·∇u = f for every ε in a range [ε_min, ε_max].

A parametric model u(x, ε) sees ε through the normalized log coordinate

    t(ε) = (ln ε − ln ε_min) / (ln ε_max − ln ε_min) ∈ [0, 1],      ε(t) = ε_min (ε_max/ε_min)^t,

so that uniform t is log-uniform ε and L2(Ω × [ln ε_min, ln ε_max]) is, up to the constant
ln(ε_max/ε_min), L2(Ω × [0, 1]) in (x, t). A family evaluates its data and exact solution at
one ε per point (vectorized), which is what a residual sampled over (x, t) needs.

Families: ``layer_1d`` (−εu″ + u′ = 1, u(0) = u(1) = 0) and ``corner_layer_2d`` (b = (1, 1),
u = p(x)p(y), f = p(x) + p(y)), the reference problems of :mod:`femngd.fem.problems`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .problems import AdvectionDiffusion, check_eps, layer_profile, problem_by_name

__all__ = ["EpsAxis", "ProblemFamily", "problem_family", "FAMILY_NAMES"]

#: ε ranges are refused beyond this ratio (the layer of ε_min would need > 1e8 cells to test)
MAX_RATIO = 1e8


@dataclass(frozen=True)
class EpsAxis:
    """ε ∈ [ε_min, ε_max] and its normalized log coordinate t ∈ [0, 1] (module doc)."""

    eps_min: float
    eps_max: float

    def __post_init__(self):
        lo, hi = check_eps(self.eps_min), check_eps(self.eps_max)
        if not lo < hi:
            raise ValueError(f"eps range: need eps_min < eps_max, got {lo:g}:{hi:g}")
        if hi / lo > MAX_RATIO:
            raise ValueError(f"eps range: eps_max/eps_min must be <= {MAX_RATIO:g}, got {hi / lo:g}")

    @property
    def log_length(self) -> float:
        """ln(ε_max / ε_min)."""
        return float(np.log(self.eps_max / self.eps_min))

    def coordinate(self, eps) -> np.ndarray:
        """t(ε) = ln(ε/ε_min) / ln(ε_max/ε_min)."""
        return np.log(np.asarray(eps, dtype=float) / self.eps_min) / self.log_length

    def eps(self, t) -> np.ndarray:
        """ε(t) = ε_min · (ε_max/ε_min)^t."""
        return self.eps_min * np.exp(np.asarray(t, dtype=float) * self.log_length)

    def test_values(self, n: int = 20) -> np.ndarray:
        """n log-spaced test values ε(t_k), t_k = (k + ½)/n: midpoints of n equal log-intervals,
        so neither end of the range (nor any grid a trainer might use at t = k/n) is among them."""
        if n < 1:
            raise ValueError(f"test values: need n >= 1, got {n}")
        return self.eps((np.arange(n) + 0.5) / n)


@dataclass(frozen=True)
class ProblemFamily:
    """The reference problem ``name`` for every ε of ``axis``, its data vectorized over one ε per point.

    Attributes:
        name: the problem's registered name (``problem_by_name``).
        dim: space dimension.
        axis: the ε range.
        constant_velocity: b (dim,), the same for every ε.
        source_at: (x (m, dim), ε (m,)) ↦ f (m,).
        exact_at: (x (m, dim), ε (m,)) ↦ u (m,).
    """

    name: str
    dim: int
    axis: EpsAxis
    constant_velocity: np.ndarray
    source_at: Callable[[np.ndarray, np.ndarray], np.ndarray]
    exact_at: Callable[[np.ndarray, np.ndarray], np.ndarray]

    #: the solutions vanish on the boundary of the unit interval/square (the hard-constraint wrapper)
    has_zero_dirichlet = True
    dirichlet = None

    def velocity(self, x: np.ndarray) -> np.ndarray:
        """b at points x (m, dim)."""
        return np.broadcast_to(self.constant_velocity, (x.shape[0], self.dim))

    def at(self, eps: float) -> AdvectionDiffusion:
        """The single problem of this family at ``eps`` (for per-ε training, Galerkin and errors)."""
        return problem_by_name(self.name, eps)

    def label(self) -> str:
        return f"{self.name}(eps={self.axis.eps_min:g}:{self.axis.eps_max:g})"


def _layer(x: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """p(x; ε) = x − w(x; ε), the 1D layer solution at one ε per point (x (m,), ε (m,))."""
    return x - layer_profile(x, eps)[0]


def _layer_1d(axis: EpsAxis) -> ProblemFamily:
    return ProblemFamily("layer_1d", 1, axis, np.ones(1),
                         source_at=lambda x, eps: np.ones(x.shape[0]),
                         exact_at=lambda x, eps: _layer(x[:, 0], eps))


def _corner_layer_2d(axis: EpsAxis) -> ProblemFamily:
    def parts(x, eps):
        return _layer(x[:, 0], eps), _layer(x[:, 1], eps)

    return ProblemFamily("corner_layer_2d", 2, axis, np.ones(2),
                         source_at=lambda x, eps: sum(parts(x, eps)),
                         exact_at=lambda x, eps: np.prod(parts(x, eps), axis=0))


_FAMILIES = {"layer_1d": _layer_1d, "corner_layer_2d": _corner_layer_2d}
#: problem names with a family (``--problem layer`` in 1D / 2D)
FAMILY_NAMES = tuple(_FAMILIES)


def problem_family(name: str, eps_min: float, eps_max: float) -> ProblemFamily:
    """The family of the registered problem ``name`` over [ε_min, ε_max] (ValueError naming what is wrong).

    Example:
        >>> fam = problem_family("layer_1d", 1e-2, 1.0)
        >>> x = np.array([[0.5], [0.5]]); eps = np.array([1e-2, 1.0])
        >>> bool(np.allclose(fam.exact_at(x, eps), [fam.at(e).exact(x[:1])[0] for e in eps]))
        True
    """
    if name not in _FAMILIES:
        raise ValueError(f"problem: an eps range is available for {', '.join(FAMILY_NAMES)}, got {name!r}")
    return _FAMILIES[name](EpsAxis(float(eps_min), float(eps_max)))
