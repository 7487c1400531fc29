"""Issue 16: mesh-independent convergence of function-space NGD and natural momentum (2D, FE coefficients).

Corner layer −εΔu + (1,1)·∇u = f at ε = 1e-2, P1 on uniform n × n meshes, FE coefficients trained on the
dual-norm residual ½ rᵀK⁻¹r (``fe-residual-dual``). In the H1 metric (G = K + M) the Gauss–Newton matrix
AᵀK⁻¹A is spectrally equivalent to G with constants that depend on ε but not on h, so the iterations to
a relative error of 1e-6 from the Galerkin solution should not grow with n; in the L2 metric κ ~ h⁻⁴.
Every method at its optimal fixed parameters from the spectrum ("auto", Lanczos on the sparse pencil);
every iteration is a few sparse solves with factorizations computed once.

Usage:  python scripts/study_mesh_independence.py [--n 32 64 128 256] [--l2-n 8 16 32] [--max-iterations 6000]
                                                  [--out docs/studies/mesh_independence]
Writes OUT/mesh_independence.json, OUT/table.md and OUT/mesh_independence.png and prints the table.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from femngd.fem import FESpace, corner_layer_2d, unit_square_mesh
from femngd.io import write_study_outputs
from femngd.natural import ErrorMeter, build_model, build_objective
from femngd.optim import build_optimizer
from femngd.train import train

METHODS = (("NGD", "ngd", {"lr": "auto"}), ("natural heavy ball", "nhb-lm", {"momentum": "auto"}),
           ("natural Nesterov", "nnesterov", {"momentum": "auto"}))


def run(n: int, metric: str, eps: float, max_iterations: int, tol: float = 1e-6) -> list[dict]:
    """Iterations and seconds to ‖u(θ) − u_h‖/‖u_h‖ ≤ tol for every method on the n × n mesh."""
    problem, space = corner_layer_2d(eps), FESpace(unit_square_mesh(n))
    model = build_model("fe", problem, space)
    objective = build_objective(problem, space, model, loss="fe-residual-dual", metric=metric)
    meter = ErrorMeter(problem, space)
    rows = []
    for label, name, options in METHODS:
        start = time.perf_counter()
        result = train(objective, build_optimizer(name, **options), model.init(0), iterations=max_iterations,
                       tol=tol, stop_on="relative_l2_error_galerkin", meter=meter, meter_every=5)
        spectrum = result.info["auto_momentum"]
        reached = result.history["relative_l2_error_galerkin"][-1] <= tol
        rows.append({"n": n, "dofs": space.n_dofs, "metric": metric, "method": label,
                     "iterations": result.iterations if reached else None,
                     "kappa": spectrum["lambda_max"] / spectrum["lambda_min"],
                     "seconds": time.perf_counter() - start})
        print(f"  n = {n}, {metric}, {label}: {rows[-1]['iterations']} its, {rows[-1]['seconds']:.1f} s", flush=True)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| metric | n | DOFs | κ(G⁻¹G_H) | NGD its (s) | heavy ball its (s) | Nesterov its (s) |",
             "|---|---|---|---|---|---|---|"]
    keys = sorted({(r["metric"], r["n"]) for r in rows}, key=lambda k: (k[0] != "h1", k[1]))
    for metric, n in keys:
        sel = {r["method"]: r for r in rows if r["metric"] == metric and r["n"] == n}
        cell = lambda r: "—" if r["iterations"] is None else f"{r['iterations']} ({r['seconds']:.1f})"
        first = next(iter(sel.values()))
        lines.append(f"| {metric} | {n} | {first['dofs']} | {first['kappa']:.3g} | "
                     + " | ".join(cell(sel[label]) for label, _, _ in METHODS) + " |")
    return "\n".join(lines)


def figure(rows: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from femngd.plotting import save_figure

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for metric, style in (("h1", "-"), ("l2", ":")):
        for (label, _, _), marker in zip(METHODS, "os^"):
            sel = [r for r in rows if r["metric"] == metric and r["method"] == label and r["iterations"]]
            if sel:
                ax.loglog([r["dofs"] for r in sel], [r["iterations"] for r in sel], style, marker=marker,
                          label=f"{label} ({metric.upper()} metric)")
    ax.set_xlabel("degrees of freedom")
    ax.set_ylabel("iterations to rel. error 1e-6 from Galerkin")
    ax.set_title("Dual-norm FE residual, corner layer ε = 1e-2", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path.parent, path.stem)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument("--l2-n", type=int, nargs="*", default=[8, 16, 32])
    parser.add_argument("--eps", type=float, default=1e-2)
    parser.add_argument("--max-iterations", type=int, default=6000)
    parser.add_argument("--out", default="docs/studies/mesh_independence")
    args = parser.parse_args(argv)
    rows = [row for n in args.n for row in run(n, "h1", args.eps, args.max_iterations)]
    rows += [row for n in args.l2_n for row in run(n, "l2", args.eps, args.max_iterations)]
    text = table(rows)
    out = write_study_outputs(args.out, "mesh_independence", rows, text)
    figure(rows, out / "mesh_independence.png")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
