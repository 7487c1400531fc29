"""Gram matrices of a tangent generating system: G = JᵀXJ, cross-Gram J₁ᵀXJ₂, pullback JᵀXw.

X is a metric on R^n: a scipy sparse matrix (CSR; mass, stiffness, any SPD) or a 1D array
(a diagonal metric, e.g. quadrature weights or a lumped mass). The sparse products are numba
kernels (:mod:`femngd.kernels.sparse`), the dense n·p² part goes to BLAS.

Symmetry is used where it pays: a diagonal metric gives G = (W^{1/2}J)ᵀ(W^{1/2}J) and a
banded SPD metric (FE matrices in 1D, or after a bandwidth-reducing ordering) its banded
Cholesky factor X = UᵀU, so G = (UJ)ᵀ(UJ): one BLAS ``syrk``, half the flops of the
``gemm`` in Jᵀ(XJ). Other sparse metrics use G = Jᵀ(XJ).

:func:`streaming_gram` never holds J whole: rows are produced in blocks of B by a callback;
a row block of UJ (or XJ) needs only the rows of J in the band (column window) of its rows,
so memory is O((B + bandwidth)·p + p²).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp
from scipy.linalg.blas import dsyrk

from scipy.linalg import LinAlgError, cholesky_banded

from .sparse import banded_upper_times_dense, csr_column_window, csr_rows_times_dense

__all__ = ["gram", "cross_gram", "pullback", "point_gram", "streaming_gram", "metric_times", "banded_factor",
           "MAX_BAND"]

#: widest band (in diagonals) for which the banded Cholesky factor is used
MAX_BAND = 512


def _check_jacobian(J: np.ndarray, name: str = "J") -> np.ndarray:
    J = np.asarray(J, dtype=float)
    if J.ndim != 2:
        raise ValueError(f"{name}: expected a 2D Jacobian (n, p), got shape {J.shape}")
    if not np.all(np.isfinite(J)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return np.ascontiguousarray(J)


def _check_metric(X, n: int):
    """X as CSR (float64, sorted) or a 1D diagonal; ValueError if its size is not n."""
    if sp.issparse(X):
        if X.shape != (n, n):
            raise ValueError(f"X: shape {X.shape} does not match J with {n} rows")
        X = sp.csr_matrix(X, dtype=float)
        X.sort_indices()
        return X
    X = np.asarray(X, dtype=float)
    if X.ndim == 2:
        if X.shape != (n, n):
            raise ValueError(f"X: shape {X.shape} does not match J with {n} rows")
        return sp.csr_matrix(X)
    if X.shape != (n,):
        raise ValueError(f"X: diagonal of length {X.shape} does not match J with {n} rows")
    return X


def metric_times(X, J: np.ndarray) -> np.ndarray:
    """X·J for a CSR or diagonal metric (numba kernel for CSR)."""
    if isinstance(X, np.ndarray):
        return X[:, None] * J
    return csr_rows_times_dense(X.indptr, X.indices, X.data, 0, X.shape[0], 0, J)


def _symmetrize(G: np.ndarray) -> np.ndarray:
    G += G.T
    G *= 0.5
    return G


def banded_factor(X: sp.csr_matrix) -> np.ndarray | None:
    """Upper banded Cholesky factor U (LAPACK storage ab[u + i − j, j]) with X = UᵀU, or None.

    None when X is not symmetric positive definite or its band is wider than :data:`MAX_BAND`.
    """
    coo = X.tocoo()
    if coo.nnz == 0:
        return None
    u = int(np.max(np.abs(coo.row - coo.col)))
    if u > MAX_BAND or abs(X - X.T).max() > 1e-14 * abs(X).max():
        return None
    upper = coo.row <= coo.col
    ab = np.zeros((u + 1, X.shape[0]))
    ab[u + coo.row[upper] - coo.col[upper], coo.col[upper]] = coo.data[upper]
    try:
        return cholesky_banded(ab, lower=False)
    except LinAlgError:
        return None


def _syrk_upper(W: np.ndarray) -> np.ndarray:
    """The upper triangle of WᵀW by BLAS dsyrk."""
    return dsyrk(1.0, W, trans=1)


def _from_upper(upper: np.ndarray) -> np.ndarray:
    return np.triu(upper) + np.triu(upper, 1).T


def gram(J: np.ndarray, X) -> np.ndarray:
    """G = JᵀXJ (p, p), exactly symmetric (syrk on W^{1/2}J or UJ where X allows, see module doc)."""
    J = _check_jacobian(J)
    X = _check_metric(X, J.shape[0])
    if isinstance(X, np.ndarray):
        if np.all(X >= 0):
            return point_gram(J, X)
        return _symmetrize(J.T @ metric_times(X, J))
    ab = banded_factor(X)
    if ab is not None:
        return _from_upper(_syrk_upper(banded_upper_times_dense(ab, 0, J.shape[0], 0, J)))
    return _symmetrize(J.T @ metric_times(X, J))


def cross_gram(J1: np.ndarray, X, J2: np.ndarray) -> np.ndarray:
    """J₁ᵀ X J₂ (p₁, p₂)."""
    J1, J2 = _check_jacobian(J1, "J1"), _check_jacobian(J2, "J2")
    if J1.shape[0] != J2.shape[0]:
        raise ValueError(f"J2: has {J2.shape[0]} rows, J1 has {J1.shape[0]}")
    return J1.T @ metric_times(_check_metric(X, J1.shape[0]), J2)


def pullback(J: np.ndarray, X, w: np.ndarray) -> np.ndarray:
    """Jᵀ X w (p,)."""
    J = _check_jacobian(J)
    w = np.asarray(w, dtype=float)
    if w.shape != (J.shape[0],):
        raise ValueError(f"w: expected shape ({J.shape[0]},), got {w.shape}")
    X = _check_metric(X, J.shape[0])
    return J.T @ (X * w if isinstance(X, np.ndarray) else X @ w)


def point_gram(Jq: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Σ_q w_q ∂θv(x_q) ∂θv(x_q)ᵀ = (W^{1/2}J)ᵀ(W^{1/2}J), one BLAS syrk (w ≥ 0; None: w = 1)."""
    Jq = _check_jacobian(Jq, "Jq")
    if w is not None:
        w = np.asarray(w, dtype=float)
        if w.shape != (Jq.shape[0],) or np.any(w < 0) or not np.all(np.isfinite(w)):
            raise ValueError(f"w: need {Jq.shape[0]} finite non-negative weights, got shape {w.shape}")
        Jq = Jq * np.sqrt(w)[:, None]
    return _from_upper(_syrk_upper(Jq))


