"""Natural momentum: reduction to preconditioned heavy ball on the linear FE model, rates, transports."""
import numpy as np
import pytest
import scipy.linalg as sla

from femngd.fem import FESpace, assemble_system, layer_1d, uniform_mesh_1d
from femngd.models import FECoefficients, HardDirichlet, Legendre, ShallowNetwork
from femngd.natural import FEObjective, StrongResidual
from femngd.optim import build_optimizer, theory
from femngd.train import train


def linear_fe(eps=0.1, n=16):
    problem = layer_1d(eps)
    system = assemble_system(problem, FESpace(uniform_mesh_1d(n)))
    obj = FEObjective(system, FECoefficients(n - 1), "fe-residual", "l2")
    A, M, F = (system.A_ii.toarray(), system.M_ii.toarray(), system.rhs_i)
    return obj, A, M, F


def numpy_heavy_ball(A, M, F, alpha, beta, steps, nesterov=False):
    """Plain numpy preconditioned heavy ball / Nesterov on ½‖Aθ − F‖²_{M⁻¹} with preconditioner M."""
    Minv = np.linalg.inv(M)
    grad = lambda th: A.T @ Minv @ (A @ th - F)
    theta, c, out = np.zeros(len(F)), np.zeros(len(F)), []
    for _ in range(steps):
        point = theta + beta * c if nesterov else theta
        c = beta * c - alpha * Minv @ grad(point)
        theta = theta + c
        out.append(theta.copy())
    return out


def iterates(obj, optimizer, steps, theta0=None):
    seen = []
    theta0 = np.zeros(obj.n_params) if theta0 is None else theta0
    train(obj, optimizer, theta0, iterations=steps, callback=lambda k, th, row: seen.append(th))
    return seen[1:]


@pytest.mark.parametrize("name,nesterov", [("nhb-lm", False), ("nhb-fd", False), ("nlg", False),
                                           ("nnesterov", True)])
def test_natural_variants_are_preconditioned_heavy_ball_on_the_linear_model(name, nesterov):
    obj, A, M, F = linear_fe()
    alpha, beta = 2e-4, 0.8
    ours = iterates(obj, build_optimizer(name, lr=alpha, momentum=beta, solve="penrose", reg=1e-15), 60)
    ref = numpy_heavy_ball(A, M, F, alpha, beta, 60, nesterov)
    scale = np.abs(ref[-1]).max()
    assert max(np.abs(a - b).max() for a, b in zip(ours, ref)) < 1e-9 * scale


def measured_rate(errors):
    """Per-step rate over the second half, with the k·ρ^k Jordan factor of double roots divided out."""
    K = len(errors) - 1
    ratio = (errors[K] / errors[K // 2]) ** (1.0 / (K - K // 2))
    return ratio / (K / (K // 2)) ** (1.0 / (K - K // 2))


def test_rate_at_optimal_parameters_matches_theory():
    obj, A, M, F = linear_fe(0.5, 16)
    H = A.T @ np.linalg.solve(M, A)
    lam = sla.eigh(H, M, eigvals_only=True)
    alpha, beta, rate = theory.heavy_ball_optimal(lam[0], lam[-1])
    star = np.linalg.solve(A, F)
    opt = build_optimizer("nhb-lm", lr=alpha, momentum=beta, solve="penrose", reg=1e-15)
    errs = [np.linalg.norm(star)] + [np.linalg.norm(th - star) for th in iterates(obj, opt, 400)]
    kappa = lam[-1] / lam[0]
    assert np.isclose(rate, (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1))
    assert abs(measured_rate(np.array(errs)) - rate) < 0.05 * rate


def test_auto_momentum_estimates_the_spectrum():
    obj, A, M, F = linear_fe(0.5, 16)
    lam = sla.eigh(A.T @ np.linalg.solve(M, A), M, eigvals_only=True)
    result = train(obj, build_optimizer("nhb-lm", momentum="auto"), np.zeros(15), iterations=2)
    auto = result.info["auto_momentum"]
    assert np.isclose(auto["lambda_min"], lam[0], rtol=1e-8) and np.isclose(auto["lambda_max"], lam[-1], rtol=1e-8)
    alpha, beta, _ = theory.heavy_ball_optimal(lam[0], lam[-1])
    assert np.isclose(auto["alpha"], alpha) and np.isclose(auto["beta"], beta)


def test_momentum_beats_ngd_on_the_ill_conditioned_linear_model():
    obj, A, M, F = linear_fe(0.5, 8)     # κ ≈ 5e3: NGD needs ~κ steps, heavy ball ~√κ
    star = np.linalg.solve(A, F)
    final = {}
    for name in ("ngd", "nhb-lm"):
        opt = build_optimizer(name, momentum="auto") if name != "ngd" else None
        if opt is None:
            lam = sla.eigh(A.T @ np.linalg.solve(M, A), M, eigvals_only=True)
            opt = build_optimizer("ngd", lr=theory.gd_optimal(lam[0], lam[-1])[0])
        final[name] = np.linalg.norm(iterates(obj, opt, 600)[-1] - star)
    assert final["nhb-lm"] < 1e-2 * final["ngd"]


def test_lm_and_fd_coincide_when_the_tangent_space_is_fixed():
    """A linear model (Legendre features) with a nonlinear-looking loss path: J constant ⇒ LM = FD."""
    problem = layer_1d(0.3)
    model = HardDirichlet(Legendre(5))
    obj = StrongResidual(problem, model, np.linspace(0.02, 0.98, 25)[:, None], np.full(25, 1 / 25), metric="l2")
    runs = [iterates(obj, build_optimizer(name, lr=0.05, momentum=0.7, solve="penrose", reg=1e-14), 20)
            for name in ("nhb-lm", "nhb-fd")]
    assert max(np.abs(a - b).max() for a, b in zip(*runs)) < 1e-8


def test_lm_and_fd_differ_for_a_moving_tangent_space():
    problem = layer_1d(0.3)
    model = HardDirichlet(ShallowNetwork(4, 1))
    obj = StrongResidual(problem, model, np.linspace(0.02, 0.98, 25)[:, None], np.full(25, 1 / 25),
                         metric="gauss-newton")
    runs = [iterates(obj, build_optimizer(name, lr=0.3, momentum=0.5, solve="penrose", reg=1e-12), 6,
                     model.init(0)) for name in ("nhb-lm", "nhb-fd")]
    assert np.abs(runs[0][-1] - runs[1][-1]).max() > 1e-8


def test_restart_resets_momentum_when_loss_rises():
    obj, A, M, F = linear_fe(0.1, 16)
    lam = sla.eigh(A.T @ np.linalg.solve(M, A), M, eigvals_only=True)
    alpha = 1.0 / lam[-1]
    plain = train(obj, build_optimizer("nhb-lm", lr=alpha, momentum=0.99), np.zeros(15), iterations=200)
    restarted = train(obj, build_optimizer("nhb-lm", lr=alpha, momentum=0.99, restart=True), np.zeros(15),
                      iterations=200)
    rises = lambda h: int(np.sum(np.diff(h["loss"]) > 0))
    assert rises(restarted.history) < rises(plain.history)
