"""A periodic bump with movable centre: the smallest model with genuine local minima.

    v_θ(x) = a g(x − c),   g(s) = exp(κ (cos 2πs − 1)),   θ = (a, c),

a von Mises bump of fixed concentration κ (width ≈ 1/(2π√κ)) on the unit circle. Fitting it
to a sum of two bumps gives a loss with one local minimum per target bump: the model that
shows an optimizer stalling in the wrong one (issue 5, study 4). With φ = 2π(x − c):

    g′  = −2πκ sin φ · g,      g″ = (2π)² (κ² sin²φ − κ cos φ) g,
    g‴  = (2π)³ (−κ³ sin³φ + 3κ² sin φ cos φ + κ sin φ) g,

and ∂/∂c = −∂/∂x, ∂/∂a = (·)/a.
"""
from __future__ import annotations

import numpy as np

from .base import Evaluation, Model, check_points, check_theta, seeded_rng
from .features import check_order

__all__ = ["PeriodicBump"]


class PeriodicBump(Model):
    """v_θ(x) = a exp(κ(cos 2π(x − c) − 1)) in 1D, θ = (a, c) (module doc)."""

    is_linear = False
    dim = 1
    n_params = 2

    def __init__(self, kappa: float = 20.0):
        if not (np.isfinite(kappa) and kappa > 0):
            raise ValueError(f"kappa: must be finite and > 0, got {kappa}")
        self.kappa = float(kappa)

    def __repr__(self) -> str:
        return f"PeriodicBump(kappa={self.kappa:g})"

    def init(self, seed: int = 0) -> np.ndarray:
        """a = 0.5, centre c uniform on [0, 1) (seeded)."""
        return np.array([0.5, seeded_rng(seed).uniform()])

    def shape_derivatives(self, s: np.ndarray) -> list[np.ndarray]:
        """[g, g′, g″, g‴] at s = x − c."""
        k, w = self.kappa, 2.0 * np.pi
        sin, cos = np.sin(w * s), np.cos(w * s)
        g = np.exp(k * (cos - 1.0))
        return [g, -w * k * sin * g, w**2 * (k * k * sin**2 - k * cos) * g,
                w**3 * (-(k**3) * sin**3 + 3 * k * k * sin * cos + k * sin) * g]

    def evaluate(self, theta, x, order: int = 0, jacobian: bool = False) -> Evaluation:
        a, c = check_theta(theta, self.n_params)
        x = check_points(x, 1)[:, 0]
        check_order(order)
        g = self.shape_derivatives(x - c)
        out = {"value": a * g[0]}
        if jacobian:
            out["dvalue"] = np.column_stack([g[0], -a * g[1]])
        if order >= 1:
            out["grad"] = (a * g[1])[:, None]
            if jacobian:
                out["dgrad"] = np.column_stack([g[1], -a * g[2]])[:, None, :]
        if order >= 2:
            out["laplacian"] = a * g[2]
            if jacobian:
                out["dlaplacian"] = np.column_stack([g[2], -a * g[3]])
        return Evaluation(**out)
