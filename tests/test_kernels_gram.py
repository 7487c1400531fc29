"""Gram kernels (gram, cross_gram, pullback, point_gram, numba CSR kernels) against plain numpy.

Every reference below is written here with dense numpy (X.toarray(), explicit sums); relative
error ≤ 1e-12. Metrics cover both code paths: syrk on a factor (diagonal d ≥ 0, banded SPD)
and gemm on column windows (random SPD, indefinite diagonal, non-symmetric).
"""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings, strategies as st

from femngd.kernels import (banded_factor, cross_gram, csr_bandwidth, csr_column_window, csr_rows_times_dense,
                            csr_touched_chunks, gram, point_gram, pullback)

METRICS = ("spd", "tridiagonal", "diagonal", "signed-diagonal", "unsymmetric")


def rel(a, b):
    return np.max(np.abs(a - b), initial=0.0) / max(1.0, np.max(np.abs(b), initial=0.0))


def dense(X):
    return np.diag(X) if isinstance(X, np.ndarray) and X.ndim == 1 else X.toarray()


def make_metric(kind, n, density, seed):
    rng = np.random.default_rng(seed)
    if kind == "spd":          # BᵀB + I from a random sparse B
        B = sp.random(n, n, density, random_state=seed, format="csr")
        return (B.T @ B + sp.eye(n)).tocsr()
    if kind == "tridiagonal":  # 1D P1 mass matrix pattern
        e = np.ones(n)
        return (sp.diags([e[:-1], 4 * e, e[:-1]], [-1, 0, 1]) / (6 * n)).tocsr()
    if kind == "diagonal":
        return rng.uniform(0.0, 2.0, n)
    if kind == "signed-diagonal":
        return rng.normal(size=n)
    return (sp.random(n, n, density, random_state=seed) + sp.eye(n)).tocsr()


def assert_psd(G):
    assert np.linalg.eigvalsh(G).min() >= -1e-10 * max(1.0, np.abs(G).max())


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 60), st.integers(1, 12), st.floats(0.0, 0.3), st.sampled_from(METRICS),
       st.integers(1, 70), st.integers(0, 10**6))
def test_gram_matches_numpy(n, p, density, kind, block, seed):
    X = make_metric(kind, n, density, seed)
    J = np.random.default_rng(seed).normal(size=(n, p))
    G = gram(J, X, block=block)
    ref = J.T @ dense(X) @ J
    assert rel(G, (ref + ref.T) / 2) < 1e-12
    assert np.array_equal(G, G.T)
    if kind in ("spd", "tridiagonal", "diagonal"):
        assert_psd(G)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 50), st.integers(1, 8), st.integers(1, 8), st.sampled_from(METRICS),
       st.integers(1, 60), st.integers(0, 10**6))
def test_cross_gram_and_pullback_match_numpy(n, p1, p2, kind, block, seed):
    rng = np.random.default_rng(seed)
    X = make_metric(kind, n, 0.1, seed)
    J1, J2, w = rng.normal(size=(n, p1)), rng.normal(size=(n, p2)), rng.normal(size=n)
    Xd = dense(X)
    assert rel(cross_gram(J1, X, J2, block=block), J1.T @ Xd @ J2) < 1e-12
    assert rel(pullback(J1, X, w), J1.T @ (Xd @ w)) < 1e-12


def test_cross_gram_with_itself_is_the_gram():
    rng = np.random.default_rng(3)
    X, J = make_metric("spd", 40, 0.1, 3), rng.normal(size=(40, 5))
    G = cross_gram(J, X, J)
    assert rel((G + G.T) / 2, gram(J, X)) < 1e-12


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 50), st.integers(1, 10), st.integers(0, 10**6))
def test_point_gram_matches_sum_of_outer_products(m, p, seed):
    rng = np.random.default_rng(seed)
    Jq, w = rng.normal(size=(m, p)), rng.uniform(0.0, 3.0, m)
    ref = np.zeros((p, p))
    for q in range(m):
        ref += w[q] * np.outer(Jq[q], Jq[q])
    G = point_gram(Jq, w)
    assert rel(G, ref) < 1e-12 and np.array_equal(G, G.T)
    assert rel(point_gram(Jq), Jq.T @ Jq) < 1e-12
    assert rel(gram(Jq, w), ref) < 1e-12
    if m:
        assert_psd(G)


def test_identity_jacobian_gives_the_metric():
    X = make_metric("tridiagonal", 20, 0.0, 0)
    assert rel(gram(np.eye(20), X), X.toarray()) < 1e-14
    Y = make_metric("spd", 20, 0.2, 1)
    assert rel(gram(np.eye(20), Y), Y.toarray()) < 1e-14


