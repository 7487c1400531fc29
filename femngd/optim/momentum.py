"""Momentum transforms: what is added to, or changed in, the direction of each step.

An update is c_k = m_k + s_k d_k (θ_{k+1} = θ_k + c_k): d_k the (natural) descent direction at θ_k
(or at a look-ahead point), s_k from the step rule, m_k the momentum part. With G_k the Gram
matrix, G_{k,k−1} = J_kᵀXJ_{k−1} the cross-Gram and ⁺ the regularized solve (DESIGN §6):

* :class:`LastMomentum` (LM)       m_k = β G_k⁺ G_{k,k−1} c_{k−1}                (c transported)
* :class:`FunctionDifference` (FD) m_k = β G_k⁺ J_kᵀ X (V_k − V_{k−1})             (no old Jacobian)
* :class:`LastGradient` (LG)       d_k ← d_k − β G_k⁺ G_{k,k−1} z_{k−1},  z_k = −d_k
                                   (the gradient buffer z of heavy ball's z-form, transported)
* :class:`NaturalNesterov`         LM transport, d_k taken at the look-ahead θ_k + β c_{k−1}
* :class:`HeavyBall`, :class:`Nesterov`  the parameter-space versions (m_k = β c_{k−1})
* :class:`Spring`                  d_k = −(G_k + λI)⁻¹(∇L − λμ d_{k−1}) (SPRING; through the m × m kernel
                                   when G is held by its whitened Jacobian, m < p)

For the linear FE model (J constant) LM, FD, LG and natural Nesterov all reduce to
preconditioned heavy ball/Nesterov. β is a float or a schedule k ↦ β_k.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..natural.kernel_gram import KernelGram
from ..natural.objective import Linearization

__all__ = ["MomentumState", "Momentum", "LastMomentum", "FunctionDifference", "LastGradient", "NaturalNesterov",
           "HeavyBall", "Nesterov", "Spring"]

Solve = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class MomentumState:
    """What a momentum transform remembers between steps."""

    k: int = 0
    theta_prev: np.ndarray | None = None
    c_prev: np.ndarray | None = None     # previous update θ_k − θ_{k−1}
    buffer: np.ndarray | None = None     # LG gradient buffer / SPRING previous direction
    extra: dict = field(default_factory=dict)

    def reset(self) -> None:
        self.theta_prev = self.c_prev = self.buffer = None


class Momentum:
    """Base transform: no momentum (plain descent)."""

    lookahead = False

    def __init__(self, beta: float | Callable[[int], float] = 0.9):
        if not callable(beta) and not (np.isfinite(beta) and 0.0 <= float(beta) < 1.0):
            raise ValueError(f"momentum: β must be in [0, 1), got {beta}")
        self.beta = beta

    def __repr__(self) -> str:
        return f"{type(self).__name__}(beta={self.beta if not callable(self.beta) else 'schedule'})"

    def beta_at(self, k: int) -> float:
        return float(self.beta(k)) if callable(self.beta) else float(self.beta)

    def lookahead_point(self, theta: np.ndarray, state: MomentumState) -> np.ndarray:
        """Where the direction is computed (θ_k, or θ_k + β c_{k−1} for Nesterov)."""
        if self.lookahead and state.c_prev is not None:
            return theta + self.beta_at(state.k) * state.c_prev
        return theta

    def direction(self, d: np.ndarray, lin: Linearization, state: MomentumState, solve: Solve) -> np.ndarray:
        """Possibly modified descent direction (LG, SPRING); default: unchanged."""
        return d

    def momentum(self, lin: Linearization, state: MomentumState, solve: Solve) -> np.ndarray:
        """The momentum part m_k (zeros without history)."""
        return np.zeros_like(lin.theta)

    def record(self, state: MomentumState, theta: np.ndarray, c: np.ndarray, d: np.ndarray) -> None:
        state.theta_prev, state.c_prev, state.k = theta.copy(), c.copy(), state.k + 1


class LastMomentum(Momentum):
    """LM: m_k = β G_k⁺ G_{k,k−1} c_{k−1}."""

    def momentum(self, lin, state, solve):
        if state.c_prev is None:
            return np.zeros_like(lin.theta)
        return self.beta_at(state.k) * solve(lin.gram, lin.cross_gram(state.theta_prev) @ state.c_prev)


class FunctionDifference(Momentum):
    """FD: m_k = β G_k⁺ J_kᵀ X (V_k − V_{k−1})."""

    def momentum(self, lin, state, solve):
        if state.theta_prev is None:
            return np.zeros_like(lin.theta)
        return self.beta_at(state.k) * solve(lin.gram, lin.pullback_difference(state.theta_prev))


class LastGradient(Momentum):
    """LG: the natural gradient buffer z_k = G_k⁺(β G_{k,k−1} z_{k−1} + ∇L) transported; d_k = −z_k."""

    def direction(self, d, lin, state, solve):
        if state.buffer is None:
            return d
        return d - self.beta_at(state.k) * solve(lin.gram, lin.cross_gram(state.theta_prev) @ state.buffer)

    def record(self, state, theta, c, d):
        super().record(state, theta, c, d)
        state.buffer = -d


class NaturalNesterov(LastMomentum):
    """Natural Nesterov: LM transport with the direction taken at the look-ahead θ_k + β c_{k−1}."""

    lookahead = True   # lin is taken at the look-ahead point; c_{k−1} is transported onto its tangent space


class HeavyBall(Momentum):
    """Parameter-space heavy ball: m_k = β c_{k−1}."""

    def momentum(self, lin, state, solve):
        return np.zeros_like(lin.theta) if state.c_prev is None else self.beta_at(state.k) * state.c_prev


class Nesterov(HeavyBall):
    """Parameter-space Nesterov: m_k = β c_{k−1}, gradient at θ_k + β c_{k−1}."""

    lookahead = True


class Spring(Momentum):
    """SPRING: d_k = −(G + λI)⁻¹(∇L − λμ d_{k−1}), λ = ``damping`` (absolute), μ = β.

    With φ = −d this is φ_k = μφ_{k−1} + Jᵀ(JJᵀ + λI)⁻¹(r − μJφ_{k−1}) (DESIGN §11; push-through identity):
    a :class:`~femngd.natural.kernel_gram.KernelGram` G = WᵀW that knows the gradient as Wᵀz is solved that way,
    through its m × m kernel (φ_k = μφ_{k−1} + Wᵀ(K + λI)⁻¹(z − μWφ_{k−1})); otherwise with the dense G.
    """

    def __init__(self, beta: float = 0.9, damping: float = 1e-3):
        super().__init__(beta)
        self.damping = float(damping)

    def direction(self, d, lin, state, solve):
        mu = self.beta_at(state.k)
        G = lin.gram
        z = G.coordinates(lin.grad) if isinstance(G, KernelGram) else None
        if z is not None:
            phi_prev = None if state.buffer is None else -state.buffer
            rhs = z if phi_prev is None else z - mu * G.times(phi_prev)
            phi = G.transpose_times(G.shifted_solve(rhs, self.damping))
            return -(phi if phi_prev is None else phi + mu * phi_prev)
        rhs = lin.grad if state.buffer is None else lin.grad - self.damping * mu * state.buffer
        G = np.asarray(G)      # (FE coefficients: the dense form of the sparse Gram operator)
        return -np.linalg.solve(G + self.damping * np.eye(G.shape[0]), rhs)

    def record(self, state, theta, c, d):
        super().record(state, theta, c, d)
        state.buffer = d
