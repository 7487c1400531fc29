"""Issue 5, study 4: plain NGD stalls in a local minimum, natural momentum escapes it.

The model is a wide bump with movable centre, v_θ(x) = a exp(κ(cos 2π(x − c) − 1)), θ = (a, c),
κ = 1.3 (:class:`femngd.models.PeriodicBump`), fitted in L2 to a small and a big narrow bump,

    U(x) = a₁ h(x − 0.3) + h(x − 0.7),   a₁ = 0.6,   h the bump of concentration 20,

through the FE L2 regression loss L(θ) = ½ (V − U)ᵀ M (V − U) on P1 (uniform mesh, the mass
matrix M as metric, :class:`femngd.natural.FEObjective`). The reduced loss L*(c) = min_a L(a, c)
(a enters linearly) has a local minimum near c = 0.3 (the small bump fitted), the global one
near c = 0.7 and a barrier between (the script finds them on the tabulated L*). NGD in the L2
metric follows the natural gradient flow downhill into the nearest well; natural heavy ball
(LM, FD, LG) and natural Nesterov at the same step α add the velocity β c_{k−1} transported onto
the tangent space and can cross the barrier. (With a narrow model bump, e.g. ``--kappa 20``,
consecutive tangent spaces barely overlap, the projection removes the velocity and no variant
escapes.)

Starts: c₀ on a grid of the local minimum's basin on the side away from the barrier, between the
landscape's far maximum and the minimum (a₀ = 0.3); every method runs from every start with the
same fixed step α and momentum β. The table gives, per method, how many starts end in the global
minimum (|c − 0.7| < 0.1) and the median number of iterations to within 1% of the global loss.

Usage:  python scripts/study_local_minimum.py [--out DIR] [--starts 12] [--lr 0.2] [--beta 0.9]
                                             [--kappa 1.3]
Writes DIR/local_minimum.json and DIR/local_minimum.png and prints the table.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from femngd.fem import FESpace, assemble_system, layer_1d, uniform_mesh_1d
from femngd.models import PeriodicBump
from femngd.natural import FEObjective
from femngd.optim import build_optimizer
from femngd.io import atomic_write_text, jsonable
from femngd.train import train

METHODS = ("ngd", "nhb-lm", "nhb-fd", "nlg", "nnesterov")
SMALL, BIG = 0.3, 0.7


def two_bump_objective(kappa: float, small: float, n: int, target_kappa: float) -> tuple[FEObjective, PeriodicBump]:
    """The L2 regression of a ``PeriodicBump(kappa)`` onto small·h(x − 0.3) + h(x − 0.7), h the bump of
    concentration ``target_kappa``, P1 on n cells."""
    system = assemble_system(layer_1d(eps=1.0), FESpace(uniform_mesh_1d(n), degree=1))  # zero Dirichlet data
    model = PeriodicBump(kappa)
    x = system.space.dof_locations[system.interior][:, 0]
    bump = PeriodicBump(target_kappa)
    target = small * bump(np.array([1.0, SMALL]), x) + bump(np.array([1.0, BIG]), x)
    return FEObjective(system, model, loss="l2", metric="l2", target=target), model


def reduced_loss(objective: FEObjective, model: PeriodicBump, centres: np.ndarray) -> np.ndarray:
    """L*(c) = min_a L(a, c) = ½‖U‖²_M − ½⟨U, g_c⟩²_M/‖g_c‖²_M (a enters linearly)."""
    x, M, U = objective.points, objective.M, objective.U
    out = []
    for c in centres:
        g = model(np.array([1.0, c]), x)
        out.append(0.5 * (U @ (M @ U)) - 0.5 * (U @ (M @ g)) ** 2 / (g @ (M @ g)))
    return np.array(out)


def run(objective: FEObjective, method: str, theta0: np.ndarray, lr: float, beta: float, iterations: int) -> dict:
    """Train ``method`` from θ₀; the loss and the centre c (mod 1) of every iterate."""
    options = {"lr": lr} if method == "ngd" else {"lr": lr, "momentum": beta}
    optimizer = build_optimizer(method, solve="tikhonov", reg=1e-10, **options)
    centres: list[float] = []
    result = train(objective, optimizer, theta0, iterations=iterations,
                   callback=lambda k, theta, row: centres.append(float(theta[1] % 1.0)))
    return {"loss": [float(v) for v in result.history["loss"]], "centre": centres, "diverged": result.diverged,
            "message": result.message}


def summarize(record: dict, global_loss: float) -> dict:
    """Where the run ended (basin of the global minimum or not) and when it got within 1% of it."""
    loss, c = np.asarray(record["loss"]), record["centre"][-1]
    near = np.flatnonzero(loss <= 1.01 * global_loss)
    return {"final_centre": c, "final_loss": float(loss[-1]), "global": bool(abs(c - BIG) < 0.1),
            "iterations_to_global": int(near[0]) if near.size else None}


def table(rows: list[dict], methods: tuple[str, ...]) -> str:
    lines = [f"{'method':<10} {'global/starts':>13} {'median its to global':>21} {'final loss (median)':>20}"]
    for m in methods:
        mine = [r for r in rows if r["method"] == m]
        hits = [r["iterations_to_global"] for r in mine if r["iterations_to_global"] is not None]
        med = f"{np.median(hits):.0f}" if hits else "—"
        lines.append(f"{m:<10} {sum(r['global'] for r in mine):>6}/{len(mine):<6} {med:>21} "
                     f"{np.median([r['final_loss'] for r in mine]):>20.3e}")
    return "\n".join(lines)


def figure(out: Path, centres: np.ndarray, profile: np.ndarray, featured: dict, c0: float) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from femngd.plotting import save_figure

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.plot(centres, profile, color="0.6", lw=3, label="reduced loss $L^*(c)=\\min_a L(a,c)$")
    for method, rec in featured.items():
        c = np.asarray(rec["centre"])
        left.plot(c, on_landscape(c, centres, profile), ".", ms=3, label=method)
        right.semilogy(rec["loss"], label=method)
    left.axvline(c0, color="k", ls=":", lw=1)
    left.set(xlabel="bump centre c", ylabel="loss", title=f"iterates from c₀ = {c0:.3f} on the loss landscape")
    left.legend(fontsize=8)
    right.set(xlabel="iteration", ylabel="loss L(θ_k)", title="loss per iteration")
    right.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, out, "local_minimum")[0]


def on_landscape(c: np.ndarray, centres: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """L*(c) interpolated from the tabulated profile (for plotting iterates on the landscape)."""
    return np.interp(c, centres, profile, period=1.0)


def landscape_points(centres: np.ndarray, profile: np.ndarray) -> dict[str, float]:
    """The local minimum near 0.3, the barrier towards 0.7 and the far-side maximum of L*(c)."""
    def arg(lo: float, hi: float, pick) -> float:
        mask = (centres >= lo) & (centres <= hi)
        return float(centres[mask][pick(profile[mask])])
    local = arg(SMALL - 0.1, SMALL + 0.1, np.argmin)
    return {"local_minimum": local, "barrier": arg(local, BIG, np.argmax),
            "far_maximum": arg(BIG - 1.0, local, np.argmax) % 1.0}


def start_centres(points: dict[str, float], count: int) -> np.ndarray:
    """Centres on the far side of the local minimum (its basin for the gradient flow), away from the
    far maximum and from the minimum itself."""
    lo = points["far_maximum"] - (1.0 if points["far_maximum"] > points["local_minimum"] else 0.0) + 0.03
    return np.linspace(lo, points["local_minimum"] - 0.1, count) % 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results/local_minimum")
    parser.add_argument("--kappa", type=float, default=1.3, help="concentration κ of the model bump")
    parser.add_argument("--target-kappa", type=float, default=20.0, help="concentration of the target bumps")
    parser.add_argument("--small", type=float, default=0.6, help="height a₁ of the small target bump")
    parser.add_argument("--n", type=int, default=256, help="P1 cells")
    parser.add_argument("--starts", type=int, default=12)
    parser.add_argument("--lr", type=float, default=0.2)
    parser.add_argument("--beta", type=float, default=0.9)
    parser.add_argument("--iterations", type=int, default=500)
    args = parser.parse_args()
    if not (0 < args.small < 1):
        parser.error("--small must be in (0, 1): the bump at 0.3 must be the smaller one")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    objective, model = two_bump_objective(args.kappa, args.small, args.n, args.target_kappa)
    centres = np.linspace(0.0, 1.0, 801)
    profile = reduced_loss(objective, model, centres)
    points = landscape_points(centres, profile)
    if points["barrier"] <= points["local_minimum"] + 0.01:
        parser.error(f"no local minimum near {SMALL} for kappa={args.kappa:g}, small={args.small:g}")
    global_loss = float(reduced_loss(objective, model, np.array([BIG]))[0])
    starts = start_centres(points, args.starts)
    featured_c0 = float(starts[len(starts) // 2])
    rows, featured, start = [], {}, time.perf_counter()
    for c0 in starts:
        for method in METHODS:
            record = run(objective, method, np.array([0.3, c0]), args.lr, args.beta, args.iterations)
            rows.append({"method": method, "c0": float(c0), **summarize(record, global_loss)})
            if c0 == featured_c0:
                featured[method] = record
    payload = {"config": vars(args), "global_loss": global_loss, "landscape_points": points,
               "local_loss": float(reduced_loss(objective, model, np.array([points["local_minimum"]]))[0]),
               "landscape": {"centre": centres, "reduced_loss": profile}, "runs": rows,
               "featured": {"c0": featured_c0, "records": featured}, "seconds": time.perf_counter() - start}
    atomic_write_text(out / "local_minimum.json", json.dumps(jsonable(payload), indent=1))
    png = figure(out, centres, profile, featured, featured_c0)
    print(f"two-bump L2 fit, model κ = {args.kappa:g}, target κ = {args.target_kappa:g}, a₁ = {args.small:g}, "
          f"α = {args.lr:g}, β = {args.beta:g}, {args.iterations} its, {args.starts} starts "
          f"c₀ ∈ [{starts[0]:.2f}, {starts[-1]:.2f}] (mod 1)")
    print(f"local minimum L* = {payload['local_loss']:.4e} at c = {points['local_minimum']:.3f}, barrier at "
          f"c = {points['barrier']:.3f}, global L* = {global_loss:.4e} at c = {BIG}")
    print(table(rows, METHODS))
    print(f"wrote {out / 'local_minimum.json'} and {png}")


if __name__ == "__main__":
    main()
