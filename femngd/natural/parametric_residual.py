"""The strong residual of a problem family, sampled over (x, ε): one model for a range of ε.

With a parametric model v_θ(x, t), t = t(ε) the normalized log coordinate of
:class:`femngd.fem.families.EpsAxis`, and points (x_q, t_q) drawn uniformly from Ω × [0, 1]
(log-uniform ε), the loss is the Monte Carlo estimate of

    L(θ) = ½ ∫₀¹ ∫_Ω ω(ε)² R(x, ε)² dx dt,     R = −ε Δ_x v + b·∇_x v − f(x; ε),

i.e. ½ Σ_q w_q R_q² with w_q = ω(ε_q)²/m. Its Gauss–Newton metric is the pullback of
L2(Ω × [ln ε_min, ln ε_max]) (up to the constant ln(ε_max/ε_min)) through the weighted residual
operator; the ``l2`` metric is that of v itself.

The weight ω balances the range: the residual of an error e of fixed relative size in a layer
of width ε is O(|e|/ε), so without weighting (``weighting="none"``) the smallest ε dominate the
loss. ``weighting="eps"`` (ω = ε) measures −ε²Δv + ε b·∇v − εf, whose size does not grow as ε
shrinks. Everything else (samplers, metrics, line-search batching) is :class:`StrongResidual`'s.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..fem.families import ProblemFamily
from ..models.base import Model
from .strong_residual import StrongResidual

__all__ = ["ParametricResidual", "WEIGHTINGS"]

WEIGHTINGS = ("eps", "none")



class ParametricResidual(StrongResidual):
    """½ Σ_q ω(ε_q)² R(x_q, ε_q)²/m over points (x_q, t_q) of Ω × [0, 1] (see module doc).

    Args:
        family: the problem family (:func:`femngd.fem.families.problem_family`).
        model: a parametric model: ``model.dim == family.dim`` spatial inputs and one PDE input t
            (e.g. ``HardDirichlet(MLP(widths, dim, pde_inputs=1))``).
        points, weights, sampler, samples, metric, seed, pool: as for :class:`StrongResidual`,
            the points having dim + 1 columns (x, t); the residual weights are w_q ω(ε_q)² (the
            ``l2`` metric keeps the volume weights w_q).
        weighting: "eps" (ω = ε) or "none" (ω = 1).
        gram: as for :class:`StrongResidual`.

    The boundary condition must be built into the model (no boundary penalty).
    """

    problem_attributes = ("dim", "velocity", "source_at", "axis")

    def __init__(self, family: ProblemFamily, model: Model, points: np.ndarray | str | None = None,
                 weights: np.ndarray | None = None, sampler: str = "random", samples: int = 1000,
                 metric: str = "gauss-newton", seed: int = 0, pool: int = 20, weighting: str = "eps",
                 gram: str = "auto"):
        if weighting not in WEIGHTINGS:
            raise ValueError(f"weighting: must be one of {', '.join(WEIGHTINGS)}, got {weighting!r}")
        if model.pde_inputs != 1:
            raise ValueError(f"model: a parametric model takes (x, t) (one PDE input), got {model!r}")
        self.weighting = weighting
        super().__init__(family, model, points, weights, sampler, samples, None, metric, seed, pool, gram=gram)

    def __repr__(self) -> str:
        return f"ParametricResidual({self.problem.label()}, weighting={self.weighting!r}, model={self.model!r})"

    #: the sampled ε-window [ε_lo, ε_max] of the range (continuation narrows it: :meth:`sample_from`)
    eps_lo: float | None = None

    def sample_from(self, eps_lo: float) -> None:
        """Draw the next points' ε from [eps_lo, ε_max] only (log-uniform); the model's coordinate
        t(ε) stays that of the whole range, so a run continued to a wider window keeps its θ."""
        axis = self.problem.axis
        if not axis.eps_min <= eps_lo <= axis.eps_max:
            raise ValueError(f"eps_lo: must lie in [{axis.eps_min:g}, {axis.eps_max:g}], got {eps_lo:g}")
        self.eps_lo = float(eps_lo)

    def _uniform(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """(x, t) uniform in Ω × [t(ε_lo), 1]."""
        x = super()._uniform(rng, m)
        if self.eps_lo is not None:
            t_lo = float(self.problem.axis.coordinate(self.eps_lo))
            x[:, self.dim] = t_lo + (1.0 - t_lo) * x[:, self.dim]
        return x

    def _residual_scale(self, eps):
        """ω(ε)²: ε² (weighting "eps") or 1."""
        return eps * eps if self.weighting == "eps" else 1.0

    def _point_data(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, Any]:
        """f(x; ε_q), b and ε_q = ε(t_q) at the points (x_q, t_q)."""
        family, xs = self.problem, x[:, :self.dim]
        eps = family.axis.eps(x[:, self.dim])
        b = None if not np.any(family.constant_velocity) else family.velocity(xs)
        return family.source_at(xs, eps), b, eps
