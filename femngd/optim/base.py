"""The optimizer protocol: configuration in the object, everything that changes in an explicit state.

    state = optimizer.init(objective, θ₀)                    # resolves what depends on θ₀ ('auto')
    θ_{k+1}, state, info = optimizer.step(objective, θ_k, state)

An optimizer never changes itself while it runs (the same object can train many runs, in any order),
and the loop (:func:`femngd.train.train`) knows nothing of any optimizer's kind: natural descent with
momentum, Adam and L-BFGS all implement these two methods. ``info`` is a :class:`StepInfo`: the loss at
the linearization point, the step size and the Gram diagnostics of the solves, and the loss at θ_{k+1}
when the step had to compute it anyway (so the loop need not evaluate it again).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Optimizer", "StepInfo"]


@dataclass
class StepInfo:
    """Diagnostics of one step: loss at the linearization point, step size, Gram rank/condition, and
    ``new_loss`` = L(θ_{k+1}) on the step's points when the step computed it (else None)."""

    loss: float
    step: float
    rank: int = -1
    condition: float = float("nan")
    new_loss: float | None = None
    extra: dict = field(default_factory=dict)


class Optimizer(ABC):
    """An optimizer: ``init(objective, θ₀) → state`` and ``step(objective, θ, state) → (θ, state, info)``.

    ``name`` is its registry name (or a user's label).
    """

    name: str = "optimizer"

    @abstractmethod
    def init(self, objective: Any, theta: np.ndarray) -> Any:
        """The state before the first step from θ₀."""

    @abstractmethod
    def step(self, objective: Any, theta: np.ndarray, state: Any) -> tuple[np.ndarray, Any, StepInfo]:
        """One update from θ_k: (θ_{k+1}, the new state, :class:`StepInfo`)."""

    def resolved(self, state: Any) -> dict[str, float]:
        """The parameters :meth:`init` derived from θ₀ ('auto'), reported by the loop as
        ``info["auto_momentum"]``; none by default."""
        return {}
