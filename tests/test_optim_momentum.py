"""Directions and momentum transforms against plain numpy references written here."""
import numpy as np
import pytest

from femngd.natural.solve import GramSolver
from femngd.optim import Descent, Fixed, Natural, build_optimizer, theory
from femngd.optim.momentum import LastMomentum, Momentum
from femngd.train import train
from optim_toys import LinearQuadratic, TanhRegression, tridiagonal


def iterates(obj, optimizer, steps, theta0=None):
    seen = []
    theta0 = np.zeros(obj.n_params) if theta0 is None else theta0
    train(obj, optimizer, theta0, iterations=steps, callback=lambda k, th, row: seen.append(th.copy()))
    return seen[1:]


def fe_like(n=12, seed=0):
    """H = FE-like tridiagonal (ill-conditioned), metric X = a different SPD (mass-like) matrix."""
    rng = np.random.default_rng(seed)
    X = np.eye(n) * 4 / 6 + (np.eye(n, k=1) + np.eye(n, k=-1)) / 6
    return LinearQuadratic(tridiagonal(n, 1.0, 0.5), rng.normal(size=n), X=X)


def numpy_momentum(obj, alpha, beta, steps, nesterov=False, P=None):
    """w_{k+1} = w_k + c_k, c_k = β c_{k−1} − α P⁻¹∇f(point), point = w_k (+ β c_{k−1} for Nesterov)."""
    grad = lambda w: obj.J.T @ (obj.H @ (obj.J @ w) - obj.b)
    Pinv = np.linalg.inv(obj.J.T @ obj.X @ obj.J if P is None else P)
    w, c, out = np.zeros(obj.n_params), np.zeros(obj.n_params), []
    for k in range(steps):
        b = beta(k) if callable(beta) else beta
        point = w + b * c if nesterov else w
        c = b * c - alpha * Pinv @ grad(point)
        w = w + c
        out.append(w.copy())
    return out


def max_gap(ours, ref):
    scale = max(np.abs(r).max() for r in ref)
    return max(np.abs(a - b).max() for a, b in zip(ours, ref)) / scale


# --- one-step properties ------------------------------------------------------------------------

def test_ngd_in_the_hessian_metric_solves_a_quadratic_in_one_step():
    rng = np.random.default_rng(1)
    H = tridiagonal(10, 0.01, 0.0)          # κ ~ 1e2, metric X = H
    J = rng.normal(size=(10, 6))            # linear model V = Jθ with fewer parameters
    obj = LinearQuadratic(H, rng.normal(size=10), J=J, X=H)
    theta = iterates(obj, build_optimizer("ngd", lr=1.0, solve="penrose", reg=1e-14), 1,
                     rng.normal(size=6))[0]
    assert np.allclose(theta, obj.minimizer(), rtol=1e-9)


def test_l2_regression_natural_step_is_the_x_orthogonal_projection():
    """L = ½‖Jθ − u‖²_X = ½VᵀXV − (Xu)ᵀV + const; NGD in metric X: Jθ₁ = X-projection of u."""
    rng = np.random.default_rng(2)
    X = tridiagonal(15, 1.0, 3.0)
    J, u = rng.normal(size=(15, 4)), rng.normal(size=15)
    obj = LinearQuadratic(X, X @ u, J=J, X=X)
    theta = iterates(obj, build_optimizer("ngd", lr=1.0, solve="tikhonov", reg=1e-14), 1)[0]
    projection = J @ np.linalg.solve(J.T @ X @ J, J.T @ X @ u)
    assert np.allclose(J @ theta, projection, rtol=1e-9)
    assert np.allclose(J.T @ X @ (J @ theta - u), 0.0, atol=1e-9)    # residual X-orthogonal to range J


# --- reduction to preconditioned heavy ball / Nesterov on a linear model ------------------------------

@pytest.mark.parametrize("name,nesterov", [("nhb-lm", False), ("nhb-fd", False), ("nlg", False),
                                           ("nnesterov", True)])
def test_natural_variants_are_preconditioned_heavy_ball_on_a_linear_model(name, nesterov):
    obj = fe_like()
    alpha, beta = 0.01, 0.7
    ours = iterates(obj, build_optimizer(name, lr=alpha, momentum=beta, solve="penrose", reg=1e-15), 50)
    assert max_gap(ours, numpy_momentum(obj, alpha, beta, 50, nesterov)) < 1e-11


