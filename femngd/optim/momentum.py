"""Momentum transforms: what is added to, or changed in, the direction of each step.

An update is c_k = m_k + s_k d_k (θ_{k+1} = θ_k + c_k): d_k the descent direction at θ_k (or at a
look-ahead point) from :mod:`femngd.optim.directions`, s_k from the step rule, m_k the momentum part.
With G_k the Gram matrix, G_{k,k−1} = J_kᵀXJ_{k−1} the cross-Gram and ⁺ the regularized solve (DESIGN §6):

* :class:`LastMomentum` (LM)       m_k = β G_k⁺ G_{k,k−1} c_{k−1}                (c transported)
* :class:`FunctionDifference` (FD) m_k = β G_k⁺ J_kᵀ X (V_k − V_{k−1})             (no old Jacobian)
* :class:`LastGradient` (LG)       d_k ← d_k − β G_k⁺ G_{k,k−1} z_{k−1},  z_k = −d_k
                                   (the gradient buffer z of heavy ball's z-form, transported)
* :class:`NaturalNesterov`         LM transport, d_k taken at the look-ahead θ_k + β c_{k−1}
* :class:`HeavyBall`, :class:`Nesterov`  the parameter-space versions (m_k = β c_{k−1})

For the linear FE model (J constant) LM, FD, LG and natural Nesterov all reduce to preconditioned
heavy ball/Nesterov. β is a float or a schedule k ↦ β_k; a transform holds the configured β, and the
β a run uses (the configured one, or the one ``momentum="auto"`` derives from the spectrum at θ₀)
lives in the run's :class:`MomentumState`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..natural.objective import Linearization

__all__ = ["MomentumState", "Momentum", "LastMomentum", "FunctionDifference", "LastGradient", "NaturalNesterov",
           "HeavyBall", "Nesterov", "Solve", "check_beta"]

#: solve(G, rhs[, solver]) -> x: the optimizer's regularized Gram solve (recording its diagnostics)
Solve = Callable[..., np.ndarray]
Beta = float | Callable[[int], float]


@dataclass
class MomentumState:
    """What momentum remembers between steps: the iteration k, β (or its schedule), the previous iterate
    θ_{k−1}, update c_{k−1} = θ_k − θ_{k−1} and direction d_{k−1} (LG's gradient buffer is z = −d,
    SPRING's φ is d)."""

    beta: Beta = 0.0
    k: int = 0
    theta_prev: np.ndarray | None = None
    c_prev: np.ndarray | None = None
    d_prev: np.ndarray | None = None

    def beta_k(self) -> float:
        """β_k: the constant β, or the schedule at the current iteration k."""
        return float(self.beta(self.k)) if callable(self.beta) else float(self.beta)

    def record(self, theta: np.ndarray, c: np.ndarray, d: np.ndarray) -> None:
        """Remember θ_k, c_k and d_k; advance k."""
        self.theta_prev, self.c_prev, self.d_prev, self.k = theta.copy(), c.copy(), d.copy(), self.k + 1

    def reset(self) -> None:
        """Forget the history (a restart): the next step is a plain descent step."""
        self.theta_prev = self.c_prev = self.d_prev = None


def check_beta(beta: Beta) -> Beta:
    """β in [0, 1), or a schedule k ↦ β_k; ValueError naming ``momentum`` otherwise."""
    if callable(beta):
        return beta
    try:
        value = float(beta)
    except (TypeError, ValueError):
        raise ValueError(f"momentum: β must be a number in [0, 1) or a schedule, got {beta!r}") from None
    if not (np.isfinite(value) and 0.0 <= value < 1.0):
        raise ValueError(f"momentum: β must be in [0, 1), got {beta}")
    return value


class Momentum:
    """Base transform: no momentum (plain descent)."""

    #: the direction is taken at the look-ahead point θ_k + β c_{k−1} (Nesterov)
    lookahead = False

    def __init__(self, beta: Beta = 0.0):
        self.beta = check_beta(beta)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(beta={self.beta if not callable(self.beta) else 'schedule'})"

    def lookahead_point(self, theta: np.ndarray, state: MomentumState) -> np.ndarray:
        """Where the direction is computed (θ_k, or θ_k + β c_{k−1} for Nesterov)."""
        if self.lookahead and state.c_prev is not None:
            return theta + state.beta_k() * state.c_prev
        return theta

    def direction(self, d: np.ndarray, lin: Linearization, state: MomentumState, solve: Solve) -> np.ndarray:
        """Possibly modified descent direction (LG); default: unchanged."""
        return d

    def momentum(self, lin: Linearization, state: MomentumState, solve: Solve) -> np.ndarray:
        """The momentum part m_k (zeros without history)."""
        return np.zeros_like(lin.theta)


class LastMomentum(Momentum):
    """LM: m_k = β G_k⁺ G_{k,k−1} c_{k−1}."""

    def momentum(self, lin, state, solve):
        if state.c_prev is None:
            return np.zeros_like(lin.theta)
        return state.beta_k() * solve(lin.gram, lin.cross_gram(state.theta_prev) @ state.c_prev)


class FunctionDifference(Momentum):
    """FD: m_k = β G_k⁺ J_kᵀ X (V_k − V_{k−1})."""

    def momentum(self, lin, state, solve):
        if state.theta_prev is None:
            return np.zeros_like(lin.theta)
        return state.beta_k() * solve(lin.gram, lin.pullback_difference(state.theta_prev))


class LastGradient(Momentum):
    """LG: the natural gradient buffer z_k = G_k⁺(β G_{k,k−1} z_{k−1} + ∇L) transported; d_k = −z_k."""

    def direction(self, d, lin, state, solve):
        if state.d_prev is None:
            return d
        return d - state.beta_k() * solve(lin.gram, lin.cross_gram(state.theta_prev) @ -state.d_prev)


class NaturalNesterov(LastMomentum):
    """Natural Nesterov: LM transport with the direction taken at the look-ahead θ_k + β c_{k−1}."""

    lookahead = True   # lin is taken at the look-ahead point; c_{k−1} is transported onto its tangent space


class HeavyBall(Momentum):
    """Parameter-space heavy ball: m_k = β c_{k−1}."""

    def momentum(self, lin, state, solve):
        return np.zeros_like(lin.theta) if state.c_prev is None else state.beta_k() * state.c_prev


class Nesterov(HeavyBall):
    """Parameter-space Nesterov: m_k = β c_{k−1}, gradient at θ_k + β c_{k−1}."""

    lookahead = True
