"""tanh kernels against numpy, measured in the same run (femngd.kernels.elementwise).

* ``tanh(z)`` vs ``np.tanh(z)`` on the preactivations of the ENGD benchmark (784 points × 32 neurons)
  and on a 1e6-element array;
* ``tanh_halving`` (the 31 steps of the grid line search at once) vs 31 evaluations of
  ``tanh(z0 + s dz)`` (each followed by the same weighted sum over neurons).

numpy's tanh is a SIMD loop only with AVX-512; the ratios differ between hosts (the host is printed).

Usage:  python benchmarks/bench_tanh.py
"""
from __future__ import annotations

import timeit

import numpy as np

from bench_poisson2d import host
from femngd.kernels import tanh
from femngd.kernels.elementwise import tanh_halving


def seconds(func, number: int) -> float:
    func()
    return min(timeit.repeat(func, number=number, repeat=5)) / number


def main() -> None:
    print(host())
    rng = np.random.default_rng(0)
    for shape in ((784, 32), (1000, 1000)):
        z = rng.standard_normal(shape) * 3
        number = max(1, 20_000_000 // z.size)
        ours, ref = seconds(lambda: tanh(z), number), seconds(lambda: np.tanh(z), number)
        print(f"tanh {shape}: {ours * 1e3:8.3f} ms vs np.tanh {ref * 1e3:8.3f} ms  ({ref / ours:.1f}x, "
              f"{ours / z.size * 1e9:.1f} ns per element)")
    z0, dz = rng.standard_normal((2, 32, 784)) * 3
    coef = rng.standard_normal((31, 32))
    steps = 0.5 ** np.arange(31)
    batched = seconds(lambda: tanh_halving(z0, dz, 1.0, coef), 20)
    direct = seconds(lambda: [tanh(z0 + s * dz).T @ coef[k] for k, s in enumerate(steps)], 5)
    print(f"31 halving steps, 32 × 784: tanh_halving {batched * 1e3:.2f} ms vs 31 tanh {direct * 1e3:.2f} ms "
          f"({direct / batched:.1f}x)")


if __name__ == "__main__":
    main()
