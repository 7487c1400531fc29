"""Linear models on fixed features: v_θ(x) = Σ_k θ_k φ_k(x) (Legendre polynomials, Fourier modes).

In 2D the features are tensor products (full tensor-product space, not total degree) φ_ij(x, y) = a_i(x) a_j(y) of the 1D features, with
∇φ_ij = (a_i′ a_j, a_i a_j′) and Δφ_ij = a_i″ a_j + a_i a_j″. The Jacobians are the feature
matrices themselves (independent of θ).
"""
from __future__ import annotations

import numpy as np
from numpy.polynomial import legendre

from .base import Evaluation, Model, check_points, check_theta, seeded_rng

__all__ = ["LinearFeatures", "Legendre", "Fourier", "check_order"]


def check_order(order: int) -> int:
    """``order`` if it is 0, 1 or 2; ValueError otherwise."""
    if order not in (0, 1, 2) or isinstance(order, bool):
        raise ValueError(f"order: must be 0, 1 or 2, got {order!r}")
    return int(order)


class LinearFeatures(Model):
    """Base class: subclasses give the 1D features and their first two derivatives on (0, 1)."""

    is_linear = True
    n_1d: int

    def __init__(self, dim: int):
        if dim not in (1, 2):
            raise ValueError(f"dim: must be 1 or 2, got {dim!r}")
        self.dim = int(dim)
        self.n_params = self.n_1d ** self.dim

    def features_1d(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(a, a′, a″) at points t (m,), each (m, n_1d)."""
        raise NotImplementedError

    def init(self, seed: int = 0) -> np.ndarray:
        """θ₀ ~ N(0, 0.01²) (seeded)."""
        return seeded_rng(seed).normal(0.0, 0.01, self.n_params)

    def features(self, x: np.ndarray, order: int = 0) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Φ (m, p), ∇Φ (m, dim, p) if order ≥ 1, ΔΦ (m, p) if order ≥ 2."""
        x = check_points(x, self.dim)
        if self.dim == 1:
            a, a1, a2 = self.features_1d(x[:, 0])
            return a, (a1[:, None, :] if order >= 1 else None), (a2 if order >= 2 else None)
        (a, a1, a2), (c, c1, c2) = self.features_1d(x[:, 0]), self.features_1d(x[:, 1])
        outer = lambda u, v: (u[:, :, None] * v[:, None, :]).reshape(u.shape[0], -1)
        phi = outer(a, c)
        grad = np.stack([outer(a1, c), outer(a, c1)], axis=1) if order >= 1 else None
        lap = outer(a2, c) + outer(a, c2) if order >= 2 else None
        return phi, grad, lap

    def evaluate(self, theta, x, order: int = 0, jacobian: bool = False) -> Evaluation:
        """v = Φθ, ∇v = ∇Φ θ, Δv = ΔΦ θ; the Jacobians are Φ, ∇Φ, ΔΦ (independent of θ)."""
        theta = check_theta(theta, self.n_params)
        check_order(order)
        phi, grad, lap = self.features(x, order)
        return Evaluation(
            value=phi @ theta,
            grad=grad @ theta if grad is not None else None,
            laplacian=lap @ theta if lap is not None else None,
            dvalue=phi if jacobian else None,
            dgrad=grad if jacobian and grad is not None else None,
            dlaplacian=lap if jacobian and lap is not None else None,
        )


class Legendre(LinearFeatures):
    """Legendre polynomials P_k(2x − 1), k = 0…degree, on (0, 1) mapped to (−1, 1).

    2D: tensor products P_i(2x − 1) P_j(2y − 1), 0 ≤ i, j ≤ degree ((degree + 1)² features,
    index i·(degree + 1) + j). Derivatives: d/dx P_k(2x − 1) = 2 P_k′(2x − 1), d²/dx² = 4 P_k″.

    Orthogonal in L2(0, 1): ∫ P_j(2x−1) P_k(2x−1) dx = δ_jk / (2k + 1).
    """

    def __init__(self, degree: int, dim: int = 1):
        if not isinstance(degree, (int, np.integer)) or degree < 0:
            raise ValueError(f"degree: must be a non-negative integer, got {degree!r}")
        self.degree = int(degree)
        self.n_1d = self.degree + 1
        # coefficient maps of d/dt and d²/dt² in the Legendre basis, times the chain factors 2, 4
        self._d1 = self._derivative_map(1) * 2.0
        self._d2 = self._derivative_map(2) * 4.0
        super().__init__(dim)

    def __repr__(self) -> str:
        return f"Legendre(degree={self.degree}, dim={self.dim})"

    def _derivative_map(self, k: int) -> np.ndarray:
        """D (n_1d, n_1d) with column j the Legendre coefficients of P_j^(k)."""
        D = np.zeros((self.n_1d, self.n_1d))
        for j in range(self.n_1d):
            c = legendre.legder(np.eye(self.n_1d)[j], k)
            D[: c.size, j] = c
        return D

    def features_1d(self, t):
        V = legendre.legvander(2.0 * t - 1.0, self.degree)
        return V, V @ self._d1, V @ self._d2


class Fourier(LinearFeatures):
    """Fourier modes on (0, 1): 1, cos(kπx) (k = 1…n_modes), sin(kπx) (k = 1…n_modes).

    2D: tensor products of these 2·n_modes + 1 modes in x and in y ((2·n_modes + 1)² features).
    (cos kπx)′ = −kπ sin kπx, (sin kπx)′ = kπ cos kπx, second derivatives −(kπ)² × the mode.
    """

    def __init__(self, n_modes: int, dim: int = 1):
        if not isinstance(n_modes, (int, np.integer)) or n_modes < 1:
            raise ValueError(f"n_modes: must be a positive integer, got {n_modes!r}")
        self.n_modes = int(n_modes)
        self.n_1d = 2 * self.n_modes + 1
        super().__init__(dim)

    def __repr__(self) -> str:
        return f"Fourier(n_modes={self.n_modes}, dim={self.dim})"

    def features_1d(self, t):
        k = np.pi * np.arange(1, self.n_modes + 1)
        c, s = np.cos(np.outer(t, k)), np.sin(np.outer(t, k))
        one, zero = np.ones((t.size, 1)), np.zeros((t.size, 1))
        return (np.hstack([one, c, s]), np.hstack([zero, -k * s, k * c]), np.hstack([zero, -k**2 * c, -k**2 * s]))
