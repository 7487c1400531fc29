"""Issue 19: where does natural momentum's gain go on the literature's experiment? A factorial study over seeds.

The experiment: strong residual of −εu″ + u′ = 1 at ε = 0.1, v = x(1 − x)·N with a shallow tanh network of 32
neurons, m = 100 uniform points, Gauss–Newton metric, grid line search over 2⁻ᵏ, Tikhonov 1e-12; a run counts
the iterations (and seconds) until the relative L2 error against the exact solution is ≤ 1e-5 (budget 300).

Factors, every combination, for natural heavy ball (LM transport) and natural Nesterov:

* search: the line search scales the natural-gradient part only, the momentum added at its full β
  ("direction", femngd's default), or the whole update ("whole": it can shrink the momentum too);
* β: constant 0.3 (the literature) or the increasing schedule β_k = min(0.9, k/(k + 3));
* restart: none, function value (forget the momentum when the loss rose), gradient (when ∇L·c_k > 0);
* points: redrawn every iteration (the literature) or drawn once.

NGD runs on the same seeds for each points mode. Reported per cell: runs that reached 1e-5, median and
quartiles of iterations, median seconds, and the ratio of the median to NGD's (same points mode).

Usage:  python scripts/study_momentum_factors.py [--seeds 40] [--first-seed 0] [--workers 2] [--out DIR] [--quick]
Writes OUT/momentum_factors.json, OUT/table.md and OUT/momentum_factors.png and prints the table.
"""
from __future__ import annotations

import argparse
import itertools
import time
from multiprocessing import Pool

import numpy as np

from femngd.fem import FESpace, layer_1d, uniform_mesh_1d
from femngd.io import write_study_outputs
from femngd.natural import ErrorMeter, StrongResidual, build_model, build_objective
from femngd.optim import build_optimizer
from femngd.train import train

TOL, BUDGET = 1e-5, 300
SEARCHES, BETAS, RESTARTS, POINTS = ("direction", "whole"), ("0.3", "k/(k+3)"), ("none", "function", "gradient"), \
    ("redrawn", "fixed")


def increasing_beta(k: int) -> float:
    """β_k = min(0.9, k/(k + 3)) (Nesterov's schedule, capped)."""
    return min(0.9, k / (k + 3))


def objective_for(points: str, seed: int):
    problem, space = layer_1d(0.1), FESpace(uniform_mesh_1d(64))
    model = build_model("shallow", problem, space, width=32)
    if points == "redrawn":
        objective = build_objective(problem, space, model, loss="strong-residual", metric="gauss-newton",
                                    points="random", samples=100, seed=seed)
    else:
        x = np.random.default_rng(10_000 + seed).uniform(0.0, 1.0, size=(100, 1))
        objective = StrongResidual(problem, model, points=x, metric="gauss-newton")
    return model, objective, ErrorMeter(problem, space)


def run(task: tuple) -> dict:
    method, search, beta, restart, points, seed, budget = task
    model, objective, meter = objective_for(points, seed)
    options = {"step": "grid", "solve": "tikhonov", "reg": 1e-12}
    if method != "ngd":
        options.update(momentum=increasing_beta if beta == "k/(k+3)" else 0.3, search=search,
                       **({} if restart == "none" else {"restart": restart}))
    start = time.perf_counter()
    result = train(objective, build_optimizer(method, **options), model.init(seed), iterations=budget, tol=TOL,
                   meter=meter, stop_on="relative_l2_error_exact", seed=seed)
    reached = result.history["relative_l2_error_exact"][-1] <= TOL
    return {"method": method, "search": search, "beta": beta, "restart": restart, "points": points, "seed": seed,
            "reached": bool(reached), "iterations": int(result.iterations) if reached else None,
            "seconds": time.perf_counter() - start}


def tasks(seeds: list[int], budget: int = BUDGET) -> list[tuple]:
    out = [("ngd", "-", "-", "-", points, seed, budget) for points in POINTS for seed in seeds]
    for method, search, beta, restart, points in itertools.product(("nhb-lm", "nnesterov"), SEARCHES, BETAS,
                                                                   RESTARTS, POINTS):
        out += [(method, search, beta, restart, points, seed, budget) for seed in seeds]
    return out


