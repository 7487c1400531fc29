"""Regularized Gram solves against numpy references: Tikhonov, Penrose, lstsq, rank, condition."""
import numpy as np
import pytest

from femngd.natural.solve import GramSolver


def spd_with_spectrum(s, seed=0):
    """U diag(s) Uᵀ with a random orthogonal U, and U."""
    U = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(s), len(s))))[0]
    return (U * s) @ U.T, U


def well_conditioned(p=8, seed=0):
    A = np.random.default_rng(seed).normal(size=(30, p))
    return A.T @ A, np.random.default_rng(seed + 1).normal(size=p)


@pytest.mark.parametrize("method", ["tikhonov", "penrose", "lstsq", "lstsq-qr"])
def test_well_conditioned_solves_agree_with_numpy(method):
    G, r = well_conditioned()
    res = GramSolver(method, 1e-13).solve(G, r)
    assert np.allclose(res.x, np.linalg.solve(G, r), rtol=1e-9, atol=0)
    assert res.rank == 8
    if method == "lstsq-qr":
        assert np.isnan(res.condition)
    else:
        assert np.isclose(res.condition, np.linalg.cond(G), rtol=1e-8)


def test_penrose_and_tikhonov_agree_on_well_conditioned_gram():
    G, r = well_conditioned(6, seed=3)
    pen = GramSolver("penrose", 1e-12).solve(G, r).x
    tik = GramSolver("tikhonov", 1e-12).solve(G, r).x
    assert np.allclose(pen, tik, rtol=1e-9)


def test_tikhonov_absolute_and_relative_shift():
    G, r = well_conditioned(5)
    lam = 0.3
    absolute = GramSolver("tikhonov", lam, relative=False).solve(G, r).x
    assert np.allclose(absolute, np.linalg.solve(G + lam * np.eye(5), r), rtol=1e-12)
    relative = GramSolver("tikhonov", lam, relative=True).solve(G, r).x
    assert np.allclose(relative, np.linalg.solve(G + lam * np.trace(G) / 5 * np.eye(5), r), rtol=1e-12)


def test_penrose_cutoff_rank_and_condition():
    s = np.array([1e-9, 1e-6, 1e-2, 0.5, 1.0])
    G, U = spd_with_spectrum(s)
    r = np.arange(1.0, 6.0)
    res = GramSolver("penrose", 1e-4).solve(G, r)
    keep = s > 1e-4
    expected = U[:, keep] @ ((U[:, keep].T @ r) / s[keep])
    assert np.allclose(res.x, expected, rtol=1e-8)
    assert res.rank == 3 and np.isclose(res.condition, 1.0 / 1e-2, rtol=1e-8)


def test_singular_gram_from_duplicated_columns():
    """J has two identical columns: G is singular; Penrose/lstsq give the pseudo-inverse solution,
    Tikhonov with a tiny λ the same fit, and the two duplicated coefficients share the update."""
    rng = np.random.default_rng(4)
    J = rng.normal(size=(20, 5))
    J[:, 4] = J[:, 1]
    y = rng.normal(size=20)
    G, rhs = J.T @ J, J.T @ y
    reference = np.linalg.pinv(G) @ rhs
    for method in ("penrose", "lstsq", "lstsq-qr"):
        res = GramSolver(method, 1e-12).solve(G, rhs)
        assert res.rank == 4 and (np.isfinite(res.condition) or method == "lstsq-qr")
        assert np.allclose(res.x, reference, rtol=1e-7)
        assert np.isclose(res.x[1], res.x[4], rtol=1e-8)
    tik = GramSolver("tikhonov", 1e-12).solve(G, rhs)
    assert tik.rank == 4 and np.all(np.isfinite(tik.x))
    best = np.linalg.norm(J @ reference - y)
    assert np.isclose(np.linalg.norm(J @ tik.x - y), best, rtol=1e-6)


def test_zero_gram_and_several_right_hand_sides():
    G, r = well_conditioned(4)
    R = np.stack([r, 2 * r + 1], axis=1)
    for method in ("tikhonov", "penrose", "lstsq", "lstsq-qr"):
        assert np.allclose(GramSolver(method, 1e-13).solve(G, R).x, np.linalg.solve(G, R), rtol=1e-9)
    zero = GramSolver("penrose").solve(np.zeros((3, 3)), np.ones(3))
    assert zero.rank == 0 and np.all(zero.x == 0)


