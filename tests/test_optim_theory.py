"""Tests of femngd.optim.theory against numerical spectral radii, brute force and iteration."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st

from femngd.natural.objective import Linearization
from femngd.optim import theory as th

KAPPAS = [1.0, 2.0, 10.0, 1e2, 1e4, 1e6]


def radius(T: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(T))))


def mode_grid(lo: float, hi: float, n: int = 201) -> np.ndarray:
    return np.geomspace(lo, hi, n)


def random_spd(n: int, lams: np.ndarray, seed: int) -> np.ndarray:
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return (Q * lams) @ Q.T


# ------------------------------------------------------------------ per-mode matrices
def test_heavy_ball_matrix_is_the_recurrence():
    """One step of z' = βz + ∇f(w), w' = w − αz' on f = ½λ(w−w*)² equals the 2x2 matrix."""
    alpha, beta, lam, wstar = 0.3, 0.6, 2.5, 0.7
    z, w = 0.4, -1.1
    z1 = beta * z + lam * (w - wstar)
    w1 = w - alpha * z1
    expected = th.heavy_ball_matrix(alpha, beta, lam) @ np.array([z, w - wstar])
    np.testing.assert_allclose([z1, w1 - wstar], expected, rtol=1e-14)


def test_nesterov_matrix_is_the_lookahead_recurrence():
    """c_k = βc_{k−1} − α∇f(w_k + βc_{k−1}), w_{k+1} = w_k + c_k on a scalar quadratic."""
    alpha, beta, lam = 0.2, 0.5, 3.0
    w_prev, w = 0.9, -0.4  # errors (w* = 0)
    c_prev = w - w_prev
    look = w + beta * c_prev
    w_next = w + beta * c_prev - alpha * lam * look
    expected = th.nesterov_matrix(alpha, beta, lam) @ np.array([w, w_prev])
    np.testing.assert_allclose([w_next, w], expected, rtol=1e-14)


