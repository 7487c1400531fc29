"""The m < p regime: Gram solves through the m × m kernel (Woodbury / push-through) against the p × p
solves, the objectives' automatic and explicit choice of the kernel form, and SPRING against a numpy
recursion written here."""
import numpy as np
import pytest

from femngd.fem import FESpace, corner_layer_2d, layer_1d, uniform_mesh_1d, unit_square_mesh
from femngd.models import Legendre
from femngd.natural import GramSolver, StrongResidual, build_model, build_objective
from femngd.natural.kernel_gram import KernelGram
from femngd.optim import build_optimizer
from femngd.train import train


def _whitened(m=30, p=70, seed=0, decay=6.0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, p)) * np.logspace(0, -decay, p), rng.normal(size=m)


def _kernel_gram(W):
    """KernelGram of W as D = W/x^{1/2} with a non-trivial metric x (so that W = x^{1/2} D)."""
    sx = np.linspace(0.5, 2.0, W.shape[0])
    return KernelGram(W / sx[:, None], sx)


@pytest.mark.parametrize("method, reg", [("tikhonov", 1e-8), ("tikhonov", 1e-3), ("penrose", 1e-10),
                                         ("lstsq", 1e-10), ("lstsq-qr", 1e-10)])
def test_kernel_solve_equals_the_dense_solve(method, reg):
    W, z = _whitened()
    G = _kernel_gram(W)
    rhs = W.T @ z
    G.register(rhs, z)
    kernel, dense = GramSolver(method, reg).solve(G, rhs), GramSolver(method, reg).solve(W.T @ W, rhs)
    assert np.linalg.norm(kernel.x - dense.x) <= 1e-7 * np.linalg.norm(dense.x)
    if method != "lstsq-qr":
        assert kernel.rank == dense.rank and kernel.condition == pytest.approx(dense.condition, rel=1e-6)


def test_tikhonov_kernel_solve_is_the_push_through_identity():
    W, z = _whitened(decay=1.0)
    G, rhs, lam = _kernel_gram(W), W.T @ z, 1e-2
    G.register(rhs, z)
    x = GramSolver("tikhonov", lam, relative=False).solve(G, rhs).x
    assert np.allclose(x, np.linalg.solve(W.T @ W + lam * np.eye(W.shape[1]), rhs), rtol=1e-10, atol=1e-12)
    assert np.allclose(G @ x, W.T @ (W @ x)) and np.allclose(np.asarray(G), W.T @ W)
    assert np.allclose(G.kernel, W @ W.T) and np.allclose(G.times(x), W @ x)
    assert G.trace() == pytest.approx(np.trace(W.T @ W))


def test_unregistered_right_hand_side_uses_the_dense_matrix():
    W, _ = _whitened(decay=1.0)
    rhs = np.random.default_rng(3).normal(size=W.shape[1])        # not in range(Wᵀ) and not registered
    x = GramSolver("tikhonov", 1e-3).solve(_kernel_gram(W), rhs).x
    assert np.allclose(x, GramSolver("tikhonov", 1e-3).solve(W.T @ W, rhs).x, rtol=1e-9, atol=1e-12)


def _residual(gram, samples=40, width=12, seed=0):
    problem, space = corner_layer_2d(0.1), FESpace(unit_square_mesh(4))
    model = build_model("mlp", problem, space, width=width, depth=2)
    return model, build_objective(problem, space, model, loss="strong-residual", metric="gauss-newton",
                                  points="random", samples=samples, seed=seed, gram=gram)


def test_auto_form_is_the_kernel_when_fewer_points_than_parameters():
    model, auto = _residual("auto")
    assert model.n_params > 40 and isinstance(auto.linearize(model.init(0)).gram, KernelGram)
    assert isinstance(_residual("auto", samples=400)[1].linearize(model.init(0)).gram, np.ndarray)
    assert isinstance(_residual("kernel", samples=400)[1].linearize(model.init(0)).gram, KernelGram)
    assert isinstance(_residual("dense")[1].linearize(model.init(0)).gram, np.ndarray)
    with pytest.raises(ValueError, match="^gram"):
        _residual("woodbury")
    problem, space = layer_1d(0.1), FESpace(uniform_mesh_1d(8))
    with pytest.raises(ValueError, match="^gram"):
        build_objective(problem, space, build_model("fe", problem, space), loss="fe-residual", gram="kernel")


@pytest.mark.parametrize("name, options", [("ngd", {"solve": "tikhonov", "reg": 1e-6}),
                                           ("ngd", {"solve": "penrose", "reg": 1e-6}),
                                           ("nhb-fd", {"solve": "tikhonov", "reg": 1e-6, "momentum": 0.5}),
                                           ("nhb-lm", {"solve": "tikhonov", "reg": 1e-6, "momentum": 0.5})])
def test_kernel_and_dense_training_give_the_same_iterates(name, options):
    """Every right-hand side (gradient, momentum transports) goes through the kernel: same iterates to rounding."""
    runs = {}
    for gram in ("dense", "kernel"):
        model, objective = _residual(gram)
        runs[gram] = train(objective, build_optimizer(name, lr=0.5, **options), model.init(0), iterations=4).theta
    assert np.linalg.norm(runs["kernel"] - runs["dense"]) <= 1e-8 * np.linalg.norm(runs["dense"])


def test_spring_against_a_numpy_recursion():
    """φ_k = μφ_{k−1} + Wᵀ(WWᵀ + λI)⁻¹(z_k − μWφ_{k−1}), θ_{k+1} = θ_k − s φ_k on a linear model with m < p,
    through the kernel and through the dense Gram."""
    problem = layer_1d(0.1)
    model = Legendre(30, 1)
    x = np.random.default_rng(0).uniform(size=(12, 1))
    lr, mu, lam = 0.7, 0.6, 1e-3
    for gram in ("kernel", "dense"):
        objective = StrongResidual(problem, model, x, boundary=(np.array([[0.0], [1.0]]), None), gram=gram)
        theta0 = model.init(0)
        result = train(objective, build_optimizer("spring", lr=lr, momentum=mu, damping=lam), theta0, iterations=5)
        theta, phi = theta0.copy(), np.zeros(model.n_params)
        sw = np.sqrt(objective._loss_weights())
        for _ in range(5):
            r, D = objective.residuals(theta, jacobian=True)
            W, z = sw[:, None] * D, sw * r
            phi = mu * phi + W.T @ np.linalg.solve(W @ W.T + lam * np.eye(len(z)), z - mu * (W @ phi))
            theta = theta - lr * phi
        kappa = (np.linalg.norm(W, 2) ** 2 + lam) / lam                  # of G + λI: the dense solve's amplification
        tol = 1e-12 if gram == "kernel" else 1e-15 * kappa                # the kernel path is the recursion above
        assert np.linalg.norm(result.theta - theta) <= tol * np.linalg.norm(theta), (gram, kappa)
