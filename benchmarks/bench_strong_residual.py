"""Strong-residual NGD per iteration on the mission's problems, with its breakdown, as ratios to the same-size
BLAS product measured in the same run.

Cases (Gauss–Newton metric, grid line search over 2⁻ᵏ, k = 0…30; BLAS single-threaded, as in training):

1. 1D, the literature's experiment: −εu″ + u′ = 1, ε = 0.1, v = x(1−x)·N, shallow tanh width 32 (p = 96),
   m = 100 points redrawn every iteration, Tikhonov 1e-12; with and without the study's error meter
   (ErrorMeter, every iterate);
2. 2D corner layer (b = (1, 1), ε = 0.1) with the hard-constraint wrapper, shallow tanh width 32 (p = 128),
   the quadrature points of a 32 × 32 mesh (24 576), Tikhonov 1e-12;
3. the 2-32-32-1 MLP (p = 1 185) of the ENGD Poisson preset on 64² interior points (+ 116 boundary), least
   squares with the reference's cutoff eps·p, its grid error meter;
4. the m < p regime: 2D corner layer, wrapper, MLP 2-100-100-1 (p = 10 501), m = 2 000 points redrawn every
   iteration, Tikhonov 1e-10: the m × m kernel path (Woodbury; the default for m < p) against the p × p path
   (``gram="dense"``) in the same run, with their iterates compared; SPRING (μ = 0.9, λ = 1e-3) through the kernel.

Printed per case: milliseconds per iteration (the whole training loop) and its breakdown — Jacobian (residuals
and their θ-Jacobian), Gram (G = JᵀWJ, or the kernel J Jᵀ), solve (factorizations and diagnostics), line search
(the 31 losses), loss (the new iterate's), metering, other — and the iteration's ratio to the BLAS product JᵀJ
(cases 1–3) or J Jᵀ (case 4) of the same size.

Rows marked "diagnostics every 10" use ``GramSolver(diagnostics=10)`` (the Tikhonov rank/condition eigvalsh for
every 10th Gram matrix only; the default computes it for every one), "meter every 10" ``train(meter_every=10)``.
``--clock cpu`` measures the thread's CPU time instead of the wall time (BLAS and the kernels run on one thread,
so nothing is missed; on a shared machine the other processes' load then does not enter the ratios).

Usage:  python benchmarks/bench_strong_residual.py [--iterations 30] [--repeat 3] [--cases 1,2,3,4] [--no-dense]
                                                   [--clock wall|cpu]
"""
from __future__ import annotations

import argparse
import contextlib
import time
from collections import defaultdict

import numpy as np
from threadpoolctl import threadpool_limits

from bench_poisson2d import host
from femngd.fem import FESpace, corner_layer_2d, layer_1d, uniform_mesh_1d, unit_square_mesh
from femngd.natural import ErrorMeter, GramSolver, build_model, build_objective
from femngd.natural.kernel_gram import KernelGram
from femngd.optim import build_optimizer
from femngd.presets import poisson2d, tune_allocator
from femngd.train import train

PARTS = ("jacobian", "gram", "solve", "line search", "loss", "metering")
#: the clock of every measurement (``--clock``)
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}
clock = time.perf_counter


class Clock:
    """Exclusive seconds per part: methods wrapped on their instances (time in a nested part counts there)."""

    def __init__(self):
        self.seconds, self._stack, self._wrapped = defaultdict(float), [], []

    def timed(self, func, part, when=None):
        def wrapper(*args, **kwargs):
            if when is not None and not when(*args, **kwargs):
                return func(*args, **kwargs)
            start = clock()
            self._stack.append(0.0)
            try:
                return func(*args, **kwargs)
            finally:
                elapsed = clock() - start
                self.seconds[part] += elapsed - self._stack.pop()
                if self._stack:
                    self._stack[-1] += elapsed
        return wrapper

    def wrap(self, obj, name, part, when=None):
        setattr(obj, name, self.timed(getattr(obj, name), part, when))
        self._wrapped.append((obj, name))

    def unwrap(self):
        for obj, name in self._wrapped:
            delattr(obj, name)
        self._wrapped = []

    @contextlib.contextmanager
    def kernel_formation(self):
        """Count forming the kernel J Jᵀ (a lazy KernelGram property) as Gram, not as solve."""
        prop = KernelGram.kernel
        KernelGram.kernel = property(self.timed(prop.fget, "gram"))
        try:
            yield
        finally:
            KernelGram.kernel = prop


