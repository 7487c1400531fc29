"""Kernels for the Gram matrix of the tangent space (numba for sparse loops, BLAS for dense parts),
and the vectorized tanh of the network activations (:mod:`.elementwise`).

Plain arrays in and out; no other femngd imports.
"""
from .elementwise import tanh
from .gram import (DEFAULT_BLOCK, MAX_BAND, banded_factor, cross_gram, gram, metric_times, point_gram, pullback,
                   streaming_gram)
from .sparse import csr_bandwidth, csr_column_window, csr_rows_times_dense, csr_touched_chunks

__all__ = ["gram", "cross_gram", "pullback", "point_gram", "streaming_gram", "metric_times", "banded_factor",
           "MAX_BAND", "DEFAULT_BLOCK", "csr_rows_times_dense", "csr_column_window", "csr_touched_chunks",
           "csr_bandwidth", "tanh"]
