"""streaming_gram == the dense numpy JᵀXJ for many block sizes and sparsity patterns.

Patterns: 1D P1 (tridiagonal) and P2-like (pentadiagonal) in natural order (banded factor
path), a 2D 5-point grid (column windows), a randomly permuted SPD pattern (wide windows,
chunked), a non-symmetric matrix, diagonal metrics. Also: rows of J are generated once on
banded patterns, every fetch is bounded by the block size, and bad callbacks raise.
"""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings, strategies as st

from femngd.kernels import gram, streaming_gram

PATTERNS = ("tridiagonal", "pentadiagonal", "grid", "permuted", "unsymmetric", "diagonal")


def rel(a, b):
    return np.max(np.abs(a - b)) / max(1.0, np.max(np.abs(b)))


def banded(n, offsets):
    """SPD banded matrix: diagonal 2·len(offsets)+1, off-diagonals −0.5/k … (diagonally dominant)."""
    offsets = [k for k in offsets if k < n]
    diags = [np.full(n, 2.0 * len(offsets) + 1.0)]
    for k in offsets:
        diags += [np.full(n - k, 1.0 / k), np.full(n - k, 1.0 / k)]
    return sp.diags(diags, [0] + [s * k for k in offsets for s in (1, -1)], shape=(n, n), format="csr")


def make_pattern(kind, n, seed):
    rng = np.random.default_rng(seed)
    if kind == "tridiagonal":
        return banded(n, [1])
    if kind == "pentadiagonal":
        return banded(n, [1, 2])
    if kind == "grid":                       # 5-point pattern of an m × m grid (n rounded down)
        m = max(1, int(np.sqrt(n)))
        T = banded(m, [1])
        return sp.kronsum(T, T, format="csr")
    if kind == "permuted":                   # random sparse SPD BᵀB + I, randomly renumbered
        B = sp.random(n, n, 0.08, random_state=seed, format="csr")
        perm = rng.permutation(n)
        return (B.T @ B + sp.eye(n)).tocsr()[perm][:, perm].tocsr()
    if kind == "unsymmetric":
        corner = sp.csr_matrix(([2.5], ([0], [n - 1])), shape=(n, n))
        return (sp.random(n, n, 0.1, random_state=seed) + sp.eye(n) + corner).tocsr()
    return rng.uniform(0.0, 1.0, n)


def bandwidth(X):
    """max |i − j| over the stored entries of X (0 for a diagonal)."""
    if isinstance(X, np.ndarray):
        return 0
    coo = X.tocoo()
    return int(np.abs(coo.row - coo.col).max()) if coo.nnz else 0


def dense(X):
    return np.diag(X) if isinstance(X, np.ndarray) else X.toarray()


class Rows:
    """J (n, p) served by row ranges, recording every call."""

    def __init__(self, J):
        self.J, self.calls = J, []

    def __call__(self, start, stop):
        self.calls.append((start, stop))
        return self.J[start:stop].copy()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 90), st.integers(1, 9), st.integers(1, 40), st.sampled_from(PATTERNS),
       st.integers(0, 10**6))
def test_streaming_equals_dense(n, p, block, kind, seed):
    X = make_pattern(kind, n, seed)
    n = X.shape[0]
    J = np.random.default_rng(seed).normal(size=(n, p))
    rows = Rows(J)
    G = streaming_gram(rows, n, X, block=block)
    ref = J.T @ dense(X) @ J
    ref = (ref + ref.T) / 2
    assert rel(G, ref) < 1e-12
    assert rel(G, gram(J, X)) < 1e-12
    assert np.array_equal(G, G.T)
    # memory O((B + band)·p): a fetch is at most a block plus the band of X, or the 4-block window cap
    assert max(b - a for a, b in rows.calls) <= max(4 * block, block + bandwidth(X))
    if kind in ("tridiagonal", "pentadiagonal", "diagonal"):     # sliding band: each row generated once
        fetched = np.concatenate([np.arange(a, b) for a, b in rows.calls])
        assert np.array_equal(np.sort(fetched), np.arange(n))


@pytest.mark.parametrize("block", [1, 7, 64, 100, 1000])
def test_generated_features_any_block_size(block):
    """Rows computed by a feature function (never sliced from a stored J), block not dividing n."""
    n, p = 257, 6
    freqs = np.arange(1, p + 1)

    def features(start, stop):
        x = np.arange(start, stop)[:, None] / n
        return np.cos(np.pi * freqs * x)

    X = banded(n, [1])
    J = features(0, n)
    assert rel(streaming_gram(features, n, X, block=block), J.T @ X.toarray() @ J) < 1e-12


def test_wide_window_is_chunked():
    """A permuted pattern with a small block: fetches never exceed the block, result exact."""
    n, block = 120, 10
    X = make_pattern("permuted", n, 5)
    J = np.random.default_rng(5).normal(size=(n, 4))
    rows = Rows(J)
    G = streaming_gram(rows, n, X, block=block)
    assert rel(G, J.T @ X.toarray() @ J) < 1e-12
    assert max(b - a for a, b in rows.calls) <= block


def test_bad_callbacks_and_arguments():
    X = sp.eye(5, format="csr")
    with pytest.raises(ValueError, match="^jacobian_block:"):
        streaming_gram(lambda a, b: np.ones((1, 2)), 5, X, block=2)
    with pytest.raises(ValueError, match="^jacobian_block:"):
        streaming_gram(lambda a, b: np.full((b - a, 2), np.nan), 5, X, block=2)
    with pytest.raises(ValueError, match="^jacobian_block:"):   # p changes between blocks
        streaming_gram(lambda a, b: np.ones((b - a, 2 + a)), 5, X, block=2)
    with pytest.raises(ValueError, match="^jacobian_block:"):
        streaming_gram(None, 5, X)
    with pytest.raises(ValueError, match="^n:"):
        streaming_gram(lambda a, b: np.ones((b - a, 2)), 0, X)
    with pytest.raises(ValueError, match="^block:"):
        streaming_gram(lambda a, b: np.ones((b - a, 2)), 5, X, block=0)
    with pytest.raises(ValueError, match=r"^X: shape \(5, 5\) does not match J with 6 rows"):
        streaming_gram(lambda a, b: np.ones((b - a, 2)), 6, X)
