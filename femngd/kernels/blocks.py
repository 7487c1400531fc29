"""Block-wise accumulation of Gram matrices: row sources of J and the three accumulation paths.

All paths visit row blocks I = [s, e) of size B and add a dense (p × p) term with BLAS:

* diagonal metric d ≥ 0:  C += (d_I^{1/2} J_I)ᵀ (d_I^{1/2} J_I)          (syrk, upper triangle)
* banded factor X = UᵀU:  C += (U_{I,:} J)ᵀ (U_{I,:} J), U_{I,:} J needs rows [s, e + u)   (syrk)
* general sparse X:       C += J_Iᵀ (X_{I,W} J_W), W = column window of the rows I       (gemm)

For the general path the window W is fetched whole when narrow (banded patterns: natural 1D
ordering, reverse Cuthill–McKee); a window wider than ``window_limit`` rows is cut into column
chunks of B rows that are fetched one after the other, so the memory stays O(B·p + p²) at the
price of generating some rows of J more than once.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp
from scipy.linalg.blas import dgemm, dsyrk

from .sparse import banded_upper_times_dense, csr_column_window, csr_rows_times_dense, csr_touched_chunks

__all__ = ["ArrayRows", "CallbackRows", "symmetric_gram", "general_gram"]


def check_finite_rows(J, name: str) -> np.ndarray:
    """J as a C-contiguous float64 2D array; ValueError naming ``name`` if not 2D or not finite."""
    J = np.asarray(J, dtype=float)
    if J.ndim != 2:
        raise ValueError(f"{name}: expected a 2D Jacobian (n, p), got shape {J.shape}")
    if not np.all(np.isfinite(J)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return np.ascontiguousarray(J)


class ArrayRows:
    """Rows of a materialized (validated) J: ``get(lo, hi)`` is the view J[lo:hi]."""

    def __init__(self, J: np.ndarray):
        self.J, self.p = J, J.shape[1]

    def get(self, lo: int, hi: int) -> np.ndarray:
        return self.J[lo:hi]


class CallbackRows:
    """Rows of J from ``jacobian_block(lo, hi)``, keeping the last range fetched.

    A request overlapping the kept range fetches only the missing rows (sliding band windows
    never generate a row twice); every fetched block is validated (shape, finite).
    """

    def __init__(self, jacobian_block: Callable[[int, int], np.ndarray], p: int | None = None):
        self.fetch_block, self.p = jacobian_block, p
        self.lo = self.hi = 0
        self.rows: np.ndarray | None = None

    def fetch(self, lo: int, hi: int) -> np.ndarray:
        J = check_finite_rows(self.fetch_block(lo, hi), "jacobian_block")
        if J.shape[0] != hi - lo or (self.p is not None and J.shape[1] != self.p):
            raise ValueError(f"jacobian_block: returned shape {J.shape} for rows [{lo}, {hi}), "
                             f"expected ({hi - lo}, {self.p if self.p is not None else 'p'})")
        self.p = J.shape[1]
        return J

    def get(self, lo: int, hi: int) -> np.ndarray:
        if self.rows is not None and self.lo <= lo and hi <= self.hi:
            return self.rows[lo - self.lo: hi - self.lo]
        if self.rows is not None and lo < self.hi and hi > self.lo:
            parts = [self.fetch(lo, self.lo)] if lo < self.lo else []
            parts.append(self.rows[max(lo, self.lo) - self.lo: min(hi, self.hi) - self.lo])
            if hi > self.hi:
                parts.append(self.fetch(self.hi, hi))
            rows = np.concatenate(parts)
        else:
            rows = self.fetch(lo, hi)
        self.lo, self.hi, self.rows = lo, hi, rows
        return rows


def _syrk_add(C: np.ndarray | None, W: np.ndarray) -> np.ndarray:
    """Upper triangle of C + WᵀW (dsyrk on the Fortran view Wᵀ of the C-ordered W: no copy).

    scipy's dsyrk, not numpy's ``W.T @ W``: numpy links another OpenBLAS build here (0.3.31 vs 0.3.30) whose
    syrk is 10–15 % faster but rounds differently, and the Gram's rounding steers rounding-sensitive runs
    (the ENGD preset's iteration counts); the figures of this repository were measured with this one."""
    W = np.ascontiguousarray(W)
    if C is None:
        return dsyrk(1.0, W.T, trans=0)
    return dsyrk(1.0, W.T, beta=1.0, c=C, trans=0, overwrite_c=1)


def from_upper(C: np.ndarray) -> np.ndarray:
    """The exactly symmetric matrix whose upper triangle is that of C."""
    upper = np.triu(C)
    return upper + np.triu(C, 1).T


def _gemm_add(C: np.ndarray | None, A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """C + AᵀB (dgemm on Fortran views, accumulated in place)."""
    A, B = np.ascontiguousarray(A), np.ascontiguousarray(B)
    if C is None:
        return dgemm(1.0, A.T, B.T, trans_b=1)
    return dgemm(1.0, A.T, B.T, beta=1.0, c=C, trans_b=1, overwrite_c=1)


def symmetrize(G: np.ndarray) -> np.ndarray:
    """(G + Gᵀ)/2, exactly symmetric."""
    return 0.5 * (G + G.T)


def _blocks(n: int, block: int):
    for s in range(0, n, block):
        yield s, min(n, s + block)


def symmetric_gram(rows, n: int, block: int, diagonal: np.ndarray | None = None,
                   factor: np.ndarray | None = None) -> np.ndarray:
    """Σ_I W_IᵀW_I with W = D^{1/2}J (``diagonal`` d ≥ 0) or W = UJ (upper banded ``factor``), symmetric.

    W_I is written into one buffer of ``block`` rows reused for every block. For a banded factor (band u)
    block I = [s, e) needs J's rows [s, e + u): from a row source that streams them, the u rows it shares
    with the previous block are kept from that block's fetch and only [s + u, e + u) is fetched, the two
    pieces passed to the kernel as they are (no copy of the window)."""
    C, buffer = None, np.empty((min(block, n), rows.p))
    if factor is None:
        root = np.sqrt(diagonal)
        for s, e in _blocks(n, block):
            C = _syrk_add(C, np.multiply(rows.get(s, e), root[s:e, None], out=buffer[: e - s]))
        return from_upper(C) if C is not None else np.zeros((rows.p, rows.p))
    u = factor.shape[0] - 1
    for s, e, head, body in _banded_windows(rows, n, block, u):
        C = _syrk_add(C, banded_upper_times_dense(factor, s, e, s, body, head=head, out=buffer))
    return from_upper(C) if C is not None else np.zeros((rows.p, rows.p))


def _banded_windows(rows, n: int, block: int, u: int):
    """(s, e, head, body) per block: J's rows [s, min(n, e + u)) as head (the previous fetch's last rows from
    s on, streamed sources only) followed by body."""
    carry = None
    for s, e in _blocks(n, block):
        stop = min(n, e + u)
        if not isinstance(rows, CallbackRows):
            yield s, e, None, rows.get(s, stop)
            continue
        start = s if carry is None else s + carry.shape[0]
        if carry is None:
            body = rows.get(s, stop)                      # the first block may already be fetched
        else:
            body = rows.fetch(start, stop) if stop > start else np.empty((0, rows.p))
        rows.rows = None                                  # the source's kept rows are not needed again
        yield s, e, carry, body
        whole = body.shape[0] + (0 if carry is None else carry.shape[0])
        keep = min(u, whole, stop - e)                   # rows [e, stop) serve the next block (copied: the
        carry = (body[body.shape[0] - keep:] if keep <= body.shape[0]   # block itself can be freed)
                 else np.concatenate([carry[-(keep - body.shape[0]):], body])).copy()


def general_gram(left, right, n: int, X, block: int, window_limit: int | None = None) -> np.ndarray:
    """Σ_I L_Iᵀ (X_{I,:} R) for a CSR X or a 1D diagonal X (L, R row sources; not symmetrized)."""
    C = None
    for s, e in _blocks(n, block):
        if isinstance(X, np.ndarray):
            Y = X[s:e, None] * right.get(s, e)
        else:
            Y = _csr_block_times(X, s, e, right, n, block, window_limit)
        C = _gemm_add(C, left.get(s, e), Y)
    return C if C is not None else np.zeros((left.p, right.p))


def _csr_block_times(X: sp.csr_matrix, s: int, e: int, rows, n: int, block: int,
                     window_limit: int | None) -> np.ndarray:
    """X_{[s,e),:} J from the column window of the rows, or chunk by chunk if it is wider than window_limit."""
    lo, hi = csr_column_window(X.indptr, X.indices, s, e)
    if window_limit is None or hi - lo <= window_limit:
        ranges = [(lo, hi)] if hi > lo else []
    else:
        n_chunks = -(-n // block)
        touched = csr_touched_chunks(X.indptr, X.indices, s, e, block, n_chunks)
        ranges = [(c * block, min(n, (c + 1) * block)) for c in np.flatnonzero(touched)]
    Y = np.zeros((e - s, rows.p))
    for c0, c1 in ranges:
        csr_rows_times_dense(X.indptr, X.indices, X.data, s, e, c0, rows.get(c0, c1), out=Y, col_stop=c1)
    return Y
