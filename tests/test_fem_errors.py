"""Error norms: layer-accurate quadrature, relative forms, observed orders."""
import numpy as np
import pytest
from scipy.integrate import quad

from femngd.fem import (FESpace, error_report, h1_error, l2_error, l2_norm, layer_1d, max_nodal_error,
                        observed_orders, relative_l2_error, uniform_mesh_1d)
from femngd.fem.quadrature import graded_rule


@pytest.mark.parametrize("eps", [1e-2, 1e-5, 1e-9])
def test_l2_norm_of_layer_solution_matches_adaptive_quadrature(eps):
    """‖u‖² with the layer inside one coarse cell, against scipy's adaptive quad split at the layer."""
    p = layer_1d(eps)
    u = lambda s: p.exact(np.array([[s]]))[0]
    ref = quad(lambda s: u(s) ** 2, 0, 1 - 50 * eps, limit=200)[0] + quad(lambda s: u(s) ** 2, 1 - 50 * eps, 1,
                                                                          limit=200)[0]
    space = FESpace(uniform_mesh_1d(4))
    assert np.isclose(l2_norm(space, p.exact) ** 2, ref, rtol=1e-10)


def test_h1_error_inside_layer():
    """|u|²_{H1} = ∫ u′² has a layer contribution ≈ 1/(2ε) that a plain Gauss rule misses."""
    eps = 1e-6
    p = layer_1d(eps)
    space = FESpace(uniform_mesh_1d(8))
    e = h1_error(space, np.zeros(space.n_dofs), p.exact_grad)
    # ∫ (1 − w′)² with w′ = exp((x−1)/ε)/ε: 1 − 2 + 1/(2ε) (up to exp(−1/ε))
    assert np.isclose(e**2, 1 / (2 * eps) - 1, rtol=1e-9)


def test_graded_rule_integrates_polynomials_and_sums_to_one():
    x, w = graded_rule(4, 1e-6)
    assert np.isclose(w.sum(), 1.0) and np.all(np.diff(x[0]) > 0)
    assert np.isclose(w @ x[0] ** 7, 1 / 8)


def test_errors_of_interpolant_and_relative_forms():
    f = lambda x: np.sin(2 * x[:, 0])
    space = FESpace(uniform_mesh_1d(16), 2)
    u = space.interpolate(f)
    assert max_nodal_error(space, u, f) == 0.0
    e = l2_error(space, u, f)
    assert 0 < e < 1e-4
    norm = np.sqrt(quad(lambda s: np.sin(2 * s) ** 2, 0, 1)[0])
    assert np.isclose(relative_l2_error(space, u, f), e / norm)
    rep = error_report(space, u, f, None)
    assert np.isnan(rep["h1_error"]) and np.isclose(rep["l2_error"], e)


def test_observed_orders():
    h = np.array([1, 0.5, 0.25])
    assert np.allclose(observed_orders(h, 3 * h**2), 2)
    with pytest.raises(ValueError, match="^errors:"):
        observed_orders([1, 0.5], [1.0, 0.0])
    with pytest.raises(ValueError, match="^errors:"):
        observed_orders([1], [1.0])
    with pytest.raises(ValueError, match="^exact:"):
        relative_l2_error(FESpace(uniform_mesh_1d(2)), np.zeros(3), lambda x: 0 * x[:, 0])


def test_error_report_in_one_pass_equals_the_separate_errors():
    from femngd.fem import (FESpace, corner_layer_2d, error_report, galerkin, h1_error, l2_error, make_mesh,
                            max_nodal_error, relative_h1_error, relative_l2_error)

    problem = corner_layer_2d(0.05)
    space = FESpace(make_mesh("uniform", 12, 2), degree=2)
    u = galerkin(problem, space)
    report = error_report(space, u, problem.exact, problem.exact_grad)
    assert report["l2_error"] == pytest.approx(l2_error(space, u, problem.exact), rel=1e-12)
    assert report["relative_l2_error"] == pytest.approx(relative_l2_error(space, u, problem.exact), rel=1e-12)
    assert report["h1_error"] == pytest.approx(h1_error(space, u, problem.exact_grad), rel=1e-12)
    assert report["relative_h1_error"] == pytest.approx(relative_h1_error(space, u, problem.exact_grad), rel=1e-12)
    assert report["max_nodal_error"] == max_nodal_error(space, u, problem.exact)