def run(objective, make_optimizer, theta0, iterations, meter=None, seed=0, meter_every=1):
    """(seconds per iteration, {part: seconds per iteration}, result) of one training run, parts timed."""
    timer = Clock()
    timer.wrap(objective, "metric_coordinates", "jacobian", when=lambda theta, jacobian=True: jacobian)
    timer.wrap(objective, "_gram", "gram")
    timer.wrap(objective, "losses_along", "line search")
    timer.wrap(objective, "loss", "loss")
    optimizer = make_optimizer()
    timer.wrap(optimizer.solver, "solve", "solve")
    meter = timer.timed(meter, "metering") if meter is not None else None
    with timer.kernel_formation():
        start = clock()
        result = train(objective, optimizer, theta0, iterations=iterations, meter=meter, seed=seed,
                       meter_every=meter_every)
        total = clock() - start
    timer.unwrap()
    its = max(result.iterations, 1)
    parts = {part: timer.seconds[part] / its for part in PARTS}
    parts["other"] = total / its - sum(parts.values())
    return total / its, parts, result


def best_run(objective, make_optimizer, theta0, iterations, repeat, meter=None, meter_every=1):
    """The fastest of ``repeat`` runs (after a warm-up run of 2 iterations)."""
    run(objective, make_optimizer, theta0, 2, meter)
    return min((run(objective, make_optimizer, theta0, iterations, meter, meter_every=meter_every)
                for _ in range(repeat)), key=lambda r: r[0])


def scheduled(make_optimizer, every: int = 10):
    """The optimizer of ``make_optimizer`` with the Tikhonov diagnostics of every ``every``-th Gram matrix only."""
    def make():
        optimizer = make_optimizer()
        solver = optimizer.solver
        optimizer.solver = GramSolver(solver.method, solver.reg, solver.relative, diagnostics=every)
        return optimizer
    return make


def blas_product(m: int, p: int, repeat: int, kernel: bool = False) -> float:
    """Seconds of numpy's JᵀJ (or J Jᵀ), J (m, p), one BLAS thread (best of repeat)."""
    J = np.random.default_rng(0).normal(size=(m, p))
    times = []
    with threadpool_limits(1, "blas"):
        for _ in range(max(repeat, 3)):
            start = clock()
            (J @ J.T) if kernel else (J.T @ J)
            times.append(clock() - start)
    return min(times)


def report(label, per_it, parts, baseline, what="JᵀJ"):
    breakdown = " / ".join(f"{parts[p] * 1e3:.2f}" for p in (*PARTS, "other"))
    print(f"{label}\n  {per_it * 1e3:9.2f} ms per iteration = {per_it / baseline:5.2f}× {what} ({baseline * 1e3:.3f} ms)\n"
          f"  Jacobian / Gram / solve / line search / loss / metering / other (ms): {breakdown}")


def case_literature(args):
    problem, space = layer_1d(0.1), FESpace(uniform_mesh_1d(64))
    model = build_model("shallow", problem, space, width=32)
    objective = build_objective(problem, space, model, loss="strong-residual", metric="gauss-newton",
                                points="random", samples=100)
    make = lambda: build_optimizer("ngd", step="grid", solve="tikhonov", reg=1e-12)
    baseline = blas_product(100, model.n_params, 200)
    its = args.iterations * 10
    per_it, parts, _ = best_run(objective, make, model.init(0), its, args.repeat)
    report("1D literature experiment (m = 100 redrawn, p = 96), no meter", per_it, parts, baseline)
    per_it, parts, _ = best_run(objective, scheduled(make), model.init(0), its, args.repeat)
    report("  no meter, diagnostics every 10", per_it, parts, baseline)
    meter = ErrorMeter(problem, space)
    per_it, parts, _ = best_run(objective, make, model.init(0), its, args.repeat, meter=meter)
    report("  the study's error meter at every iterate", per_it, parts, baseline)
    per_it, parts, _ = best_run(objective, scheduled(make), model.init(0), its, args.repeat, meter=meter, meter_every=10)
    report("  meter every 10, diagnostics every 10", per_it, parts, baseline)


