"""Parameter-space baselines on the same protocol as natural descent: Adam and L-BFGS.

* :class:`Adam` (Kingma & Ba): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr m̂/(√v̂ + ε),
  m̂ = m/(1−β₁ᵏ), v̂ = v/(1−β₂ᵏ).
* :class:`LBFGS` (Nocedal 1980): d = −H_k∇L by the two-loop recursion over the last ``memory`` pairs
  s_i = θ_{i+1} − θ_i, y_i = ∇L_{i+1} − ∇L_i (kept when s_iᵀy_i > 1e-10 ‖s_i‖‖y_i‖), with
  H⁰ = γI, γ = sᵀy / yᵀy of the newest pair; the step satisfies the strong Wolfe conditions
  (c₁ = 1e-4, c₂ = 0.9, :func:`scipy.optimize.line_search`; the first trial step 1, or 1/‖∇L‖ at the
  first iteration), with Armijo backtracking where that search fails, and a steepest-descent restart
  (memory cleared) when d is not a descent direction.
"""
from __future__ import annotations

import math
import warnings
from collections import deque
from dataclasses import dataclass

import numpy as np

from ..natural.objective import Objective
from .base import Optimizer, StepInfo
from .steps import Armijo

__all__ = ["Adam", "AdamState", "LBFGS", "LBFGSState", "two_loop"]


def _positive(name: str, value, integer: bool = False):
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: must be a {'positive integer' if integer else 'number > 0'}, got {value!r}") from None
    if not (math.isfinite(number) and number > 0) or (integer and number != value):
        raise ValueError(f"{name}: must be a {'positive integer' if integer else 'finite number > 0'}, got {value!r}")
    return number


@dataclass
class AdamState:
    """Adam's first and second moment estimates after k steps."""

    m: np.ndarray
    v: np.ndarray
    k: int = 0


class Adam(Optimizer):
    """Adam (module doc)."""

    name = "adam"

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = _positive("lr", lr), float(beta1), float(beta2), float(eps)

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr:g})"

    def init(self, objective: Objective, theta: np.ndarray) -> AdamState:
        return AdamState(np.zeros_like(theta), np.zeros_like(theta))

    def step(self, objective: Objective, theta: np.ndarray, state: AdamState):
        loss, g = objective.loss(theta), objective.gradient(theta)
        k = state.k + 1
        m = self.beta1 * state.m + (1 - self.beta1) * g
        v = self.beta2 * state.v + (1 - self.beta2) * g * g
        m_hat, v_hat = m / (1 - self.beta1 ** k), v / (1 - self.beta2 ** k)
        new = theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        return new, AdamState(m, v, k), StepInfo(loss, self.lr)


def two_loop(grad: np.ndarray, pairs) -> np.ndarray:
    """H∇L by the L-BFGS two-loop recursion over ``pairs`` [(s_i, y_i)], oldest first, H⁰ = γI with
    γ = sᵀy/yᵀy of the newest pair (γ = 1 without pairs)."""
    q = np.array(grad, dtype=float)
    alphas = []
    for s, y in reversed(pairs):
        a = (s @ q) / (y @ s)
        alphas.append(a)
        q -= a * y
    if pairs:
        s, y = pairs[-1]
        q *= (s @ y) / (y @ y)
    for (s, y), a in zip(pairs, reversed(alphas)):
        q += (a - (y @ q) / (y @ s)) * s
    return q


@dataclass
class LBFGSState:
    """The last ``memory`` curvature pairs and the previous iterate and gradient."""

    pairs: deque
    theta_prev: np.ndarray | None = None
    grad_prev: np.ndarray | None = None
    k: int = 0


class LBFGS(Optimizer):
    """L-BFGS with a strong-Wolfe line search (module doc); ``memory`` pairs (default 20)."""

    name = "lbfgs"

    def __init__(self, memory: int = 20):
        self.memory = _positive("memory", memory, integer=True)

    def __repr__(self) -> str:
        return f"LBFGS(memory={self.memory})"

    def init(self, objective: Objective, theta: np.ndarray) -> LBFGSState:
        return LBFGSState(deque(maxlen=self.memory))

    def step(self, objective: Objective, theta: np.ndarray, state: LBFGSState):
        from scipy.optimize import line_search

        loss, grad = objective.loss_and_gradient(theta)
        if state.theta_prev is not None:
            s, y = theta - state.theta_prev, grad - state.grad_prev
            if s @ y > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):
                state.pairs.append((s, y))
        d = -two_loop(grad, list(state.pairs))
        if not grad @ d < 0:                                   # not a descent direction: restart
            state.pairs.clear()
            d = -grad
        norm = float(np.linalg.norm(grad))
        previous = loss + 0.5 * norm if not state.pairs and norm > 0 else None   # first trial step 1/‖∇L‖
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")                    # LineSearchWarning: handled below
            alpha, _, _, new_loss, _, _ = line_search(objective.loss, objective.gradient, theta, d, gfk=grad,
                                                      old_fval=loss, old_old_fval=previous, c1=1e-4, c2=0.9)
        if alpha is None or not np.isfinite(alpha):
            alpha, new_loss = Armijo(1.0 / max(norm, 1.0))(objective.loss, theta, d, float(grad @ d)), None
        state.theta_prev, state.grad_prev, state.k = theta, grad, state.k + 1
        return theta + alpha * d, state, StepInfo(loss, float(alpha), new_loss=new_loss)
