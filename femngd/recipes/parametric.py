"""One network for a range of ε: u(x, ε) trained by natural gradient on the residual over (x, ε).

The model is v_θ(x, t) = d(x)·N_θ(x, t), N_θ a tanh MLP with inputs (x, t), t the normalized
log ε of :class:`~femngd.fem.families.EpsAxis` and d the hard-Dirichlet distance. The loss is
the strong residual sampled uniformly over Ω × [0, 1] (log-uniform ε,
:class:`~femngd.natural.parametric_residual.ParametricResidual`), with Gauss–Newton natural
gradient steps (the metric of L2(Ω × [ln ε_min, ln ε_max]) pulled back through the residual)
and a grid line search; points are redrawn every iteration.

**Continuation over the range.** Measured on −εu″ + u′ = 1, ε ∈ [1e-2, 1], MLP 2-20-20-1:
training on the whole range from random weights ends near relative error 1 at the small ε (the
direct run at ε = 1e-2 ends there too); sampling first ε ∈ [ε_max/2, ε_max] and then halving the
window's lower end per stage (the model's coordinate t stays that of the whole range) reaches
≤ 1e-3 at every test ε. The starting window matters: from [0.1, 1] three of six seeds stall at
a loss plateau (~5e-2) in the first stage, from [0.5, 1] none. Stages use a Tikhonov shift 1e-6
(relative), which makes the first stage robust (1e-9 there: one of six seeds stalls); the last
stage 1e-9, for accuracy.

**A polish on fixed points.** The last stage's points are redrawn every iteration, so its final
iterate carries the sampling noise: over seeds 0 and 4, 300 vs 500 final iterations gave 9.9e-4 vs
2.4e-3 and 8.9e-4 vs 7.0e-5 (no trend). ``polish_iterations`` more steps on ``polish_samples`` points
drawn once (a deterministic loss, so the line search descends monotonically) end at 1.0e-5–5.3e-5
over seeds 0, 1, 2, 4 (200 final iterations).

**Unweighted residual.** Weighting the residual by ε (so that a layer's residual does not grow
as ε shrinks) under-weights the smooth part of the error at small ε: 9.4e-4–1.3e-1 at ε ≈ 1.1e-2
over six seeds; unweighted, 1.8e-5–9.9e-4 over nine seeds (seeds 0–8, 300 final iterations).
Uniform points beat two adaptive samplers tried here: residual-based sampling (ρ ∝ R², with
importance weights) and stratified x.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from ..fem.quadrature import breakpoint_rule
from ..fem.families import ProblemFamily, problem_family
from ..models import MLP, HardDirichlet, Model
from ..natural.parametric_residual import WEIGHTINGS, ParametricResidual
from ..optim import build_optimizer
from ..train import TrainResult, train
from .continuation import add_stage, append_history, continuation_stages

__all__ = ["ParametricRecipe", "ParametricSolution", "ParametricResult", "parametric_model", "train_parametric",
           "relative_l2_errors", "PARAMETRIC_OPTIMIZERS"]

#: optimizers of the recipe: natural gradient, and natural heavy ball / Nesterov (LM transport)
PARAMETRIC_OPTIMIZERS = ("ngd", "nhb-lm", "nnesterov")


@dataclass(frozen=True)
class ParametricRecipe:
    """Settings of :func:`train_parametric` (module doc); the defaults are the tested recipe.

    Attributes:
        widths: hidden layer widths of the MLP N_θ(x, t).
        activation: its activation.
        samples: points (x, t) per iteration of a continuation stage.
        final_samples: points per iteration of the last stage (the whole range).
        stage_iterations: iterations of every stage but the last.
        final_iterations: iterations of the last stage.
        eps_ratio: q, the ratio of consecutive window lower ends (the first window is [q·ε_max, ε_max]).
        stage_reg, reg: relative Tikhonov shift of the Gram solve in the stages / in the last stage.
        weighting: "none" (ω = 1) or "eps" (ω = ε) of :class:`ParametricResidual`.
        optimizer: "ngd", "nhb-lm" or "nnesterov".
        momentum: β of the momentum optimizers (default 0.3, the literature's value).
        polish_iterations: steps on ``polish_samples`` fixed points after the last stage (0: none).
    """

    widths: tuple[int, ...] = (20, 20)
    activation: str = "tanh"
    samples: int = 1024
    final_samples: int = 2048
    stage_iterations: int = 60
    final_iterations: int = 300
    eps_ratio: float = 0.5
    stage_reg: float = 1e-6
    reg: float = 1e-9
    weighting: str = "none"
    optimizer: str = "ngd"
    momentum: float | None = None
    polish_iterations: int = 100
    polish_samples: int = 4096

    def __post_init__(self):
        if self.optimizer not in PARAMETRIC_OPTIMIZERS:
            raise ValueError(f"optimizer: the parametric recipe runs {', '.join(PARAMETRIC_OPTIMIZERS)}, "
                             f"got {self.optimizer!r}")
        if self.momentum is not None and self.optimizer == "ngd":
            raise ValueError("momentum: ngd has no momentum; choose nhb-lm or nnesterov")
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting: must be one of {', '.join(WEIGHTINGS)}, got {self.weighting!r}")
        for name in ("samples", "final_samples", "final_iterations"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be >= 1, got {getattr(self, name)}")
        if self.stage_iterations < 0:
            raise ValueError(f"stage_iterations: must be >= 0, got {self.stage_iterations}")

    def windows(self, eps_min: float, eps_max: float) -> list[float]:
        """Lower ends of the sampled ε-windows: q·ε_max > q²·ε_max > … > ε_min (just ε_min if the range is
        narrower than one halving)."""
        return continuation_stages(eps_min, self.eps_ratio * eps_max, self.eps_ratio)

    def build_optimizer(self, last: bool):
        """The optimizer of a stage (Tikhonov ``stage_reg``) or of the last one (``reg``), grid line search."""
        options = {} if self.optimizer == "ngd" else {"momentum": 0.3 if self.momentum is None else self.momentum}
        return build_optimizer(self.optimizer, step="grid", solve="tikhonov",
                               reg=self.reg if last else self.stage_reg, **options)


def parametric_model(dim: int = 1, widths: tuple[int, ...] = (20, 20), activation: str = "tanh") -> Model:
    """v_θ(x, t) = d(x)·N_θ(x, t): the hard-Dirichlet MLP on inputs (x, t) (derivatives in x only)."""
    return HardDirichlet(MLP(widths, dim, activation=activation, pde_inputs=1))


@dataclass(frozen=True)
class ParametricSolution:
    """A trained u(x, ε): ``solution(x, eps)`` evaluates v_θ(x, t(ε)) at points x (m, dim).

    ``eps`` is one number or one per point (m,); values outside the trained range are refused.
    """

    family: ProblemFamily
    model: Model
    theta: np.ndarray

    def __call__(self, x: np.ndarray, eps) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.ndim == 1 and self.family.dim == 1:
            x = x[:, None]
        eps = np.broadcast_to(np.asarray(eps, dtype=float), (x.shape[0],))
        axis = self.family.axis
        if not np.all((eps >= axis.eps_min * (1 - 1e-12)) & (eps <= axis.eps_max * (1 + 1e-12))):
            raise ValueError(f"eps: the model was trained for [{axis.eps_min:g}, {axis.eps_max:g}]")
        return self.model(self.theta, np.column_stack([x, axis.coordinate(eps)]))


def _error_rule(dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Points (q, dim) and weights (q,) on (0, 1)^dim: composite Gauss rules graded towards every cell end
    (:func:`~femngd.fem.errors.breakpoint_rule`), resolving layers of any width down to 1e-7 in 1D."""
    if dim == 1:
        return breakpoint_rule(np.linspace(0.0, 1.0, 17), order=8, resolution=1e-6)
    x, w = breakpoint_rule(np.linspace(0.0, 1.0, 5), order=6, resolution=1e-4)
    X, Y = np.meshgrid(x[:, 0], x[:, 0], indexing="ij")
    return np.column_stack([X.ravel(), Y.ravel()]), np.outer(w, w).ravel()


def relative_l2_errors(solution: ParametricSolution, eps_values) -> np.ndarray:
    """‖v(·, ε) − u_ε‖_{L2} / ‖u_ε‖_{L2} against the exact solution, for every ε of ``eps_values``."""
    x, w = _error_rule(solution.family.dim)
    out = []
    for eps in np.atleast_1d(np.asarray(eps_values, dtype=float)):
        eps_q = np.full(x.shape[0], eps)
        error = solution(x, eps_q) - solution.family.exact_at(x, eps_q)
        exact = solution.family.exact_at(x, eps_q)
        out.append(math.sqrt(float(w @ error**2) / float(w @ exact**2)))
    return np.array(out)


def query_seconds(solution: ParametricSolution, points: int = 1025, repeats: int = 50) -> float:
    """Median wall time of one query: v(·, ε) at ``points`` uniform points for a new ε (values only)."""
    x = np.linspace(0.0, 1.0, points)[:, None] if solution.family.dim == 1 else \
        np.random.default_rng(0).uniform(0.0, 1.0, (points, solution.family.dim))
    rng = np.random.default_rng(1)
    axis = solution.family.axis
    times = []
    for eps in axis.eps(rng.uniform(0.0, 1.0, repeats)):
        start = time.perf_counter()
        solution(x, eps)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


@dataclass
class ParametricResult:
    """The trained u(x, ε), its errors at the test ε, and how the training went.

    Attributes:
        solution: the trained :class:`ParametricSolution`.
        train: the :class:`~femngd.train.TrainResult` of all stages (history in order).
        windows: the lower ends of the sampled ε-windows, one per stage.
        test_eps: the test values (:meth:`~femngd.fem.families.EpsAxis.test_values`, never training values).
        test_errors: relative L2 errors against the exact solution at ``test_eps``.
        seconds: wall time of the training.
        seconds_per_query: median time to evaluate the model for a new ε at 1 025 points.
    """

    solution: ParametricSolution
    train: TrainResult
    windows: list[float]
    test_eps: np.ndarray
    test_errors: np.ndarray
    seconds: float
    seconds_per_query: float
    info: dict = field(default_factory=dict)

    @property
    def max_error(self) -> float:
        """The largest relative L2 error over the test ε."""
        return float(np.max(self.test_errors))


def train_parametric(problem: str | ProblemFamily = "layer_1d", eps_range: tuple[float, float] = (1e-2, 1.0),
                     recipe: ParametricRecipe = ParametricRecipe(), seed: int = 0, n_test: int = 20,
                     progress: bool = False) -> ParametricResult:
    """Train one model u(x, ε) for every ε in ``eps_range`` (module doc) and test it at ``n_test`` new ε.

    Args:
        problem: a family name (:data:`~femngd.fem.families.FAMILY_NAMES`) or a :class:`ProblemFamily`
            (then ``eps_range`` is its own).
        seed: seeds the initial weights and every draw of points.
        progress: one line per stage on stderr.

    Example:
        >>> from femngd.recipes import ParametricRecipe, train_parametric
        >>> fast = ParametricRecipe(widths=(8,), stage_iterations=5, final_iterations=5, samples=64, final_samples=64)
        >>> result = train_parametric("layer_1d", (0.3, 1.0), fast, n_test=3)
        >>> result.test_errors.shape, result.solution(np.array([0.5]), 0.5).shape
        ((3,), (1,))
    """
    family = problem if isinstance(problem, ProblemFamily) else problem_family(problem, *eps_range)
    model = parametric_model(family.dim, recipe.widths, recipe.activation)
    objective = ParametricResidual(family, model, samples=recipe.samples, weighting=recipe.weighting, seed=seed)
    windows = recipe.windows(family.axis.eps_min, family.axis.eps_max)
    theta, history, start = model.init(seed), {}, time.perf_counter()
    for index, eps_lo in enumerate(windows):
        last = index == len(windows) - 1
        objective.sample_from(eps_lo)
        objective.samples = recipe.final_samples if last else recipe.samples
        result = train(objective, recipe.build_optimizer(last), theta,
                       iterations=recipe.final_iterations if last else recipe.stage_iterations,
                       seed=seed * 1000 + index)
        theta = result.theta
        if add_stage(history, result, progress,
                     f"  eps in [{eps_lo:.3g}, {family.axis.eps_max:.3g}]: loss {result.final_loss:.3e}"):
            break
    if recipe.polish_iterations and not result.diverged:
        rng = np.random.default_rng([seed, len(windows)])
        fixed = ParametricResidual(family, model, *objective.sample(rng, recipe.polish_samples), sampler="fixed",
                                   weighting=recipe.weighting)
        result = train(fixed, recipe.build_optimizer(True), theta, iterations=recipe.polish_iterations)
        append_history(history, result.history, offset=history["seconds"][-1])
        theta = result.theta
        if progress:
            print(f"  polish on {recipe.polish_samples} fixed points: loss {result.final_loss:.3e}", file=sys.stderr)
    seconds = time.perf_counter() - start
    iterations = len(history["loss"]) - 1
    message = result.message if result.diverged else f"parametric recipe: {index + 1} stages, {iterations} iterations"
    trained = TrainResult(theta, history, result.diverged, message, iterations,
                          {"objective": objective, "model": model})
    solution = ParametricSolution(family, model, theta)
    test_eps = family.axis.test_values(n_test)
    return ParametricResult(solution, trained, windows[:index + 1], test_eps, relative_l2_errors(solution, test_eps),
                            seconds, query_seconds(solution))
