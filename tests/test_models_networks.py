"""Shallow networks and MLPs: activations, spatial derivatives and every θ-Jacobian vs central differences."""
import numpy as np
import pytest

from femngd.models.activations import activation
from femngd.models.mlp import MLP
from femngd.models.shallow import ShallowNetwork

ACTS = ["tanh", "sigmoid", "softplus", "relu3", "relu4"]


def central(f, x, h):
    """(f(x + h) − f(x − h)) / 2h, elementwise."""
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("name", ACTS + ["relu2"])
def test_activation_derivatives_against_central_differences(name):
    act = activation(name)
    z = np.linspace(-3.1, 2.9, 40)          # avoids the kink z = 0 of ReLU^k
    s = act(z)
    h = 1e-5
    for order in range(3):
        if name == "relu2" and order == 2:   # σ″ = 2H(z) has no derivative at 0; elsewhere σ‴ = 0
            assert np.all(s[3] == 0)
            continue
        fd = central(lambda t: act(t)[order], z, h)
        assert np.allclose(fd, s[order + 1], rtol=1e-7, atol=1e-8), order


def test_activation_closed_forms_and_bad_name():
    z = np.array([-2.0, -0.5, 0.3, 1.7])
    assert np.allclose(activation("tanh")(z)[0], np.tanh(z))
    assert np.allclose(activation("sigmoid")(z)[0], 1 / (1 + np.exp(-z)))
    assert np.allclose(activation("softplus")(z)[0], np.log1p(np.exp(z)))
    assert np.allclose(activation("relu5")(z)[0], np.maximum(z, 0) ** 5)
    for bad in ("relu1", "relu", "swish"):
        with pytest.raises(ValueError, match="^activation"):
            activation(bad)


MODELS = [ShallowNetwork(5, 1, a) for a in ACTS] + [ShallowNetwork(4, 2, a, output_bias=True) for a in ACTS] + [
    MLP((4, 3), 1), MLP((3, 4), 2), MLP((3, 2, 3), 2, "softplus"), MLP((5,), 1, "sigmoid")]


def _fd_theta(model, theta, x, field):
    h = 1e-6
    cols = [(getattr(model.evaluate(theta + h * e, x, order=2), field)
             - getattr(model.evaluate(theta - h * e, x, order=2), field)) / (2 * h) for e in np.eye(theta.size)]
    return np.stack(cols, axis=-1)


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_theta_jacobians_against_central_differences(model):
    theta = model.init(3) * 1.5
    x = np.random.default_rng(1).uniform(0.05, 0.95, (7, model.dim))
    ev = model.evaluate(theta, x, order=2, jacobian=True)
    assert ev.dvalue.shape == (7, model.n_params) and ev.dgrad.shape == (7, model.dim, model.n_params)
    for field, jac in (("value", ev.dvalue), ("grad", ev.dgrad), ("laplacian", ev.dlaplacian)):
        fd = _fd_theta(model, theta, x, field)
        assert np.allclose(jac, fd, rtol=1e-6, atol=1e-7 * (1 + np.abs(fd).max())), field


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_spatial_derivatives_against_central_differences(model):
    theta = model.init(2)
    x = np.random.default_rng(4).uniform(0.1, 0.9, (6, model.dim))
    ev = model.evaluate(theta, x, order=2)
    h = 1e-4
    lap = np.zeros(6)
    for d in range(model.dim):
        e = np.zeros(model.dim)
        e[d] = h
        plus, minus = model(theta, x + e), model(theta, x - e)
        assert np.allclose((plus - minus) / (2 * h), ev.grad[:, d], rtol=1e-6, atol=1e-8)
        lap += (plus - 2 * ev.value + minus) / h**2
    assert np.allclose(lap, ev.laplacian, rtol=1e-4, atol=1e-5)


def test_shallow_matches_a_plain_loop_reference():
    model = ShallowNetwork(3, 2, "tanh", output_bias=True)
    theta = model.init(0)
    W, b, c, c0 = theta[:6].reshape(3, 2), theta[6:9], theta[9:12], theta[12]
    x = np.array([[0.2, 0.7], [0.9, 0.1]])
    v = np.array([sum(c[i] * np.tanh(W[i] @ p + b[i]) for i in range(3)) + c0 for p in x])
    assert np.allclose(model(theta, x), v, rtol=1e-14)