def test_dense_and_duplicate_entry_metrics():
    rng = np.random.default_rng(4)
    J = rng.normal(size=(6, 3))
    A = rng.normal(size=(6, 6))
    X = A @ A.T + np.eye(6)
    assert rel(gram(J, X), J.T @ X @ J) < 1e-12
    dup = sp.csr_matrix((np.array([1.0, 2.0, 3.0]), np.array([0, 0, 1]), np.array([0, 2, 3])), shape=(2, 2))
    assert not dup.has_canonical_format
    J2 = rng.normal(size=(2, 2))
    assert rel(gram(J2, dup), J2.T @ np.diag([3.0, 3.0]) @ J2) < 1e-12


def test_banded_factor_reproduces_the_metric_and_is_used_only_when_it_pays():
    X = make_metric("tridiagonal", 30, 0.0, 0)
    ab = banded_factor(X, p=10)
    U = np.diag(ab[1]) + np.diag(ab[0, 1:], 1)
    assert rel(U.T @ U, X.toarray()) < 1e-13
    assert banded_factor(sp.diags([1.0, -1.0, 2.0]).tocsr()) is None               # indefinite
    assert banded_factor(make_metric("unsymmetric", 30, 0.1, 2)) is None           # not symmetric
    wide = (sp.eye(30) + sp.csr_matrix(([0.1, 0.1], ([0, 29], [29, 0])), shape=(30, 30))).tocsr()
    assert banded_factor(wide) is None                                             # band fill too large
    n = 100
    grid = sp.kronsum(make_metric("tridiagonal", 10, 0, 0), make_metric("tridiagonal", 10, 0, 0)).tocsr()
    assert grid.shape == (n, n) and banded_factor(grid, p=1) is None               # u + 1 ≥ nnz/n + p/2


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.integers(1, 6), st.floats(0.0, 0.4), st.integers(0, 10**6), st.data())
def test_csr_kernels_match_numpy(n, p, density, seed, data):
    rng = np.random.default_rng(seed)
    X = sp.random(n, n, density, random_state=seed, format="csr")
    Xd = X.toarray()
    s = data.draw(st.integers(0, n - 1))
    e = data.draw(st.integers(s + 1, n))
    c0 = data.draw(st.integers(0, n - 1))
    c1 = data.draw(st.integers(c0 + 1, n))
    D = rng.normal(size=(c1 - c0, p))
    out = rng.normal(size=(e - s, p))
    expected = out + Xd[s:e, c0:c1] @ D
    csr_rows_times_dense(X.indptr, X.indices, X.data, s, e, c0, D, out=out, col_stop=c1)
    assert rel(out, expected) < 1e-12
    cols = np.flatnonzero(np.any(Xd[s:e] != 0, axis=0))
    window = (cols.min(), cols.max() + 1) if cols.size else (s, s)
    assert tuple(csr_column_window(X.indptr, X.indices, s, e)) == window
    chunk = data.draw(st.integers(1, n))
    n_chunks = -(-n // chunk)
    expected_mask = np.array([np.any(Xd[s:e, c * chunk:(c + 1) * chunk] != 0) for c in range(n_chunks)])
    assert np.array_equal(csr_touched_chunks(X.indptr, X.indices, s, e, chunk, n_chunks), expected_mask)
    rows, columns = np.nonzero(Xd)
    assert csr_bandwidth(X.indptr, X.indices) == (np.abs(rows - columns).max() if rows.size else 0)


def test_bad_inputs_name_the_parameter():
    J = np.ones((5, 2))
    with pytest.raises(ValueError, match=r"^X: shape \(4, 4\) does not match J with 5 rows"):
        gram(J, sp.eye(4, format="csr"))
    with pytest.raises(ValueError, match="^X:"):
        gram(J, np.ones(3))
    with pytest.raises(ValueError, match="^X:"):
        gram(J, np.full(5, np.nan))
    with pytest.raises(ValueError, match="^J:"):
        gram(np.full((5, 2), np.nan), np.ones(5))
    with pytest.raises(ValueError, match="^J:"):
        gram(np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match="^block:"):
        gram(J, np.ones(5), block=0)
    with pytest.raises(ValueError, match="^w:"):
        point_gram(J, -np.ones(5))
    with pytest.raises(ValueError, match="^Jq:"):
        point_gram(np.array([[np.inf]]))
    with pytest.raises(ValueError, match="^J2:"):
        cross_gram(J, np.ones(5), np.ones((4, 2)))
    with pytest.raises(ValueError, match="^J1:"):
        cross_gram(np.ones((5, 2, 1)), np.ones(5), J)
    with pytest.raises(ValueError, match="^w:"):
        pullback(J, np.ones(5), np.ones(4))
    with pytest.raises(ValueError, match="^w:"):
        pullback(J, np.ones(5), np.full(5, np.nan))
