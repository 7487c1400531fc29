"""L v = α v + β·∇v + γΔv of shallow tanh networks in one pass (kernels.tanh_operator), against plain numpy
written here from tanh's derivatives, and the strong residual's one-pass path against its field path."""
import numpy as np
import pytest

from femngd.fem import FESpace, corner_layer_2d, layer_1d, uniform_mesh_1d, unit_square_mesh
from femngd.kernels.tanh_operator import tanh_operator, tanh_operator_halving
from femngd.models import HardDirichlet, ShallowNetwork
from femngd.natural import build_objective


def reference_operator(x, W, b, c, c0, alpha, beta, gamma):
    """(Lv, ∂(Lv)/∂θ) by numpy: every neuron's value, gradient and Laplacian terms and their θ-derivatives."""
    z = x @ W.T + b
    t = np.tanh(z)
    s1, s2 = 1 - t**2, -2 * t * (1 - t**2)
    s3 = (1 - t**2) * (6 * t**2 - 2)
    bw, sq = beta @ W.T, np.sum(W * W, axis=1)
    a, g = alpha[:, None], gamma[:, None]
    dc = a * t + bw * s1 + g * sq * s2
    db = c * (a * s1 + bw * s2 + g * sq * s3)
    dW = [x[:, k, None] * db + c * (beta[:, k, None] * s1 + 2 * g * W[:, k] * s2) for k in range(x.shape[1])]
    J = np.concatenate([np.stack(dW, axis=2).reshape(len(x), -1), db, dc] + ([alpha[:, None]] if c0 is not None else []),
                       axis=1)
    return dc @ c + alpha * (c0 or 0.0), J


@pytest.mark.parametrize("dim, bias", [(1, False), (2, False), (2, True), (3, True)])
def test_operator_and_jacobian_match_numpy(dim, bias):
    rng = np.random.default_rng(dim)
    n, m = 6, 11
    W, b, c = rng.normal(size=(n, dim)) * 2, rng.normal(size=n), rng.normal(size=n)
    c0 = 0.7 if bias else None
    x, alpha, beta, gamma = rng.uniform(size=(m, dim)), rng.normal(size=m), rng.normal(size=(m, dim)), rng.normal(size=m)
    value, J = tanh_operator(x, W, b, c, c0, alpha, beta, gamma)
    ref_value, ref_J = reference_operator(x, W, b, c, c0, alpha, beta, gamma)
    assert np.allclose(value, ref_value, rtol=1e-13, atol=1e-13) and np.allclose(J, ref_J, rtol=1e-13, atol=1e-13)
    out = np.full_like(J, np.nan)
    value2, J2 = tanh_operator(x, W, b, c, c0, alpha, beta, gamma, out=out)
    assert J2 is out and np.array_equal(J2, J) and np.array_equal(value2, value)
    assert tanh_operator(x, W, b, c, c0, alpha, beta, gamma, jacobian=False)[1] is None
    with pytest.raises(ValueError, match="^out"):
        tanh_operator(x, W, b, c, c0, alpha, beta, gamma, out=np.zeros((m, 1)))