def case_corner(args):
    problem, space = corner_layer_2d(0.1), FESpace(unit_square_mesh(32))
    model = build_model("shallow", problem, space, width=32)
    objective = build_objective(problem, space, model, loss="strong-residual", metric="gauss-newton")
    make = lambda: build_optimizer("ngd", step="grid", solve="tikhonov", reg=1e-12)
    baseline = blas_product(len(objective.points), model.n_params, args.repeat)
    per_it, parts, _ = best_run(objective, make, model.init(0), args.iterations, args.repeat)
    report(f"2D corner layer + wrapper ({len(objective.points)} quadrature points, p = {model.n_params})",
           per_it, parts, baseline)


def case_mlp(args):
    preset = poisson2d(32, depth=2, n_grid=64)
    objective = preset.objective
    m = len(objective.points) + len(objective.boundary[0])
    baseline = blas_product(m, preset.model.n_params, args.repeat)
    options = dict(preset.optimizer_options)
    make = lambda: build_optimizer(options["optimizer"], **{k: v for k, v in options.items() if k != "optimizer"})
    per_it, parts, result = best_run(objective, make, preset.model.init(0), max(args.iterations // 2, 5), args.repeat,
                                     meter=preset.meter)
    report(f"2-32-32-1 MLP, Poisson preset ({m} points, p = {preset.model.n_params}, lstsq cutoff eps·p)",
           per_it, parts, baseline)
    print(f"  solve = {parts['solve'] / per_it:.1%} of the iteration; ranks {result.history['rank'][1:4]} …")


def case_kernel(args):
    problem, space = corner_layer_2d(0.1), FESpace(unit_square_mesh(8))
    model = build_model("mlp", problem, space, width=100, depth=2)
    objectives = {gram: build_objective(problem, space, model, loss="strong-residual", metric="gauss-newton",
                                        points="random", samples=2000, gram=gram) for gram in ("auto", "dense")}
    make = lambda: build_optimizer("ngd", step="grid", solve="tikhonov", reg=1e-10)
    baseline = blas_product(2000, model.n_params, 3, kernel=True)
    theta0 = model.init(0)
    its = max(args.iterations // 10, 3)
    per_it, parts, result = best_run(objectives["auto"], make, theta0, its, 1)
    report(f"2D corner layer + wrapper, MLP 2-100-100-1 (p = {model.n_params}), m = 2000 redrawn: kernel path",
           per_it, parts, baseline, "J Jᵀ")
    per_sc, parts_sc, _ = best_run(objectives["auto"], scheduled(make), theta0, its, 1)
    report("  diagnostics every 10", per_sc, parts_sc, baseline, "J Jᵀ")
    spring = lambda: build_optimizer("spring", step="grid", damping=1e-3)
    per_sp, parts_sp, _ = best_run(objectives["auto"], spring, theta0, its, 1)
    report("  SPRING (μ = 0.9, λ = 1e-3) through the kernel", per_sp, parts_sp, baseline, "J Jᵀ")
    if args.no_dense:
        return
    kernel_one = run(objectives["auto"], make, theta0, 1)[2].theta
    dense_it, dense_parts, dense = run(objectives["dense"], make, theta0, 1)
    report("  the p × p path (gram='dense'), 1 iteration", dense_it, dense_parts, baseline, "J Jᵀ")
    diff = np.linalg.norm(dense.theta - kernel_one) / np.linalg.norm(dense.theta - theta0)
    G = objectives["auto"].linearize(theta0).gram
    solver = make().solver
    kappa = (top_eigenvalue(G.kernel) + solver.tikhonov_lambda(G)) / solver.tikhonov_lambda(G)
    print(f"  p × p / kernel path: {dense_it / per_it:.1f}× the time; first update agrees to {diff:.1e} relative "
          f"(rounding bound eps·κ(G + λI) = {np.finfo(float).eps * kappa:.1e})")


def top_eigenvalue(K: np.ndarray, iterations: int = 50) -> float:
    """λ_max of a symmetric positive semidefinite K by power iteration."""
    v = np.random.default_rng(0).normal(size=K.shape[0])
    for _ in range(iterations):
        v = K @ v
        v /= np.linalg.norm(v)
    return float(v @ (K @ v))


CASES = {"1": case_literature, "2": case_corner, "3": case_mlp, "4": case_kernel}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cases", default="1,2,3,4")
    parser.add_argument("--no-dense", action="store_true", help="skip the p × p path of case 4 (~1 min)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]
    print(host(), "| malloc tuned:", tune_allocator(), "|", args.clock, "clock")
    for key in args.cases.split(","):
        CASES[key.strip()](args)


if __name__ == "__main__":
    main()
