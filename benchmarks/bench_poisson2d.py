"""ENGD on the 2D Poisson benchmark (femngd.presets.poisson2d): time per iteration and accuracy.

For the 2-32-1 and 2-64-1 tanh networks over seeds 0–4 (the configuration of the JAX reference,
quoted at ~219 ms per iteration on this machine kind; if ``jax`` is installed, the same method
written the JAX way (:mod:`engd_jax_baseline`) is also timed here, in the same run):

* median time per iteration and its breakdown: Jacobian (values and Laplacians with their
  θ-derivatives), Gram (J_Rᵀ W J_R), solve (least squares), line search (the 31 losses of the grid,
  batched: ``Objective.losses_along``),
  and for comparison the QR least-squares solve (``lstsq-qr``, LAPACK gelsy);
* the Gram time as a ratio to a BLAS syrk of the same size measured in the same run;
* iterations and seconds to relative L2 errors 1e-4, 1e-6, 1e-7; the error after 51 and 200 its;
* the same with the least-squares cutoff 1e-15 instead of the reference's eps·p, with the SVD
  (gelsd, the reference's) and with the QR least-squares solve (``lstsq-qr``).

Then the larger scale: 2-64-1 and a 2-32-32-1 MLP with 4,096 and 16,384 interior points.

BLAS runs single-threaded (OPENBLAS_NUM_THREADS=1 unless set): at these sizes threads only add
spin-waiting on a shared machine. Figures on a shared machine are provisional.

Usage:  python benchmarks/bench_poisson2d.py [--seeds 5] [--iterations 200] [--quick] [--no-large]
                                            [--jax-iterations 20]
"""
from __future__ import annotations

import argparse
import os
import time

# p ≤ 1100 is too small for threaded BLAS on a shared 2-core machine: threads only spin-wait
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.linalg.blas import dsyrk  # noqa: E402

from femngd.kernels import point_gram  # noqa: E402
from femngd.natural.solve import GramSolver  # noqa: E402
from femngd.presets import poisson2d, tune_allocator  # noqa: E402

TARGETS = (1e-4, 1e-6, 1e-7)


def host() -> str:
    """CPU model, cores and the BLAS in use: figures differ between hosts (tanh, BLAS kernels)."""
    from threadpoolctl import threadpool_info
    model = "unknown CPU"
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    blas = ", ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')})"
                     for i in threadpool_info() if i.get("user_api") == "blas")
    return f"host: {model}, {os.cpu_count()} cores; numpy {np.__version__}; BLAS {blas}"


def best_time(func, repeat: int = 20) -> float:
    func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def breakdown(preset, theta) -> dict[str, float]:
    """Median seconds of the parts of one ENGD iteration, and of the same-size BLAS syrk."""
    obj = preset.objective
    r, D = obj.residuals(theta, jacobian=True)
    w = obj.metric_matrix(r)
    G = point_gram(D, w)
    grad = D.T @ (w * r)
    solver = preset.optimizer.solver
    qr_solver = GramSolver("lstsq-qr", solver.reg)
    d = solver.solve(G, grad).x
    Dw = np.ascontiguousarray(D * np.sqrt(w)[:, None])
    return {
        "jacobian": best_time(lambda: obj.residuals(theta, jacobian=True)),
        "gram": best_time(lambda: point_gram(D, w)),
        "solve": best_time(lambda: solver.solve(G, grad)),
        "solve (lstsq-qr)": best_time(lambda: qr_solver.solve(G, grad)),
        "line search": best_time(lambda: obj.losses_along(theta, -d, 0.5 ** np.arange(31)), 5),
        "blas syrk": best_time(lambda: dsyrk(1.0, Dw, trans=1)),
    }


def reach(history: dict, target: float) -> tuple[float, float]:
    errors = np.asarray(history["relative_l2_error_exact"])
    hit = np.flatnonzero(errors <= target)
    if hit.size == 0:
        return np.nan, np.nan
    return float(hit[0]), float(history["seconds"][hit[0]])


def med(values) -> str:
    v = np.asarray(values, dtype=float)
    ok = v[np.isfinite(v)]
    if ok.size == 0:
        return "   —    "
    return f"{np.median(ok):8.3g} [{ok.min():.3g}, {ok.max():.3g}] ({ok.size}/{v.size})"


