"""Models and objectives by name: sizes, boundary treatment, dispatch and one-line errors."""
import numpy as np
import pytest

from femngd.fem import FESpace, layer_1d, smooth_1d, smooth_2d, uniform_mesh_1d, unit_square_mesh
from femngd.models import FECoefficients, HardDirichlet
from femngd.natural import FEObjective, KLDivergence, StrongResidual, build_model, build_objective


@pytest.fixture(scope="module")
def one_d():
    return smooth_1d(0.3), FESpace(uniform_mesh_1d(10), 1)


@pytest.mark.parametrize("name,opts,n_params", [
    ("fe", {}, 9), ("poly", {"degree": 5}, 6), ("shallow", {"width": 4}, None), ("mlp", {"width": 3, "depth": 2}, None),
    ("fourier", {"n_modes": 3}, None), ("freeknot", {"n_knots": 4}, None)])
def test_models_by_name_and_hard_boundary_values(one_d, name, opts, n_params):
    problem, space = one_d
    model = build_model(name, problem=problem, space=space, **opts)
    if n_params is not None:
        assert model.n_params == n_params
    if name == "fe":
        assert isinstance(model, FECoefficients)
        return
    assert isinstance(model, HardDirichlet)
    theta = model.init(0) + 0.3
    assert np.allclose(model(theta, np.array([[0.0], [1.0]])), [0.0, 1.0], atol=1e-13)   # u(0) = 0, u(1) = 1
    raw = build_model(name, problem=problem, space=space, bc="interior", **opts)
    assert not isinstance(raw, HardDirichlet) and raw.n_params == model.n_params


def test_objectives_by_loss(one_d):
    problem, space = one_d
    fe = build_model("fe", problem=problem, space=space)
    for loss in ("l2", "fe-residual", "fe-residual-dual"):
        obj = build_objective(problem, space, fe, loss=loss, metric="gauss-newton")
        assert isinstance(obj, FEObjective) and obj.loss_name == loss and obj.n_params == fe.n_params
    net = build_model("shallow", problem=problem, space=space, width=3)
    strong = build_objective(problem, space, net, loss="strong-residual", metric="gauss-newton")
    x, _ = space.quadrature()
    assert isinstance(strong, StrongResidual) and np.isfinite(strong.loss(net.init(0)))
    theta = net.init(0)
    quad = strong.linearize(theta).loss
    random = build_objective(problem, space, net, loss="strong-residual", points="random", samples=30, seed=1)
    assert np.isfinite(random.loss(theta)) and random.loss(theta) != quad
    kl = build_objective(problem, space, build_model("poly", problem=problem, space=space, bc="interior"), loss="kl")
    assert isinstance(kl, KLDivergence)


def test_l2_targets(one_d):
    problem, space = one_d
    fe = build_model("fe", problem=problem, space=space)
    exact = build_objective(problem, space, fe, loss="l2", target="exact")
    interior = space.interpolate(problem.exact)[space.interior_dofs]
    assert exact.loss(interior) == 0.0 and exact.loss(interior + 0.1) > 0
    galerkin = build_objective(problem, space, fe, loss="l2", target="galerkin")
    assert galerkin.loss(interior) > 0


def test_2d_models_and_hard_bc_needs_zero_data():
    space = FESpace(unit_square_mesh(3), 1)
    assert build_model("fe", problem=smooth_2d(0.5), space=space).n_params == space.interior_dofs.size
    with pytest.raises(ValueError, match="^bc:"):
        build_model("shallow", problem=smooth_2d(0.5), space=space)      # non-zero Dirichlet data in 2D
    with pytest.raises(ValueError, match="^model:"):
        build_model("freeknot", problem=smooth_2d(0.5), space=space, bc="interior")


@pytest.mark.parametrize("call,needle", [
    (lambda p, s: build_model("cnn", problem=p, space=s), "model:"),
    (lambda p, s: build_model("shallow", problem=p, space=s, bc="soft"), "bc:"),
    (lambda p, s: build_model("shallow", problem=p, space=s, widht=3), "widht:"),
    (lambda p, s: build_objective(p, s, build_model("fe", problem=p, space=s), loss="l1"), "loss:"),
    (lambda p, s: build_objective(p, s, build_model("fe", problem=p, space=s), loss="strong-residual"), "model:"),
    (lambda p, s: build_objective(p, s, build_model("fe", problem=p, space=s), metric="energy"), "metric:"),
    (lambda p, s: build_objective(p, s, build_model("shallow", problem=p, space=s, bc="interior"),
                                  loss="strong-residual", bc="interior"), "bc:"),
    (lambda p, s: build_objective(p, s, build_model("shallow", problem=p, space=s), loss="strong-residual",
                                  points="lattice"), "points:"),
    (lambda p, s: build_objective(p, s, build_model("shallow", problem=p, space=s), loss="strong-residual",
                                  samples=30), "samples:"),
    (lambda p, s: build_objective(p, s, build_model("shallow", problem=p, space=s), loss="strong-residual",
                                  points="random", grid=10), "grid:"),
    (lambda p, s: build_objective(p, s, build_model("shallow", problem=p, space=s), loss="fe-residual",
                                  points="random"), "points:"),
    (lambda p, s: build_objective(p, s, build_model("shallow", problem=p, space=s), loss="kl"), "bc:"),
    (lambda p, s: build_objective(p, s, build_model("fe", problem=p, space=s), loss="l2", target="best"), "target:"),
    (lambda p, s: build_objective(p, s, build_model("fe", problem=p, space=s), samples_=3), "samples_:"),
    (lambda p, s: build_objective(p, s, "fe"), "model:"),
])
def test_errors_name_the_parameter(one_d, call, needle):
    problem, space = one_d
    with pytest.raises(ValueError) as info:
        call(problem, space)
    message = str(info.value)
    assert message.startswith(needle) and "\n" not in message


def test_hard_bc_fe_loss_network_reaches_boundary_values():
    problem, space = layer_1d(0.1), FESpace(uniform_mesh_1d(8), 1)
    net = build_model("shallow", problem=problem, space=space, width=3)
    obj = build_objective(problem, space, net, loss="fe-residual")
    full = obj.fe_vector(net.init(2))
    assert np.allclose(full[space.boundary_dofs], 0.0)
