"""Hard Dirichlet conditions: v = d(x)·N_θ(x) + ℓ(x) with d = 0 on ∂Ω and ℓ = g on ∂Ω.

Product rule (exact, for values, gradients, Laplacians and their θ-Jacobians):

    ∇v = N ∇d + d ∇N + ∇ℓ,     Δv = N Δd + 2 ∇d·∇N + d ΔN + Δℓ.

Distances: 1D d = x(1 − x) on (0, 1); 2D d = x(1 − x) y(1 − y) on the unit square.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .base import Evaluation, Model, check_points

__all__ = ["HardDirichlet", "unit_distance", "affine_lift"]

Field = tuple[np.ndarray, np.ndarray, np.ndarray]


def unit_distance(x: np.ndarray) -> Field:
    """d, ∇d, Δd for d = Π_k x_k(1 − x_k) on (0, 1)^dim."""
    q = x * (1.0 - x)                      # (m, dim)
    dq, d = 1.0 - 2.0 * x, np.prod(q, axis=1)
    grad = np.empty_like(x)
    lap = np.zeros(x.shape[0])
    for k in range(x.shape[1]):
        others = np.prod(np.delete(q, k, axis=1), axis=1)
        grad[:, k] = dq[:, k] * others
        lap += -2.0 * others
    return d, grad, lap


def affine_lift(g0: float, g1: float) -> Callable[[np.ndarray], Field]:
    """ℓ(x) = g0 + (g1 − g0) x on (0, 1): values, gradient, Laplacian (= 0)."""
    def lift(x):
        return g0 + (g1 - g0) * x[:, 0], np.full_like(x, g1 - g0), np.zeros(x.shape[0])
    return lift


class HardDirichlet(Model):
    """v_θ = d·N_θ + ℓ on the unit interval/square, with N any model.

    ``lift``: None (g = 0), a pair (g0, g1) in 1D (affine lift), or a callable
    x ↦ (ℓ, ∇ℓ, Δℓ) returning (m,), (m, dim), (m,).
    """

    def __init__(self, model: Model, distance: str = "unit", lift=None):
        if distance != "unit":
            raise ValueError(f"distance: only 'unit' (the unit interval/square) is available, got {distance!r}")
        self.model, self.dim, self.n_params = model, model.dim, model.n_params
        self.is_linear = bool(getattr(model, "is_linear", False))
        if lift is not None and not callable(lift):
            if self.dim != 1 or len(lift) != 2:
                raise ValueError(f"lift: a pair (g0, g1) is only meaningful in 1D, got {lift!r}")
            lift = affine_lift(float(lift[0]), float(lift[1]))
        self.lift = lift

    def __repr__(self) -> str:
        return f"HardDirichlet({self.model!r})"

    def init(self, seed: int = 0) -> np.ndarray:
        return self.model.init(seed)

    def evaluate(self, theta, x, order: int = 0, jacobian: bool = False) -> Evaluation:
        x = check_points(x, self.dim)
        inner = self.model.evaluate(theta, x, order=order, jacobian=jacobian)
        d, gd, ld = unit_distance(x)
        lv, lg, ll = self.lift(x) if self.lift is not None else (0.0, 0.0, 0.0)
        out = {"value": d * inner.value + lv}
        if order >= 1:
            out["grad"] = inner.value[:, None] * gd + d[:, None] * inner.grad + lg
        if order >= 2:
            out["laplacian"] = inner.value * ld + 2.0 * np.sum(gd * inner.grad, axis=1) + d * inner.laplacian + ll
        if jacobian:
            out["dvalue"] = d[:, None] * inner.dvalue
            if order >= 1:
                out["dgrad"] = gd[:, :, None] * inner.dvalue[:, None, :] + d[:, None, None] * inner.dgrad
            if order >= 2:
                out["dlaplacian"] = (ld[:, None] * inner.dvalue + 2.0 * np.einsum("md,mdp->mp", gd, inner.dgrad)
                                     + d[:, None] * inner.dlaplacian)
        return Evaluation(**out)