@pytest.mark.parametrize("name,nesterov", [("hb", False), ("nesterov", True)])
def test_parameter_space_momentum_is_plain_heavy_ball(name, nesterov):
    obj = fe_like()
    ours = iterates(obj, build_optimizer(name, lr=0.02, momentum=0.6), 40)
    ref = numpy_momentum(obj, 0.02, 0.6, 40, nesterov, P=np.eye(obj.n_params))
    assert max_gap(ours, ref) < 1e-11


def test_scheduled_momentum_follows_the_schedule():
    obj = fe_like()
    schedule = lambda k: k / (k + 3.0)
    ours = iterates(obj, build_optimizer("nhb-lm", lr=0.01, momentum=schedule, solve="penrose", reg=1e-15), 30)
    assert max_gap(ours, numpy_momentum(obj, 0.01, schedule, 30)) < 1e-11


def test_spring_matches_its_recursion():
    """φ_k = (G + λI)⁻¹(∇L + λμ φ_{k−1}), θ_{k+1} = θ_k − η φ_k (Goldshlager et al.)."""
    obj = TanhRegression(3, points=np.linspace(0, 1, 12))
    theta0, eta, lam, mu = obj.init(5), 0.5, 1e-2, 0.8
    opt = build_optimizer("spring", lr=eta, momentum=mu, damping=lam)
    ours = iterates(obj, opt, 8, theta0)
    theta, phi = theta0.copy(), np.zeros(obj.n_params)
    for k in range(8):
        lin = obj.linearize(theta)
        phi = np.linalg.solve(lin.gram + lam * np.eye(obj.n_params), lin.grad + lam * mu * phi)
        theta = theta - eta * phi
        assert np.allclose(ours[k], theta, rtol=1e-10, atol=1e-12)


# --- rates against the theory ------------------------------------------------------------------

