"""Gram kernels against plain numpy references written here (relative error ≤ 1e-12)."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings, strategies as st

from femngd.kernels import cross_gram, gram, point_gram, pullback, streaming_gram


def ref_gram(J, X):
    """Plain numpy: JᵀXJ with X dense."""
    Xd = np.diag(X) if X.ndim == 1 else X
    return J.T @ Xd @ J


def rel(a, b):
    return np.max(np.abs(a - b)) / max(1.0, np.max(np.abs(b)))


def spd(n, density, seed):
    B = sp.random(n, n, density, random_state=seed, format="csr")
    return (B.T @ B + sp.eye(n)).tocsr()


def tridiagonal(n):
    e = np.ones(n)
    return sp.diags([e[:-1], 4 * e, e[:-1]], [-1, 0, 1], format="csr") / (6 * n)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 60), st.integers(1, 12), st.floats(0.0, 0.3), st.integers(0, 10**6))
def test_gram_cross_pullback_match_numpy(n, p, density, seed):
    rng = np.random.default_rng(seed)
    X = spd(n, density, seed)
    J1, J2, w = rng.normal(size=(n, p)), rng.normal(size=(n, p + 1)), rng.normal(size=n)
    G = gram(J1, X)
    assert rel(G, ref_gram(J1, X.toarray())) < 1e-12
    assert np.array_equal(G, G.T) and np.linalg.eigvalsh(G).min() > -1e-10 * max(1, np.abs(G).max())
    assert rel(cross_gram(J1, X, J2), J1.T @ X.toarray() @ J2) < 1e-12
    assert rel(pullback(J1, X, w), J1.T @ (X.toarray() @ w)) < 1e-12


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 80), st.integers(1, 9), st.integers(1, 40), st.booleans(), st.integers(0, 10**6))
def test_streaming_equals_dense(n, p, block, banded, seed):
    rng = np.random.default_rng(seed)
    X = tridiagonal(n) if banded else spd(n, 0.1, seed)
    if not banded:  # a permuted pattern: wide column windows
        perm = rng.permutation(n)
        X = X[perm][:, perm].tocsr()
    J = rng.normal(size=(n, p))
    calls = []

    def rows(a, b):
        calls.append(b - a)
        return J[a:b]

    G = streaming_gram(rows, n, X, block=block)
    assert rel(G, ref_gram(J, X.toarray())) < 1e-12
    if banded:
        assert max(calls) <= block + 2      # never more than the block plus the band


def test_diagonal_metric_and_point_gram():
    rng = np.random.default_rng(1)
    J, w = rng.normal(size=(50, 6)), rng.uniform(size=50)
    ref = (J * w[:, None]).T @ J
    assert rel(gram(J, w), ref) < 1e-12 and rel(point_gram(J, w), ref) < 1e-12
    assert rel(point_gram(J), J.T @ J) < 1e-12
    assert np.array_equal(point_gram(J, w), point_gram(J, w).T)


def test_identity_jacobian_gives_the_metric():
    X = tridiagonal(20)
    assert rel(gram(np.eye(20), X), X.toarray()) < 1e-14


def test_bad_inputs():
    J = np.ones((5, 2))
    with pytest.raises(ValueError, match="^X:"):
        gram(J, sp.eye(4, format="csr"))
    with pytest.raises(ValueError, match="^X:"):
        gram(J, np.ones(3))
    with pytest.raises(ValueError, match="^J:"):
        gram(np.full((5, 2), np.nan), np.ones(5))
    with pytest.raises(ValueError, match="^J:"):
        gram(np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match="^w:"):
        point_gram(J, -np.ones(5))
    with pytest.raises(ValueError, match="^jacobian_block:"):
        streaming_gram(lambda a, b: np.ones((1, 2)), 5, sp.eye(5, format="csr"), block=2)
    with pytest.raises(ValueError, match="^J2:"):
        cross_gram(J, np.ones(5), np.ones((4, 2)))


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 60), st.integers(1, 8), st.integers(1, 25), st.integers(0, 10**6))
def test_unsymmetric_metric_uses_the_window_path(n, p, block, seed):
    """A non-symmetric X (no Cholesky factor): G = Jᵀ(XJ) by column windows, still exact."""
    rng = np.random.default_rng(seed)
    corner = sp.csr_matrix(([2.5], ([0], [n - 1])), shape=(n, n))
    X = (sp.random(n, n, 0.1, random_state=seed) + sp.eye(n) + corner).tocsr()
    J = rng.normal(size=(n, p))
    from femngd.kernels import banded_factor
    assert banded_factor(X) is None
    ref = J.T @ X.toarray() @ J
    ref = (ref + ref.T) / 2
    assert rel(streaming_gram(lambda a, b: J[a:b], n, X, block=block), ref) < 1e-12
    assert rel(gram(J, X), ref) < 1e-12


def test_banded_factor_reproduces_metric_and_rejects_indefinite():
    from femngd.kernels import banded_factor
    X = tridiagonal(30)
    ab = banded_factor(X)
    U = np.diag(ab[1]) + np.diag(ab[0, 1:], 1)
    assert rel(U.T @ U, X.toarray()) < 1e-13
    assert banded_factor(sp.diags([1.0, -1.0, 2.0]).tocsr()) is None
