"""Step rules: how far to go along a direction d from a base point θ_b (θ_b = θ + momentum part).

* :class:`Fixed`      s = lr.
* :class:`Armijo`     backtracking s = s₀ρʲ until L(θ_b + s d) ≤ L(θ_b) + c s ∇Lᵀd.
* :class:`Grid`       s = argmin_{s = 2⁻ᵏ, k = 0…K} L(θ_b + s d) (the rule of the ENGD literature).
* :class:`Quadratic`  the exact minimizer of the parabola through the three loss values
                      f₋ = L(θ_b − h d), f₀ = L(θ_b), f₊ = L(θ_b + h d) (h = lr):
                      s = −h (f₊ − f₋) / (2 (f₊ − 2f₀ + f₋)), capped at ``max_step``.
                      Exact for quadratic losses. It is the step of the quadratic model
                      s = −∇L(θ_b)ᵀd / dᵀ∇²L d with the slope and curvature taken from loss values
                      at θ_b itself: with momentum θ_b ≠ θ_k, so the slope ∇L(θ_k)ᵀd of the
                      linearization point (and dᵀG d, G the metric Gram, which is the curvature
                      only in the Gauss–Newton metric) would give a wrong step.
                      Safeguard (non-quadratic losses): s is accepted only if L(θ_b + s d) is below
                      f₀ and f₊; otherwise h if f₊ < f₀, else Armijo backtracking from h/2.

Line searches evaluate the loss only (no Jacobians). ``slope`` = ∇L(θ_k)ᵀd is the slope at the
linearization point, used by Armijo's sufficient-decrease test (at θ_b when there is no momentum).
``along(θ_b, d, steps)``, when given, returns all the losses L(θ_b + s d) of a grid at once
(:meth:`femngd.natural.objective.Objective.losses_along`); :class:`Grid` uses it.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..registry import Registry

__all__ = ["StepRule", "Fixed", "Armijo", "Grid", "Quadratic", "make_step", "STEP_RULES"]

Loss = Callable[[np.ndarray], float]
Along = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _finite_loss(loss: Loss, theta: np.ndarray) -> float:
    value = loss(theta)
    return value if np.isfinite(value) else np.inf


class StepRule:
    """``rule(loss, base, d, slope, along=None) -> s``: slope = ∇L(θ)ᵀd (negative for a descent
    direction); ``along`` batches grid losses (module doc)."""

    def __call__(self, loss: Loss, base: np.ndarray, d: np.ndarray, slope: float,
                 along: Along | None = None) -> float:
        raise NotImplementedError


class Fixed(StepRule):
    def __init__(self, lr: float = 1.0):
        self.lr = float(lr)

    def __repr__(self) -> str:
        return f"Fixed({self.lr:g})"

    def __call__(self, loss, base, d, slope, along=None):
        return self.lr


class Armijo(StepRule):
    def __init__(self, lr: float = 1.0, shrink: float = 0.5, c: float = 1e-4, max_tries: int = 30):
        self.lr, self.shrink, self.c, self.max_tries = float(lr), float(shrink), float(c), int(max_tries)

    def __repr__(self) -> str:
        return f"Armijo({self.lr:g})"

    def __call__(self, loss, base, d, slope, along=None):
        f0, s = _finite_loss(loss, base), self.lr
        for _ in range(self.max_tries):
            if _finite_loss(loss, base + s * d) <= f0 + self.c * s * min(slope, 0.0):
                return s
            s *= self.shrink
        return s


class Grid(StepRule):
    def __init__(self, lr: float = 1.0, levels: int = 30):
        self.lr, self.levels = float(lr), int(levels)

    def __repr__(self) -> str:
        return f"Grid(2^-k, k=0..{self.levels})"

    def __call__(self, loss, base, d, slope, along=None):
        steps = self.lr * 0.5 ** np.arange(self.levels + 1)
        values = along(base, d, steps) if along is not None else [loss(base + s * d) for s in steps]
        values = np.where(np.isfinite(values), values, np.inf)
        return float(steps[int(np.argmin(values))])


class Quadratic(StepRule):
    def __init__(self, lr: float = 1.0, max_step: float = 1e3):
        self.lr, self.max_step = float(lr), float(max_step)

    def __repr__(self) -> str:
        return "Quadratic()"

    def __call__(self, loss, base, d, slope, along=None):
        h = self.lr
        f0, fp, fm = (_finite_loss(loss, base + t * d) for t in (0.0, h, -h))
        curvature = fp - 2.0 * f0 + fm
        if np.isfinite(curvature) and curvature > 0:
            s = float(np.clip(-h * (fp - fm) / (2.0 * curvature), -self.max_step, self.max_step))
            if _finite_loss(loss, base + s * d) < min(f0, fp):
                return s
        if fp < f0:
            return h
        return Armijo(0.5 * h)(loss, base, d, slope)


#: the step rules by name: factory(lr) of the rule with initial step ``lr``
STEP_RULES = Registry("step")
STEP_RULES.register("fixed", Fixed, doc="s = lr")
STEP_RULES.register("armijo", Armijo, doc="backtracking s = lr·ρʲ to sufficient decrease", options=("lr",))
STEP_RULES.register("grid", Grid, doc="s = argmin over lr·2⁻ᵏ, k = 0…30 (the ENGD rule; batched losses)",
                    options=("lr",))
STEP_RULES.register("quadratic", Quadratic, doc="the minimizer of the parabola through three losses",
                    options=("lr",))


def make_step(rule: str | StepRule | Callable, lr: float = 1.0) -> StepRule:
    """The step rule called ``rule`` (:data:`STEP_RULES`) with initial step ``lr``; a :class:`StepRule`
    or any callable ``rule(loss, base, d, slope, along=None) -> s`` is used as it is."""
    if isinstance(rule, StepRule) or (callable(rule) and not isinstance(rule, str)):
        return rule
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr: must be finite and > 0, got {lr}")
    return STEP_RULES.build(rule, lr=lr)