@pytest.mark.parametrize("seed", range(3))
def test_rates_are_spectral_radii(seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(20):
        alpha, beta = rng.uniform(0.01, 1.5), rng.uniform(-0.5, 1.2)
        lams = rng.uniform(0.05, 3.0, size=4)
        hb = max(radius(th.heavy_ball_matrix(alpha, beta, lam)) for lam in lams)
        ne = max(radius(th.nesterov_matrix(alpha, beta, lam)) for lam in lams)
        assert th.heavy_ball_rate(alpha, beta, lams) == pytest.approx(hb, rel=1e-6)
        assert th.nesterov_rate(alpha, beta, lams) == pytest.approx(ne, rel=1e-6)


@pytest.mark.parametrize("kappa", KAPPAS)
def test_optimal_rates_match_numerical_radius(kappa: float):
    lo, hi = 0.5, 0.5 * kappa
    lams = mode_grid(lo, hi)
    alpha, rate = th.gd_optimal(lo, hi)
    assert rate == pytest.approx(max(abs(1 - alpha * lam) for lam in lams), abs=1e-12)
    alpha, beta, rate = th.heavy_ball_optimal(lo, hi)
    # double roots at the ends: eigvals of a defective matrix is accurate to ~sqrt(machine eps)
    assert rate == pytest.approx(max(radius(th.heavy_ball_matrix(alpha, beta, l)) for l in lams), abs=1e-7)
    assert beta == pytest.approx(rate**2)
    alpha, beta, rate = th.nesterov_optimal(lo, hi)
    assert rate == pytest.approx(1 - 1 / np.sqrt(kappa))
    assert rate == pytest.approx(max(radius(th.nesterov_matrix(alpha, beta, l)) for l in lams), abs=1e-7)


@pytest.mark.parametrize("kappa", [4.0, 30.0, 300.0])
def test_optimal_parameters_minimise_worst_radius(kappa: float):
    """Brute force over a grid around the optimum: nothing beats the formula."""
    lo, hi = 1.0, kappa
    lams = mode_grid(lo, hi, 61)
    a_gd, r_gd = th.gd_optimal(lo, hi)
    grid_gd = min(max(abs(1 - a * l) for l in lams) for a in np.linspace(0.1, 2.0, 400) / hi)
    assert r_gd <= grid_gd + 1e-12
    assert grid_gd <= r_gd + 2e-2  # the grid comes close
    a, b, r = th.heavy_ball_optimal(lo, hi)
    best = min(
        max(radius(th.heavy_ball_matrix(aa, bb, l)) for l in lams[:: 6].tolist() + [hi])
        for aa in np.linspace(0.3, 2.0, 35) * a
        for bb in np.linspace(0.0, 0.99, 34)
    )
    assert r <= best + 1e-6
    assert th.heavy_ball_rate(a, b, lams) == pytest.approx(r, abs=1e-7)  # double roots


@settings(max_examples=60, deadline=None)
@given(
    alpha=st.floats(0.01, 3.0),
    beta=st.floats(-0.9, 1.4),
    lam=st.floats(0.05, 4.0),
)
def test_convergence_region_matches_iteration(alpha: float, beta: float, lam: float):
    al = alpha * lam
    margin = 0.05
    inside = abs(beta) < 1 - margin and margin < al < 2 + 2 * beta - margin
    outside = beta > 1 + margin or beta < -1 - margin or al > 2 + 2 * beta + margin
    if not (inside or outside):
        return  # too close to the boundary for 3000 iterations to tell
    T = th.heavy_ball_matrix(alpha, beta, lam)
    x = np.array([1.0, 1.0])
    for _ in range(3000):
        x = T @ x
        if np.linalg.norm(x) > 1e6:
            break
    converged = np.linalg.norm(x) < 1e-3
    assert th.heavy_ball_converges(alpha, beta, lam) == converged
    assert converged == inside


def test_gd_converges():
    assert th.gd_converges(1.9, 1.0) and not th.gd_converges(2.1, 1.0) and not th.gd_converges(-0.1, 1.0)


# ------------------------------------------------------------------ measured rates
def measured_rate(errors: np.ndarray) -> float:
    """Geometric mean of error ratios over the second half of the run."""
    k = len(errors) // 2
    return float((errors[-1] / errors[k]) ** (1.0 / (len(errors) - 1 - k)))


def run_quadratic(H: np.ndarray, steps: int, alpha: float, beta: float, nesterov: bool) -> np.ndarray:
    """Plain numpy heavy ball / Nesterov (β = 0: GD) on ½wᵀHw − bᵀw; returns ‖w_k − w*‖."""
    rng = np.random.default_rng(7)
    wstar = rng.standard_normal(H.shape[0])
    b = H @ wstar
    w = rng.standard_normal(H.shape[0])
    c = np.zeros_like(w)
    errors = []
    for _ in range(steps):
        point = w + beta * c if nesterov else w
        c = beta * c - alpha * (H @ point - b)
        w = w + c
        errors.append(np.linalg.norm(w - wstar))
    return np.array(errors)


@pytest.mark.parametrize("method", ["gd", "heavy-ball", "nesterov"])
def test_measured_rate_on_random_spd_quadratic(method: str):
    n, lo, hi = 30, 0.1, 10.0  # κ = 100
    lams = np.concatenate([[lo, hi], np.random.default_rng(1).uniform(lo, hi, n - 2)])
    H = random_spd(n, lams, seed=3)
    if method == "gd":
        alpha, rate = th.gd_optimal(lo, hi)
        beta = 0.0
    else:
        optimal = th.heavy_ball_optimal if method == "heavy-ball" else th.nesterov_optimal
        alpha, beta, rate = optimal(lo, hi)
    steps = th.iterations_to(rate, 1e-11)
    measured = measured_rate(run_quadratic(H, steps, alpha, beta, method == "nesterov"))
    assert abs(measured - rate) <= 0.05 * rate
    # the sharper statement: the convergence exponents agree within 10%
    assert np.log(measured) == pytest.approx(np.log(rate), rel=0.10)


def test_iterations_to():
    assert th.iterations_to(0.5, 1e-3) == 10  # 0.5^10 = 9.8e-4 < 1e-3 < 0.5^9
    assert th.iterations_to(0.1, 1e-2) == 2
    assert th.iterations_to(0.0, 1e-9) == 1
    with pytest.raises(ValueError, match="^rate"):
        th.iterations_to(1.0, 0.1)
    with pytest.raises(ValueError, match="^reduction"):
        th.iterations_to(0.5, 2.0)


def test_auto_momentum():
    assert th.auto_momentum(1.0, 100.0) == pytest.approx(th.heavy_ball_optimal(1.0, 100.0)[:2])
    assert th.auto_momentum(1.0, 100.0, "nesterov") == pytest.approx((0.01, 9 / 11))
    with pytest.raises(ValueError, match="^method"):
        th.auto_momentum(1.0, 2.0, "adam")


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: th.gd_optimal(0.0, 1.0), "lam_min"),
        (lambda: th.heavy_ball_optimal(2.0, 1.0), "lam_min"),
        (lambda: th.nesterov_optimal(1.0, np.inf), "lam_max"),
        (lambda: th.heavy_ball_rate(0.1, 0.5, []), "lams"),
        (lambda: th.heavy_ball_rate(np.nan, 0.5, [1.0]), "alpha"),
        (lambda: th.extreme_eigenvalues(np.ones((2, 3))), "H"),
        (lambda: th.extreme_eigenvalues(np.array([[1.0, 2.0], [0.0, 1.0]])), "H"),
        (lambda: th.extreme_eigenvalues(np.eye(3), np.eye(2)), "X"),
        (lambda: th.preconditioned_spectrum(np.eye(2), np.zeros((2, 2))), "G"),
        (lambda: th.preconditioned_spectrum(np.eye(2), np.eye(2), rtol=0.0), "rtol"),
    ],
)
def test_bad_input_names_parameter(call, name: str):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()


