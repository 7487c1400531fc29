"""KL divergence to a target density in 1D, with a model kept positive through exp.

The trained density is v_θ = exp(n_θ) at the DOFs of a 1D FE space, u the target density,
m_i the lumped mass (row sums of M):

    L(θ) = Σ_i m_i (u_i log(u_i / v_i) − u_i + v_i)     (generalized KL, ≥ 0, = 0 iff v = u)
    ∂L/∂n_i = m_i (v_i − u_i),   ∂²L/∂n_i² = m_i v_i   (the Fisher / Gauss–Newton metric in n)

Metrics: ``gauss-newton`` (coordinates n, X = diag(m v)), ``l2`` (coordinates v, X = diag(m)),
``h1`` (coordinates v, X = K + M).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..fem import FESpace
from ..models import Model
from .tangent import METRICS, TangentObjective

__all__ = ["KLDivergence", "bimodal_density"]


def bimodal_density(x: np.ndarray) -> np.ndarray:
    """A default positive target on (0, 1): 0.1 + exp(−(x−0.3)²/0.02) + 0.5 exp(−(x−0.75)²/0.005) (unnormalized)."""
    t = x[:, 0]
    return 0.1 + np.exp(-((t - 0.3) ** 2) / 0.02) + 0.5 * np.exp(-((t - 0.75) ** 2) / 0.005)


class KLDivergence(TangentObjective):
    """Generalized KL(u ‖ exp(n_θ)) on the DOFs of a 1D space (see module doc)."""

    def __init__(self, space: FESpace, model: Model, target: Callable = bimodal_density, metric: str = "gauss-newton"):
        if space.dim != 1 or model.dim != 1:
            raise ValueError("loss: the KL divergence is for 1D densities")
        if metric not in METRICS:
            raise ValueError(f"metric: must be one of {', '.join(METRICS)}, got {metric!r}")
        self.space, self.model, self.metric, self.n_params = space, model, metric, model.n_params
        self.points = space.dof_locations
        self.u = np.asarray(target(self.points), dtype=float)
        if np.any(self.u <= 0) or not np.all(np.isfinite(self.u)):
            raise ValueError("target: must be a positive finite density")
        self.M = space.mass()
        self.lumped = np.asarray(self.M.sum(axis=1)).ravel()

    @property
    def n_points(self) -> int:
        """The DOFs the log-density is evaluated at."""
        return len(self.points)

    def __repr__(self) -> str:
        return f"KLDivergence(metric={self.metric!r}, model={self.model!r})"

    def _log_values(self, theta, jacobian):
        ev = self.model.evaluate(theta, self.points, jacobian=jacobian)
        return ev.value, ev.dvalue

    def loss(self, theta):
        n, _ = self._log_values(theta, False)
        v = np.exp(n)
        return float(self.lumped @ (self.u * (np.log(self.u) - n) - self.u + v))

    def loss_and_gradient(self, theta):
        n, J = self._log_values(theta, True)
        v = np.exp(n)
        loss = float(self.lumped @ (self.u * (np.log(self.u) - n) - self.u + v))
        return loss, J.T @ (self.lumped * (v - self.u))

    def metric_coordinates(self, theta, jacobian=True):
        n, J = self._log_values(theta, jacobian)
        if self.metric == "gauss-newton":
            return n, J
        v = np.exp(n)
        return v, (v[:, None] * J if jacobian else None)

    def metric_matrix(self, phi):
        """Fisher: X = diag(m exp(n)) at the coordinates n = Φ(θ); L2: diag(m); H1: K + M."""
        if self.metric == "gauss-newton":
            return self.lumped * np.exp(phi)
        return self.lumped if self.metric == "l2" else (self.space.stiffness() + self.M).tocsr()

    def gauss_newton_gram(self, theta):
        n, J = self._log_values(theta, True)
        return self._gram(self.lumped * np.exp(n), J)

    def evaluate(self, theta, x, order=0):
        ev = self.model.evaluate(theta, x, order=order)
        v = np.exp(ev.value)
        return v, (v[:, None] * ev.grad if order >= 1 else None)
