"""Momentum on a quadratic: optimal parameters, rates, per-mode matrices and spectrum estimates.

For ``f(w) = ½ wᵀHw − bᵀw`` with (generalized) eigenvalues ``0 < λ₁ ≤ … ≤ λ_n`` and
``κ = λ_n/λ₁`` every first-order method with fixed parameters acts on each eigenmode
``e = w − w*`` (component along one eigenvector) by a small matrix; the asymptotic linear rate
is the largest spectral radius over the modes (DESIGN §5).

* GD ``w_{k+1} = w_k − α∇f(w_k)``: mode factor ``1 − αλ``; converges iff ``0 < α < 2/λ_n``;
  best ``α = 2/(λ₁+λ_n)``, rate ``(κ−1)/(κ+1)``.
* Heavy ball ``z_{k+1} = βz_k + ∇f(w_k)``, ``w_{k+1} = w_k − αz_{k+1}``: on ``(z_k, e_k)``
  (``∇f(w_k) = λe_k`` per mode) ``z_{k+1} = βz_k + λe_k`` and
  ``e_{k+1} = e_k − α(βz_k + λe_k) = −αβ z_k + (1 − αλ) e_k``, i.e. the matrix
  ``[[β, λ], [−αβ, 1−αλ]]`` with characteristic polynomial ``t² − (1+β−αλ)t + β``.
  Schur–Cohn: converges iff ``|β| < 1`` and ``0 < αλ < 2+2β`` (for momentum ``0 ≤ β < 1``).
  Best ``α = (2/(√λ₁+√λ_n))²``, ``β = ((√κ−1)/(√κ+1))²``, rate ``(√κ−1)/(√κ+1)``.
* Nesterov, the form ``y_k = w_k + β(w_k − w_{k−1})``, ``w_{k+1} = y_k − α∇f(y_k)``
  (equivalently the look-ahead form ``c_k = βc_{k−1} − α∇f(w_k + βc_{k−1})``): on
  ``(e_k, e_{k−1})`` the matrix ``[[(1+β)(1−αλ), −β(1−αλ)], [1, 0]]`` with characteristic
  polynomial ``t² − (1+β)(1−αλ)t + β(1−αλ)``. The standard strongly convex choice
  ``α = 1/λ_n``, ``β = (√κ−1)/(√κ+1)`` has a double root ``1 − 1/√κ`` at ``λ₁`` and
  spectral radius exactly ``1 − 1/√κ`` over ``[λ₁, λ_n]``.

The natural (projected) momentum variants on a linear model are these iterations
preconditioned by the Gram matrix, so ``λ`` are the eigenvalues of ``G⁺G_H`` on range(G)
(:func:`preconditioned_spectrum`) or of the pencil ``H v = λ X v``
(:func:`extreme_eigenvalues`).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence

__all__ = [
    "gd_optimal",
    "gd_converges",
    "heavy_ball_optimal",
    "heavy_ball_matrix",
    "heavy_ball_rate",
    "heavy_ball_converges",
    "nesterov_optimal",
    "nesterov_matrix",
    "nesterov_rate",
    "iterations_to",
    "auto_momentum",
    "extreme_eigenvalues",
    "preconditioned_spectrum",
    "linearized_spectrum",
]

MOMENTUM_METHODS = ("heavy-ball", "nesterov")


# ----------------------------------------------------------------------------- validation
def _positive(name: str, value: float) -> float:
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}: must be a finite number > 0, got {value}")
    return value


def _spectrum(lam_min: float, lam_max: float) -> tuple[float, float]:
    lo, hi = _positive("lam_min", lam_min), _positive("lam_max", lam_max)
    if lo > hi:
        raise ValueError(f"lam_min: must be <= lam_max={hi}, got {lo}")
    return lo, hi


def _finite(name: str, value: Any) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: must be finite, got {value}")
    return arr


def _modes(lams: Any) -> np.ndarray:
    lams = np.atleast_1d(_finite("lams", lams)).ravel()
    if lams.size == 0:
        raise ValueError("lams: must contain at least one eigenvalue")
    return lams


# ----------------------------------------------------------------------------- GD
def gd_optimal(lam_min: float, lam_max: float) -> tuple[float, float]:
    """Best fixed GD step and its rate: ``α = 2/(λ₁+λ_n)``, ``rate = (κ−1)/(κ+1)``."""
    lo, hi = _spectrum(lam_min, lam_max)
    kappa = hi / lo
    return 2.0 / (lo + hi), (kappa - 1.0) / (kappa + 1.0)


def gd_converges(alpha: float, lam_max: float) -> bool:
    """GD on an SPD quadratic converges iff ``0 < α < 2/λ_n`` (every ``|1 − αλ| < 1``)."""
    alpha = float(_finite("alpha", alpha))
    hi = _positive("lam_max", lam_max)
    return bool(0.0 < alpha < 2.0 / hi)


# ----------------------------------------------------------------------------- 2x2 modes
def _quadratic_radius(trace: np.ndarray, det: np.ndarray) -> np.ndarray:
    """max |t| over the roots of ``t² − trace·t + det`` (closed form, complex sqrt)."""
    disc = np.sqrt((trace * trace - 4.0 * det).astype(complex))
    return np.maximum(np.abs((trace + disc) / 2.0), np.abs((trace - disc) / 2.0))


def heavy_ball_matrix(alpha: float, beta: float, lam: float) -> np.ndarray:
    """Heavy-ball iteration matrix of one mode on ``(z_k, w_k − w*)``: ``[[β, λ], [−αβ, 1−αλ]]``."""
    alpha, beta, lam = (float(_finite(n, v)) for n, v in (("alpha", alpha), ("beta", beta), ("lam", lam)))
    return np.array([[beta, lam], [-alpha * beta, 1.0 - alpha * lam]])


def heavy_ball_rate(alpha: float, beta: float, lams: Any) -> float:
    """``max_λ ρ([[β, λ], [−αβ, 1−αλ]])``: roots of ``t² − (1+β−αλ)t + β`` over the given modes."""
    alpha, beta = float(_finite("alpha", alpha)), float(_finite("beta", beta))
    lams = _modes(lams)
    return float(np.max(_quadratic_radius(1.0 + beta - alpha * lams, np.full_like(lams, beta))))


def heavy_ball_converges(alpha: float, beta: float, lam: Any) -> bool:
    """True iff heavy ball converges on every mode: ``|β| < 1`` and ``0 < αλ < 2+2β`` (Schur–Cohn).

    For momentum (``β ≥ 0``) this is DESIGN §5's region ``0 ≤ β < 1``, ``0 < αλ < 2+2β``.
    """
    alpha, beta = float(_finite("alpha", alpha)), float(_finite("beta", beta))
    al = alpha * np.atleast_1d(_finite("lam", lam))
    return bool(abs(beta) < 1.0 and np.all(al > 0.0) and np.all(al < 2.0 + 2.0 * beta))


def heavy_ball_optimal(lam_min: float, lam_max: float) -> tuple[float, float, float]:
    """Polyak's optimum: ``α = (2/(√λ₁+√λ_n))²``, ``β = ((√κ−1)/(√κ+1))²``, rate ``(√κ−1)/(√κ+1)``."""
    lo, hi = _spectrum(lam_min, lam_max)
    root = math.sqrt(hi / lo)
    rate = (root - 1.0) / (root + 1.0)
    return (2.0 / (math.sqrt(lo) + math.sqrt(hi))) ** 2, rate * rate, rate