# ------------------------------------------------------------------ spectra
def random_pencil(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    H = random_spd(n, rng.uniform(0.5, 50.0, n), seed + 1)
    X = random_spd(n, rng.uniform(1.0, 3.0, n), seed + 2)
    return H, X


@pytest.mark.parametrize("dense_max", [400, 0])
@pytest.mark.parametrize("sparse", [False, True])
def test_extreme_eigenvalues_generalized(dense_max: int, sparse: bool):
    H, X = random_pencil(40, seed=5)
    w = scipy.linalg.eigh(H, X, eigvals_only=True)
    Hs, Xs = (scipy.sparse.csr_matrix(H), scipy.sparse.csr_matrix(X)) if sparse else (H, X)
    lo, hi = th.extreme_eigenvalues(Hs, Xs, dense_max=dense_max, seed=0)
    assert lo == pytest.approx(w[0], rel=1e-8) and hi == pytest.approx(w[-1], rel=1e-8)
    lo, hi = th.extreme_eigenvalues(Hs, dense_max=dense_max)
    w = np.linalg.eigvalsh(H)
    assert lo == pytest.approx(w[0], rel=1e-8) and hi == pytest.approx(w[-1], rel=1e-8)


def test_preconditioned_spectrum_full_rank():
    H, X = random_pencil(12, seed=9)
    w = scipy.linalg.eigh(H, X, eigvals_only=True)
    assert th.preconditioned_spectrum(H, X) == pytest.approx((w[0], w[-1]), rel=1e-9)


def test_preconditioned_spectrum_on_range_of_singular_gram():
    """G = JJᵀ of rank r: the answer is the pencil restricted to an orthonormal basis of range(J)."""
    rng = np.random.default_rng(4)
    J = rng.standard_normal((10, 4))
    G = J @ J.T
    G_H = random_spd(10, rng.uniform(1.0, 5.0, 10), 6)
    Q, _ = np.linalg.qr(J)
    w = scipy.linalg.eigh(Q.T @ G_H @ Q, Q.T @ G @ Q, eigvals_only=True)
    assert th.preconditioned_spectrum(G_H, G, rtol=1e-10) == pytest.approx((w[0], w[-1]), rel=1e-8)


class FixedGram:
    """Minimal stand-in for an Objective: linearize() returns a fixed Gram matrix."""

    def __init__(self, gram: np.ndarray):
        self.gram = gram

    def linearize(self, theta: np.ndarray) -> Linearization:
        zero = np.zeros_like(theta)
        return Linearization(theta, 0.0, zero, self.gram, lambda t: self.gram, lambda t: zero)


def test_linearized_spectrum_uses_both_grams():
    H, X = random_pencil(6, seed=2)
    w = scipy.linalg.eigh(H, X, eigvals_only=True)
    got = th.linearized_spectrum(FixedGram(X), FixedGram(H), np.zeros(6))
    assert got == pytest.approx((w[0], w[-1]), rel=1e-9)


# ------------------------------------------------------------------ the FE residual problem
def fe_matrices_1d(n: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Interior P1 matrices of −εu″ + u′ on a uniform mesh of (0,1): A = εK + C and M (dense)."""
    h = 1.0 / n
    m = n - 1
    off = np.ones(m - 1)
    K = (2 * np.eye(m) - np.diag(off, 1) - np.diag(off, -1)) / h
    C = (np.diag(off, 1) - np.diag(off, -1)) / 2.0  # ∫ φ_j' φ_i
    M = h * (4 * np.eye(m) + np.diag(off, 1) + np.diag(off, -1)) / 6.0
    return eps * K + C, M


def test_fe_residual_condition_number_in_l2_metric():
    """DESIGN §4: κ(M⁻¹AᵀM⁻¹A) ≈ 9.4e4 at ε = 1e-2, n = 64 (and growing like h⁻⁴)."""
    A, M = fe_matrices_1d(64, 1e-2)
    H = A.T @ np.linalg.solve(M, A)
    H = (H + H.T) / 2
    lo, hi = th.extreme_eigenvalues(H, M)
    w = scipy.linalg.eigh(H, M, eigvals_only=True)
    assert (lo, hi) == pytest.approx((w[0], w[-1]), rel=1e-8)
    assert 5e4 < hi / lo < 2e5
    A2, M2 = fe_matrices_1d(128, 1e-2)
    H2 = A2.T @ np.linalg.solve(M2, A2)
    lo2, hi2 = th.extreme_eigenvalues((H2 + H2.T) / 2, M2)
    assert 10 < (hi2 / lo2) / (hi / lo) < 20  # ≈ 2⁴