def jax_baseline(width: int, iterations: int) -> float | None:
    """Median seconds per iteration of the JAX-style ENGD (seed 0) on this host, None without jax."""
    try:
        import engd_jax_baseline
        import jax  # noqa: F401
    except ImportError:
        return None
    preset = poisson2d(width)
    meter = preset.meter
    result = engd_jax_baseline.run(width, 0, iterations, preset.objective.points, preset.objective.boundary[0],
                                   meter.points, meter.exact)
    return float(np.median(result["seconds"]))


def run_net(label: str, make, seeds: int, iterations: int, baseline: float | None = None) -> None:
    rows, parts = [], []
    for seed in range(seeds):
        preset = make(seed)
        result = preset.train(iterations=iterations, seed=seed)
        h = result.history
        rows.append({"per_iteration": h["seconds"][-1] / result.iterations,
                     **{f"its {t:g}": reach(h, t)[0] for t in TARGETS},
                     **{f"s {t:g}": reach(h, t)[1] for t in TARGETS},
                     "error@51": h["relative_l2_error_exact"][min(51, result.iterations)],
                     "error@end": h["relative_l2_error_exact"][-1]})
        parts.append(breakdown(preset, preset.model.init(seed)))
    p = preset.model.n_params
    print(f"\n{label}: p = {p}, points = {len(preset.objective.points)} + {len(preset.objective.boundary[0])}, "
          f"seeds 0–{seeds - 1}")
    per = [r["per_iteration"] for r in rows]
    reference = (f"   (reference JAX ENGD ≈ 219 ms elsewhere: {219e-3 / np.median(per):.0f}x)"
                 if len(preset.objective.points) == 784 else "")
    print(f"  time per iteration (whole loop)  {np.median(per) * 1e3:7.2f} ms{reference}")
    if baseline is not None:
        print(f"  JAX-style ENGD on this host      {baseline * 1e3:7.2f} ms   (femngd {baseline / np.median(per):.1f}x faster)")
    for key in ("jacobian", "gram", "solve", "line search", "solve (lstsq-qr)"):
        print(f"    {key:<16} {np.median([q[key] for q in parts]) * 1e3:7.3f} ms")
    g, s = np.median([q["gram"] for q in parts]), np.median([q["blas syrk"] for q in parts])
    print(f"  Gram / same-size BLAS syrk: {g / s:.2f}x ({g * 1e3:.3f} ms vs {s * 1e3:.3f} ms)")
    for t in TARGETS:
        print(f"  to rel. L2 {t:g}: iterations {med([r[f'its {t:g}'] for r in rows])}, "
              f"seconds {med([r[f's {t:g}'] for r in rows])}")
    print(f"  error after 51 its: {med([r['error@51'] for r in rows])}; after {iterations}: "
          f"{med([r['error@end'] for r in rows])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="2 seeds, 60 iterations, no large scale")
    parser.add_argument("--no-large", action="store_true", help="skip the 4,096 and 16,384 point runs")
    parser.add_argument("--jax-iterations", type=int, default=20,
                        help="iterations of the JAX-style baseline (seed 0; 0 skips it; needs jax)")
    args = parser.parse_args()
    seeds, its = (2, 60) if args.quick else (args.seeds, args.iterations)
    print(host(), "| malloc tuned:", tune_allocator())     # as the figures in docs/bench were measured
    for width in (32, 64):
        baseline = jax_baseline(width, args.jax_iterations) if args.jax_iterations > 0 else None
        run_net(f"2-{width}-1 tanh", lambda s: poisson2d(width, seed=s), seeds, its, baseline)
    for width in (32, 64):   # a smaller least-squares cutoff than the reference's eps·p (presets.reference_rcond)
        run_net(f"2-{width}-1 tanh, cutoff 1e-15", lambda s: poisson2d(width, seed=s, rcond=1e-15), seeds, its)
        run_net(f"2-{width}-1 tanh, cutoff 1e-15, lstsq-qr",
                lambda s: poisson2d(width, seed=s, rcond=1e-15, solve="lstsq-qr"), seeds, its)
    if args.quick or args.no_large:
        return
    for n_grid in (64, 128):
        run_net(f"2-64-1 tanh, {n_grid}² points", lambda s: poisson2d(64, n_grid=n_grid, seed=s), 2, 51)
        run_net(f"2-32-32-1 tanh MLP, {n_grid}² points",
                lambda s: poisson2d(32, depth=2, n_grid=n_grid, seed=s), 2, 51)


if __name__ == "__main__":
    main()
