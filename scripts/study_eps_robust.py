"""Issue 15: error vs ε on −εu″ + u′ = 1 (layer at x = 1) with equal cell counts, from the PDE alone.

Rows, for each ε (64 cells unless --cells):

* finite elements with the same number of cells: Galerkin and SUPG on the uniform mesh, Galerkin on
  the Shishkin mesh (which is told where the layer is: the layer-adapted reference);
* the free-knot recipe (:func:`femngd.recipes.train_freeknot`, cells − 1 free interior knots, seeds
  0…S−1): natural gradient on the moving-test-space dual residual, knots re-equidistributed from
  the current approximation, continuation in ε — never told where the layer is;
* a shallow tanh network (width 32) trained by plain Gauss–Newton NGD on the strong residual at the
  quadrature points with a grid line search;
* the same network trained by the ε-robust network recipe (:func:`femngd.recipes.train_network`: NGD on
  the dual-norm FE residual of a uniform test mesh resolving width ε, continuation in ε), for
  ε ≥ ``--recipe-min-eps`` (default 1e-3: below, its test mesh is capped and one run takes minutes);
* a PINN-style baseline: MLP 1-20-20-1, strong residual at 256 uniform random points redrawn every
  step, Adam (lr 1e-3), given the same wall time as the free-knot recipe.

Errors are relative L2 against the exact solution with the layer-accurate quadrature (split at
the knots for free-knot models).

Usage:  python scripts/study_eps_robust.py [--out docs/studies/eps_robust] [--eps 1e-1 1e-2 1e-3 1e-4]
                                          [--seeds 3] [--cells 64] [--quick]
Writes OUT/eps_robust.json, OUT/table.md and OUT/eps_robust.png and prints the table.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from femngd.fem import FESpace, galerkin, layer_1d, relative_l2_error, shishkin_mesh_1d, supg, uniform_mesh_1d
from femngd.natural import ErrorMeter, build_model, build_objective
from femngd.optim import build_optimizer
from femngd.recipes import NetworkRecipe, train_freeknot, train_network
from femngd.io import write_study_outputs
from femngd.train import train


def fe_rows(eps: float, cells: int) -> list[dict]:
    """Galerkin, SUPG (uniform) and Galerkin on the Shishkin mesh, P1 with ``cells`` cells."""
    problem = layer_1d(eps)
    rows = []
    for label, space, solve in (("Galerkin, uniform", FESpace(uniform_mesh_1d(cells)), galerkin),
                                ("SUPG, uniform", FESpace(uniform_mesh_1d(cells)), supg),
                                ("Galerkin, Shishkin (layer given)", FESpace(shishkin_mesh_1d(cells, eps)), galerkin)):
        start = time.perf_counter()
        error = relative_l2_error(space, solve(problem, space), problem.exact)
        rows.append({"method": label, "eps": eps, "params": space.n_dofs, "errors": [error], "iterations": None,
                     "seconds": time.perf_counter() - start})
    return rows


def freeknot_row(eps: float, cells: int, seeds: int) -> dict:
    problem, space = layer_1d(eps), FESpace(uniform_mesh_1d(cells))
    errors, iterations, seconds = [], [], []
    for seed in range(seeds):
        start = time.perf_counter()
        result = train_freeknot(problem, space, n_knots=cells - 1, seed=seed)
        seconds.append(time.perf_counter() - start)
        errors.append(result.history["relative_l2_error_exact"][-1])
        iterations.append(result.iterations)
    return {"method": "free knots, ε-robust recipe", "eps": eps, "params": 2 * (cells - 1), "errors": errors,
            "iterations": int(np.median(iterations)), "seconds": float(np.median(seconds))}


def network_recipe_row(eps: float, cells: int, seeds: int, recipe: NetworkRecipe) -> dict:
    problem, space = layer_1d(eps), FESpace(uniform_mesh_1d(cells))
    errors, iterations, seconds, params = [], [], [], 0
    for seed in range(seeds):
        start = time.perf_counter()
        result = train_network(problem, space, width=32, seed=seed, recipe=recipe)
        seconds.append(time.perf_counter() - start)
        errors.append(result.history["relative_l2_error_exact"][-1])
        iterations.append(result.iterations)
        params = result.info["model"].n_params
    return {"method": "shallow tanh 32, ε-robust network recipe", "eps": eps, "params": params, "errors": errors,
            "iterations": int(np.median(iterations)), "seconds": float(np.median(seconds))}


def network_row(eps: float, cells: int, seeds: int, iterations: int, label: str, model_options: dict,
                objective_options: dict, optimizer: tuple[str, dict], time_budget: float | None = None) -> dict:
    problem, space = layer_1d(eps), FESpace(uniform_mesh_1d(cells))
    meter = ErrorMeter(problem, space)
    errors, its, seconds, params = [], [], [], 0
    for seed in range(seeds):
        model = build_model(problem=problem, space=space, **model_options)
        objective = build_objective(problem, space, model, loss="strong-residual", seed=seed, **objective_options)
        start = time.perf_counter()
        result = train(objective, build_optimizer(optimizer[0], **optimizer[1]), model.init(seed),
                       iterations=iterations, time_budget=time_budget, meter=meter, meter_every=max(iterations, 1),
                       seed=seed)
        seconds.append(time.perf_counter() - start)
        errors.append(meter(objective, result.theta)["relative_l2_error_exact"])
        its.append(result.iterations)
        params = model.n_params
    return {"method": label, "eps": eps, "params": params, "errors": errors, "iterations": int(np.median(its)),
            "seconds": float(np.median(seconds))}


def run_study(eps_values: list[float], cells: int, seeds: int, net_iterations: int, recipe: NetworkRecipe,
              recipe_min_eps: float) -> list[dict]:
    rows = []
    for eps in eps_values:
        rows += fe_rows(eps, cells)
        knots = freeknot_row(eps, cells, seeds)
        rows.append(knots)
        rows.append(network_row(eps, cells, seeds, net_iterations, "shallow tanh 32, plain Gauss–Newton NGD",
                                {"name": "shallow", "width": 32}, {"metric": "gauss-newton"},
                                ("ngd", {"step": "grid"})))
        if eps >= recipe_min_eps:
            rows.append(network_recipe_row(eps, cells, seeds, recipe))
        rows.append(network_row(eps, cells, seeds, 10**9, "PINN: MLP 20-20, Adam, same wall time",
                                {"name": "mlp", "width": 20, "depth": 2},
                                {"metric": "l2", "points": "random", "samples": 256},
                                ("adam", {"lr": 1e-3}), time_budget=knots["seconds"]))
        print(f"  ε = {eps:g} done", flush=True)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| ε | method | parameters / DOFs | rel. L2 error vs exact: median [max] over seeds | iterations | seconds |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        e = np.asarray(row["errors"])
        errors = f"{np.median(e):.2e}" + (f" [{e.max():.2e}]" if e.size > 1 else "")
        its = "—" if row["iterations"] is None else str(row["iterations"])
        lines.append(f"| {row['eps']:g} | {row['method']} | {row['params']} | {errors} | {its} | {row['seconds']:.2f} |")
    return "\n".join(lines)


def figure(rows: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from femngd.plotting import save_figure

    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    markers = "osD^vx<>"
    for k, method in enumerate(dict.fromkeys(row["method"] for row in rows)):
        sel = [row for row in rows if row["method"] == method]
        eps = [row["eps"] for row in sel]
        ax.loglog(eps, [np.median(row["errors"]) for row in sel], marker=markers[k % len(markers)], label=method)
    ax.set_xlabel("diffusion ε")
    ax.set_ylabel("relative L2 error vs exact")
    ax.invert_xaxis()
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title(f"−εu″ + u′ = 1, {rows[0]['params'] - 1} cells / equal parameter budgets")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    save_figure(fig, path.parent, path.stem)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/studies/eps_robust")
    parser.add_argument("--eps", type=float, nargs="+", default=[1e-1, 1e-2, 1e-3, 1e-4])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--cells", type=int, default=64)
    parser.add_argument("--net-iterations", type=int, default=200)
    parser.add_argument("--recipe-min-eps", type=float, default=1e-3, help="smallest ε of the network recipe's row")
    parser.add_argument("--quick", action="store_true", help="one seed, 8 cells, 5 network iterations (tests)")
    args = parser.parse_args(argv)
    recipe = NetworkRecipe()
    if args.quick:
        args.seeds, args.cells, args.net_iterations = 1, 8, 5
        recipe = NetworkRecipe(iterations=5, final_iterations=5)
    rows = run_study(args.eps, args.cells, args.seeds, args.net_iterations, recipe, args.recipe_min_eps)
    text = table(rows)
    out = write_study_outputs(args.out, "eps_robust", rows, text)
    figure(rows, out / "eps_robust.png")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
