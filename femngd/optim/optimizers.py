"""Named optimizers: short recipes over the pieces (direction, momentum transform, step rule, solve).

:data:`OPTIMIZERS` maps every name of ``femngd train --optimizer`` to its recipe; the options a recipe
declares are the only ones it takes (any other is an error naming it, never a silent no-op):

* ``lr``: the (initial) step of the step rule, or "auto" for the optimal fixed step 2/(λ₁+λ_n) of the
  linearized problem;
* ``momentum``: β as a float in [0, 1), a schedule ``k ↦ β_k``, or "auto" (α and β of Polyak/Nesterov
  from the spectrum, DESIGN §5). Both "auto" values are resolved from the extreme eigenvalues of G⁺G_H
  at θ₀ when a run starts (:meth:`~femngd.optim.descent.Descent.init`), never by changing the optimizer;
* ``solve``/``reg``: the regularized Gram solve (:data:`femngd.natural.SOLVES`; default Tikhonov, 1e-10);
* ``step``: the step rule (:data:`~femngd.optim.steps.STEP_RULES`; default fixed);
* ``restart``: True or "function", or "gradient"; ``search``: "direction" (default) or "whole";
* ``damping``: SPRING's λ (default 1e-3); ``memory``: L-BFGS's number of pairs (default 20);
* ``diagnostics``: the rank and condition of the Tikhonov solves for every Gram matrix (True, the default),
  none (False) or every k-th (an integer k): one eigvalsh, which can cost more than the solve itself.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..natural.solve import GramSolver
from ..registry import Registry
from . import momentum as mom
from .baselines import LBFGS, Adam
from .base import Optimizer
from .descent import Descent
from .directions import Gradient, Natural, Spring
from .steps import make_step

__all__ = ["OPTIMIZERS", "build_optimizer", "accepted_options"]

#: every optimizer by name: factory(**options) → :class:`~femngd.optim.base.Optimizer`
OPTIMIZERS = Registry("optimizer")


def accepted_options(name: str) -> tuple[str, ...]:
    """The options of :func:`build_optimizer` that the optimizer ``name`` takes."""
    return OPTIMIZERS.entry(name).options


def build_optimizer(name: str | Optimizer, **options: Any) -> Optimizer:
    """The optimizer called ``name`` (:data:`OPTIMIZERS`) with ``options`` (module doc); an
    :class:`~femngd.optim.base.Optimizer` object (a user's own) is returned as it is.

    An option the named optimizer would not use raises ValueError naming it.
    """
    if isinstance(name, Optimizer):
        if options:
            raise ValueError(f"{next(iter(options))}: options go to a named optimizer, not to an optimizer object")
        return name
    return OPTIMIZERS.build(name, **{key: value for key, value in options.items() if value is not None})


def _number_lr(lr: Any) -> float:
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise ValueError(f"lr: must be a number > 0 or 'auto', got {lr!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"lr: must be finite and > 0, got {lr!r}")
    return value


def _step_rule(lr: Any, step: str | None, auto: bool):
    """The step rule of a descent recipe: ``step`` from ``lr`` (fixed 1 by default); with 'auto' only the
    fixed step (its α comes from the spectrum), anything else would be ignored."""
    if auto:
        if step not in (None, "fixed"):
            raise ValueError(f"step: 'auto' sets a fixed step from the spectrum; {step!r} would be ignored")
        return make_step("fixed", 1.0)
    if isinstance(lr, str):
        raise ValueError(f"lr: must be a number > 0 or 'auto', got {lr!r}")
    if step is not None and not isinstance(step, str):
        if lr is not None:
            raise ValueError("lr: a step rule object chooses its own steps; lr would be ignored")
        return make_step(step)
    return make_step(step or "fixed", 1.0 if lr is None else _number_lr(lr))


def _solver(solve: str | Any | None, reg: float | None, diagnostics: bool | int | None = None) -> Any:
    """The regularized Gram solve: a :class:`~femngd.natural.solve.GramSolver` by name (``diagnostics``: rank
    and condition for every Gram, none, or every k-th), or a user's object with ``solve(G, rhs) -> SolveResult``
    (then ``reg`` and ``diagnostics`` belong to it)."""
    if solve is not None and not isinstance(solve, str):
        for key, value in (("reg", reg), ("diagnostics", diagnostics)):
            if value is not None:
                raise ValueError(f"{key}: a solver object carries its own {key}")
        return solve
    return GramSolver(solve or "tikhonov", 1e-10 if reg is None else reg,
                      diagnostics=True if diagnostics is None else diagnostics)


def _plain(name: str, direction, lr, solve=None, reg=None, step=None, diagnostics=None) -> Descent:
    """Plain descent (no momentum) along ``direction``; ``lr="auto"``: the optimal fixed step."""
    auto = lr == "auto"
    return Descent(direction, step=_step_rule(lr, step, auto), solver=_solver(solve, reg, diagnostics), name=name,
                   auto="step" if auto else None)


def _beta(momentum: Any) -> float | Callable[[int], float]:
    if isinstance(momentum, str):
        raise ValueError(f"momentum: must be a number in [0, 1), a schedule k -> β_k or 'auto', got {momentum!r}")
    return mom.check_beta(0.9 if momentum is None else momentum)


def _with_momentum(name: str, direction, transform: type[mom.Momentum], lr=None, momentum=None, restart=False,
                   solve=None, reg=None, step=None, search=None, diagnostics=None) -> Descent:
    """Descent along ``direction`` with the momentum ``transform``; ``momentum="auto"``: Polyak's
    (heavy ball) or Nesterov's (look-ahead transforms) α and β from the spectrum at θ₀."""
    auto = momentum == "auto"
    if lr == "auto":
        raise ValueError("lr: 'auto' with momentum: use momentum 'auto', which sets the step too")
    if auto and lr is not None:
        raise ValueError(f"lr: momentum 'auto' sets the step from the spectrum; lr={lr!r} would be ignored")
    if auto and search == "whole":
        raise ValueError("search: 'whole' lets the step rule scale the momentum too, but 'auto' fixes α and β "
                         "from the spectrum; use search 'direction'")
    if auto and restart and not transform.lookahead:
        raise ValueError("restart: after a restart heavy ball takes a plain step at Polyak's α ≈ 4/λ_max, which "
                         "diverges (plain descent needs α < 2/λ_max); use nnesterov/nesterov with 'auto' or a line search")
    kind = ("nesterov" if transform.lookahead else "heavy-ball") if auto else None
    return Descent(direction, transform(0.0 if auto else _beta(momentum)), _step_rule(lr, step, auto),
                   _solver(solve, reg, diagnostics), restart, name=name, search=search or "direction", auto=kind)


def _register_momentum(name: str, direction: Callable[[], Any], transform: type[mom.Momentum], doc: str,
                       natural: bool) -> None:
    """Register the momentum recipe ``name`` (parameter-space ones take no solve/reg: they solve nothing)."""
    if natural:
        def recipe(lr=None, momentum=None, restart=False, solve=None, reg=None, step=None, search=None,
                   diagnostics=None):
            return _with_momentum(name, direction(), transform, lr, momentum, restart, solve, reg, step, search,
                                  diagnostics)
    else:
        def recipe(lr=None, momentum=None, restart=False, step=None, search=None):
            return _with_momentum(name, direction(), transform, lr, momentum, restart, None, None, step, search)
    OPTIMIZERS.register(name, recipe, doc=doc)


@OPTIMIZERS.register("ngd", doc="natural gradient descent: θ ← θ − s G⁺∇L")
def _ngd(lr=None, solve=None, reg=None, step=None, diagnostics=None):
    return _plain("ngd", Natural(), lr, solve, reg, step, diagnostics)


@OPTIMIZERS.register("gd", doc="gradient descent: θ ← θ − s ∇L")
def _gd(lr=None, step=None):
    return _plain("gd", Gradient(), lr, step=step)


@OPTIMIZERS.register("adam", doc="Adam (parameter space), lr 1e-3 by default")
def _adam(lr=None):
    if lr == "auto":
        raise ValueError("lr: 'auto' is the optimal step of a natural/gradient descent, not of adam")
    return Adam(lr=1e-3 if lr is None else _number_lr(lr))


@OPTIMIZERS.register("lbfgs", doc="L-BFGS with a strong-Wolfe line search (parameter space)")
def _lbfgs(memory=20):
    return LBFGS(memory)


_register_momentum("nhb-lm", Natural, mom.LastMomentum, "natural heavy ball, last momentum transported: "
                   "c = β G⁺G_{k,k−1}c_{k−1} − s G⁺∇L", natural=True)
_register_momentum("nhb-fd", Natural, mom.FunctionDifference, "natural heavy ball, function difference: "
                   "c = β G⁺JᵀX(V_k − V_{k−1}) − s G⁺∇L", natural=True)
_register_momentum("nlg", Natural, mom.LastGradient, "natural momentum on the last gradient: "
                   "z = G⁺(β G_{k,k−1}z_{k−1} + ∇L), c = −s z", natural=True)
_register_momentum("nnesterov", Natural, mom.NaturalNesterov, "natural Nesterov: LM with the gradient at the "
                   "look-ahead θ + β c_{k−1}", natural=True)
_register_momentum("hb", Gradient, mom.HeavyBall, "parameter-space heavy ball: c = β c_{k−1} − s ∇L", natural=False)
_register_momentum("nesterov", Gradient, mom.Nesterov, "parameter-space Nesterov: gradient at θ + β c_{k−1}",
                   natural=False)


@OPTIMIZERS.register("spring", doc="SPRING: d = −(G + λI)⁻¹(∇L − λμ d_{k−1}), μ = momentum, λ = damping")
def _spring(lr=None, momentum=None, restart=False, step=None, search=None, damping=None, diagnostics=None):
    if momentum == "auto":
        raise ValueError("momentum: 'auto' tunes heavy ball or Nesterov; SPRING's μ is a number in [0, 1)")
    return Descent(Spring(1e-3 if damping is None else damping, True if diagnostics is None else diagnostics),
                   mom.Momentum(_beta(momentum)),
                   _step_rule(lr, step, False), GramSolver(), restart, name="spring", search=search or "direction")
