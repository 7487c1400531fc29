"""The JAX way of running ENGD on the 2D Poisson benchmark, as a same-host baseline (optional).

The ENGD literature's reference implementation (Müller & Zeinhofer 2023, JAX) builds the Gram
matrix as the mean of per-point outer products of ∂θ(Δv) (vmap over points, Δv as the trace of a
``jax.hessian``), solves it with ``jnp.linalg.lstsq`` and does the grid line search over 2⁻ᵏ,
k = 0…30, as one vmapped loss evaluation. This module does the same, written here (jit-compiled,
float64), so that ``bench_poisson2d.py`` can measure femngd against that approach on the machine
it runs on, instead of quoting a figure measured elsewhere.

Needs ``jax`` (not a femngd dependency): ``pip install jax``. Used only by the benchmark.
"""
from __future__ import annotations

import time

import numpy as np


def run(width: int, seed: int, iterations: int, interior: np.ndarray, boundary: np.ndarray,
        eval_points: np.ndarray, exact: np.ndarray) -> dict:
    """ENGD iterations of a 2-``width``-1 tanh network; per-iteration seconds and relative L2 errors.

    The initial parameters are N(0, 0.1²) from ``numpy.random.default_rng(seed)`` (the same law as
    femngd's preset, not the same draws). Compilation and the error are outside the timed part.
    """
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)

    p = 4 * width + 1

    def net(theta, x):                                    # 2-width-1 tanh, θ = (W, b, c, d)
        W = theta[:2 * width].reshape(width, 2)
        b = theta[2 * width:3 * width]
        c = theta[3 * width:4 * width]
        return jnp.dot(c, jnp.tanh(W @ x + b)) + theta[-1]

    def laplacian(theta, x):
        return jnp.trace(jax.hessian(net, argnums=1)(theta, x))

    source = lambda x: 2.0 * jnp.pi ** 2 * jnp.sin(jnp.pi * x[0]) * jnp.sin(jnp.pi * x[1])
    xi, xb = jnp.asarray(interior), jnp.asarray(boundary)

    def loss(theta):
        r = jax.vmap(lambda x: laplacian(theta, x) + source(x))(xi)
        v = jax.vmap(lambda x: net(theta, x))(xb)
        return jnp.mean(r ** 2) + jnp.mean(v ** 2)

    def outer(g):
        return jnp.outer(g, g)

    @jax.jit
    def gram(theta):
        gi = jax.vmap(lambda x: outer(jax.grad(laplacian)(theta, x)))(xi)
        gb = jax.vmap(lambda x: outer(jax.grad(net)(theta, x)))(xb)
        return jnp.mean(gi, axis=0) + jnp.mean(gb, axis=0)

    steps = 0.5 ** jnp.arange(31.0)

    @jax.jit
    def line_search(theta, direction):
        losses = jax.vmap(lambda s: loss(theta - s * direction))(steps)
        return theta - steps[jnp.argmin(losses)] * direction

    grad_loss = jax.jit(jax.grad(loss))
    predict = jax.jit(jax.vmap(net, (None, 0)))
    theta = jnp.asarray(np.random.default_rng(seed).normal(0.0, 0.1, p))
    norm = float(np.sqrt(np.mean(exact ** 2)))
    line_search(theta, jnp.linalg.lstsq(gram(theta), grad_loss(theta))[0]).block_until_ready()  # compiles
    seconds, errors = [], []
    for _ in range(iterations):
        t0 = time.perf_counter()
        direction = jnp.linalg.lstsq(gram(theta), grad_loss(theta))[0]
        theta = line_search(theta, direction).block_until_ready()
        seconds.append(time.perf_counter() - t0)
        errors.append(float(np.sqrt(np.mean((np.asarray(predict(theta, eval_points)) - exact) ** 2))) / norm)
    return {"seconds": seconds, "errors": errors, "n_params": p}
