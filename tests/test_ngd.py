"""NGD core: Gram solves, FE and point objectives, step rules, optimizers and the training loop."""
import numpy as np
import pytest

from femngd.fem import FESpace, assemble_system, galerkin, layer_1d, smooth_1d, uniform_mesh_1d
from femngd.models import MLP, FECoefficients, HardDirichlet, Legendre, ShallowNetwork
from femngd.natural import (ErrorMeter, FEObjective, GramSolver, KLDivergence, StrongResidual, build_model,
                            build_objective)
from femngd.optim import Armijo, Grid, Quadratic, build_optimizer
from femngd.train import train


def fe_setup(eps=0.05, n=24, degree=1):
    problem = layer_1d(eps)
    space = FESpace(uniform_mesh_1d(n), degree)
    return problem, space, assemble_system(problem, space)


# --- regularized solves ---------------------------------------------------------------------

def test_penrose_and_tikhonov_agree_on_well_conditioned_gram():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(30, 8))
    G, r = A.T @ A, rng.normal(size=8)
    exact = np.linalg.solve(G, r)
    for method in ("tikhonov", "penrose", "lstsq"):
        res = GramSolver(method, 1e-12).solve(G, r)
        assert np.allclose(res.x, exact, rtol=1e-8) and res.rank == 8
        assert np.isclose(res.condition, np.linalg.cond(G), rtol=1e-6)


def test_singular_gram_from_duplicated_neurons():
    """Two identical neurons: G has a null direction; both solves give the min-norm-like answer."""
    net = ShallowNetwork(3, 1)
    theta = net.init(0)
    W, b, c, _ = net.unpack(theta)
    W[1], b[1] = W[0], b[0]
    x = np.linspace(0, 1, 40)[:, None]
    J = net.evaluate(theta, x, jacobian=True).dvalue
    G = J.T @ J
    rhs = J.T @ np.sin(3 * x[:, 0])
    pen = GramSolver("penrose", 1e-15).solve(G, rhs)
    tik = GramSolver("tikhonov", 1e-15).solve(G, rhs)
    assert pen.rank < net.n_params and tik.rank < net.n_params
    assert np.all(np.isfinite(pen.x)) and np.all(np.isfinite(tik.x))
    # both reach the least-squares fit of y = sin 3x in the tangent space
    y = np.sin(3 * x[:, 0])
    best = np.linalg.lstsq(J, y, rcond=None)[0]
    for res in (pen, tik):
        assert np.isclose(np.linalg.norm(J @ res.x - y), np.linalg.norm(J @ best - y), rtol=1e-3)
    # Penrose (minimum norm) splits the update equally between the two identical neurons
    assert np.isclose(pen.x[7], pen.x[6])      # the output weights c_0, c_1 have identical columns


def test_solver_errors():
    with pytest.raises(ValueError, match="^solve:"):
        GramSolver("cholesky")
    with pytest.raises(ValueError, match="^G:"):
        GramSolver().solve(np.full((2, 2), np.nan), np.ones(2))


# --- objectives -------------------------------------------------------------------------------

def fd_gradient(objective, theta, h=1e-6):
    return np.array([(objective.loss(theta + h * e) - objective.loss(theta - h * e)) / (2 * h)
                     for e in np.eye(theta.size)])


@pytest.mark.parametrize("loss", ["l2", "fe-residual", "fe-residual-dual"])
@pytest.mark.parametrize("metric", ["l2", "h1", "gauss-newton"])
def test_fe_objective_gradient_matches_finite_differences(loss, metric):
    problem, space, system = fe_setup(0.1, 12)
    model = HardDirichlet(ShallowNetwork(4, 1))
    obj = FEObjective(system, model, loss, metric)
    theta = model.init(2)
    lin = obj.linearize(theta)
    assert np.allclose(lin.grad, fd_gradient(obj, theta), rtol=1e-5, atol=1e-8)
    assert np.isclose(lin.loss, obj.loss(theta))
    assert np.allclose(lin.gram, lin.gram.T) and np.linalg.eigvalsh(lin.gram).min() > -1e-10


