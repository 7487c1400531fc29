"""Deterministic stand-in run kinds for the study tests (tests only, never in the library).

They are referenced from configs as ``"studies_fakes:fake_train"`` etc., so worker processes
(spawned local workers, Dask workers) import them by name.
"""
from __future__ import annotations

import time

import numpy as np

CALLS: list[dict] = []
FAIL_ON: dict = {}


def exact_layer(x: np.ndarray, eps: float) -> np.ndarray:
    """u(x) = x − (exp((x−1)/ε) − exp(−1/ε)) / (1 − exp(−1/ε)), the 1D layer solution."""
    return x - (np.exp((x - 1) / eps) - np.exp(-1 / eps)) / (1 - np.exp(-1 / eps))


def fd_system(n: int, eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central differences for −εu″ + u′ = 1, u(0) = u(1) = 0 on n cells: (A, F, interior x)."""
    h = 1.0 / n
    m = n - 1
    a = (eps / h**2) * (2 * np.eye(m) - np.eye(m, k=1) - np.eye(m, k=-1))
    a += (np.eye(m, k=1) - np.eye(m, k=-1)) / (2 * h)
    return a, np.ones(m), np.linspace(0, 1, n + 1)[1:-1]


def _check_fail(spec: dict) -> None:
    CALLS.append(spec)
    if FAIL_ON and all(spec.get(k) == v for k, v in FAIL_ON.items()):
        raise KeyboardInterrupt("simulated interruption")


def fake_train(spec: dict) -> dict:
    """Heavy-ball GD on ½‖AV − F‖² from a seeded random start; history of loss and errors."""
    _check_fail(spec)
    a, f, x = fd_system(spec["mesh"]["n"], spec["eps"])
    opts = spec["optimizer_options"]
    lr = opts.get("lr", 1.0) / np.linalg.eigvalsh(a.T @ a)[-1]
    beta = opts.get("beta", 0.0)
    v = 0.1 * np.random.default_rng(spec["seed"]).standard_normal(len(f))
    z = np.zeros_like(v)
    u_fd, u_ex = np.linalg.solve(a, f), exact_layer(x, spec["eps"])
    hist = {"loss": [], "relative_l2_error_exact": [], "relative_l2_error_galerkin": []}
    times, start = [], time.perf_counter()
    for _ in range(spec["iterations"]):
        r = a @ v - f
        hist["loss"].append(0.5 * r @ r)
        hist["relative_l2_error_exact"].append(np.linalg.norm(v - u_ex) / np.linalg.norm(u_ex))
        hist["relative_l2_error_galerkin"].append(np.linalg.norm(v - u_fd) / np.linalg.norm(u_fd))
        times.append(time.perf_counter() - start)
        z = beta * z + a.T @ r
        v = v - lr * z
    xs = np.linspace(0, 1, spec["mesh"]["n"] + 1)
    return {
        "loss": hist["loss"][-1],
        "relative_l2_error_exact": hist["relative_l2_error_exact"][-1],
        "relative_l2_error_galerkin": hist["relative_l2_error_galerkin"][-1],
        "n_dofs": len(f), "h": 1.0 / spec["mesh"]["n"], "iterations": spec["iterations"],
        "history": hist, "timing": {"time": times},
        "solution": {"x": xs, "u": np.r_[0.0, v, 0.0], "exact": exact_layer(xs, spec["eps"])},
    }


def fake_solve(spec: dict) -> dict:
    """Direct solve of the FD system: discrete L2 error vs the exact solution, h = 1/n."""
    _check_fail(spec)
    n, eps = spec["mesh"]["n"], spec["eps"]
    a, f, x = fd_system(n, eps)
    err = np.linalg.solve(a, f) - exact_layer(x, eps)
    return {"l2_error_exact": float(np.sqrt(np.sum(err**2) / n)), "h": 1.0 / n, "n_dofs": n - 1}
