"""Issue 5, study 1: measured vs predicted convergence rates of NGD and natural momentum.

Linear FE model (V = θ on the interior DOFs of P1 on a uniform mesh of (0,1)), FE residual loss
L(θ) = ½‖Aθ − F‖²_{M⁻¹} for −εu″ + u′ = 1, L2 metric (G = M), trained with the library
(:class:`femngd.natural.FEObjective`, :func:`femngd.optim.build_optimizer`, :func:`femngd.train.train`).
Every natural variant is then a preconditioned method on the pencil ``(AᵀM⁻¹A, M)`` with
eigenvalues λ₁ ≤ … ≤ λ_n (DESIGN §4–5):

* NGD (``ngd``) at α = 2/(λ₁+λ_n), predicted rate (κ−1)/(κ+1);
* natural heavy ball (``nhb-lm``) at Polyak's (α, β), predicted (√κ−1)/(√κ+1);
* natural Nesterov (``nnesterov``) at α = 1/λ_n, β = (√κ−1)/(√κ+1), predicted 1 − 1/√κ.

The measured rate is the geometric mean of the error ratios ‖θ_{k+1} − θ*‖/‖θ_k − θ*‖ over the
second half of the run (θ* the Galerkin solution), the run being long enough for the predicted
rate to reduce the error by ``--reduction`` or capped at ``--max-iterations`` (then the record says
``asymptotic: false``: the transient is not over and the figure says little about the rate).
At the optimal momentum parameters the extreme modes are Jordan blocks (double roots), the
error behaves like k·ρ^k and the window ratio over [K/2, K] is ρ·2^{2/K}: the column
``measured_rate_jordan`` divides that factor out.

Usage:  python scripts/study_momentum_rates.py [--out DIR] [--eps 1e-1 1e-2] [--n 32 64 128] [--max-iterations K]
Writes DIR/momentum_rates.json and DIR/momentum_rates.png and prints a table.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

from femngd.fem import FESpace, assemble_system, layer_1d, uniform_mesh_1d
from femngd.models import FECoefficients
from femngd.natural import FEObjective
from femngd.optim import build_optimizer, theory
from femngd.train import train

METHODS = ("ngd", "nhb-lm", "nnesterov")


# ----------------------------------------------------------------------------- the FE problem
def fe_residual_problem(eps: float, n: int):
    """The assembled system of −εu″ + u′ = 1, u(0) = u(1) = 0, P1 on n uniform cells, and dense (A, M, F)."""
    system = assemble_system(layer_1d(eps=eps), FESpace(uniform_mesh_1d(n), degree=1))
    return system, system.A_ii.toarray(), system.M_ii.toarray(), np.asarray(system.rhs_i, dtype=float)


# ----------------------------------------------------------------------------- measurement
def natural_iteration(system, theta0: np.ndarray, theta_star: np.ndarray, method: str, alpha: float,
                      beta: float, steps: int) -> np.ndarray:
    """Train with the library's optimizer ``method`` at (α, β); return ‖θ_k − θ*‖, k = 0..steps."""
    objective = FEObjective(system, FECoefficients(len(theta0)), "fe-residual", "l2")
    options = {"lr": alpha} if method == "ngd" else {"lr": alpha, "momentum": beta}
    optimizer = build_optimizer(method, solve="penrose", reg=1e-15, **options)
    errors: list[float] = []
    train(objective, optimizer, theta0, iterations=steps,
          callback=lambda k, theta, row: errors.append(float(np.linalg.norm(theta - theta_star))))
    return np.array(errors)


def window_rate(errors: np.ndarray) -> float:
    """Geometric mean of the error ratios over the second half: (e_K/e_{K/2})^{1/(K − K/2)}."""
    k = len(errors) // 2
    return float((errors[-1] / errors[k]) ** (1.0 / (len(errors) - 1 - k)))


def parameters(method: str, lam_min: float, lam_max: float) -> tuple[float, float, float]:
    """(α, β, predicted rate) at the theoretical optimum of each method."""
    if method == "ngd":
        alpha, rate = theory.gd_optimal(lam_min, lam_max)
        return alpha, 0.0, rate
    optimal = theory.heavy_ball_optimal if method == "nhb-lm" else theory.nesterov_optimal
    return optimal(lam_min, lam_max)