# (scale of w, b; of δw, δb): 30: t0 ≈ −T ≈ ±1 cancels (direct tanh there); 3e6: the smallest step's
# tanh(s δz) is past its Taylor polynomial's range
@pytest.mark.parametrize("scale, step_scale", [(0.1, 0.1), (1.0, 1.0), (30.0, 30.0), (1.0, 3e6)])
def test_halving_kernel_matches_direct_evaluation(scale, step_scale):
    rng = np.random.default_rng(int(scale))
    n, m, levels, s0 = 5, 700, 30, 0.75                    # 700 points: two tiles of 512
    x, beta = rng.uniform(size=(m, 2)), rng.normal(size=(m, 2))
    W, dW = rng.normal(size=(2, n, 2)) * [[[scale]], [[step_scale]]]
    b, db = rng.normal(size=(2, n)) * [[scale], [step_scale]]
    alpha, gamma = rng.normal(size=m), rng.normal(size=m)
    ca, cas, cg = rng.normal(size=(3, levels + 1, n))
    out = tanh_operator_halving(x, W, b, dW, db, s0, ca, cas, cg, alpha, beta, gamma)
    u, v = beta @ W.T, beta @ dW.T
    dz = np.abs(x @ dW.T + db).max()
    for k in range(levels + 1):
        if s0 * 0.5**k * dz > 1e2:                   # z ~ 1e6: tanh itself is ill-conditioned there
            continue
        t = np.tanh(x @ (W + s0 * 0.5**k * dW).T + b + s0 * 0.5**k * db)
        A, B, C = ca[k] * alpha[:, None], ca[k] * u + cas[k] * v, cg[k] * gamma[:, None]
        terms = A * t + B * (1 - t**2) + C * 2 * t * (t**2 - 1)
        scale_k = np.sum(np.abs(A) + np.abs(B) + np.abs(C), axis=1)       # the size of the coefficients
        assert np.all(np.abs(out[k] - terms.sum(axis=1)) <= 1e-14 * scale_k), k


def test_halving_kernel_rejects_bad_shapes():
    z = np.zeros((3, 2))
    with pytest.raises(ValueError, match="^tanh_operator_halving"):
        tanh_operator_halving(np.zeros((4, 2)), z, np.zeros(3), z, np.zeros(3), 1.0, np.zeros((5, 2)), np.zeros((5, 3)),
                              np.zeros((5, 3)), 0.0, np.zeros((4, 2)), 0.0)
    with pytest.raises(ValueError, match="^tile"):
        tanh_operator_halving(np.zeros((4, 2)), z, np.zeros(3), z, np.zeros(3), 1.0, np.zeros((5, 3)), np.zeros((5, 3)),
                              np.zeros((5, 3)), 0.0, np.zeros((4, 2)), 0.0, tile=0)


class FieldsOnly(HardDirichlet):
    """The wrapper without the one-pass operator: the strong residual takes its field path."""

    supports_operator = False


@pytest.mark.parametrize("dim", [1, 2])
def test_strong_residual_one_pass_equals_the_field_path(dim):
    problem = layer_1d(0.05, g0=0.3, g1=-0.2) if dim == 1 else corner_layer_2d(0.05)
    space = FESpace(uniform_mesh_1d(16) if dim == 1 else unit_square_mesh(4))
    lift = (0.3, -0.2) if dim == 1 else None
    fast, slow = HardDirichlet(ShallowNetwork(9, dim), lift=lift), FieldsOnly(ShallowNetwork(9, dim), lift=lift)
    objectives = [build_objective(problem, space, model, loss="strong-residual", metric="gauss-newton")
                  for model in (fast, slow)]
    theta = fast.init(4) * 1.3
    (r1, D1), (r2, D2) = (obj.residuals(theta, jacobian=True) for obj in objectives)
    assert np.allclose(r1, r2, rtol=1e-13, atol=1e-13 * np.abs(r2).max())
    assert np.allclose(D1, D2, rtol=1e-13, atol=1e-13 * np.abs(D2).max())
    assert objectives[0].loss(theta) == pytest.approx(objectives[1].loss(theta), rel=1e-13)


def test_wrapper_operator_cache_follows_the_arguments():
    model = HardDirichlet(ShallowNetwork(4, 2))
    rng = np.random.default_rng(0)
    x, beta, theta = rng.uniform(size=(6, 2)), rng.normal(size=(6, 2)), model.init(0)
    first = model.apply_operator(theta, x, None, beta, -0.1)[0]
    x[0] = [0.5, 0.5]                                          # the same array, new values: not the cached result
    again = model.apply_operator(theta, x, None, beta, -0.1)[0]
    fresh = HardDirichlet(model.model).apply_operator(theta, x, None, beta, -0.1)[0]
    assert not np.allclose(first, again) and np.array_equal(again, fresh)
    assert np.array_equal(model.apply_operator(theta, x, None, beta, -0.2)[0],
                          HardDirichlet(model.model).apply_operator(theta, x, None, beta, -0.2)[0])