def nesterov_matrix(alpha: float, beta: float, lam: float) -> np.ndarray:
    """Nesterov matrix of one mode on ``(e_k, e_{k−1})``: ``[[(1+β)(1−αλ), −β(1−αλ)], [1, 0]]``."""
    alpha, beta, lam = (float(_finite(n, v)) for n, v in (("alpha", alpha), ("beta", beta), ("lam", lam)))
    q = 1.0 - alpha * lam
    return np.array([[(1.0 + beta) * q, -beta * q], [1.0, 0.0]])


def nesterov_rate(alpha: float, beta: float, lams: Any) -> float:
    """``max_λ`` spectral radius: roots of ``t² − (1+β)(1−αλ)t + β(1−αλ)`` over the given modes."""
    alpha, beta = float(_finite("alpha", alpha)), float(_finite("beta", beta))
    q = 1.0 - alpha * _modes(lams)
    return float(np.max(_quadratic_radius((1.0 + beta) * q, beta * q)))


def nesterov_optimal(lam_min: float, lam_max: float) -> tuple[float, float, float]:
    """Standard strongly convex Nesterov: ``α = 1/λ_n``, ``β = (√κ−1)/(√κ+1)``, rate ``1 − 1/√κ``.

    The rate is the exact spectral radius over ``[λ₁, λ_n]`` (double root at ``λ₁``). It is not
    the minimax choice for quadratics (that one is ``α = 4/(3λ_n+λ₁)``), but the usual one.
    """
    lo, hi = _spectrum(lam_min, lam_max)
    root = math.sqrt(hi / lo)
    return 1.0 / hi, (root - 1.0) / (root + 1.0), 1.0 - 1.0 / root


def iterations_to(rate: float, reduction: float) -> int:
    """Smallest k with ``rate^k ≤ reduction``: ``⌈log(reduction)/log(rate)⌉`` (1 if rate = 0)."""
    rate, reduction = float(_finite("rate", rate)), float(_finite("reduction", reduction))
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate: must be in [0, 1), got {rate}")
    if not 0.0 < reduction < 1.0:
        raise ValueError(f"reduction: must be in (0, 1), got {reduction}")
    if rate == 0.0:
        return 1
    return max(1, math.ceil(math.log(reduction) / math.log(rate) - 1e-12))


def auto_momentum(lam_min: float, lam_max: float, method: str = "heavy-ball") -> tuple[float, float]:
    """(α, β) for ``--momentum auto``: :func:`heavy_ball_optimal` or :func:`nesterov_optimal`."""
    if method not in MOMENTUM_METHODS:
        raise ValueError(f"method: must be one of {MOMENTUM_METHODS}, got {method!r}")
    optimal = heavy_ball_optimal if method == "heavy-ball" else nesterov_optimal
    alpha, beta, _ = optimal(lam_min, lam_max)
    return alpha, beta