def test_factorization_is_refreshed_when_the_gram_changes():
    solver = GramSolver("tikhonov", 1e-13)
    G1, r = well_conditioned(4, seed=1)
    G2, _ = well_conditioned(4, seed=7)
    solver.solve(G1, r)
    assert np.allclose(solver.solve(G2, r).x, np.linalg.solve(G2, r), rtol=1e-9)
    G1 *= 2.0       # changed in place
    assert np.allclose(solver.solve(G1, r).x, np.linalg.solve(G1, r), rtol=1e-9)


@pytest.mark.parametrize("args,kwargs,match", [(("cholesky",), {}, "^solve:"), (("penrose", -1.0), {}, "^reg:"),
                                               (("penrose", np.nan), {}, "^reg:")])
def test_bad_solver_options(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        GramSolver(*args, **kwargs)


def test_bad_solve_input():
    with pytest.raises(ValueError, match="^G:"):
        GramSolver().solve(np.full((2, 2), np.nan), np.ones(2))
    with pytest.raises(ValueError, match="^G:"):
        GramSolver().solve(np.eye(3), np.ones(2))


@pytest.fixture
def one_blas_thread():
    """p ~ 600 factorizations: two BLAS threads on a shared 2-core machine only spin (10× slower measured)."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1, "blas"):
        yield


def _gram_with_gap(p=600, rank=90, seed=0):
    """G = JᵀJ with `rank` eigenvalues in [1e-8, 1] and the others below 1e-18 (a clear cutoff at 1e-12)."""
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.normal(size=(p, p)))[0]
    s = np.concatenate([np.logspace(0, -4, rank), np.logspace(-9, -15, p - rank)])
    J = rng.normal(size=(p + 50, p)) @ np.diag(s) @ Q.T / np.sqrt(p)
    return J, J.T @ J


def test_lstsq_on_the_pivoted_cholesky_range_matches_numpy_lstsq(one_blas_thread):
    """p ≥ 512 with a small numerical range: the truncated eigen-solve on the pivoted-Cholesky range gives
    numpy's minimum-norm least-squares solution (same cutoff), its rank and condition."""
    J, G = _gram_with_gap()
    rhs = J.T @ np.random.default_rng(1).normal(size=J.shape[0])
    solver = GramSolver("lstsq", 1e-12)
    res = solver.solve(G, rhs)
    assert solver._range_cache[1] is not None                   # the range route was taken
    ref, _, rank, s = np.linalg.lstsq(G, rhs, rcond=1e-12)
    assert res.rank == rank == 90
    assert np.linalg.norm(res.x - ref) <= 1e-14 * res.condition * np.linalg.norm(ref)     # κ = 1e8 here
    assert res.condition == pytest.approx(s[0] / s[rank - 1], rel=1e-6)
    both = solver.solve(G, np.column_stack([rhs, 2 * rhs])).x  # several right-hand sides, reusing the factor
    assert np.allclose(both[:, 1], 2 * res.x, rtol=1e-12, atol=1e-12 * np.abs(res.x).max())


def test_lstsq_falls_back_to_gelsd_when_the_range_is_not_small(one_blas_thread):
    rng = np.random.default_rng(2)
    J = rng.normal(size=(700, 520))
    G, rhs = J.T @ J, rng.normal(size=520)
    solver = GramSolver("lstsq", 1e-12)
    res = solver.solve(G, rhs)
    assert solver._range_cache[1] is None and res.rank == 520
    assert np.allclose(res.x, np.linalg.solve(G, rhs), rtol=1e-9, atol=1e-12)


def test_tikhonov_diagnostics_on_a_schedule():
    rng = np.random.default_rng(4)
    grams = [(lambda J: J.T @ J)(rng.normal(size=(12, 6))) for _ in range(5)]
    rhs = np.ones(6)
    every, second = GramSolver("tikhonov", 1e-10), GramSolver("tikhonov", 1e-10, diagnostics=2)
    for k, G in enumerate(grams):
        a, b = every.solve(G, rhs), second.solve(G, rhs)
        assert np.array_equal(a.x, b.x)
        assert (b.rank, b.condition) == (a.rank, a.condition) if k % 2 == 0 else (b.rank == -1 and np.isnan(b.condition))
    for bad in (0, -1, 1.5, "2"):
        with pytest.raises(ValueError, match="^diagnostics"):
            GramSolver("tikhonov", diagnostics=bad)
