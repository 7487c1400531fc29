"""The vectorized tanh kernel against numpy's tanh (libm or SVML): within 2 ulp everywhere."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from femngd.kernels import tanh
from femngd.kernels.elementwise import tanh_halving


def ulp_error(x):
    ref = np.tanh(x)
    return np.abs(tanh(x) - ref) / np.maximum(np.spacing(np.abs(ref)), 5e-324)


@pytest.mark.parametrize("x", [
    np.linspace(-25.0, 25.0, 1_000_001),                   # both branches, the switch at 0.625, saturation
    np.logspace(-320, 1.5, 50_001),                          # subnormals to the rational branch's edge
    -np.logspace(-320, 1.5, 50_001),
    np.random.default_rng(0).standard_normal((300, 40)) * 4,
])
def test_within_two_ulp_of_numpy(x):
    assert ulp_error(x).max() <= 2.0


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=True, width=64))
def test_any_double(v):
    assert ulp_error(np.array([v])).max() <= 2.0


def test_special_values_and_sign_of_zero():
    t = tanh(np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e308, -1e308, 5e-324]))
    assert t[0] == 1.0 and t[1] == -1.0 and np.isnan(t[2])
    assert t[3] == 0.0 and not np.signbit(t[3]) and np.signbit(t[4])
    assert t[5] == 1.0 and t[6] == -1.0 and t[7] == 5e-324


def test_in_place_shapes_and_bad_out():
    z = np.random.default_rng(1).standard_normal((7, 5))
    expected = np.tanh(z)
    out = tanh(z, out=z)
    assert out is z and np.allclose(z, expected, rtol=4.5e-16, atol=0)
    assert tanh(np.float64(0.3)).shape == () and tanh(np.arange(6.0).reshape(2, 3).T).shape == (3, 2)
    with pytest.raises(ValueError, match="^out"):
        tanh(np.zeros(3), out=np.zeros(4))


@pytest.mark.parametrize("scale", [0.1, 1.0, 5.0, 30.0, 300.0])   # large: t0 ≈ −T ≈ ±1 cancels (direct path)
@pytest.mark.parametrize("second", [False, True])
def test_halving_steps_against_direct_evaluation(scale, second):
    rng = np.random.default_rng(int(scale * 10))
    z0, dz = rng.standard_normal((2, 7, 60)) * scale
    coef = rng.standard_normal((31, 7))
    s0 = 0.75

    def sigma(z):
        t = np.tanh(z)
        return 2 * t * (t * t - 1) if second else t

    direct = np.array([coef[k] @ sigma(z0 + s0 * 0.5**k * dz) for k in range(31)])
    assert np.abs(tanh_halving(z0, dz, s0, coef, second) - direct).max() <= 1e-14 * np.abs(coef).sum(axis=1).max()


def test_halving_shape_errors():
    with pytest.raises(ValueError, match="^tanh_halving"):
        tanh_halving(np.zeros((3, 4)), np.zeros((3, 5)), 1.0, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="^tanh_halving"):
        tanh_halving(np.zeros((3, 4)), np.zeros((3, 4)), 1.0, np.zeros((2, 4)))
