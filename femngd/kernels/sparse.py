"""numba kernels for CSR × dense products on row ranges (plain arrays in, no femngd imports)."""
from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["csr_rows_times_dense", "csr_column_window", "banded_upper_times_dense"]


@njit(cache=True, parallel=True)
def csr_rows_times_dense(indptr, indices, data, row_start, row_stop, col_offset, dense):
    """Y = X[row_start:row_stop, :] · D where D holds the rows col_offset… of the dense factor.

    Y_r = Σ_k X_{r,k} D_{k − col_offset}; every column k touched must lie in the window of D.
    """
    n_rows, p = row_stop - row_start, dense.shape[1]
    out = np.zeros((n_rows, p))
    for r in prange(n_rows):
        row = row_start + r
        for k in range(indptr[row], indptr[row + 1]):
            a = data[k]
            src = indices[k] - col_offset
            for j in range(p):
                out[r, j] += a * dense[src, j]
    return out


@njit(cache=True)
def csr_column_window(indptr, indices, row_start, row_stop):
    """(smallest, largest + 1) column index referenced by rows row_start…row_stop − 1."""
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


@njit(cache=True, parallel=True)
def banded_upper_times_dense(ab, row_start, row_stop, col_offset, dense):
    """W = U[row_start:row_stop, :] · D for an upper-banded U in LAPACK storage ab[u + i − j, j] = U_ij.

    W_r = Σ_{k=0}^{u} U_{i,i+k} D_{i+k−col_offset}, i = row_start + r (columns past n are skipped).
    """
    u, n = ab.shape[0] - 1, ab.shape[1]
    n_rows, p = row_stop - row_start, dense.shape[1]
    out = np.zeros((n_rows, p))
    for r in prange(n_rows):
        i = row_start + r
        for k in range(min(u, n - 1 - i) + 1):
            a = ab[u - k, i + k]
            src = i + k - col_offset
            for j in range(p):
                out[r, j] += a * dense[src, j]
    return out
