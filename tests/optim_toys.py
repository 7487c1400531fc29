"""Small Objective implementations for the optimizer tests (no femngd.fem / femngd.models).

* :class:`LinearQuadratic`  V = Jθ, L = ½VᵀHV − bᵀV, metric X: G = JᵀXJ, G_H = JᵀHJ.
* :class:`TanhRegression`   v(x) = Σ_i c_i tanh(w_i x + b_i), L = (1/2m) Σ_q (v(x_q) − u(x_q))²,
                            G = JᵀJ/m (= G_H), fixed points or m uniform points per resample.
"""
from __future__ import annotations

import numpy as np

from femngd.natural.objective import Linearization, Objective


def tridiagonal(n: int, eps: float = 1.0, shift: float = 0.0) -> np.ndarray:
    """FE-like SPD matrix eps·tridiag(−1, 2, −1)·n + shift·I (stiffness + mass-like shift)."""
    T = 2.0 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    return eps * n * T + shift * np.eye(n)


class LinearQuadratic(Objective):
    """L(θ) = ½ VᵀHV − bᵀV with V = Jθ, metric X (both SPD); nodes x_j = j/(n+1)."""

    def __init__(self, H, b, J=None, X=None):
        self.H, self.b = np.asarray(H, float), np.asarray(b, float)
        n = self.H.shape[0]
        self.J = np.eye(n) if J is None else np.asarray(J, float)
        self.X = np.eye(n) if X is None else np.asarray(X, float)
        self.n_params, self.metric = self.J.shape[1], "toy"
        self.nodes = np.arange(1, n + 1) / (n + 1)

    def minimizer(self) -> np.ndarray:
        JHJ = self.J.T @ self.H @ self.J
        return np.linalg.lstsq(JHJ, self.J.T @ self.b, rcond=None)[0]

    def loss(self, theta):
        V = self.J @ theta
        return float(0.5 * V @ self.H @ V - self.b @ V)

    def gradient(self, theta):
        return self.J.T @ (self.H @ (self.J @ theta) - self.b)

    def linearize(self, theta):
        G = self.J.T @ self.X @ self.J
        return Linearization(np.array(theta, float), self.loss(theta), self.gradient(theta), G,
                             cross_gram=lambda other: G,
                             pullback_difference=lambda other: G @ (theta - other))

    def gauss_newton_gram(self, theta):
        return self.J.T @ self.H @ self.J

    def evaluate(self, theta, x, order=0):
        values = np.interp(x[:, 0], self.nodes, self.J @ theta)
        return values, (np.zeros_like(x) if order else None)


class TanhRegression(Objective):
    """Nonlinear least squares with a width-w tanh network; θ = (w, b, c)."""

    def __init__(self, width=4, points=None, samples=None, target=lambda x: np.sin(3 * x)):
        if (points is None) == (samples is None):
            raise ValueError("points: give either points or samples")
        self.width, self.target, self.samples = width, target, samples
        self.x = None if points is None else np.asarray(points, float)
        self.resample(np.random.default_rng(12345))
        self.n_params, self.metric = 3 * width, "gauss-newton"

    def init(self, seed=0):
        return np.random.default_rng(seed).normal(size=self.n_params)

    def resample(self, rng):
        if self.samples is not None:
            self.x = rng.uniform(0.0, 1.0, self.samples)

    def _features(self, theta, x):
        w, b, c = np.split(theta, 3)
        t = np.tanh(np.outer(x, w) + b)
        return t, c

    def values(self, theta, x=None):
        t, c = self._features(theta, self.x if x is None else x)
        return t @ c

    def jacobian(self, theta):
        t, c = self._features(theta, self.x)
        s = (1.0 - t * t) * c
        return np.hstack([s * self.x[:, None], s, t])

    def loss(self, theta):
        r = self.values(theta) - self.target(self.x)
        return float(0.5 * r @ r / self.x.size)

    def gradient(self, theta):
        return self.jacobian(theta).T @ (self.values(theta) - self.target(self.x)) / self.x.size

    def linearize(self, theta):
        J, m = self.jacobian(theta), self.x.size
        V = self.values(theta)
        return Linearization(np.array(theta, float), self.loss(theta), self.gradient(theta), J.T @ J / m,
                             cross_gram=lambda other: J.T @ self.jacobian(other) / m,
                             pullback_difference=lambda other: J.T @ (V - self.values(other)) / m)

    def gauss_newton_gram(self, theta):
        J = self.jacobian(theta)
        return J.T @ J / self.x.size

    def evaluate(self, theta, x, order=0):
        return self.values(theta, x[:, 0]), (np.zeros_like(x) if order else None)
