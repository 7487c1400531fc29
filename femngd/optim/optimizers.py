"""Optimizers as compositions: direction (natural or gradient) + momentum transform + step rule.

One step from θ_k (:meth:`Optimizer.step`):

    θ_a = momentum.lookahead_point(θ_k)           (θ_k, or θ_k + β c_{k−1} for Nesterov)
    lin = objective.linearize(θ_a)
    d   = −G⁺∇L (natural, regularized solve) or −∇L (gradient), then momentum.direction(d)
    m   = momentum.momentum(lin)                  (transported previous update)
    s   = step_rule(L, θ_k + m, d)
    θ_{k+1} = θ_k + m + s d

A new momentum variant is one small class in :mod:`femngd.optim.momentum`; the loop does not
change. :class:`Adam` and :class:`LBFGS` (scipy) are the usual parameter-space baselines.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..natural.objective import Objective
from ..natural.solve import GramSolver
from . import momentum as mom
from .steps import StepRule, make_step

__all__ = ["Optimizer", "Adam", "LBFGS", "StepInfo", "build_optimizer", "accepted_options", "OPTIMIZERS"]


@dataclass
class StepInfo:
    """Diagnostics of one step: loss at the linearization point, step size, Gram rank/condition."""

    loss: float
    step: float
    rank: int = -1
    condition: float = float("nan")
    extra: dict = field(default_factory=dict)


class Optimizer:
    """direction ("natural" | "gradient") + momentum transform + step rule (see module doc).

    Args:
        direction: "natural" (−G⁺∇L with ``solver``) or "gradient" (−∇L).
        momentum: a :class:`~femngd.optim.momentum.Momentum` (default: none).
        step: a step rule (default: fixed step 1).
        solver: the regularized Gram solve (default: Tikhonov, λ = 1e-10·trace/p).
        restart: adaptive restart of the momentum (O'Donoghue–Candès): "function" (or True) forgets it
            whenever the loss rises, "gradient" whenever the update goes uphill, ∇L(θ_k)·c_k > 0.
        search: what the step rule scales: "direction" (default) the descent direction only, at the
            point θ_k + m_k (c_k = m_k + s d_k, the momentum at its full β); "whole" the whole update
            (c_k = s (m_k + d_k)), so the line search can also shrink the momentum.
    """

    def __init__(self, direction: str = "natural", momentum: mom.Momentum | None = None,
                 step: StepRule | None = None, solver: GramSolver | None = None, restart: bool | str = False,
                 name: str | None = None, search: str = "direction"):
        if direction not in ("natural", "gradient"):
            raise ValueError(f"direction: must be 'natural' or 'gradient', got {direction!r}")
        if search not in SEARCHES:
            raise ValueError(f"search: must be one of {', '.join(SEARCHES)}, got {search!r}")
        self.direction, self.momentum, self.search = direction, momentum or mom.Momentum(0.0), search
        self.step_rule = step or make_step("fixed", 1.0)
        self.solver, self.restart = solver or GramSolver(), _restart_kind(restart)
        self.name = name or f"{direction}+{type(self.momentum).__name__}"

    def __repr__(self) -> str:
        return f"Optimizer({self.name!r}, {self.momentum!r}, {self.step_rule!r}, {self.solver!r})"

    def init(self, theta: np.ndarray) -> mom.MomentumState:
        return mom.MomentumState()

    def step(self, objective: Objective, theta: np.ndarray, state: mom.MomentumState):
        """One update; returns (θ_{k+1}, state, :class:`StepInfo`)."""
        diag: dict[str, Any] = {}

        def solve(G, rhs):
            result = self.solver.solve(G, rhs)
            diag.setdefault("rank", result.rank)
            diag.setdefault("condition", result.condition)
            return result.x

        lin = objective.linearize(self.momentum.lookahead_point(theta, state))
        d = -solve(lin.gram, lin.grad) if self.direction == "natural" else -lin.grad
        d = self.momentum.direction(d, lin, state, solve)
        m = self.momentum.momentum(lin, state, solve)
        along = getattr(objective, "losses_along", None)
        if self.search == "whole":
            update = m + d
            s = self.step_rule(objective.loss, theta, update, float(lin.grad @ update), along=along)
            c = s * update
        else:
            s = self.step_rule(objective.loss, theta + m, d, float(lin.grad @ d), along=along)
            c = m + s * d
        self.momentum.record(state, theta, c, d)
        if self.restart == "gradient" and float(lin.grad @ c) > 0:
            state.reset()
        return theta + c, state, StepInfo(lin.loss, s, diag.get("rank", -1), diag.get("condition", np.nan))

    def after_step(self, state: mom.MomentumState, loss_before: float, loss_after: float) -> None:
        """Function-value restart: forget the momentum when the loss went up."""
        if self.restart == "function" and loss_after > loss_before:
            state.reset()


#: what the step rule of an :class:`Optimizer` scales (see its ``search``)
SEARCHES = ("direction", "whole")
#: adaptive restarts of the momentum (see :class:`Optimizer`)
RESTARTS = ("function", "gradient")


def _restart_kind(restart: bool | str | None) -> str | None:
    """None (no restart), "function" (True) or "gradient"."""
    if restart is None or restart is False:
        return None
    if restart is True:
        return "function"
    if restart not in RESTARTS:
        raise ValueError(f"restart: must be True/False or one of {', '.join(RESTARTS)}, got {restart!r}")
    return restart


class Adam(Optimizer):
    """Adam (Kingma & Ba): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr m̂/(√v̂ + ε)."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = float(lr), beta1, beta2, eps
        self.name, self.restart = "adam", False

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr:g})"

    def init(self, theta):
        return {"m": np.zeros_like(theta), "v": np.zeros_like(theta), "k": 0}

    def step(self, objective, theta, state):
        loss, g = objective.loss(theta), objective.gradient(theta)
        state["k"] += 1
        state["m"] = self.beta1 * state["m"] + (1 - self.beta1) * g
        state["v"] = self.beta2 * state["v"] + (1 - self.beta2) * g * g
        m_hat = state["m"] / (1 - self.beta1 ** state["k"])
        v_hat = state["v"] / (1 - self.beta2 ** state["k"])
        return theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps), state, StepInfo(loss, self.lr)

    def after_step(self, state, loss_before, loss_after):
        pass


