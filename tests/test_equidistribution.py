"""de Boor equidistribution: equal shares of a known density, curvature density of P1 functions."""
import numpy as np
import pytest
from scipy.integrate import quad

from femngd.fem.equidistribution import equidistribute, equidistributed_knots, p1_density


def test_equal_shares_of_a_known_density():
    z = np.linspace(0.0, 1.0, 2001)
    density_fn = lambda x: 1.0 + 50.0 * np.exp(-((x - 0.7) / 0.05) ** 2)
    mid = 0.5 * (z[:-1] + z[1:])
    x = equidistribute(z, density_fn(mid), 20)
    shares = [quad(density_fn, a, b, points=[0.7])[0] for a, b in zip(x[:-1], x[1:])]
    assert x[0] == 0.0 and x[-1] == 1.0 and np.all(np.diff(x) > 0)
    assert np.ptp(shares) / np.mean(shares) < 5e-4      # cell-wise constant density: O(h²) from the true one


def test_piecewise_constant_density_is_inverted_exactly():
    z = np.array([0.0, 0.5, 1.0])
    x = equidistribute(z, np.array([1.0, 3.0]), 4)     # Φ(1) = 2: levels 0, .5, 1, 1.5, 2
    assert np.allclose(x, [0.0, 0.5, 2 / 3, 5 / 6, 1.0])


def test_zero_density_cells_are_skipped():
    x = equidistribute(np.array([0.0, 0.4, 0.6, 1.0]), np.array([1.0, 0.0, 1.0]), 2)
    assert np.allclose(x, [0.0, 0.4, 1.0]) or np.allclose(x, [0.0, 0.6, 1.0])


def test_linear_function_keeps_uniform_knots_and_kink_attracts_them():
    t = np.linspace(0, 1, 17)
    assert np.allclose(p1_density(t, 3 * t + 1), 1.0)
    new, values = equidistributed_knots(t, np.abs(t - 0.5))       # kink at 1/2
    assert np.allclose(values, np.abs(new - 0.5))                  # values interpolate the current function
    near = np.sum(np.abs(new - 0.5) < 0.1)
    assert near > np.sum(np.abs(t - 0.5) < 0.1)                    # more knots near the kink than before


@pytest.mark.parametrize("nodes, density, n, needle", [
    ([0.0, 1.0, 0.5], [1.0, 1.0], 2, "nodes"), ([0.0, 1.0], [-1.0], 2, "density"),
    ([0.0, 1.0], [0.0], 2, "density"), ([0.0, 1.0], [1.0], 0, "n_cells")])
def test_bad_input(nodes, density, n, needle):
    with pytest.raises(ValueError, match=needle):
        equidistribute(np.array(nodes), np.array(density), n)
