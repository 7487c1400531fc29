"""Continuation in ε: a schedule of stages ε₀ > ε₁ > … > ε and the pieces every recipe shares.

Stage k solves the problem at ε_k = max(ε, ε₀·qᵏ) warm-started from stage k − 1, so a layer of
width ~ε_k sharpens by the factor q per stage and the model follows it.
"""
from __future__ import annotations

import sys

import dataclasses
import math
from dataclasses import dataclass

from ..fem import AdvectionDiffusion

__all__ = ["ContinuationSchedule", "continuation_stages", "problem_at", "append_history"]


def continuation_stages(eps: float, start: float, ratio: float) -> list[float]:
    """ε₀ = ``start`` > ε₀q > … > ε: the schedule ending at ε (just [ε] when ε ≥ ε₀).

    ε₀qᵏ is rounded to 12 significant digits, so q = 0.1 gives 0.1, 0.01, 0.001 exactly.
    """
    if not 0.0 < ratio < 1.0:
        raise ValueError(f"eps_ratio: must be in (0, 1), got {ratio}")
    if eps >= start:
        return [eps]
    count = math.ceil(math.log(eps / start) / math.log(ratio) - 1e-9)
    return [float(f"{max(eps, start * ratio**k):.12g}") for k in range(count)] + [eps]


@dataclass(frozen=True)
class ContinuationSchedule:
    """ε₀ (``eps_start``) and q (``eps_ratio``) of a recipe's continuation; the recipes' settings extend it."""

    eps_start: float = 0.1
    eps_ratio: float = 0.5

    def stages(self, eps: float) -> list[float]:
        """ε₀ > ε₁ > … > ε: the continuation schedule ending at ε (:func:`continuation_stages`)."""
        return continuation_stages(eps, self.eps_start, self.eps_ratio)


def problem_at(problem: AdvectionDiffusion, eps: float) -> AdvectionDiffusion:
    """``problem`` with diffusion ``eps`` (b, f and g unchanged; the exact solution only at the problem's own ε)."""
    if eps == problem.eps:
        return problem
    return dataclasses.replace(problem, eps=eps, exact=None, exact_grad=None,
                               name=f"{problem.name} at continuation eps={eps:g}")


def append_history(history: dict[str, list], part: dict[str, list], offset: float) -> None:
    """Concatenate a stage's history onto ``history`` (its θ₀ row repeats the previous stage's last iterate: dropped)."""
    first = 0 if not history else 1
    for key, values in part.items():
        values = values[first:]
        if key == "seconds":
            values = [offset + s for s in values]
        history.setdefault(key, []).extend(values)


def add_stage(history: dict[str, list], result, progress: bool, line: str) -> bool:
    """Append a stage's :class:`~femngd.train.TrainResult` history (:func:`append_history`, seconds continued),
    print its progress ``line`` on stderr when ``progress``; True when the stage diverged (the run stops)."""
    append_history(history, result.history, offset=history["seconds"][-1] if history else 0.0)
    if progress:
        print(line, file=sys.stderr)
    return result.diverged
