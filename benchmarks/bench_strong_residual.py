"""Strong-residual NGD per iteration on the mission's problems, as ratios to baselines of the same run.

Cases (shallow tanh networks, Gauss–Newton metric, grid line search over 2⁻ᵏ, k = 0…30):

* 1D, the literature's experiment: −εu″ + u′ = 1, ε = 0.1, v = x(1−x)·N, width 32, m = 100 points redrawn
  every iteration, no meter;
* 2D corner layer, ε = 0.1, hard-constraint wrapper, width 32, the quadrature points of a 32 × 32 mesh
  (24 576 points, p = 128).

Printed per case: milliseconds per iteration (whole loop), the 31 line-search losses batched
(:meth:`~femngd.natural.objective.Objective.losses_along`) vs one by one, and the iteration's ratio to the
BLAS product JᵀJ of the same size (BLAS single-threaded, as in training).

Usage:  python benchmarks/bench_strong_residual.py [--iterations 100] [--repeat 3]
"""
from __future__ import annotations

import argparse
import platform
import time

import numpy as np
from threadpoolctl import threadpool_limits

from femngd.fem import FESpace, corner_layer_2d, layer_1d, uniform_mesh_1d, unit_square_mesh
from femngd.natural import build_model, build_objective
from femngd.natural.objective import Objective
from femngd.optim import build_optimizer
from femngd.train import train


def cases():
    problem, space = layer_1d(0.1), FESpace(uniform_mesh_1d(64))
    model = build_model("shallow", problem, space, width=32)
    yield "1D literature (m = 100 redrawn, p = 97)", model, build_objective(
        problem, space, model, loss="strong-residual", metric="gauss-newton", points="random", samples=100)
    problem, space = corner_layer_2d(0.1), FESpace(unit_square_mesh(32))
    model = build_model("shallow", problem, space, width=32)
    yield "2D corner layer, wrapper (24 576 quadrature points, p = 128)", model, build_objective(
        problem, space, model, loss="strong-residual", metric="gauss-newton")


def best(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"host: {platform.node()} {platform.processor() or platform.machine()}, numpy {np.__version__}")
    for label, model, objective in cases():
        optimizer = lambda: build_optimizer("ngd", step="grid", solve="tikhonov", reg=1e-12)
        train(objective, optimizer(), model.init(0), iterations=2)                    # compile, warm caches
        its = args.iterations if objective.points.shape[0] < 1000 else max(args.iterations // 10, 5)
        per_it = best(lambda: train(objective, optimizer(), model.init(0), iterations=its), args.repeat) / its
        theta = model.init(0)
        d = np.random.default_rng(1).normal(size=model.n_params)
        steps = 0.5 ** np.arange(31)
        batched = best(lambda: objective.losses_along(theta, d, steps), args.repeat)
        single = best(lambda: Objective.losses_along(objective, theta, d, steps), args.repeat)
        J = np.random.default_rng(0).normal(size=(objective.points.shape[0], model.n_params))
        with threadpool_limits(1, "blas"):
            jtj = best(lambda: J.T @ J, max(args.repeat, 5))
        print(f"{label}:\n  {per_it * 1e3:.2f} ms per iteration = {per_it / jtj:.1f}× JᵀJ ({jtj * 1e3:.3f} ms); "
              f"line search batched {batched * 1e3:.2f} ms vs one by one {single * 1e3:.2f} ms "
              f"({single / batched:.1f}×)")


if __name__ == "__main__":
    main()