def summarize(runs: list[dict], budget: int = BUDGET) -> list[dict]:
    """One row per cell: reached, median/quartiles of iterations (unreached runs count as the budget)."""
    keys = ("method", "search", "beta", "restart", "points")
    cells: dict[tuple, list[dict]] = {}
    for r in runs:
        cells.setdefault(tuple(r[k] for k in keys), []).append(r)
    ngd = {}
    rows = []
    for cell, group in cells.items():
        its = np.array([r["iterations"] if r["reached"] else budget for r in group], dtype=float)
        row = dict(zip(keys, cell), runs=len(group), reached=sum(r["reached"] for r in group),
                   median=float(np.median(its)), q1=float(np.percentile(its, 25)), q3=float(np.percentile(its, 75)),
                   seconds=float(np.median([r["seconds"] for r in group])))
        if cell[0] == "ngd":
            ngd[cell[4]] = row
        rows.append(row)
    for row in rows:
        row["ratio"] = row["median"] / ngd[row["points"]]["median"]
        row["time_ratio"] = row["seconds"] / ngd[row["points"]]["seconds"]
    return sorted(rows, key=lambda r: (r["method"] != "ngd", r["ratio"]))


def table(rows: list[dict]) -> str:
    lines = ["| method | search | β | restart | points | reached | iterations: median [q1, q3] | / NGD | seconds | / NGD |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['method']} | {r['search']} | {r['beta']} | {r['restart']} | {r['points']} | "
                     f"{r['reached']}/{r['runs']} | {r['median']:.0f} [{r['q1']:.0f}, {r['q3']:.0f}] | "
                     f"{r['ratio']:.2f} | {r['seconds']:.2f} | {r['time_ratio']:.2f} |")
    return "\n".join(lines)


def figure(rows: list[dict], path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from femngd.plotting import save_figure

    momentum = [r for r in rows if r["method"] != "ngd"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.22 * len(momentum) / 2 + 1.8), sharex=True)
    for ax, points in zip(axes, POINTS):
        sel = sorted((r for r in momentum if r["points"] == points), key=lambda r: -r["ratio"])
        labels = [f"{'NHB' if r['method'] == 'nhb-lm' else 'NNest'} {r['search']}, β {r['beta']}, {r['restart']}"
                  for r in sel]
        y = np.arange(len(sel))
        ax.barh(y, [r["ratio"] for r in sel], color="0.55")
        ax.errorbar([r["ratio"] for r in sel], y,
                    xerr=[[r["ratio"] - r["q1"] / r["median"] * r["ratio"] for r in sel],
                          [r["q3"] / r["median"] * r["ratio"] - r["ratio"] for r in sel]],
                    fmt="none", ecolor="black", lw=0.8)
        ax.set_yticks(y, labels, fontsize=7)
        ax.axvline(1.0, color="black", lw=0.8)
        ax.axvline(0.5, color="black", lw=0.8, ls="--")
        ax.set_xlabel("median iterations to 1e-5 / NGD's (bars: quartiles)")
        ax.set_title(f"points {points}", fontsize=10)
    fig.suptitle("Natural momentum on the literature's experiment: each factor and combination", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path.parent, path.stem)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="docs/studies/momentum_factors")
    parser.add_argument("--budget", type=int, default=BUDGET, help="iterations per run (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="one seed, one worker, 20 iterations (tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.workers, args.budget = 1, 1, 20
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    work = tasks(seeds, args.budget)
    if args.workers > 1:
        with Pool(args.workers) as pool:
            runs = pool.map(run, work, chunksize=8)
    else:
        runs = [run(task) for task in work]
    rows = summarize(runs, args.budget)
    text = table(rows)
    out = write_study_outputs(args.out, "momentum_factors", {"rows": rows, "runs": runs}, text)
    figure(rows, out / "momentum_factors.png")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
