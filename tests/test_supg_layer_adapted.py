"""SUPG on layer-adapted meshes: τ from the cell size along b, zero in the resolved (fine) cells, so that
SUPG on Shishkin meshes is at least as accurate as Galerkin there (exact solutions, 1D and 2D)."""
import numpy as np
import pytest
import skfem

from femngd.fem import (FESpace, corner_layer_2d, galerkin, layer_1d, make_mesh, relative_l2_error, supg,
                        uniform_mesh_1d)
from femngd.fem.galerkin import streamline_length


def max_chord(corners, direction, samples=20001):
    """Longest segment along ``direction`` inside a triangle, by brute force over parallel lines."""
    d = direction / np.linalg.norm(direction)
    normal = np.array([-d[1], d[0]])
    offsets = corners @ normal
    best = 0.0
    for c in np.linspace(offsets.min(), offsets.max(), samples):
        ts = []
        for i in range(3):
            a, b = corners[i], corners[(i + 1) % 3]
            denom = (b - a) @ normal
            if abs(denom) > 1e-14:
                s = (c - a @ normal) / denom
                if -1e-12 <= s <= 1 + 1e-12:
                    ts.append((a + s * (b - a)) @ d)
        if len(ts) >= 2:
            best = max(best, max(ts) - min(ts))
    return best


def test_streamline_length_is_the_chord_along_b():
    corners = np.array([[0.0, 0.0], [0.3, 0.05], [0.1, 0.2]])
    space = FESpace(skfem.MeshTri(corners.T, np.array([[0], [1], [2]])))
    for b in ([1.0, 0.0], [1.0, 1.0], [-0.3, 2.0]):
        field = np.broadcast_to(np.array(b)[:, None, None], (2,) + space.basis.dx.shape)
        assert streamline_length(space, field)[0, 0] == pytest.approx(max_chord(corners, np.array(b)), rel=1e-3)


def test_streamline_length_in_1d_is_the_cell_length():
    space = FESpace(make_mesh("shishkin", 16, 1, eps=1e-3))
    b = np.ones((1,) + space.basis.dx.shape)
    assert np.allclose(streamline_length(space, b), space.h[:, None])


@pytest.mark.parametrize("dim, eps", [(1, 1e-2), (1, 1e-4), (2, 1e-2), (2, 1e-3)])
def test_supg_on_shishkin_meshes_is_at_least_as_accurate_as_galerkin(dim, eps):
    problem = layer_1d(eps) if dim == 1 else corner_layer_2d(eps)
    space = FESpace(make_mesh("shishkin", 64 if dim == 1 else 32, dim, eps=eps))
    e_galerkin = relative_l2_error(space, galerkin(problem, space), problem.exact)
    e_supg = relative_l2_error(space, supg(problem, space), problem.exact)
    assert e_supg <= 1.001 * e_galerkin      # equal to 0.1% where the coarse cells barely exceed Pe = 1


def test_supg_stays_nodally_exact_on_coarse_uniform_meshes():
    problem, space = layer_1d(1e-3), FESpace(uniform_mesh_1d(32))
    u = supg(problem, space)
    assert np.max(np.abs(u - problem.exact(space.dof_locations))) < 1e-12