@pytest.mark.parametrize("kind", ["uniform", "shishkin", "lshape"])
def test_p1_triangle_quadrature_equals_scikit_fem_basis(kind):
    """The chunked P1 error quadrature (no scikit-fem basis) = CellBasis.interpolate on the same rule."""
    from femngd.fem import corner_layer_2d, galerkin, make_mesh, shipped_mesh, smooth_2d
    from femngd.fem import errors

    mesh = shipped_mesh(kind) if kind == "lshape" else make_mesh(kind, 8, 2, eps=1e-2)
    problem = smooth_2d(1.0) if kind == "lshape" else corner_layer_2d(1e-2)
    space = FESpace(mesh)
    u = galerkin(problem, space)
    chunks = list(errors._p1_triangle_chunks(space, u, chunk=37))          # several chunks, a ragged last one
    assert len(chunks) == -(-mesh.t.shape[1] // 37)
    fast = [np.concatenate(arrays) for arrays in zip(*chunks)]
    (basis,) = space.error_bases()
    field = basis.interpolate(u)
    reference = (np.asarray(field).ravel(), np.asarray(field.grad).reshape(2, -1).T,
                 np.asarray(basis.global_coordinates()).reshape(2, -1).T, np.asarray(basis.dx).ravel())
    for a, b in zip(fast, reference):
        assert np.allclose(a, b, rtol=0, atol=1e-12 * max(1.0, np.abs(b).max()))


@pytest.mark.parametrize("mesh_name, degree", [("shishkin", 1), ("uniform", 2), ("lshape", 1), ("1d", 2)])
def test_exact_quadrature_matrices_equal_the_high_order_ones(mesh_name, degree):
    """M, K and constant-velocity C on the order-2k basis = on the space's order-(2k+4) basis (round-off)."""
    from femngd.fem import forms, make_mesh, shipped_mesh, uniform_mesh_1d

    mesh = {"shishkin": lambda: make_mesh("shishkin", 8, 2, eps=1e-2), "uniform": lambda: make_mesh("uniform", 6, 2),
            "lshape": lambda: shipped_mesh("lshape"), "1d": lambda: uniform_mesh_1d(7)}[mesh_name]()
    space = FESpace(mesh, degree=degree)
    b = np.array([1.0, 0.5])[: space.dim]
    reference = (forms.mass.assemble(space.basis), forms.stiffness.assemble(space.basis),
                 forms.advection.assemble(space.basis, b=np.broadcast_to(b.reshape(-1, 1, 1),
                                                                        (space.dim, *space.basis.dx.shape))))
    for fast, slow in zip((space.mass(), space.stiffness(), space.advection(b)), reference):
        assert abs(fast - slow).max() <= 1e-13 * abs(slow).max()
    assert space.exact_basis.dx.shape[1] < space.basis.dx.shape[1]            # really the cheaper rule


def test_chunked_load_equals_the_full_basis_load_and_builds_no_full_basis(monkeypatch):
    """Large meshes assemble F in chunks of cells on the space's own rule; the full basis is never built."""
    from femngd.fem import corner_layer_2d, make_mesh
    from femngd.fem import spaces

    problem = corner_layer_2d(1e-2)
    monkeypatch.setattr(spaces, "LOAD_CHUNK", 50)
    space = FESpace(make_mesh("shishkin", 12, 2, eps=1e-2))                 # 288 cells: 6 chunks
    chunked = space.load(problem.source)
    assert "basis" not in space.__dict__
    reference = FESpace(make_mesh("shishkin", 12, 2, eps=1e-2))
    full = forms_load(reference, problem.source)
    assert np.allclose(chunked, full, rtol=0, atol=1e-14 * np.abs(full).max())


def forms_load(space, f):
    from femngd.fem import forms

    return forms.load.assemble(space.basis, f=space.at_quadrature_points(f))
