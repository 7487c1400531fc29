"""Descent optimizers as compositions: direction + momentum transform + step rule (+ restart).

One step from θ_k (:meth:`Descent.step`), every piece reading the run's :class:`DescentState`:

    θ_a = momentum.lookahead_point(θ_k)            (θ_k, or θ_k + β c_{k−1} for Nesterov)
    lin = objective.linearize(θ_a)
    d   = direction(lin)                           (−G⁺∇L, −∇L or SPRING's), then momentum.direction(d)
    m   = momentum.momentum(lin)                   (the transported previous update)
    s   = step_rule(L, θ_k + m, d)                 (search "direction"; "whole": s scales m + d)
    θ_{k+1} = θ_k + m + s d

A new momentum variant is one small transform (:mod:`femngd.optim.momentum`), a new direction one small
class (:mod:`femngd.optim.directions`); the loop does not change. ``auto`` (:mod:`femngd.optim.auto`) is
resolved in :meth:`Descent.init` from θ₀ into the state: the optimizer itself never changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..natural.objective import Objective
from ..natural.solve import GramSolver
from .auto import AUTO_KINDS, auto_parameters
from .base import Optimizer, StepInfo
from .directions import Direction, Natural
from .momentum import Momentum, MomentumState
from .steps import Fixed, StepRule, make_step

__all__ = ["Descent", "DescentState", "SEARCHES", "RESTARTS", "restart_kind"]

#: what the step rule of a :class:`Descent` scales (see its ``search``)
SEARCHES = ("direction", "whole")
#: adaptive restarts of the momentum (see :class:`Descent`)
RESTARTS = ("function", "gradient")


def restart_kind(restart: bool | str | None) -> str | None:
    """None (no restart), "function" (True) or "gradient"."""
    if restart is None or restart is False:
        return None
    if restart is True:
        return "function"
    if restart not in RESTARTS:
        raise ValueError(f"restart: must be True/False or one of {', '.join(RESTARTS)}, got {restart!r}")
    return restart


@dataclass
class DescentState:
    """A run's state: the momentum history, the step rule in use, L(θ_k) for the function restart, and
    ``resolved``, the parameters 'auto' derived from θ₀ (empty otherwise)."""

    momentum: MomentumState
    step_rule: StepRule
    loss: float = float("nan")
    resolved: dict = field(default_factory=dict)


class Descent(Optimizer):
    """direction + momentum transform + step rule (see module doc).

    Args:
        direction: a :class:`~femngd.optim.directions.Direction` (default :class:`Natural`, −G⁺∇L).
        momentum: a :class:`~femngd.optim.momentum.Momentum` (default: none).
        step: a step rule (default: fixed step 1).
        solver: the regularized Gram solve (default: Tikhonov, λ = 1e-10·trace/p), or any object with
            ``solve(G, rhs) -> SolveResult`` (:class:`~femngd.natural.solve.GramSolver`).
        restart: adaptive restart of the momentum (O'Donoghue–Candès): "function" (or True) forgets it
            whenever the loss rises, "gradient" whenever the update goes uphill, ∇L(θ_k)·c_k > 0.
        search: what the step rule scales: "direction" (default) the descent direction only, at the
            point θ_k + m_k (c_k = m_k + s d_k, the momentum at its full β); "whole" the whole update
            (c_k = s (m_k + d_k)), so the line search can also shrink the momentum.
        auto: None, or what :meth:`init` tunes from the spectrum at θ₀ (:data:`~femngd.optim.auto.AUTO_KINDS`):
            "step" the fixed step α of plain descent, "heavy-ball"/"nesterov" the fixed step α and β.
    """

    def __init__(self, direction: Direction | None = None, momentum: Momentum | None = None,
                 step: StepRule | None = None, solver: GramSolver | None = None, restart: bool | str = False,
                 name: str | None = None, search: str = "direction", auto: str | None = None):
        if direction is not None and not isinstance(direction, Direction):
            raise ValueError(f"direction: expected a Direction (Natural(), Gradient(), Spring()), got {direction!r}")
        if search not in SEARCHES:
            raise ValueError(f"search: must be one of {', '.join(SEARCHES)}, got {search!r}")
        if auto is not None and auto not in AUTO_KINDS:
            raise ValueError(f"auto: must be None or one of {', '.join(AUTO_KINDS)}, got {auto!r}")
        self.direction, self.momentum, self.search = direction or Natural(), momentum or Momentum(0.0), search
        self.step_rule = step or make_step("fixed", 1.0)
        self.solver, self.restart, self.auto = solver or GramSolver(), restart_kind(restart), auto
        self.name = name or f"{type(self.direction).__name__}+{type(self.momentum).__name__}"

    def __repr__(self) -> str:
        auto = f", auto={self.auto!r}" if self.auto else ""
        return f"Descent({self.name!r}, {self.direction!r}, {self.momentum!r}, {self.step_rule!r}, {self.solver!r}{auto})"

    def init(self, objective: Objective, theta: np.ndarray) -> DescentState:
        """The state at θ₀: β and the step rule as configured, or as 'auto' resolves them at θ₀."""
        state = DescentState(MomentumState(beta=self.momentum.beta), self.step_rule)
        if self.auto is not None:
            state.resolved = auto_parameters(objective, theta, self.auto, natural=self.direction.natural)
            state.step_rule = Fixed(state.resolved["alpha"])
            if self.auto != "step":
                state.momentum.beta = state.resolved["beta"]
        if self.restart == "function":
            state.loss = float(objective.loss(theta))
        return state

    def resolved(self, state: DescentState) -> dict[str, float]:
        return dict(state.resolved)

    def _solve(self, diagnostics: dict[str, Any]):
        """solve(G, rhs[, solver]) -> x, recording the first solve's rank and condition in ``diagnostics``."""
        def solve(G, rhs, solver=None):
            result = (solver or self.solver).solve(G, rhs)
            diagnostics.setdefault("rank", result.rank)
            diagnostics.setdefault("condition", result.condition)
            return result.x
        return solve

    def step(self, objective: Objective, theta: np.ndarray, state: DescentState):
        """One update; returns (θ_{k+1}, state, :class:`~femngd.optim.base.StepInfo`)."""
        diag: dict[str, Any] = {}
        solve, history = self._solve(diag), state.momentum
        lin = objective.linearize(self.momentum.lookahead_point(theta, history))
        d = self.momentum.direction(self.direction(lin, history, solve), lin, history, solve)
        m = self.momentum.momentum(lin, history, solve)
        along = objective.losses_along
        if self.search == "whole":
            update = m + d
            s = state.step_rule(objective.loss, theta, update, float(lin.grad @ update), along=along)
            c = s * update
        else:
            s = state.step_rule(objective.loss, theta + m, d, float(lin.grad @ d), along=along)
            c = m + s * d
        history.record(theta, c, d)
        if self.restart == "gradient" and float(lin.grad @ c) > 0:
            history.reset()
        new, new_loss = theta + c, None
        if self.restart == "function" and np.all(np.isfinite(new)):
            new_loss = float(objective.loss(new))
            if new_loss > state.loss:
                history.reset()
            state.loss = new_loss
        return new, state, StepInfo(lin.loss, s, diag.get("rank", -1), diag.get("condition", np.nan), new_loss)
