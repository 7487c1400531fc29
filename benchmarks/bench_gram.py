"""Benchmark of the Gram kernels: time and peak memory against J.T @ (X @ J) and a BLAS syrk.

For n ∈ {1e4, 1e5} rows and p ∈ {100, 500, 2000} columns, X the 1D P1 mass matrix
(tridiagonal CSR; ``--grid`` adds a 2D 5-point pattern in natural ordering). The rows of J
come from a cheap generator (a fixed seeded random 1024 × p matrix, rows tiled and scaled),
so "kernel" excludes and "total" includes producing J:

  baseline   J materialized, then J.T @ (X @ J)              (scipy sparse × dense, numpy gemm)
  gram       J materialized, femngd.kernels.gram(J, X)        (banded factor + syrk, blockwise)
  streaming  femngd.kernels.streaming_gram(rows, n, X)        (J never whole; kernel = total − generation)
  syrk       J materialized, scipy.linalg.blas.dsyrk(J)        (the BLAS limit for n·p², no X)
  syrk-np    J materialized, numpy's J.T @ J                    (one syrk of numpy's OpenBLAS, which may be
                                                               another build than scipy's: the faster limit)

Every method runs in its own subprocess (after a JIT warm-up): time = best of --repeat runs (wall clock, or
with ``--clock cpu`` the thread's CPU time with BLAS single-threaded: on a shared machine the other
processes' load then does not enter the ratios),
memory = tracemalloc peak of one more run (numpy buffers, including J where it is
materialized). A method whose estimated memory exceeds --max-gb is skipped (printed).
Finally the import + first call is timed in two fresh processes sharing an empty numba cache
directory: the first compiles, the second must only load the cache.

Usage:  python benchmarks/bench_gram.py [--quick] [--grid] [--repeat 3] [--max-gb 3] [--block 2048]
                                       [--sizes 100000x500,...] [--clock wall|cpu]
Figures depend on the machine load (2 shared cores here): treat them as provisional.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

METHODS = ("baseline", "gram", "streaming", "syrk", "syrk-np")
#: estimated resident size in units of n·p doubles (J and X·J for the baseline)
FOOTPRINT = {"baseline": 2.0, "gram": 1.0, "syrk": 1.0, "syrk-np": 1.0, "streaming": 0.0}
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def metric(pattern: str, n: int):
    """1D P1 mass matrix (h/6)·tridiag(1, 4, 1), or the 5-point pattern of an m × m grid (m² ≤ n)."""
    import scipy.sparse as sp
    if pattern == "1d":
        h, e = 1.0 / (n + 1), np.ones(n)
        return sp.diags([e[:-1] * h / 6, e * 4 * h / 6, e[:-1] * h / 6], [-1, 0, 1], format="csr")
    m = int(np.sqrt(n))
    T = metric("1d", m) * (m + 1)
    return sp.kronsum(T, T, format="csr")


#: the clock of the measurements (``--clock``): wall time, or the thread's CPU time
CLOCK = {"wall": time.perf_counter, "cpu": time.thread_time}
clock = time.perf_counter


class Generator:
    """Rows of J: base[i mod 1024]·(1 + i/n), base a fixed seeded random (1024, p) matrix; times itself."""

    def __init__(self, n: int, p: int, seed: int = 0):
        self.base, self.n, self.seconds = np.random.default_rng(seed).normal(size=(1024, p)), n, 0.0

    def __call__(self, start: int, stop: int) -> np.ndarray:
        t = clock()
        i = np.arange(start, stop)
        rows = self.base[i % 1024] * (1.0 + i / self.n)[:, None]
        self.seconds += clock() - t
        return rows


def _run(method: str, X, rows: Generator, n: int, block: int) -> tuple[float, float]:
    """(total seconds, generation seconds) of one computation of G."""
    from scipy.linalg.blas import dsyrk

    from femngd.kernels import gram, streaming_gram
    rows.seconds = 0.0
    start = clock()
    if method == "streaming":
        streaming_gram(rows, n, X, block=block)
    else:
        J = rows(0, n)
        if method == "baseline":
            J.T @ (X @ J)
        elif method == "gram":
            gram(J, X, block=block)
        elif method == "syrk":
            dsyrk(1.0, J.T, trans=0)
        else:
            J.T @ J
        del J
    return clock() - start, rows.seconds


def run_case(method: str, pattern: str, n: int, p: int, repeat: int, block: int, clock_name: str = "wall") -> dict:
    """Best-of-repeat times and the tracemalloc peak (MB) of one method, in this process."""
    global clock
    from femngd.kernels import gram, streaming_gram
    clock = CLOCK[clock_name]
    X, rows = metric(pattern, n), Generator(n, p)
    small = metric(pattern, 64)
    gram(Generator(small.shape[0], p)(0, small.shape[0]), small)              # JIT warm-up
    streaming_gram(Generator(small.shape[0], p), small.shape[0], small, block=16)
    runs = [_run(method, X, rows, X.shape[0], block) for _ in range(repeat)]
    total, generation = min(runs)
    tracemalloc.start()
    _run(method, X, rows, X.shape[0], block)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"total": total, "kernel": total - generation, "memory_mb": peak / 1e6}


def measure(method: str, pattern: str, n: int, p: int, repeat: int, block: int, clock_name: str = "wall") -> dict:
    code = (f"import json, sys; sys.path[:0] = [{HERE!r}, {ROOT!r}]; import bench_gram as b; "
            f"print(json.dumps(b.run_case({method!r}, {pattern!r}, {n}, {p}, {repeat}, {block}, {clock_name!r})))")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1") if clock_name == "cpu" else None   # thread_time: one thread
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def first_call_seconds(cache_dir: str) -> float:
    """Seconds for import + first gram/streaming_gram call in a fresh process using cache_dir."""
    code = ("import time; t = time.perf_counter(); import numpy as np, scipy.sparse as sp; "
            "from femngd.kernels import gram, streaming_gram, cross_gram; "
            "X = sp.diags([np.ones(7), 4 * np.ones(8), np.ones(7)], [-1, 0, 1], format='csr'); "
            "J = np.ones((8, 2)); gram(J, X); cross_gram(J, X, J); "
            "streaming_gram(lambda a, b: J[a:b], 8, X, block=3); print(time.perf_counter() - t)")
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return float(out.stdout.strip())


def cell(r: dict) -> str:
    return f"{r['kernel'] * 1e3:8.0f} {r['total'] * 1e3:8.0f} {r['memory_mb']:7.0f}"


def ratio(res: dict, a: str, b: str, key: str) -> str:
    if a not in res or b not in res:
        return "   –  "
    return f"{res[a][key] / max(res[b][key], 1e-12):6.2f}"


def report(pattern: str, n: int, p: int, res: dict, skipped: list[str]) -> None:
    cells = " |".join(cell(res[m]) if m in res else f"{'skipped':>25}" for m in METHODS)
    print(f"{pattern:>4} {n:>7} {p:>5} |{cells} |"
          f" {ratio(res, 'streaming', 'baseline', 'total')} {ratio(res, 'streaming', 'baseline', 'memory_mb')}"
          f" {ratio(res, 'gram', 'baseline', 'kernel')} {ratio(res, 'streaming', 'syrk', 'kernel')}"
          f" {ratio(res, 'streaming', 'syrk-np', 'kernel')}")
    for m in skipped:
        print(f"     skipped {m} at n={n}, p={p}: ~{FOOTPRINT[m] * n * p * 8 / 1e9:.1f} GB > --max-gb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 1e4 and p ∈ {100, 500} only")
    parser.add_argument("--grid", action="store_true", help="also the 2D 5-point pattern")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-gb", type=float, default=3.0, help="skip methods whose memory would exceed this")
    parser.add_argument("--block", type=int, default=2048, help="rows per block (gram, streaming)")
    parser.add_argument("--sizes", default=None, help="comma-separated NxP, e.g. 100000x500 (overrides --quick)")
    parser.add_argument("--clock", choices=sorted(CLOCK), default="wall",
                        help="wall time, or CPU time of the thread with single-threaded BLAS (shared machines)")
    args = parser.parse_args()
    sizes = [(10_000, 100), (10_000, 500)] if args.quick else [
        (n, p) for n in (10_000, 100_000) for p in (100, 500, 2000)]
    if args.sizes:
        sizes = [tuple(int(v) for v in item.split("x")) for item in args.sizes.split(",")]
    patterns = ["1d", "grid"] if args.grid else ["1d"]
    print(f"times in ms ({args.clock} clock; kernel = without generating J, total = with), memory = tracemalloc "
          "peak in MB; provisional")
    head = " |".join(f"{m + ': kern total   MB':>25}" for m in METHODS)
    print(f"{'X':>4} {'n':>7} {'p':>5} |{head} | str/base t, mem | gram/base kern | str/syrk kern, str/syrk-np")
    for pattern in patterns:
        for n, p in sizes:
            repeat = max(1, min(args.repeat, int(4e10 / (n * p * p))))
            fits = [m for m in METHODS if FOOTPRINT[m] * n * p * 8 / 1e9 <= args.max_gb]
            res = {m: measure(m, pattern, n, p, repeat, args.block, args.clock) for m in fits}
            report(pattern, n, p, res, [m for m in METHODS if m not in fits])
    with tempfile.TemporaryDirectory() as cache:
        first, second = first_call_seconds(cache), first_call_seconds(cache)
    print(f"import + first calls with an empty numba cache: {first:.2f} s; second process: {second:.2f} s"
          f" (ratio {second / first:.2f})")


if __name__ == "__main__":
    main()
