"""Issue 18: one network u(x, ε) for a range of ε against one network per ε, on −εu″ + u′ = 1.

For seeds 0…S−1, :func:`femngd.recipes.train_parametric` trains one MLP on (x, log ε) over the range
(default [1e-2, 1]); its relative L2 error against the exact solution is measured at the 20 log-spaced
test values of :meth:`femngd.fem.EpsAxis.test_values` (never training values). The baseline trains a
separate network at each test ε with the toolkit's default per-ε method (``femngd train --model
shallow``: the ε-robust network recipe, width 32, seed 0) and adds up their wall times.

Usage:  python scripts/study_parametric.py [--out docs/studies/parametric] [--range 1e-2 1] [--seeds 3]
                                          [--quick]
Writes OUT/parametric.json, OUT/table.md and OUT/parametric.png and prints the table.
"""
from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np

from femngd.fem import FESpace, layer_1d, uniform_mesh_1d
from femngd.io import write_study_outputs
from femngd.recipes import NetworkRecipe, ParametricRecipe, train_network, train_parametric


def parametric_runs(eps_range, seeds: int, recipe: ParametricRecipe, n_test: int) -> list[dict]:
    """One parametric model per seed: its test errors and times."""
    runs = []
    for seed in range(seeds):
        result = train_parametric("layer_1d", eps_range, recipe, seed=seed, n_test=n_test)
        runs.append({"seed": seed, "test_eps": result.test_eps.tolist(), "errors": result.test_errors.tolist(),
                     "seconds": result.seconds, "seconds_per_query": result.seconds_per_query,
                     "n_params": result.solution.model.n_params, "iterations": result.train.iterations})
        print(f"  parametric seed {seed}: max error {result.max_error:.2e} in {result.seconds:.1f} s", flush=True)
    return runs


def per_eps_runs(test_eps, recipe: NetworkRecipe) -> list[dict]:
    """One shallow network per test ε by the default per-ε recipe (seed 0)."""
    runs = []
    for eps in test_eps:
        start = time.perf_counter()
        result = train_network(layer_1d(float(eps)), FESpace(uniform_mesh_1d(32)), model="shallow", width=32,
                               seed=0, recipe=recipe)
        runs.append({"eps": float(eps), "error": result.history["relative_l2_error_exact"][-1],
                     "seconds": time.perf_counter() - start, "n_params": result.info["model"].n_params})
        print(f"  per-ε ε = {eps:.3g}: {runs[-1]['error']:.2e} in {runs[-1]['seconds']:.1f} s", flush=True)
    return runs


def table(study: dict) -> str:
    runs, single = study["parametric"], study["per_eps"]
    errors = np.array([run["errors"] for run in runs])
    lines = [f"| ε | one model u(x, ε), {runs[0]['n_params']} parameters: median [max] over {len(runs)} seeds "
             f"| one network per ε ({single[0]['n_params']} parameters each) |", "|---|---|---|"]
    for k, eps in enumerate(runs[0]["test_eps"]):
        lines.append(f"| {eps:.3g} | {np.median(errors[:, k]):.2e} [{errors[:, k].max():.2e}] | "
                     f"{single[k]['error']:.2e} |")
    train_s = np.median([run["seconds"] for run in runs])
    query = np.median([run["seconds_per_query"] for run in runs])
    lines += ["", f"Largest error over the test ε: one model {errors.max():.2e} (median over seeds of the per-seed "
              f"maximum {np.median(errors.max(axis=1)):.2e}); per-ε networks {max(r['error'] for r in single):.2e}.",
              f"Wall time ({study['host']}): one model {train_s:.1f} s (median over seeds) vs "
              f"{sum(r['seconds'] for r in single):.1f} s for the {len(single)} per-ε networks "
              f"({sum(r['seconds'] for r in single) / train_s:.1f}x); a new ε costs {1e3 * query:.3f} ms "
              "(1 025 points)."]
    return "\n".join(lines)


def figure(study: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from femngd.plotting import save_figure

    runs, single = study["parametric"], study["per_eps"]
    eps, errors = np.array(runs[0]["test_eps"]), np.array([run["errors"] for run in runs])
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ax.fill_between(eps, errors.min(axis=0), errors.max(axis=0), alpha=0.25, label="one model: seed range")
    ax.loglog(eps, np.median(errors, axis=0), "o-", label=f"one model u(x, ε) ({runs[0]['n_params']} parameters)")
    ax.loglog([r["eps"] for r in single], [r["error"] for r in single], "s--",
              label=f"one network per ε ({single[0]['n_params']} parameters each)")
    ax.set_xlabel("ε (test values, not trained on)")
    ax.set_ylabel("relative L2 error vs exact")
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title("−εu″ + u′ = 1: one model for the range vs one per ε")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path.parent, path.stem)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/studies/parametric")
    parser.add_argument("--range", type=float, nargs=2, default=[1e-2, 1.0], metavar=("EMIN", "EMAX"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="tiny budgets, 3 test ε (tests)")
    args = parser.parse_args(argv)
    recipe, per_eps, n_test = ParametricRecipe(), NetworkRecipe(), 20
    if args.quick:
        recipe = ParametricRecipe(widths=(6,), stage_iterations=3, final_iterations=3, polish_iterations=3,
                                  samples=64, final_samples=64, polish_samples=64)
        per_eps, n_test, args.seeds = NetworkRecipe(iterations=3, final_iterations=3, min_test_cells=64), 3, 1
    runs = parametric_runs(tuple(args.range), args.seeds, recipe, n_test)
    study = {"range": args.range, "host": f"{platform.node()}, {platform.processor() or platform.machine()}",
             "parametric": runs, "per_eps": per_eps_runs(runs[0]["test_eps"], per_eps)}
    text = table(study)
    out = write_study_outputs(args.out, "parametric", study, text)
    figure(study, out / "parametric.png")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
