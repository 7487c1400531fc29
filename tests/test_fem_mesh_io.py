"""Shipped meshes and mesh files: loading, named boundaries, geometry, P1 convergence on them
(plain scikit-fem assembly, independent of femngd's FE core), and clear errors for bad files."""
import meshio
import numpy as np
import pytest
import scipy.sparse.csgraph as csgraph
import scipy.sparse as sp
import skfem
from skfem.helpers import dot, grad

from femngd.fem.mesh_io import MESH_DIR, SHIPPED_MESHES, load_mesh, shipped_mesh

RADIUS, CENTER = 0.2, np.array([0.5, 0.5])
SIDES = {"left", "right", "bottom", "top"}
# name: (domain area, boundary names, number of closed boundary loops, triangle count range)
EXPECTED = {"unit_square": (1.0, SIDES, 1, (1000, 1500)),
            "lshape": (3.0, {"reentrant", "outer"}, 1, (800, 1200)),
            "hole": (2.0 - np.pi * RADIUS**2, SIDES | {"hole"}, 2, (1000, 1500))}


def triangle_areas(mesh):
    """Shoelace formula per triangle."""
    a, b, c = (mesh.p[:, mesh.t[i]] for i in range(3))
    return 0.5 * np.abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))


def boundary_loops(mesh):
    """Number of connected components of the boundary-facet graph, and whether it is 2-regular."""
    edges = mesh.facets[:, mesh.boundary_facets()]
    n = mesh.p.shape[1]
    graph = sp.coo_matrix((np.ones(edges.shape[1]), (edges[0], edges[1])), shape=(n, n))
    degree = np.bincount(edges.ravel(), minlength=n)
    used = degree > 0
    labels = csgraph.connected_components(graph, directed=False)[1]
    return np.unique(labels[used]).size, bool(np.all(degree[used] == 2))


@pytest.mark.parametrize("name", SHIPPED_MESHES)
def test_shipped_mesh_geometry_and_boundaries(name):
    area, names, loops, (lo, hi) = EXPECTED[name]
    mesh = shipped_mesh(name)
    assert type(mesh) is skfem.MeshTri1 and lo <= mesh.t.shape[1] <= hi
    assert (MESH_DIR / f"{name}.msh").stat().st_size < 300_000
    assert set(mesh.boundaries) == names
    assert np.unique(mesh.t).size == mesh.p.shape[1]                       # no orphan vertices
    assert np.isclose(triangle_areas(mesh).sum(), area, rtol=1e-10 if name != "hole" else 1e-2)
    named = np.concatenate(list(mesh.boundaries.values()))
    assert named.size == np.unique(named).size                              # names do not overlap
    assert np.array_equal(np.sort(named), np.sort(mesh.boundary_facets()))  # and cover the boundary
    assert boundary_loops(mesh) == (loops, True)                            # closed loops


def facet_midpoints(mesh, facets):
    return mesh.p[:, mesh.facets[:, facets]].mean(axis=1).T


def test_named_boundaries_lie_where_documented():
    square = shipped_mesh("unit_square")
    for name, (axis, value) in {"left": (0, 0), "right": (0, 1), "bottom": (1, 0), "top": (1, 1)}.items():
        assert np.allclose(facet_midpoints(square, square.boundaries[name])[:, axis], value)
    hole = shipped_mesh("hole")
    ends = hole.p[:, hole.facets[:, hole.boundaries["hole"]]].reshape(2, -1).T
    assert np.allclose(np.linalg.norm(ends - CENTER, axis=1), RADIUS, rtol=1e-6)
    assert np.allclose(facet_midpoints(hole, hole.boundaries["right"])[:, 0], 2.0)
    lshape = shipped_mesh("lshape")
    mid = facet_midpoints(lshape, lshape.boundaries["reentrant"])
    assert np.all(np.isclose(mid[:, 0], 0) & (mid[:, 1] < 0) | np.isclose(mid[:, 1], 0) & (mid[:, 0] > 0))


def test_hole_area_matches_pi_r_squared():
    mesh = shipped_mesh("hole")
    assert abs((2.0 - triangle_areas(mesh).sum()) / (np.pi * RADIUS**2) - 1) < 0.01


def exact(x, y):
    return np.sin(np.pi * x) * np.sin(np.pi * y) + x * y**2


@skfem.BilinearForm
def laplace(u, v, _):
    return dot(grad(u), grad(v))