def measure_case(eps: float, n: int, args: argparse.Namespace) -> list[dict]:
    system, A, M, F = fe_residual_problem(eps, n)
    H = A.T @ np.linalg.solve(M, A)
    H = 0.5 * (H + H.T)
    lam_min, lam_max = theory.extreme_eigenvalues(H, M, seed=args.seed)
    theta_star = np.linalg.solve(A, F)
    theta0 = np.random.default_rng(args.seed).standard_normal(len(F))
    records = []
    for method in METHODS:
        alpha, beta, predicted = parameters(method, lam_min, lam_max)
        needed = theory.iterations_to(predicted, args.reduction)
        steps = min(needed, args.max_iterations)
        start = time.perf_counter()
        errors = natural_iteration(system, theta0, theta_star, method, alpha, beta, steps)
        measured = window_rate(errors)
        # optimal momentum has double roots (Jordan blocks): e_k ~ k·ρ^k, so the window ratio
        # carries a factor 2^{1/(K − K/2)}; dividing it out isolates ρ (NGD has no such factor)
        jordan = measured / 2.0 ** (1.0 / (steps - steps // 2)) if beta > 0 else measured
        records.append(dict(
            eps=eps, n=n, method=method, lam_min=lam_min, lam_max=lam_max, kappa=lam_max / lam_min,
            alpha=alpha, beta=beta, predicted_rate=predicted, measured_rate=measured, measured_rate_jordan=jordan,
            exponent_ratio=math.log(measured) / math.log(predicted), iterations=steps,
            iterations_needed=needed, asymptotic=steps == needed,
            error_reduction=float(errors[-1] / errors[0]), seconds=time.perf_counter() - start,
        ))
    return records


# ----------------------------------------------------------------------------- output
def print_table(records: list[dict]) -> None:
    head = f"{'eps':>6} {'n':>4} {'method':>19} {'kappa':>9} {'1-predicted':>11} {'1-measured':>11} {'1-meas/k':>10} {'log ratio':>9} {'iters':>7} asym"
    print(head)
    for r in records:
        print(f"{r['eps']:6.0e} {r['n']:4d} {r['method']:>19} {r['kappa']:9.3e} {1 - r['predicted_rate']:11.4e} "
              f"{1 - r['measured_rate']:11.4e} {1 - r['measured_rate_jordan']:10.4e} {r['exponent_ratio']:9.3f} {r['iterations']:7d} {r['asymptotic']}")


def plot(records: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epss = sorted({r["eps"] for r in records}, reverse=True)
    fig, axes = plt.subplots(1, len(epss), figsize=(5 * len(epss), 4), squeeze=False)
    for ax, eps in zip(axes[0], epss):
        for color, method in zip(("C0", "C1", "C2"), METHODS):
            rows = [r for r in records if r["eps"] == eps and r["method"] == method]
            ns = [r["n"] for r in rows]
            ax.loglog(ns, [1 - r["predicted_rate"] for r in rows], "-", color=color, label=f"{method} (theory)")
            ax.loglog(ns, [1 - r["measured_rate"] for r in rows], "o", color=color, mfc="none",
                      label=f"{method} (measured)")
            for r in rows:
                if not r["asymptotic"]:
                    ax.annotate("capped", (r["n"], 1 - r["measured_rate"]), fontsize=7, color=color)
        ax.set(title=f"ε = {eps:g}, L2 metric, FE residual", xlabel="cells n", ylabel="1 − rate")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("femngd-results/momentum_rates"))
    parser.add_argument("--eps", type=float, nargs="+", default=[1e-1, 1e-2])
    parser.add_argument("--n", type=int, nargs="+", default=[32, 64, 128])
    parser.add_argument("--reduction", type=float, default=1e-8,
                        help="run until the predicted rate reduces the error by this factor")
    parser.add_argument("--max-iterations", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if any(e <= 0 for e in args.eps) or any(n < 2 for n in args.n) or args.max_iterations < 2:
        parser.error("eps: must be > 0; n: must be >= 2; max-iterations: must be >= 2")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    records = [rec for eps in args.eps for n in args.n for rec in measure_case(eps, n, args)]
    print_table(records)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "momentum_rates.json").write_text(json.dumps(dict(
        study="issue 5 study 1: momentum rates on the linear FE model, FE residual loss, L2 metric",
        reduction=args.reduction, max_iterations=args.max_iterations, seed=args.seed, records=records,
    ), indent=1))
    plot(records, args.out / "momentum_rates.png")
    print(f"wrote {args.out / 'momentum_rates.json'} and {args.out / 'momentum_rates.png'}")


if __name__ == "__main__":
    main()