class LBFGS:
    """L-BFGS by scipy (``scipy.optimize.minimize(method="L-BFGS-B")``), driven by :func:`femngd.train.train`."""

    name = "lbfgs"
    restart = False

    def __init__(self, memory: int = 20):
        self.memory = int(memory)

    def __repr__(self) -> str:
        return f"LBFGS(memory={self.memory})"


#: optimizer names accepted by :func:`build_optimizer` (and ``femngd train --optimizer``)
OPTIMIZERS = ("ngd", "gd", "adam", "lbfgs", "nhb-lm", "nhb-fd", "nlg", "nnesterov", "hb", "nesterov", "spring")

_MOMENTA = {"nhb-lm": ("natural", mom.LastMomentum), "nhb-fd": ("natural", mom.FunctionDifference),
            "nlg": ("natural", mom.LastGradient), "nnesterov": ("natural", mom.NaturalNesterov),
            "hb": ("gradient", mom.HeavyBall), "nesterov": ("gradient", mom.Nesterov),
            "spring": ("natural", mom.Spring)}


def _positive_lr(lr: Any) -> float:
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise ValueError(f"lr: must be a number > 0 or 'auto', got {lr!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"lr: must be finite and > 0, got {lr!r}")
    return value


#: the options each kind of optimizer consumes (others given to :func:`build_optimizer` are errors)
_CONSUMED = {"natural": {"lr", "momentum", "restart", "solve", "reg", "step", "search"},
             "adam": {"lr"}, "lbfgs": set()}


def accepted_options(name: str) -> set[str]:
    """The options of :func:`build_optimizer` that the optimizer ``name`` uses."""
    kind = name if name in ("adam", "lbfgs") else "natural"
    consumed = _CONSUMED[kind] | ({"damping"} if name == "spring" else set())
    return consumed - {"momentum", "restart", "search"} if name in ("ngd", "gd") else consumed


def _check_consumed(name: str, given: dict[str, Any]) -> None:
    """ValueError naming the first option that ``name`` would ignore."""
    consumed = accepted_options(name)
    for key in given:
        if key not in consumed:
            raise ValueError(f"{key}: not an option of optimizer {name!r} (it takes: {', '.join(sorted(consumed)) or 'none'})")


def build_optimizer(name: str, lr: float | str | None = None,
                    momentum: float | str | Callable[[int], float] | None = None,
                    restart: bool | str = False, solve: str | None = None, reg: float | None = None,
                    step: str | None = None, damping: float | None = None, search: str | None = None,
                    **unknown: Any):
    """The optimizer called ``name`` (see :data:`OPTIMIZERS`).

    ``lr`` is the (initial) step, or "auto" for the optimal fixed step 2/(λ₁+λ_n) of the
    linearized problem; ``momentum`` β as a float, or "auto" (α and β of Polyak/Nesterov from
    the spectrum, DESIGN §5), or a schedule ``k ↦ β_k``. Both "auto" values are resolved by
    :func:`femngd.train.train` from the extreme eigenvalues of G⁺G_H at θ₀, on a copy of the
    optimizer. ``solve``/``reg``: the regularized Gram solve (default Tikhonov, 1e-10);
    ``step``: the step rule (default fixed); ``damping``: SPRING's λ (default 1e-3); ``restart``: True or
    "function", or "gradient"; ``search``: "direction" (default) or "whole" (see :class:`Optimizer`).
    An option the named optimizer would not use raises ValueError naming it.
    """
    if unknown:
        raise ValueError(f"{next(iter(unknown))}: unknown optimizer option")
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer: must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    given = {key: value for key, value in (("lr", lr), ("momentum", momentum), ("solve", solve), ("reg", reg),
                                           ("step", step), ("damping", damping), ("search", search))
             if value is not None}
    if restart:
        given["restart"] = _restart_kind(restart)
    _check_consumed(name, given)
    auto_step, auto = isinstance(lr, str), isinstance(momentum, str)
    if auto_step and lr != "auto":
        raise ValueError(f"lr: must be a number > 0 or 'auto', got {lr!r}")
    if auto and momentum != "auto":
        raise ValueError(f"momentum: must be a number in [0, 1), a schedule k -> β_k or 'auto', got {momentum!r}")
    if name == "adam":
        if auto_step:
            raise ValueError("lr: 'auto' is the optimal step of a natural/gradient descent, not of adam")
        return Adam(lr=1e-3 if lr is None else _positive_lr(lr))
    if name == "lbfgs":
        return LBFGS()
    if (auto_step or auto) and step not in (None, "fixed"):
        raise ValueError(f"step: 'auto' sets a fixed step from the spectrum; {step!r} would be ignored")
    if (auto_step or auto) and search == "whole":
        raise ValueError("search: 'whole' lets the step rule scale the momentum too, but 'auto' fixes α and β "
                         "from the spectrum; use search 'direction'")
    if auto_step and auto:
        raise ValueError("lr: 'auto' with momentum 'auto' is redundant: momentum 'auto' sets the step too")
    solver = GramSolver(solve or "tikhonov", 1e-10 if reg is None else reg)
    rule = make_step(step or "fixed", 1.0 if lr is None or auto_step else _positive_lr(lr))
    if name in ("ngd", "gd"):
        opt = Optimizer("natural" if name == "ngd" else "gradient", step=rule, solver=solver, name=name)
        opt.auto_step = auto_step
        return opt
    direction, kind = _MOMENTA[name]
    if auto and restart and not kind.lookahead:
        raise ValueError("restart: after a restart heavy ball takes a plain step at Polyak's α ≈ 4/λ_max, which "
                         "diverges (plain descent needs α < 2/λ_max); use nnesterov/nesterov with 'auto' or a line search")
    beta = 0.0 if auto else (0.9 if momentum is None else momentum if callable(momentum) else float(momentum))
    transform = kind(beta, 1e-3 if damping is None else damping) if kind is mom.Spring else kind(beta)
    opt = Optimizer(direction, transform, rule, solver, restart, name=name, search=search or "direction")
    opt.auto_momentum = auto
    return opt