@skfem.LinearForm
def source(v, w):
    x, y = w.x
    return (2 * np.pi**2 * np.sin(np.pi * x) * np.sin(np.pi * y) - 2 * x) * v   # f = −Δ exact


@skfem.Functional
def squared_error(w):
    return (w["uh"] - exact(*w.x)) ** 2


def p1_poisson_l2_error(mesh):
    """‖u − u_h‖_{L2} for P1 Galerkin of −Δu = f with u = exact on the whole boundary."""
    basis = skfem.Basis(mesh, skfem.ElementTriP1(), intorder=4)
    A, b = laplace.assemble(basis), source.assemble(basis)
    boundary = basis.get_dofs().all()
    uh = basis.zeros()
    uh[boundary] = exact(*basis.doflocs[:, boundary])
    uh = skfem.solve(*skfem.condense(A, b, x=uh, D=boundary))
    return np.sqrt(squared_error.assemble(basis, uh=basis.interpolate(uh)))


@pytest.mark.parametrize("name", SHIPPED_MESHES)
def test_p1_poisson_converges_at_order_two(name):
    mesh, errors = shipped_mesh(name), []
    for _ in range(3):
        errors.append(p1_poisson_l2_error(mesh))
        mesh = mesh.refined()              # halves every edge: h ratio 2 (curved hole is not snapped)
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert errors[0] < 1e-2 and np.all(np.abs(orders - 2) < 0.2), (errors, orders)


def test_unused_vertices_are_removed_and_names_kept(tmp_path):
    original = meshio.read(MESH_DIR / "unit_square.msh")
    original.points = np.vstack([original.points, [[5.0, 5.0, 0.0]]])     # an orphan vertex
    path = tmp_path / "orphan.msh"
    meshio.write(path, original, file_format="gmsh22", binary=False)
    mesh, reference = load_mesh(path), shipped_mesh("unit_square")
    assert mesh.p.shape == reference.p.shape and np.array_equal(mesh.t, reference.t)
    for name, facets in reference.boundaries.items():
        assert np.allclose(facet_midpoints(mesh, mesh.boundaries[name]), facet_midpoints(reference, facets))


def write_bad_files(tmp_path):
    text = (MESH_DIR / "hole.msh").read_text()
    files = {"garbage.msh": b"\x00\x01 not a mesh \xff" * 20, "empty.msh": b"",
             "truncated.msh": text[: len(text) // 2].encode(), "notes.txt": b"hello"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    skfem.MeshLine(np.linspace(0, 1, 5)).save(str(tmp_path / "line.msh"))
    skfem.MeshTet.init_tensor(*(np.linspace(0, 1, 3),) * 3).save(str(tmp_path / "tet.msh"))
    return [*files, "line.msh", "tet.msh"]


def test_bad_files_give_one_line_errors(tmp_path, capsys):
    with pytest.raises(FileNotFoundError, match="^mesh: no such file"):
        load_mesh(tmp_path / "missing.msh")
    for name in write_bad_files(tmp_path):
        with pytest.raises(ValueError, match="^mesh: ") as info:
            load_mesh(tmp_path / name)
        assert "\n" not in str(info.value) and name in str(info.value)
    assert capsys.readouterr().err == ""              # meshio's console noise is silenced


def test_mesh_without_boundary_names_and_degenerate_mesh(tmp_path):
    plain = tmp_path / "plain.msh"                    # a valid gmsh file without boundary groups
    skfem.MeshTri.init_tensor(np.linspace(0, 1, 3), np.linspace(0, 1, 3)).save(str(plain))
    with pytest.raises(ValueError, match="^mesh: .* no named boundaries"):
        load_mesh(plain)
    mesh = shipped_mesh("unit_square")
    squashed = meshio.read(MESH_DIR / "unit_square.msh")
    t0 = mesh.t[:, 0]
    squashed.points[t0[2], :2] = 0.5 * (squashed.points[t0[0], :2] + squashed.points[t0[1], :2])
    path = tmp_path / "squashed.msh"
    meshio.write(path, squashed, file_format="gmsh22", binary=False)
    with pytest.raises(ValueError, match="^mesh: .* degenerate cells"):
        load_mesh(path)


def test_unknown_shipped_mesh():
    with pytest.raises(ValueError, match="^mesh: unknown shipped mesh 'annulus'"):
        shipped_mesh("annulus")
