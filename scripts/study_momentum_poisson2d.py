"""Issue 19: does natural momentum pay off on the 2D Poisson preset (ENGD benchmark), over seeds?

The preset (:func:`femngd.presets.poisson2d`): −Δu = 2π² sin πx sin πy on the unit square, 2-32-1 tanh network
with an output bias (129 parameters), 784 interior + 116 boundary points, Gauss–Newton metric, least-squares
solve with the reference cutoff, grid line search. NGD (the preset's optimizer), natural heavy ball (LM
transport) and natural Nesterov at β = 0.3 with the same solve and line search, from the same initial
parameters; per run the first iteration (and second) at which the relative L2 error on a 198² grid is ≤ 1e-4
and ≤ 1e-6 (budget 500 iterations).

Usage:  python scripts/study_momentum_poisson2d.py [--seeds 20] [--workers 2] [--budget 500] [--out DIR] [--quick]
Writes OUT/momentum_poisson2d.json and OUT/table.md and prints the table.
"""
from __future__ import annotations

import argparse
import math
from multiprocessing import Pool

import numpy as np

from femngd.io import write_study_outputs
from femngd.optim import build_optimizer
from femngd.presets import POISSON2D_OPTIMIZER, poisson2d, reference_rcond

METHODS = {"NGD": ("ngd", {}), "natural heavy ball (LM, β 0.3)": ("nhb-lm", {"momentum": 0.3}),
           "natural Nesterov (β 0.3)": ("nnesterov", {"momentum": 0.3})}
TOLERANCES = (1e-4, 1e-6)


def run(task: tuple) -> dict:
    label, seed, budget = task
    preset = poisson2d(seed=seed)
    name, extra = METHODS[label]
    options = {k: v for k, v in POISSON2D_OPTIMIZER.items() if k != "optimizer"}
    optimizer = build_optimizer(name, reg=reference_rcond(preset.model.n_params), **options, **extra)
    history = _train(preset, optimizer, budget, seed)
    errors, seconds = np.asarray(history["relative_l2_error_exact"]), np.asarray(history["seconds"])
    out = {"method": label, "seed": seed}
    for tol in TOLERANCES:
        hit = np.flatnonzero(errors <= tol)
        out[f"its_{tol:g}"] = int(hit[0]) if hit.size else None
        out[f"seconds_{tol:g}"] = float(seconds[hit[0]]) if hit.size else None
    return out


def _train(preset, optimizer, budget: int, seed: int) -> dict:
    from femngd.train import train

    return train(preset.objective, optimizer, preset.model.init(seed), iterations=budget, meter=preset.meter,
                 seed=seed, tol=min(TOLERANCES), stop_on="relative_l2_error_exact").history


def summarize(runs: list[dict]) -> list[dict]:
    rows = []
    for label in METHODS:
        group = [r for r in runs if r["method"] == label]
        row = {"method": label, "runs": len(group)}
        for tol in TOLERANCES:
            its = [r[f"its_{tol:g}"] for r in group if r[f"its_{tol:g}"] is not None]
            secs = [r[f"seconds_{tol:g}"] for r in group if r[f"seconds_{tol:g}"] is not None]
            row[f"reached_{tol:g}"] = len(its)
            row[f"median_its_{tol:g}"] = float(np.median(its)) if its else math.nan
            row[f"median_seconds_{tol:g}"] = float(np.median(secs)) if secs else math.nan
        rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| method | reached 1e-4 | median its (s) to 1e-4 | reached 1e-6 | median its (s) to 1e-6 |",
             "|---|---|---|---|---|"]
    for r in rows:
        cells = [f"{r[f'reached_{t:g}']}/{r['runs']} | {r[f'median_its_{t:g}']:.0f} ({r[f'median_seconds_{t:g}']:.2f})"
                 for t in TOLERANCES]
        lines.append(f"| {r['method']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budget", type=int, default=500)
    parser.add_argument("--out", default="docs/studies/momentum_poisson2d")
    parser.add_argument("--quick", action="store_true", help="one seed, one worker, 5 iterations (tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.workers, args.budget = 1, 1, 5
    work = [(label, seed, args.budget) for label in METHODS for seed in range(args.seeds)]
    if args.workers > 1:
        with Pool(args.workers) as pool:
            runs = pool.map(run, work)
    else:
        runs = [run(task) for task in work]
    rows = summarize(runs)
    text = table(rows)
    write_study_outputs(args.out, "momentum_poisson2d", {"rows": rows, "runs": runs}, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
