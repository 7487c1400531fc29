"""FE-scale costs in 2D (corner layer, ε = 1e-2, P1 on uniform n × n meshes), as ratios to scikit-fem's own
assembly measured in the same run.

Every size runs in a fresh process, so its peak memory (ru_maxrss) is its own. Per size:

* baseline: scikit-fem alone: ``MeshTri.init_tensor``, ``CellBasis`` (P1, default quadrature), K and M;
* ``femngd galerkin``'s pipeline: mesh and FESpace, ``assemble_system``, the solve (algebraic multigrid
  when pyamg is installed and the system is large and diffusion-dominated, else SuperLU: which one is
  printed), ``error_report``;
* SuperLU: the factorization of A_II (minimum degree on Aᵀ + A) and one solve with it;
* FE coefficients on the dual residual ½ rᵀK⁻¹r in the H1 metric (sparse Gram, factorized once): the
  first NGD and natural heavy-ball iteration (with the factorizations) and each further one
  (up to ``--train-max``).

Usage:  python benchmarks/bench_fe_scale.py [--sizes 64 256 1024] [--train-max 512]
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(results: dict, key: str, func):
    start = time.perf_counter()
    value = func()
    results[key] = (time.perf_counter() - start, peak_mb())
    return value


def baseline(n: int) -> dict:
    from skfem import CellBasis, ElementTriP1, MeshTri
    from skfem.models.poisson import laplace, mass

    import numpy as np

    out: dict = {}
    mesh = timed(out, "skfem mesh", lambda: MeshTri.init_tensor(np.linspace(0, 1, n + 1), np.linspace(0, 1, n + 1)))
    basis = timed(out, "skfem basis", lambda: CellBasis(mesh, ElementTriP1()))
    timed(out, "skfem K + M", lambda: (laplace.assemble(basis), mass.assemble(basis)))
    return out


def pipeline(n: int, train_max: int) -> dict:
    import numpy as np
    import scipy.sparse.linalg as spla

    from femngd.fem import FESpace, assemble_system, corner_layer_2d, error_report, make_mesh
    from femngd.fem.galerkin import AMG_MIN_SIZE

    out: dict = {}
    problem = corner_layer_2d(1e-2)
    space = timed(out, "mesh + FESpace", lambda: FESpace(make_mesh("uniform", n, 2)))
    system = timed(out, "assemble_system", lambda: assemble_system(problem, space))
    u = timed(out, "solve", system.solve)
    amg = system.peclet is not None and system.peclet <= 1 and system.interior.size >= AMG_MIN_SIZE
    out["solver"] = "AMG-GMRES (pyamg)" if amg and _has_pyamg() else "SuperLU"
    timed(out, "error_report", lambda: error_report(space, u, problem.exact, problem.exact_grad))
    lu = timed(out, "SuperLU factorization", lambda: spla.splu(system.A_ii.tocsc(), permc_spec="MMD_AT_PLUS_A"))
    timed(out, "SuperLU solve", lambda: lu.solve(system.rhs_i))
    lu = None                      # free the factorization before the training runs
    if n <= train_max:
        from femngd.natural import build_model, build_objective
        from femngd.optim import build_optimizer
        from femngd.train import train

        model = build_model("fe", problem, space)
        for name, options in (("NGD", {}), ("heavy ball", {"momentum": 0.5})):
            optimizer = "ngd" if name == "NGD" else "nhb-lm"
            objective = build_objective(problem, space, model, loss="fe-residual-dual", metric="h1")
            result = timed(out, f"{name}: first iteration (factorizations)", lambda: train(
                objective, build_optimizer(optimizer, lr=0.5, **options), model.init(0), iterations=1, meter=None))
            result = train(objective, build_optimizer(optimizer, lr=0.5, **options), result.theta, iterations=3)
            seconds = np.diff(result.history["seconds"])
            out[f"{name}: each further iteration"] = (float(np.median(seconds)), peak_mb())
    return out


def _has_pyamg() -> bool:
    try:
        import pyamg  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--train-max", type=int, default=512)
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, n = args.worker[0], int(args.worker[1])
        print(json.dumps(baseline(n) if kind == "baseline" else pipeline(n, args.train_max)))
        return
    print(f"host: {platform.node()} {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    for n in args.sizes:
        parts = {}
        for kind in ("baseline", "pipeline"):
            run = subprocess.run([sys.executable, __file__, "--worker", kind, str(n), "--train-max", str(args.train_max)],
                                 capture_output=True, text=True, check=True)
            parts[kind] = json.loads(run.stdout.strip().splitlines()[-1])
        base = sum(parts["baseline"][k][0] for k in parts["baseline"])
        galerkin_keys = ("mesh + FESpace", "assemble_system", "solve", "error_report")
        total = sum(parts["pipeline"][k][0] for k in galerkin_keys)
        print(f"\nn = {n} ({(n + 1) ** 2} DOFs); solver: {parts['pipeline'].pop('solver')}")
        for kind in ("baseline", "pipeline"):
            for key, (seconds, mb) in parts[kind].items():
                print(f"  {key:45s} {seconds:8.2f} s   peak {mb:8.0f} MB")
        print(f"  femngd galerkin (mesh … errors) {total:.2f} s = {total / base:.1f}× scikit-fem's mesh + basis + K + M "
              f"({base:.2f} s); peak {parts['pipeline']['error_report'][1]:.0f} MB vs "
              f"{parts['baseline']['skfem K + M'][1]:.0f} MB")


if __name__ == "__main__":
    main()