@pytest.mark.parametrize("metric", ["l2", "h1", "gauss-newton"])
def test_strong_residual_gradient_and_gauss_newton(metric):
    problem = layer_1d(0.2)
    model = HardDirichlet(MLP((4,), 1))
    x = np.linspace(0.01, 0.99, 30)[:, None]
    obj = StrongResidual(problem, model, x, np.full(30, 1 / 30), metric=metric)
    theta = model.init(1)
    lin = obj.linearize(theta)
    assert np.allclose(lin.grad, fd_gradient(obj, theta), rtol=1e-5, atol=1e-9)
    # Gauss–Newton matrix: Σ w ∂R ∂Rᵀ with ∂R from finite differences of the residual
    h = 1e-6
    dR = np.stack([(obj.residuals(theta + h * e)[0] - obj.residuals(theta - h * e)[0]) / (2 * h)
                   for e in np.eye(theta.size)], axis=1)
    assert np.allclose(obj.gauss_newton_gram(theta), dR.T @ (dR / 30), rtol=1e-5, atol=1e-8)


def test_boundary_penalty_loss_by_hand():
    problem = smooth_1d(0.5)
    model = Legendre(3)
    x = np.array([[0.25], [0.75]])
    obj = StrongResidual(problem, model, x, np.array([0.5, 0.5]),
                         boundary=(np.array([[0.0], [1.0]]), np.array([2.0, 2.0])))
    theta = np.array([0.1, 0.2, -0.3, 0.05])
    ev = model.evaluate(theta, x, order=2)
    R = -0.5 * ev.laplacian + ev.grad[:, 0] - problem.source(x)
    B = model.evaluate(theta, np.array([[0.0], [1.0]])).value - np.array([0.0, 1.0])
    assert np.isclose(obj.loss(theta), 0.5 * (0.5 * R @ R + 2.0 * B @ B))


def test_kl_gradient_and_positive_model():
    space = FESpace(uniform_mesh_1d(16))
    model = Legendre(4)
    obj = KLDivergence(space, model, metric="gauss-newton")
    theta = model.init(0)
    assert np.allclose(obj.gradient(theta), fd_gradient(obj, theta), rtol=1e-6, atol=1e-9)
    r = train(obj, build_optimizer("ngd", step="grid"), theta, iterations=30)
    reference = train(obj, build_optimizer("lbfgs"), theta, iterations=500)   # the minimum, independently
    assert r.history["loss"][-1] <= reference.history["loss"][-1] + 1e-9
    assert np.all(np.diff(r.history["loss"]) <= 1e-15)
    assert np.all(obj.evaluate(r.theta, np.linspace(0, 1, 9)[:, None])[0] > 0)


# --- one-step properties of NGD (independent references) --------------------------------------

def test_fe_coefficients_gauss_newton_one_step_is_galerkin():
    problem, space, system = fe_setup(0.01, 32)
    obj = FEObjective(system, FECoefficients(system.interior.size), "fe-residual", "gauss-newton")
    r = train(obj, build_optimizer("ngd", solve="penrose", reg=1e-14), np.zeros(obj.n_params), iterations=1)
    assert np.allclose(obj.fe_vector(r.theta), galerkin(problem, space), atol=1e-10)


def test_l2_regression_with_linear_model_is_projection_in_one_step():
    """NGD in the loss's own metric: one step gives the M-orthogonal projection (normal equations here)."""
    problem, space, system = fe_setup(0.1, 20, degree=2)
    model = Legendre(5)
    obj = FEObjective(system, model, "l2", "l2")
    r = train(obj, build_optimizer("ngd", solve="penrose", reg=1e-14), model.init(3), iterations=1)
    Phi = model.evaluate(np.zeros(6), obj.points, jacobian=True).dvalue
    M = system.M_ii.toarray()
    projection = np.linalg.solve(Phi.T @ M @ Phi, Phi.T @ M @ obj.U)
    assert np.allclose(r.theta, projection, rtol=1e-8, atol=1e-10)


# --- step rules -----------------------------------------------------------------------------

def test_step_rules_on_a_parabola():
    loss = lambda t: float((t[0] - 3.0) ** 2)
    base, d, slope = np.zeros(1), np.ones(1), -6.0
    assert np.isclose(Quadratic()(loss, base, d, slope), 3.0)
    assert Grid()(loss, base, d, slope) == 1.0
    assert np.isclose(Grid(lr=8.0)(loss, base, d, slope), 4.0)
    s = Armijo(lr=16.0)(loss, base, d, slope)
    assert loss(base + s * d) < loss(base)


# --- optimizers and the loop -----------------------------------------------------------------

@pytest.mark.parametrize("name,kw", [("ngd", {"step": "grid"}), ("gd", {"step": "armijo", "lr": 1e-2}),
                                     ("adam", {"lr": 1e-2}), ("lbfgs", {}), ("hb", {"lr": 0.3, "momentum": 0.5}),
                                     ("spring", {"momentum": 0.5, "step": "grid"})])