# ----------------------------------------------------------------------------- spectra
def _square_matrix(name: str, A: Any, n: int | None = None) -> Any:
    if isinstance(A, scipy.sparse.linalg.LinearOperator) or not (
        scipy.sparse.issparse(A) or isinstance(A, np.ndarray)
    ):
        raise ValueError(f"{name}: must be a numpy array or a scipy sparse matrix")
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"{name}: must be a non-empty square matrix, got shape {A.shape}")
    if n is not None and A.shape[0] != n:
        raise ValueError(f"{name}: must have shape ({n}, {n}), got {A.shape}")
    data = A.data if scipy.sparse.issparse(A) else A
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{name}: must be finite")
    scale = abs(A).max()
    if abs(A - A.T).max() > 1e-10 * max(scale, 1e-300):
        raise ValueError(f"{name}: must be symmetric")
    return A


def _dense(A: Any) -> np.ndarray:
    return A.toarray() if scipy.sparse.issparse(A) else np.asarray(A, dtype=float)


def _arpack_smallest(H: Any, X: Any, v0: np.ndarray) -> float:
    """λ₁ by shift-invert about σ = 0; falls back to plain Lanczos for the smallest (which='SA')."""
    try:
        return float(scipy.sparse.linalg.eigsh(H, k=1, M=X, sigma=0.0, which="LM", v0=v0)[0][0])
    except (ArpackError, ArpackNoConvergence, RuntimeError, np.linalg.LinAlgError):
        return float(scipy.sparse.linalg.eigsh(H, k=1, M=X, which="SA", v0=v0, maxiter=100 * H.shape[0])[0][0])


def extreme_eigenvalues(
    H: Any, X: Any = None, *, dense_max: int = 400, seed: int = 0
) -> tuple[float, float]:
    """``(λ₁, λ_n)`` of the symmetric pencil ``H v = λ X v`` (X SPD; identity if None).

    Dense ``scipy.linalg.eigh`` when ``n ≤ dense_max``; otherwise ARPACK ``eigsh``: the largest
    with ``which="LA"``, the smallest by shift-invert at σ = 0 (fallback ``which="SA"``).
    ``seed`` fixes ARPACK's start vector.
    """
    H = _square_matrix("H", H)
    n = H.shape[0]
    if X is not None:
        X = _square_matrix("X", X, n)
    if int(dense_max) < 0:
        raise ValueError(f"dense_max: must be >= 0, got {dense_max}")
    if n <= dense_max or n < 3:
        w = scipy.linalg.eigh(_dense(H), None if X is None else _dense(X), eigvals_only=True)
        return float(w[0]), float(w[-1])
    v0 = np.random.default_rng(seed).standard_normal(n)
    if scipy.sparse.issparse(H):
        H = H.tocsc()
    if X is not None and scipy.sparse.issparse(X):
        X = X.tocsc()
    lam_max = float(scipy.sparse.linalg.eigsh(H, k=1, M=X, which="LA", v0=v0)[0][0])
    return _arpack_smallest(H, X, v0), lam_max


def preconditioned_spectrum(G_H: np.ndarray, G: np.ndarray, rtol: float = 1e-12) -> tuple[float, float]:
    """``(λ₁, λ_n)`` of ``G⁺G_H`` restricted to range(G): eigenvalues of ``G_H v = λ G v``, v ∈ range(G).

    With ``G = U S Uᵀ`` (eigenvalues ``s > rtol·s_max`` kept) these are the eigenvalues of
    ``S^{-1/2} Uᵀ G_H U S^{-1/2}``; for a full-rank G this is the pencil ``eigh(G_H, G)``.
    For NGD in metric X on a loss with Gauss–Newton Gram G_H, these bound the linearized
    problem that :func:`auto_momentum` tunes for.
    """
    G = _square_matrix("G", np.asarray(G, dtype=float))
    G_H = _square_matrix("G_H", np.asarray(G_H, dtype=float), G.shape[0])
    if not (math.isfinite(rtol) and 0.0 < rtol < 1.0):
        raise ValueError(f"rtol: must be in (0, 1), got {rtol}")
    s, U = scipy.linalg.eigh(G)
    if s[-1] <= 0.0:
        raise ValueError("G: must be positive semidefinite and nonzero")
    keep = s > rtol * s[-1]
    W = U[:, keep] / np.sqrt(s[keep])
    w = scipy.linalg.eigh(W.T @ G_H @ W, eigvals_only=True)
    return float(w[0]), float(w[-1])


def linearized_spectrum(objective: Any, hessian_objective: Any, theta: np.ndarray) -> tuple[float, float]:
    """:func:`preconditioned_spectrum` of ``G_H`` (``hessian_objective`` linearized, e.g. the
    Gauss–Newton metric) in the metric Gram ``G`` of ``objective``, both at θ."""
    G = objective.linearize(theta).gram
    G_H = hessian_objective.linearize(theta).gram
    return preconditioned_spectrum(G_H, G)
