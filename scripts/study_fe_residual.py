"""Issue 5, study 3: natural momentum vs NGD on the FE residual, against the Galerkin solution.

For −εu″ + u′ = 1 (ε ∈ {1e-1, 1e-2, 1e-3}) on uniform and Shishkin P1 meshes with n cells, the
FE coefficients are trained on ½‖AV − F‖²_{M⁻¹} in the L2 metric (``--metric``) by NGD at its optimal step and
by every natural momentum variant at its theoretical optimal (α, β) (``auto``: estimated from
the spectrum of G⁺G_H at θ₀). ``--metric h1`` (G = K + M) is the metric that suits a
second-order operator: κ(G⁺G_H) ~ h⁻² instead of ~h⁻⁴ in L2. A run "reaches the Galerkin
level" when its L2 error against the exact solution is within ``--slack`` (default 5%) of the
Galerkin solution's own error on the same mesh; the table gives the iterations (and seconds)
this takes, or "—" within the budget.

Usage:  python scripts/study_fe_residual.py [--out DIR] [--n 64] [--iterations 5000]
                                           [--metric l2|h1|gauss-newton]
Writes DIR/fe_residual.json and DIR/fe_residual.png and prints a table.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from femngd.fem import FESpace, assemble_system, galerkin, l2_error, layer_1d, make_mesh
from femngd.models import FECoefficients
from femngd.natural import ErrorMeter, FEObjective
from femngd.optim import build_optimizer
from femngd.io import atomic_write_text, jsonable
from femngd.train import train

METHODS = {"NGD": ("ngd", {"lr": "auto"}), "LM": ("nhb-lm", {"momentum": "auto"}),
           "FD": ("nhb-fd", {"momentum": "auto"}), "LG": ("nlg", {"momentum": "auto"}),
           "Nesterov": ("nnesterov", {"momentum": "auto"})}


def run_case(eps: float, mesh_kind: str, args: argparse.Namespace) -> list[dict]:
    problem = layer_1d(eps)
    space = FESpace(make_mesh(mesh_kind, args.n, 1, eps=eps))
    system = assemble_system(problem, space)
    level = l2_error(space, galerkin(problem, space), problem.exact)
    meter = ErrorMeter(problem, space)
    records = []
    for label, (name, options) in METHODS.items():
        objective = FEObjective(system, FECoefficients(system.interior.size), "fe-residual", args.metric)
        result = train(objective, build_optimizer(name, **options), np.zeros(objective.n_params),
                       iterations=args.iterations, tol=(1 + args.slack) * level, stop_on="l2_error_exact",
                       meter=meter, meter_every=args.meter_every)
        errors = np.asarray(result.history["l2_error_exact"])
        reached = result.message.startswith("converged")
        records.append({"eps": eps, "mesh": mesh_kind, "metric": args.metric, "method": label, "optimizer": name,
                        "galerkin_l2_error": level, "reached": reached,
                        "iterations": result.iterations if reached else None,
                        "seconds": result.history["seconds"][-1] if reached else None,
                        "final_l2_error": float(errors[np.isfinite(errors)][-1]),
                        "auto": result.info.get("auto_momentum")})
        print(f"  ε = {eps:g} {mesh_kind:>8} {label:>9}: "
              f"{(str(result.iterations) + ' its') if reached else 'not reached':>12}", flush=True)
    return records


def print_table(records: list[dict]) -> None:
    methods = list(METHODS)
    print(f"\n{'eps':>6} {'mesh':>8} {'Galerkin L2':>11} " + " ".join(f"{m:>9}" for m in methods))
    for key in dict.fromkeys((r["eps"], r["mesh"]) for r in records):
        rows = {r["method"]: r for r in records if (r["eps"], r["mesh"]) == key}
        cells = " ".join(f"{rows[m]['iterations'] if rows[m]['reached'] else '—':>9}" for m in methods)
        print(f"{key[0]:6g} {key[1]:>8} {rows['NGD']['galerkin_l2_error']:11.3e} {cells}")


def plot(records: list[dict], path: Path, budget: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    meshes = list(dict.fromkeys(r["mesh"] for r in records))
    epss = sorted({r["eps"] for r in records}, reverse=True)
    fig, axes = plt.subplots(1, len(meshes), figsize=(6 * len(meshes), 4.2), squeeze=False, sharey=True)
    width = 0.8 / len(METHODS)
    for ax, mesh in zip(axes[0], meshes):
        for j, method in enumerate(METHODS):
            its = [next(r for r in records if r["eps"] == e and r["mesh"] == mesh and r["method"] == method)
                   for e in epss]
            heights = [r["iterations"] if r["reached"] else budget for r in its]
            bars = ax.bar(np.arange(len(epss)) + j * width, heights, width, label=method,
                          hatch=None, color=f"C{j}")
            for bar, r in zip(bars, its):
                if not r["reached"]:
                    bar.set_alpha(0.35)
        ax.set_xticks(np.arange(len(epss)) + 0.4 - width / 2, [f"ε = {e:g}" for e in epss])
        ax.set_yscale("log")
        ax.set_title(f"{mesh} mesh, n = {records[0].get('n', '')}".rstrip(", n = "), fontsize=10)
        ax.grid(alpha=0.3, axis="y")
    axes[0][0].set_ylabel(f"iterations to the Galerkin error level\n(faded: not reached in {budget})")
    axes[0][-1].legend(fontsize=8)
    fig.suptitle(f"FE coefficients, FE residual loss, {records[0]['metric']} metric: NGD vs natural momentum "
                 "(optimal parameters)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("femngd-results/fe_residual"))
    parser.add_argument("--eps", type=float, nargs="+", default=[1e-1, 1e-2, 1e-3])
    parser.add_argument("--meshes", nargs="+", default=["uniform", "shishkin"])
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--metric", choices=["l2", "h1", "gauss-newton"], default="l2",
                        help="metric of the natural gradient (gauss-newton: NGD is Newton's method)")
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--slack", type=float, default=0.05)
    parser.add_argument("--meter-every", type=int, default=5)
    args = parser.parse_args(argv)
    if any(not (math.isfinite(e) and e > 0) for e in args.eps) or args.n < 2 or args.iterations < 1:
        parser.error("eps: must be > 0; n: must be >= 2; iterations: must be >= 1")
    records = [r for eps in args.eps for mesh in args.meshes for r in run_case(eps, mesh, args)]
    for r in records:
        r["n"] = args.n
    print_table(records)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "fe_residual.json", json.dumps(jsonable({
        "study": f"issue 5 study 3: FE residual, {args.metric} metric, iterations to the Galerkin error level",
        "n": args.n, "metric": args.metric, "iterations": args.iterations, "slack": args.slack,
        "records": records}), indent=1))
    plot(records, args.out / "fe_residual.png", args.iterations)
    print(f"wrote {args.out / 'fe_residual.json'} and {args.out / 'fe_residual.png'}")


if __name__ == "__main__":
    main()
