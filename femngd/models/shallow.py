"""Shallow networks v_θ(x) = Σ_i c_i σ(w_i·x + b_i) + c_0, with closed-form derivatives.

Parameters θ = (W (width × dim, row-major), b (width), c (width), c_0 (if ``output_bias``)).
With z_i = w_i·x + b_i and s_i = |w_i|²:

    v = Σ c_i σ(z_i) + c_0,   ∇v = Σ c_i σ′(z_i) w_i,   Δv = Σ c_i σ″(z_i) s_i,

and the θ-Jacobians (every row of a point batch at once, BLAS-friendly broadcasting):

    ∂v/∂W_ik = c_i σ′ x_k,        ∂v/∂b_i = c_i σ′,          ∂v/∂c_i = σ
    ∂∂_d v/∂W_ik = c_i (σ″ x_k W_id + σ′ δ_kd),  ∂∂_d v/∂b_i = c_i σ″ W_id,  ∂∂_d v/∂c_i = σ′ W_id
    ∂Δv/∂W_ik = c_i (σ‴ x_k s_i + 2 σ″ W_ik),    ∂Δv/∂b_i = c_i σ‴ s_i,      ∂Δv/∂c_i = σ″ s_i
"""
from __future__ import annotations

import numpy as np

from .activations import activation as make_activation
from .base import Evaluation, Model, check_points, check_theta

__all__ = ["ShallowNetwork"]


class ShallowNetwork(Model):
    """v_θ(x) = Σ_{i=1}^{width} c_i σ(w_i·x + b_i) (+ c_0), x ∈ R^dim.

    ``init_std=None`` draws w_i, b_i ~ N(0, 1) and c_i ~ N(0, 1/width) (c_0 = 0);
    a number s draws every parameter from N(0, s²) (the ENGD Poisson benchmark uses 0.1).
    """

    is_linear = False

    def __init__(self, width: int, dim: int = 1, activation: str = "tanh", init_std: float | None = None,
                 output_bias: bool = False):
        if not isinstance(width, (int, np.integer)) or width < 1:
            raise ValueError(f"width: must be a positive integer, got {width!r}")
        if dim not in (1, 2, 3):
            raise ValueError(f"dim: must be 1, 2 or 3, got {dim!r}")
        self.width, self.dim, self.output_bias = int(width), int(dim), bool(output_bias)
        self.activation = make_activation(activation)
        self.init_std = init_std
        self.n_params = self.width * (self.dim + 2) + int(self.output_bias)

    def __repr__(self) -> str:
        return f"ShallowNetwork(width={self.width}, dim={self.dim}, activation={self.activation.name!r})"

    def init(self, seed: int = 0) -> np.ndarray:
        rng = np.random.default_rng(seed)
        if self.init_std is not None:
            return rng.normal(0.0, float(self.init_std), self.n_params)
        W = rng.normal(0.0, 1.0, (self.width, self.dim))
        b = rng.normal(0.0, 1.0, self.width)
        c = rng.normal(0.0, 1.0 / np.sqrt(self.width), self.width)
        return np.concatenate([W.ravel(), b, c, np.zeros(int(self.output_bias))])

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """(W (width, dim), b (width,), c (width,), c_0)."""
        n, d = self.width, self.dim
        W = theta[: n * d].reshape(n, d)
        return W, theta[n * d: n * d + n], theta[n * d + n: n * d + 2 * n], (theta[-1] if self.output_bias else 0.0)

    def evaluate(self, theta, x, order: int = 0, jacobian: bool = False) -> Evaluation:
        theta = check_theta(theta, self.n_params)
        x = check_points(x, self.dim)
        if order not in (0, 1, 2):
            raise ValueError(f"order: must be 0, 1 or 2, got {order!r}")
        W, b, c, c0 = self.unpack(theta)
        s0, s1, s2, s3 = self.activation(x @ W.T + b, order + int(jacobian))
        out = {"value": s0 @ c + c0}
        if order >= 1:
            out["grad"] = (s1 * c) @ W
        if order >= 2:
            sq = np.sum(W * W, axis=1)
            out["laplacian"] = (s2 * c) @ sq
        if jacobian:
            out.update(self._jacobians(x, W, c, (s0, s1, s2, s3), order))
        return Evaluation(**out)

    def _pack(self, dW: np.ndarray, db: np.ndarray, dc: np.ndarray, dc0: float) -> np.ndarray:
        """Concatenate per-block Jacobians (m, width, dim), (m, width), (m, width) into (m, p)."""
        m = db.shape[0]
        parts = [dW.reshape(m, -1), db, dc]
        if self.output_bias:
            parts.append(np.full((m, 1), dc0))
        return np.concatenate(parts, axis=1)

    def _jacobians(self, x, W, c, sig, order) -> dict[str, np.ndarray]:
        s0, s1, s2, s3 = sig
        cs1 = s1 * c
        out = {"dvalue": self._pack(cs1[:, :, None] * x[:, None, :], cs1, s0, 1.0)}
        if order >= 1:
            cs2 = s2 * c
            dgrad = np.empty((x.shape[0], self.dim, self.n_params))
            for d in range(self.dim):
                dW = cs2[:, :, None] * W[None, :, d, None] * x[:, None, :]
                dW[:, :, d] += cs1
                dgrad[:, d, :] = self._pack(dW, cs2 * W[:, d], s1 * W[:, d], 0.0)
            out["dgrad"] = dgrad
        if order >= 2:
            sq = np.sum(W * W, axis=1)
            cs3s = s3 * (c * sq)
            dW = cs3s[:, :, None] * x[:, None, :] + 2.0 * (s2 * c)[:, :, None] * W[None, :, :]
            out["dlaplacian"] = self._pack(dW, cs3s, s2 * sq, 0.0)
        return out