def measured_rate(errors):
    """Per-step rate over the second half, the k·ρ^k Jordan factor of double roots divided out."""
    K = len(errors) - 1
    ratio = (errors[K] / errors[K // 2]) ** (1.0 / (K - K // 2))
    return ratio / (K / (K // 2)) ** (1.0 / (K - K // 2))


@pytest.mark.parametrize("name", ["nhb-lm", "nhb-fd", "nlg"])
def test_rate_at_optimal_parameters_matches_theory(name):
    obj = fe_like(20)
    lam_min, lam_max = theory.extreme_eigenvalues(obj.gauss_newton_gram(None), obj.J.T @ obj.X @ obj.J)
    alpha, beta, rate = theory.heavy_ball_optimal(lam_min, lam_max)
    assert 0.8 < rate < 0.97                      # a meaningful κ (~10³), not a trivial one
    star = obj.minimizer()
    path = iterates(obj, build_optimizer(name, lr=alpha, momentum=beta, solve="penrose", reg=1e-15), 300)
    errors = [np.linalg.norm(star)] + [np.linalg.norm(th - star) for th in path]
    assert abs(measured_rate(errors) / rate - 1.0) < 0.05
    kappa = lam_max / lam_min
    assert np.isclose(rate, (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1))


def test_auto_momentum_sets_theoretical_parameters():
    obj = fe_like(20)
    result = train(obj, build_optimizer("nhb-lm", momentum="auto"), np.zeros(20), iterations=200)
    lam_min, lam_max = theory.extreme_eigenvalues(obj.gauss_newton_gram(None), obj.J.T @ obj.X @ obj.J)
    alpha, beta = theory.auto_momentum(lam_min, lam_max, "heavy-ball")
    auto = result.info["auto_momentum"]
    assert np.isclose(auto["alpha"], alpha, rtol=1e-8) and np.isclose(auto["beta"], beta, rtol=1e-8)
    plain = train(obj, build_optimizer("ngd", lr="auto"), np.zeros(20), iterations=200)
    assert result.final_loss - obj.loss(obj.minimizer()) < 1e-6 * (plain.final_loss - obj.loss(obj.minimizer()))


def test_auto_momentum_needs_a_gauss_newton_matrix():
    obj = fe_like(6)
    obj.gauss_newton_gram = lambda theta: (_ for _ in ()).throw(NotImplementedError("no G_H"))
    with pytest.raises(ValueError, match="^momentum:"):
        train(obj, build_optimizer("nhb-fd", momentum="auto"), np.zeros(6), iterations=3)


# --- transports on moving tangent spaces ---------------------------------------------------------------

def test_lm_and_fd_coincide_when_the_tangent_space_is_constant():
    rng = np.random.default_rng(3)
    J = rng.normal(size=(12, 5))
    obj = LinearQuadratic(tridiagonal(12, 1.0, 1.0), rng.normal(size=12), J=J)
    theta0 = rng.normal(size=5)
    lm = iterates(obj, build_optimizer("nhb-lm", lr=0.3, momentum=0.5), 15, theta0)
    fd = iterates(obj, build_optimizer("nhb-fd", lr=0.3, momentum=0.5), 15, theta0)
    assert max_gap(lm, fd) < 1e-12


def test_lm_and_fd_differ_on_a_nonlinear_model_and_match_their_formulas():
    """Moving tangent space: LM uses G_k⁺G_{k,k−1}c_{k−1}, FD uses G_k⁺J_kᵀ(V_k − V_{k−1}) (signs!)."""
    obj = TanhRegression(3, points=np.linspace(0, 1, 12))
    theta0, alpha, beta = obj.init(1), 0.5, 0.6
    lm = iterates(obj, build_optimizer("nhb-lm", lr=alpha, momentum=beta, solve="penrose", reg=1e-13), 3, theta0)
    fd = iterates(obj, build_optimizer("nhb-fd", lr=alpha, momentum=beta, solve="penrose", reg=1e-13), 3, theta0)
    assert np.abs(lm[2] - fd[2]).max() > 1e-6
    pinv = lambda G: np.linalg.pinv(G, rcond=1e-13, hermitian=True)
    for path, transport in ((lm, "lm"), (fd, "fd")):
        th0, th1, th2 = theta0, path[0], path[1]
        J1, J0, m = obj.jacobian(th1), obj.jacobian(th0), 12
        if transport == "lm":
            carried = J1.T @ J0 @ (th1 - th0) / m
        else:
            carried = J1.T @ (obj.values(th1) - obj.values(th0)) / m
        expected = th1 + pinv(J1.T @ J1 / m) @ (beta * carried - alpha * obj.gradient(th1))
        assert np.allclose(th2, expected, rtol=1e-6, atol=1e-9)


def test_restart_forgets_momentum_when_the_loss_rises():
    obj = fe_like()
    opt = build_optimizer("nhb-lm", lr=0.01, momentum=0.99, restart=True, solve="penrose", reg=1e-15)
    history = train(obj, opt, np.zeros(obj.n_params), iterations=60).history["loss"]
    rises = [k for k in range(1, len(history)) if history[k] > history[k - 1]]
    assert rises     # β = 0.99 overshoots
    no_restart = train(obj, build_optimizer("nhb-lm", lr=0.01, momentum=0.99, solve="penrose", reg=1e-15),
                       np.zeros(obj.n_params), iterations=60).history["loss"]
    assert history[-1] < no_restart[-1]


def test_restart_step_is_a_plain_natural_step():
    obj = fe_like()
    opt = Descent(Natural(), LastMomentum(0.9), restart=True)
    state = opt.init(obj, np.zeros(obj.n_params))
    state.loss = -np.inf                                # pretend the loss at θ0 was lower than any: it rises
    theta1, state, _ = opt.step(obj, np.zeros(obj.n_params), state)
    assert state.momentum.c_prev is None                # forgotten
    theta2, _, _ = opt.step(obj, theta1, state)
    lin = obj.linearize(theta1)
    assert np.allclose(theta2, theta1 - np.linalg.solve(lin.gram, lin.grad), rtol=1e-10)


@pytest.mark.parametrize("kwargs,match", [({"name": "sgd"}, "^optimizer:"), ({"name": "ngd", "foo": 1}, "^foo:"),
                                          ({"name": "nhb-lm", "momentum": 1.5}, "^momentum:"),
                                          ({"name": "nhb-lm", "momentum": "fast"}, "^momentum:"),
                                          ({"name": "ngd", "lr": -1}, "^lr:"), ({"name": "adam", "lr": "x"}, "^lr:"),
                                          ({"name": "ngd", "solve": "qr"}, "^solve:"),
                                          ({"name": "ngd", "step": "wolfe"}, "^step:")])
def test_build_optimizer_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_optimizer(**kwargs)


def test_momentum_transform_default_is_plain_descent():
    obj = fe_like()
    ours = iterates(obj, Descent(Natural(), Momentum(0.0), Fixed(0.01), GramSolver("penrose", 1e-15)), 5)
    assert max_gap(ours, numpy_momentum(obj, 0.01, 0.0, 5)) < 1e-11
