"""Benchmark of the Gram kernels: time and peak memory against J.T @ (X @ J) and a BLAS syrk.

For n ∈ {1e4, 1e5} rows and p ∈ {100, 500, 2000} columns, X the 1D P1 mass matrix
(tridiagonal CSR), J a dense matrix of cosine features generated row-block by row-block:

  baseline   J materialized, then J.T @ (X @ J)           (scipy sparse × dense, BLAS gemm)
  gram       J materialized, femngd.kernels.gram(J, X)     (numba CSR×dense, BLAS gemm)
  streaming  femngd.kernels.streaming_gram, J never whole  (blocks of 2048 rows)
  syrk       J materialized, scipy.linalg.blas.dsyrk(J)     (the BLAS limit for n·p²)

Every case runs in its own subprocess; memory is the growth of the peak resident set size
over the process after imports and JIT warm-up. Times are the best of --repeat runs.
Cases whose materialized J would exceed --max-gb are skipped (and say so).
Finally the import + first call is timed in two fresh processes: the second must not compile.

Usage:  python benchmarks/bench_gram.py [--quick] [--repeat 3] [--max-gb 1.5]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np

METHODS = ("baseline", "gram", "streaming", "syrk")


def mass_matrix(n: int):
    import scipy.sparse as sp
    h = 1.0 / (n - 1)
    e = np.ones(n)
    return sp.diags([e[:-1] * h / 6, e * 2 * h / 3, e[:-1] * h / 6], [-1, 0, 1], format="csr")


def jacobian_rows(p: int):
    freqs = np.linspace(0.5, 50.0, p)

    def rows(a: int, b: int) -> np.ndarray:
        return np.cos(np.outer(np.arange(a, b) / 1000.0, freqs))
    return rows


def peak_rss_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_case(method: str, n: int, p: int, repeat: int) -> dict:
    from scipy.linalg.blas import dsyrk

    from femngd.kernels import gram, streaming_gram

    X, rows = mass_matrix(n), jacobian_rows(p)
    small = rows(0, 64)
    gram(small, mass_matrix(64)), streaming_gram(jacobian_rows(p), 64, mass_matrix(64), block=16)  # warm JIT
    before = peak_rss_mb()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        if method == "streaming":
            G = streaming_gram(rows, n, X, block=2048)
        else:
            J = rows(0, n)
            if method == "baseline":
                G = J.T @ (X @ J)
            elif method == "gram":
                G = gram(J, X)
            else:
                G = dsyrk(1.0, J, trans=1)
            del J
        times.append(time.perf_counter() - start)
        del G
    return {"seconds": min(times), "memory_mb": peak_rss_mb() - before}


def measure(method: str, n: int, p: int, repeat: int) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(__file__.rsplit('/', 1)[0])!r}); "
            f"import bench_gram as b; print(json.dumps(b.run_case({method!r}, {n}, {p}, {repeat})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def first_call_seconds() -> float:
    code = ("import time; t = time.perf_counter(); import numpy as np, scipy.sparse as sp; "
            "from femngd.kernels import gram, streaming_gram; "
            "X = sp.eye(8, format='csr'); J = np.ones((8, 2)); gram(J, X); "
            "streaming_gram(lambda a, b: J[a:b], 8, X, block=3); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 1e4 and p ∈ {100, 500} only")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-gb", type=float, default=1.5, help="skip cases whose J exceeds this")
    args = parser.parse_args()
    sizes = [(10_000, 100), (10_000, 500)] if args.quick else [
        (n, p) for n in (10_000, 100_000) for p in (100, 500, 2000)]
    print(f"{'n':>7} {'p':>5} | " + " | ".join(f"{m:>18}" for m in METHODS) + " | stream/base time, memory")
    for n, p in sizes:
        if n * p * 8 / 1e9 > args.max_gb:
            print(f"{n:>7} {p:>5} | skipped: J would take {n * p * 8 / 1e9:.1f} GB (> --max-gb {args.max_gb})")
            continue
        res = {m: measure(m, n, p, args.repeat) for m in METHODS}
        cells = " | ".join(f"{res[m]['seconds'] * 1e3:8.1f} ms {res[m]['memory_mb']:6.0f} MB" for m in METHODS)
        base = res["baseline"]
        ratio_t = res["streaming"]["seconds"] / base["seconds"]
        ratio_m = res["streaming"]["memory_mb"] / max(base["memory_mb"], 1e-9)
        print(f"{n:>7} {p:>5} | {cells} | {ratio_t:5.2f}x, {ratio_m:5.2f}x   "
              f"(gram/base {res['gram']['seconds'] / base['seconds']:.2f}x, "
              f"streaming/syrk {res['streaming']['seconds'] / res['syrk']['seconds']:.2f}x)")
    first, second = first_call_seconds(), first_call_seconds()
    print(f"import + first call: {first:.2f} s, in a second process {second:.2f} s (numba cache=True)")


if __name__ == "__main__":
    main()
