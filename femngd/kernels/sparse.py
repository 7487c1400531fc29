"""numba kernels for sparse × dense products on row ranges (plain arrays in, no femngd imports).

These kernels only do the sparse loops (memory bound, O(nnz·p)); the dense O(n·p²) products
are done by the callers with BLAS. They are serial on purpose: a numba ``parallel=True``
region (OpenMP layer) leaves its threads spinning, and interleaved with OpenBLAS's own
threads on few cores this measured 10× slower per block than serial numba + threaded BLAS.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["csr_rows_times_dense", "csr_column_window", "csr_touched_chunks", "banded_upper_times_dense",
           "csr_bandwidth"]

def csr_rows_times_dense(indptr, indices, data, row_start, row_stop, col_offset, dense, out=None,
                         col_stop=None):
    """out += X[row_start:row_stop, col_offset:col_stop] · D, D holding rows col_offset… of the factor.

    Y_r = Σ_{k ∈ [col_offset, col_stop)} X_{r,k} D_{k − col_offset}; entries of X outside the
    column range are skipped (col_stop defaults to col_offset + len(D)). out: (rows, p) or None (zeros).
    """
    if out is None:
        out = np.zeros((row_stop - row_start, dense.shape[1]))
    if col_stop is None:
        col_stop = col_offset + dense.shape[0]
    _csr_rows(indptr, indices, data, row_start, row_stop, col_offset, col_stop, dense, out)
    return out


def banded_upper_times_dense(ab, row_start, row_stop, col_offset, dense, head=None, out=None):
    """W = U[row_start:row_stop, :] · D (kernel :func:`_banded_upper`).

    D's rows col_offset, col_offset + 1, … are those of ``head`` (when given) followed by those of ``dense``
    (a streamed window in two pieces, never concatenated); W is written into ``out`` (≥ row_stop − row_start
    rows) when given."""
    p = dense.shape[1]
    if head is None:
        head = np.empty((0, p))
    if out is None:
        out = np.empty((row_stop - row_start, p))
    _banded_upper(ab, row_start, row_stop, col_offset, head, dense, out)
    return out[: row_stop - row_start]


@njit(cache=True)
def _csr_rows(indptr, indices, data, row_start, row_stop, col_lo, col_hi, dense, out):
    """out_r += Σ_{k: col_lo ≤ c_k < col_hi} X_{row_start+r, c_k} D_{c_k − col_lo} ."""
    p = dense.shape[1]
    for r in range(row_stop - row_start):
        row = row_start + r
        for k in range(indptr[row], indptr[row + 1]):
            c = indices[k]
            if c < col_lo or c >= col_hi:
                continue
            a = data[k]
            src = c - col_lo
            for j in range(p):
                out[r, j] += a * dense[src, j]


@njit(cache=True)
def csr_column_window(indptr, indices, row_start, row_stop):
    """(smallest, largest + 1) column index referenced by rows row_start…row_stop − 1 ((s, s) if none)."""
    lo, hi = 1 << 62, 0
    for k in range(indptr[row_start], indptr[row_stop]):
        c = indices[k]
        if c < lo:
            lo = c
        if c + 1 > hi:
            hi = c + 1
    if hi == 0:
        lo = row_start
        hi = row_start
    return lo, hi


@njit(cache=True)
def csr_touched_chunks(indptr, indices, row_start, row_stop, chunk, n_chunks):
    """Boolean mask over column chunks [c·chunk, (c+1)·chunk) holding an entry of rows row_start…row_stop − 1."""
    mask = np.zeros(n_chunks, dtype=np.bool_)
    for k in range(indptr[row_start], indptr[row_stop]):
        mask[indices[k] // chunk] = True
    return mask


@njit(cache=True)
def csr_bandwidth(indptr, indices):
    """max |i − j| over the stored entries X_ij (0 for an empty matrix)."""
    u = 0
    for i in range(indptr.shape[0] - 1):
        for k in range(indptr[i], indptr[i + 1]):
            d = abs(indices[k] - i)
            if d > u:
                u = d
    return u


@njit(cache=True)
def _banded_upper(ab, row_start, row_stop, col_offset, head, dense, out):
    """out[r] = U[row_start + r, :] · D for an upper-banded U in LAPACK storage ab[u + i − j, j] = U_ij.

    W_r = Σ_{k=0}^{u} U_{i,i+k} D_{i+k−col_offset}, i = row_start + r (columns past n are skipped), D's rows
    being head's then dense's."""
    u, n = ab.shape[0] - 1, ab.shape[1]
    n_rows, p, h = row_stop - row_start, dense.shape[1], head.shape[0]
    for r in range(n_rows):
        i = row_start + r
        src = i - col_offset
        if u == 1 and i + 1 < n and src >= h:      # tridiagonal metrics (1D P1): one pass per row
            a0, a1 = ab[1, i], ab[0, i + 1]
            row0, row1 = dense[src - h], dense[src + 1 - h]
            for j in range(p):
                out[r, j] = a0 * row0[j] + a1 * row1[j]
            continue
        for j in range(p):
            out[r, j] = 0.0
        for k in range(min(u, n - 1 - i) + 1):
            a = ab[u - k, i + k]
            src = i + k - col_offset
            if src < h:
                for j in range(p):
                    out[r, j] += a * head[src, j]
            else:
                for j in range(p):
                    out[r, j] += a * dense[src - h, j]
