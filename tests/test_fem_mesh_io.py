"""Shipped meshes and mesh files: loading, named boundaries, geometry, convergence on them, bad files."""
import numpy as np
import pytest
import skfem

from femngd.fem import (FESpace, galerkin, l2_error, load_mesh, make_mesh, observed_orders, shipped_mesh,
                        smooth_2d)
from femngd.fem.mesh_io import SHIPPED_MESHES

AREAS = {"unit_square": 1.0, "lshape": 3.0, "hole": 2.0 - np.pi * 0.2**2}
BOUNDARIES = {"unit_square": {"left", "right", "bottom", "top"}, "lshape": {"reentrant", "outer"},
              "hole": {"hole", "outer"}}


def areas(mesh):
    p, t = mesh.p, mesh.t
    a, b, c = p[:, t[0]], p[:, t[1]], p[:, t[2]]
    return 0.5 * np.abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))


@pytest.mark.parametrize("name", SHIPPED_MESHES)
def test_shipped_mesh_geometry_and_boundaries(name):
    mesh = shipped_mesh(name)
    assert isinstance(mesh, skfem.MeshTri1) and 500 <= mesh.t.shape[1] <= 3000
    assert set(mesh.boundaries) == BOUNDARIES[name]
    # polygonal approximation of the circle loses a little area (< 1% of the disc)
    assert np.isclose(areas(mesh).sum(), AREAS[name], rtol=2e-3)
    named = np.unique(np.concatenate(list(mesh.boundaries.values())))
    assert np.array_equal(named, np.sort(mesh.boundary_facets()))      # the names cover the whole boundary
    # every boundary node is on exactly two boundary facets: closed loops
    nodes = mesh.facets[:, mesh.boundary_facets()].ravel()
    assert np.all(np.bincount(nodes)[np.unique(nodes)] == 2)


@pytest.mark.parametrize("name", SHIPPED_MESHES)
def test_p1_and_p2_orders_on_shipped_meshes(name):
    problem = smooth_2d(1.0)
    for degree, order in ((1, 2), (2, 3)):
        mesh, errors, h = shipped_mesh(name), [], []
        for _ in range(2 if degree == 2 else 3):
            space = FESpace(mesh, degree)
            errors.append(l2_error(space, galerkin(problem, space), problem.exact))
            h.append(space.h.max())
            mesh = mesh.refined()
        assert abs(observed_orders(h, errors)[-1] - order) < 0.25


def test_make_mesh_accepts_names_and_paths(tmp_path):
    assert make_mesh("lshape", 0, 2).t.shape == shipped_mesh("lshape").t.shape
    with pytest.raises(ValueError, match="^mesh:"):
        make_mesh("hole", 8, 1)
    with pytest.raises(ValueError, match="^mesh:"):
        shipped_mesh("annulus")


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="^mesh:"):
        load_mesh(tmp_path / "missing.msh")
    garbage = tmp_path / "garbage.msh"
    garbage.write_bytes(b"\x00\x01 not a mesh \xff" * 20)
    with pytest.raises(ValueError, match="^mesh:"):
        load_mesh(garbage)
    plain = tmp_path / "plain.msh"       # a valid gmsh file without boundary groups
    skfem.MeshTri.init_tensor(np.linspace(0, 1, 3), np.linspace(0, 1, 3)).save(str(plain))
    with pytest.raises(ValueError, match="no named boundaries"):
        load_mesh(plain)