def streaming_gram(jacobian_block: Callable[[int, int], np.ndarray], n: int, X, block: int = 4096) -> np.ndarray:
    """G = JᵀXJ with J's rows produced on demand: ``jacobian_block(start, stop)`` → (stop − start, p).

    Banded SPD X = UᵀU: for each row block I = [s, e), (UJ)_I needs J rows [s, e + u);
    G += (UJ)_Iᵀ(UJ)_I by syrk. Otherwise: W = column window of X_{I,:} and
    G += J_Iᵀ (X_{I,W} J_W). Window rows are recomputed, never stored beyond one block.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n: must be a positive number of rows, got {n!r}")
    if block < 1:
        raise ValueError(f"block: must be >= 1, got {block}")
    X = _check_metric(X, n)
    if isinstance(X, np.ndarray):
        X = sp.diags(X).tocsr()
    ab = banded_factor(X)
    if ab is not None:
        return _streaming_factored(jacobian_block, n, ab, block)
    G = None
    for s in range(0, n, block):
        e = min(n, s + block)
        lo, hi = csr_column_window(X.indptr, X.indices, s, e)
        lo, hi = min(lo, s), max(hi, e)
        JW = _rows(jacobian_block, lo, hi)
        Y = csr_rows_times_dense(X.indptr, X.indices, X.data, s, e, lo, JW)
        part = JW[s - lo: e - lo].T @ Y
        G = part if G is None else G + part
    return _symmetrize(G)


def _rows(jacobian_block, lo: int, hi: int) -> np.ndarray:
    J = _check_jacobian(jacobian_block(lo, hi), "jacobian_block")
    if J.shape[0] != hi - lo:
        raise ValueError(f"jacobian_block: returned {J.shape[0]} rows for [{lo}, {hi})")
    return J


def _streaming_factored(jacobian_block, n: int, ab: np.ndarray, block: int) -> np.ndarray:
    """Σ_blocks (UJ)_Iᵀ(UJ)_I with U the upper banded factor (bandwidth u = ab.shape[0] − 1)."""
    u = ab.shape[0] - 1
    upper = None
    for s in range(0, n, block):
        e = min(n, s + block)
        W = banded_upper_times_dense(ab, s, e, s, _rows(jacobian_block, s, min(n, e + u)))
        part = _syrk_upper(W)
        upper = part if upper is None else upper + part
    return _from_upper(upper)