def test_mlp_matches_a_plain_forward_reference():
    model = MLP((3, 2), 2)
    theta = model.init(5)
    x = np.random.default_rng(0).uniform(size=(4, 2))
    h = x
    for W, b in model.layers(theta)[:-1]:
        h = np.tanh(h @ W.T + b)
    W, b = model.layers(theta)[-1]
    assert np.allclose(model(theta, x), (h @ W.T + b)[:, 0], rtol=1e-14)


def test_parameter_counts_and_initialization():
    assert ShallowNetwork(32, 2, output_bias=True).n_params == 129
    assert ShallowNetwork(64, 2, output_bias=True).n_params == 257
    assert ShallowNetwork(10, 1).n_params == 30
    assert MLP((32, 32), 2).n_params == 32 * 3 + 32 * 33 + 33
    net = ShallowNetwork(64, 2, init_std=0.1, output_bias=True)
    theta = net.init(7)
    assert np.array_equal(theta, net.init(7)) and not np.array_equal(theta, net.init(8))
    assert abs(theta.std() - 0.1) < 0.015
    mlp = MLP((16, 16), 2, init_std=0.1)
    assert abs(mlp.init(0).std() - 0.1) < 0.015


def test_bad_input_names_the_parameter():
    net = ShallowNetwork(3, 2)
    with pytest.raises(ValueError, match="^width"):
        ShallowNetwork(0)
    with pytest.raises(ValueError, match="^dim"):
        ShallowNetwork(3, 4)
    with pytest.raises(ValueError, match="^widths"):
        MLP(())
    with pytest.raises(ValueError, match="^points"):
        net.evaluate(net.init(), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="^theta"):
        net.evaluate(np.full(net.n_params, np.nan), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="^order"):
        net.evaluate(net.init(), np.zeros((3, 2)), order=3)


@pytest.mark.parametrize("model", [ShallowNetwork(4, 2, output_bias=True), MLP((3, 4), 2)], ids=repr)
def test_fields_subset_gives_the_same_arrays(model):
    theta, x = model.init(1), np.random.default_rng(2).uniform(size=(5, 2))
    full = model.evaluate(theta, x, order=2, jacobian=True)
    for fields in ({"laplacian", "dlaplacian"}, {"dlaplacian"}, {"value", "dvalue"}, {"grad", "dgrad"}):
        part = model.evaluate(theta, x, order=2, jacobian=True, fields=fields)
        for name in ("value", "grad", "laplacian", "dvalue", "dgrad", "dlaplacian"):
            got = getattr(part, name)
            assert (got is None) == (name not in fields)
            if got is not None:
                assert np.allclose(got, getattr(full, name), rtol=1e-14, atol=1e-15)
    with pytest.raises(ValueError, match="^fields"):
        model.evaluate(theta, x, order=2, fields={"hessian"})


@pytest.mark.parametrize("dim,bias", [(1, False), (2, True), (3, False)])
def test_halving_evaluation_matches_evaluate_on_the_line(dim, bias):
    model = ShallowNetwork(6, dim, "tanh", output_bias=bias)
    rng = np.random.default_rng(dim)
    theta, d = model.init(1), rng.standard_normal(model.n_params) * 2
    x = rng.uniform(-1, 1, (9, dim))
    s = 1.5 * 0.5 ** np.arange(12)
    for field, attr in (("value", "value"), ("laplacian", "laplacian")):
        along = model.evaluate_halving(theta, d, 1.5, 11, x, field)
        direct = np.array([getattr(model.evaluate(theta + sk * d, x, order=2), attr) for sk in s])
        assert np.allclose(along, direct, rtol=1e-12, atol=1e-12 * np.abs(direct).max())


def test_halving_evaluation_needs_tanh_and_a_known_field():
    assert not ShallowNetwork(3, 1, "softplus").supports_halving
    with pytest.raises(ValueError, match="^evaluate_halving"):
        ShallowNetwork(3, 1, "softplus").evaluate_halving(np.zeros(9), np.zeros(9), 1.0, 3, np.zeros((2, 1)))
    with pytest.raises(ValueError, match="^field"):
        ShallowNetwork(3, 1).evaluate_halving(np.zeros(9), np.zeros(9), 1.0, 3, np.zeros((2, 1)), "grad")


def test_second_derivative_in_place_and_on_strided_input():
    act, z = activation("tanh"), np.random.default_rng(2).standard_normal((6, 8))
    expected = act(z.copy())[2]
    strided = z.copy()[:, ::2]
    assert np.allclose(act.second(strided, overwrite=True), act(strided.copy())[2], rtol=1e-15, atol=1e-15)
    assert np.allclose(act.second(z, overwrite=True), expected, rtol=1e-15, atol=1e-15)
