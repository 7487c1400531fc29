"""The training loop: iterate an optimizer on an objective, record the history, stop safely.

``train`` stops after ``iterations`` steps, when the stopping measure (the loss, or any error
of the meter) falls below ``tol``, or when ``time_budget`` seconds of optimization are spent.
A non-finite loss or parameter vector stops the run: the last finite iterate is returned with
``diverged=True`` and a message saying so. The history has one entry per iterate θ_0…θ_K
(lists of equal length; ``seconds`` is cumulative optimization time, the meter's time excluded).
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .natural.objective import Objective
from .optim.base import Optimizer, StepInfo

__all__ = ["train", "TrainResult"]


@dataclass
class TrainResult:
    """Final parameters, per-iterate history, and how the run ended."""

    theta: np.ndarray
    history: dict[str, list]
    diverged: bool = False
    message: str = ""
    iterations: int = 0
    info: dict = field(default_factory=dict)

    @property
    def final_loss(self) -> float:
        return float(self.history["loss"][-1])


class _Recorder:
    """Appends one history row per iterate and decides when to stop."""

    def __init__(self, meter, tol, stop_on, time_budget, callback, progress, iterations, meter_every=1):
        self.meter, self.tol, self.stop_on, self.meter_every = meter, tol, stop_on, max(1, int(meter_every))
        self.meter_keys: tuple[str, ...] = ()
        self.time_budget, self.callback, self.progress, self.total = time_budget, callback, progress, iterations
        self.history: dict[str, list] = {"loss": [], "step": [], "rank": [], "condition": [], "seconds": []}
        self.elapsed, self.last_print, self.pending = 0.0, 0.0, False

    def add(self, objective, theta, loss: float, info: StepInfo | None) -> str | None:
        """Record θ; return a stop message or None."""
        row = {"loss": loss, "step": info.step if info else math.nan, "rank": info.rank if info else -1,
               "condition": info.condition if info else math.nan, "seconds": self.elapsed}
        k = len(self.history["loss"])
        if self.meter is not None:
            if k % self.meter_every == 0 or k == self.total:
                errors = self.meter(objective, theta)
                self.meter_keys = tuple(errors)
            else:   # not measured at this iterate
                errors = dict.fromkeys(self.meter_keys, math.nan)
            row.update(errors)
        for key, value in row.items():
            self.history.setdefault(key, []).append(float(value))
        if self.callback is not None:
            self.callback(k, theta, row)
        self._print(k, row)
        if self.tol is not None and row.get(self.stop_on, math.inf) <= self.tol:
            return f"converged: {self.stop_on} {row[self.stop_on]:.3e} <= tol {self.tol:g} after {k} iterations"
        if self.time_budget is not None and self.elapsed >= self.time_budget:
            return f"time budget of {self.time_budget:g} s spent after {k} iterations"
        return None

    def _print(self, k, row):
        """Progress on stderr: one line rewritten in place on a terminal, whole lines elsewhere."""
        if self.progress and (time.perf_counter() - self.last_print > 1.0 or k == self.total):
            self.last_print = time.perf_counter()
            terminal = sys.stderr.isatty()
            self.pending, start = terminal and k < self.total, "\r" if terminal else ""
            print(f"{start}  iteration {k}/{self.total}  loss {row['loss']:.3e}  "
                  f"{self.elapsed:.1f} s", end="" if self.pending else "\n", file=sys.stderr, flush=True)

    def finish(self) -> None:
        """End a progress line left open on the terminal, so the next message starts on its own line."""
        if self.pending:
            print(file=sys.stderr, flush=True)
            self.pending = False


def _finite(theta: np.ndarray, loss: float) -> bool:
    return bool(np.all(np.isfinite(theta)) and np.isfinite(loss))


def train(objective: Objective, optimizer, theta0: np.ndarray, iterations: int = 100, tol: float | None = None,
          time_budget: float | None = None, meter: Callable | None = None, seed: int = 0,
          callback: Callable | None = None, progress: bool = False, stop_on: str = "loss",
          meter_every: int = 1, blas_threads: int | None = 1, divergence_factor: float = 1e10) -> TrainResult:
    """Run ``optimizer`` on ``objective`` from θ₀ (see module doc).

    Args:
        iterations: maximum number of steps K.
        tol: stop when the ``stop_on`` entry of the history (default the loss) is ≤ tol.
        time_budget: stop after this many seconds of optimization.
        meter: ``meter(objective, θ) -> dict`` of errors recorded for every iterate
            (:class:`femngd.natural.errors.ErrorMeter`).
        seed: seeds the random points of stochastic objectives (resampled every step).
        callback: ``callback(k, θ, row)`` after every iterate.
        progress: print a progress line on stderr.
        stop_on: the history entry compared with ``tol`` (e.g. "l2_error_exact").
        meter_every: evaluate the meter every this many iterates (NaN in between; always at
            θ₀ and at the last iterate of the budget).
        blas_threads: BLAS threads while training (threadpoolctl). NGD's dense algebra is
            p ≲ 10³: there threads cost more than they save (measured 2.5× slower per
            iteration with 2 threads on 2 cores); None keeps the BLAS default.
        divergence_factor: a loss above this factor times max(L(θ₀), 1) counts as divergence
            (stop, return the last finite iterate), like a non-finite one.
    """
    from threadpoolctl import threadpool_limits

    if blas_threads is not None and (not isinstance(blas_threads, (int, np.integer)) or blas_threads < 1):
        raise ValueError(f"blas_threads: must be a positive integer or None, got {blas_threads!r}")
    if not divergence_factor > 1:
        raise ValueError(f"divergence_factor: must be > 1, got {divergence_factor}")
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        return _train(objective, optimizer, theta0, iterations, tol, time_budget, meter, seed, callback, progress,
                      stop_on, meter_every, divergence_factor)


def _check_theta0(theta0, n_params: int) -> np.ndarray:
    """θ₀ as a float vector of n_params finite real numbers, else a ValueError saying what is wrong."""
    theta = np.asarray(theta0)
    if np.iscomplexobj(theta):
        raise ValueError("theta0: must be real, got complex values")
    try:
        theta = np.array(theta, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"theta0: expected {n_params} real numbers, got {type(theta0).__name__}") from None
    if theta.shape != (n_params,):
        raise ValueError(f"theta0: expected {n_params} parameters, got shape {theta.shape}")
    bad = np.flatnonzero(~np.isfinite(theta))
    if bad.size:
        raise ValueError(f"theta0: {bad.size} of {n_params} entries are NaN or infinite (first at index {bad[0]})")
    return theta


def _check_optimizer(optimizer) -> None:
    """An :class:`~femngd.optim.Optimizer` object (``build_optimizer(name)``, or a user's own), not a name."""
    if not isinstance(optimizer, Optimizer):
        hint = f"; build it with femngd.optim.build_optimizer({optimizer!r})" if isinstance(optimizer, str) else ""
        raise ValueError(f"optimizer: expected an optimizer object (femngd.optim.Optimizer), got {optimizer!r}{hint}")


def _train(objective, optimizer, theta0, iterations, tol, time_budget, meter, seed, callback, progress, stop_on,
           meter_every, divergence_factor) -> TrainResult:
    if not isinstance(iterations, (int, np.integer)) or iterations < 0:
        raise ValueError(f"iterations: must be a non-negative integer, got {iterations!r}")
    if tol is not None and not tol >= 0:
        raise ValueError(f"tol: must be >= 0, got {tol}")
    theta = _check_theta0(theta0, objective.n_params)
    _check_optimizer(optimizer)
    if time_budget is not None and not (isinstance(time_budget, (int, float)) and time_budget >= 0):
        raise ValueError(f"time_budget: must be a number of seconds >= 0 or None, got {time_budget!r}")
    if not isinstance(meter_every, (int, np.integer)) or meter_every < 1:
        raise ValueError(f"meter_every: must be a positive integer, got {meter_every!r}")
    if not isinstance(stop_on, str) or (meter is None and stop_on != "loss"):
        raise ValueError(f"stop_on: must be 'loss' or a key of the meter's errors, got {stop_on!r}")
    rng = np.random.default_rng(seed)
    rec = _Recorder(meter, tol, stop_on, time_budget, callback, progress, iterations, meter_every)
    info: dict[str, Any] = {"optimizer": repr(optimizer)}
    state = optimizer.init(objective, theta)           # resolves 'auto' at θ₀ into the state
    if optimizer.resolved(state):
        info["auto_momentum"] = optimizer.resolved(state)
    loss = objective.loss(theta)
    if not _finite(theta, loss):
        raise ValueError("theta0: the initial loss is not finite")
    message = rec.add(objective, theta, loss, None)
    if stop_on not in rec.history:
        raise ValueError(f"stop_on: {stop_on!r} is not recorded (history keys: {', '.join(rec.history)})")
    ceiling = divergence_factor * max(loss, 1.0)
    diverged = False
    for _ in range(iterations):
        if message:
            break
        start = time.perf_counter()
        try:
            objective.remember(theta)                  # θ_k defines the sampling density of the new points
            objective.resample(rng)
            new, state, step = optimizer.step(objective, theta, state)
            new_loss = step.new_loss if step.new_loss is not None else (
                objective.loss(new) if np.all(np.isfinite(new)) else math.nan)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
            new, new_loss, step = theta, math.nan, None
            message = f"diverged: {str(exc).splitlines()[0]}"
        rec.elapsed += time.perf_counter() - start
        if not _finite(new, new_loss) or new_loss > ceiling:
            diverged = True
            what = "non-finite loss or parameters" if not _finite(new, new_loss) else f"loss {new_loss:.3g} blew up"
            message = message or f"diverged: {what} at iteration {len(rec.history['loss'])}"
            message += "; returning the last finite iterate"
            break
        theta, loss = new, new_loss
        message = rec.add(objective, theta, loss, step)
    k = len(rec.history["loss"]) - 1
    rec.finish()
    return TrainResult(theta, rec.history, diverged, message or f"stopped after {k} iterations", k, info)