def test_every_optimizer_decreases_the_loss(name, kw):
    problem, space, system = fe_setup(0.1, 16)
    obj = FEObjective(system, Legendre(6), "l2", "l2")
    r = train(obj, build_optimizer(name, **kw), np.zeros(7), iterations=60)
    assert r.history["loss"][-1] < 0.5 * r.history["loss"][0]
    assert not r.diverged and len(r.history["loss"]) == r.iterations + 1


def test_history_meter_and_stopping():
    problem, space, system = fe_setup(0.1, 16)
    obj = FEObjective(system, FECoefficients(15), "fe-residual", "gauss-newton")
    meter = ErrorMeter(problem, space)
    r = train(obj, build_optimizer("ngd", lr=0.5), np.zeros(15), iterations=100, tol=1e-12, meter=meter)
    assert r.message.startswith("converged") and r.iterations < 30
    h = r.history
    assert {"loss", "step", "seconds", "relative_l2_error_galerkin", "relative_l2_error_exact"} <= h.keys()
    assert np.all(np.diff(h["seconds"]) >= 0) and h["relative_l2_error_galerkin"][-1] < 1e-5
    # the exact-solution error of the converged model is the Galerkin solution's own error
    from femngd.fem import relative_l2_error
    assert np.isclose(h["relative_l2_error_exact"][-1],
                      relative_l2_error(space, galerkin(problem, space), problem.exact), rtol=1e-3)
    r = train(obj, build_optimizer("ngd", lr=0.5), np.zeros(15), iterations=100, time_budget=0.0)
    assert r.iterations == 0 and "time budget" in r.message


def test_divergence_returns_last_good_iterate():
    problem, space, system = fe_setup(0.01, 32)
    obj = FEObjective(system, FECoefficients(31), "fe-residual", "l2")
    seen = []
    with np.errstate(all="ignore"):
        r = train(obj, build_optimizer("ngd", lr=1.0), np.zeros(31), iterations=200,
                  callback=lambda k, th, row: seen.append(th.copy()))
    assert r.diverged and "diverged" in r.message and "last finite" in r.message
    assert np.all(np.isfinite(r.theta)) and np.array_equal(r.theta, seen[-1])


def test_stochastic_training_is_reproducible():
    problem = layer_1d(0.1)
    space = FESpace(uniform_mesh_1d(8))
    model = build_model("mlp", problem, space, width=6)
    runs = []
    for _ in range(2):
        obj = build_objective(problem, space, model, loss="strong-residual", metric="gauss-newton",
                              points="random", samples=30, seed=4)
        runs.append(train(obj, build_optimizer("ngd", step="grid"), model.init(1), iterations=5, seed=4))
    assert np.array_equal(runs[0].theta, runs[1].theta)
    assert runs[0].history["loss"] == runs[1].history["loss"]


def test_optimal_sampling_density_weights_are_unbiased():
    """E[Σ w_q f(x_q)] = ∫ f: the importance weights 1/(mρ) integrate a smooth f."""
    problem = layer_1d(0.1)
    model = HardDirichlet(ShallowNetwork(5, 1))
    obj = StrongResidual(problem, model, sampler="optimal", samples=4000, seed=0)
    obj.remember(model.init(0))
    obj.resample(np.random.default_rng(1))
    f = lambda x: np.cos(x[:, 0]) ** 2
    assert np.isclose(obj.weights @ f(obj.points), 0.5 + np.sin(2) / 4, rtol=0.03)


def test_factory_errors():
    problem, space, _ = fe_setup()
    with pytest.raises(ValueError, match="^model:"):
        build_model("resnet", problem, space)
    with pytest.raises(ValueError, match="^model:"):
        build_objective(problem, space, build_model("fe", problem, space), loss="strong-residual")
    with pytest.raises(ValueError, match="^loss:"):
        build_objective(problem, space, build_model("poly", problem, space), loss="hinge")
    with pytest.raises(ValueError, match="^bc:"):
        build_objective(problem, space, build_model("poly", problem, space, bc="interior"),
                        loss="strong-residual", bc="interior")
    with pytest.raises(ValueError, match="^optimizer:"):
        build_optimizer("sgd")
    with pytest.raises(ValueError, match="^momentum:"):
        build_optimizer("nhb-lm", momentum=1.5)
    with pytest.raises(ValueError, match="^theta0:"):
        train(build_objective(problem, space, build_model("fe", problem, space)), build_optimizer("ngd"),
              np.full(23, np.nan))
