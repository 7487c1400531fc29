"""Spaces, assembly, Galerkin and SUPG: convergence orders, stabilization, Shishkin robustness."""
import numpy as np
import pytest
import scipy.sparse as sp

from femngd.fem import (FESpace, assemble_system, corner_layer_2d, galerkin, graded_mesh_1d, h1_error, l2_error,
                        layer_1d, make_mesh, max_nodal_error, observed_orders, poisson_2d, shishkin_mesh_1d,
                        shishkin_transition, smooth_1d, smooth_2d, supg, uniform_mesh_1d, unit_square_mesh)


def orders(problem, meshes, degree):
    l2, h1, hs = [], [], []
    for mesh in meshes:
        space = FESpace(mesh, degree)
        u = galerkin(problem, space)
        l2.append(l2_error(space, u, problem.exact))
        h1.append(h1_error(space, u, problem.exact_grad))
        hs.append(space.h.max())
    return observed_orders(hs, l2), observed_orders(hs, h1)


@pytest.mark.parametrize("degree", [1, 2])
def test_1d_orders_at_eps_0_1(degree):
    l2, h1 = orders(layer_1d(0.1), [uniform_mesh_1d(n) for n in (16, 32, 64)], degree)
    assert np.allclose(l2, degree + 1, atol=0.1)
    assert np.allclose(h1, degree, atol=0.1)


@pytest.mark.parametrize("degree,kind", [(1, "tri"), (2, "tri"), (1, "quad"), (2, "quad")])
def test_2d_smooth_orders(degree, kind):
    l2, h1 = orders(smooth_2d(0.5), [unit_square_mesh(n, kind) for n in (4, 8, 16)], degree)
    assert np.allclose(l2[-1], degree + 1, atol=0.15)
    assert np.allclose(h1[-1], degree, atol=0.15)


def test_nonzero_dirichlet_data_is_imposed():
    p = smooth_2d()
    space = FESpace(unit_square_mesh(6), 2)
    u = galerkin(p, space)
    b = space.boundary_dofs
    assert np.allclose(u[b], p.exact(space.dof_locations[b]))
    p1 = smooth_1d(0.2)
    s1 = FESpace(uniform_mesh_1d(8))
    assert np.allclose(galerkin(p1, s1)[[0, 8]], [0.0, 1.0])


def test_matrices_against_hand_assembled_p1():
    """M, K, C of uniform 1D P1 are the textbook tridiagonal matrices."""
    n = 6
    h = 1 / n
    space = FESpace(uniform_mesh_1d(n))
    order = np.argsort(space.dof_locations[:, 0])
    M = space.mass().toarray()[np.ix_(order, order)]
    K = space.stiffness().toarray()[np.ix_(order, order)]
    C = space.advection(lambda x: np.full((len(x), 1), 2.0)).toarray()[np.ix_(order, order)]
    e = np.ones(n + 1)
    M_ref = sp.diags([e[:-1] * h / 6, e * 2 * h / 3, e[:-1] * h / 6], [-1, 0, 1]).toarray()
    M_ref[0, 0] = M_ref[-1, -1] = h / 3
    K_ref = sp.diags([-e[:-1] / h, 2 * e / h, -e[:-1] / h], [-1, 0, 1]).toarray()
    K_ref[0, 0] = K_ref[-1, -1] = 1 / h
    C_ref = 2 * sp.diags([-e[:-1] / 2, e[:-1] / 2], [-1, 1]).toarray()
    C_ref[0, 0], C_ref[-1, -1] = -1.0, 1.0
    assert np.allclose(M, M_ref) and np.allclose(K, K_ref) and np.allclose(C, C_ref)
    assert np.isclose(space.load(lambda x: np.ones(len(x))).sum(), 1.0)


def test_linear_system_blocks():
    p = smooth_1d(0.3)
    space = FESpace(uniform_mesh_1d(10), 2)
    system = assemble_system(p, space)
    I, B = space.interior_dofs, space.boundary_dofs
    assert system.A_ii.shape == (I.size, I.size)
    A = system.A.toarray()
    assert np.allclose(system.rhs_i, system.F[I] - A[np.ix_(I, B)] @ system.g_b)
    u = system.solve()
    assert np.allclose(system.A_ii @ u[I], system.rhs_i)
    assert np.allclose(system.M_ii.toarray(), system.M.toarray()[np.ix_(I, I)])
    with pytest.raises(ValueError, match="^v_i:"):
        system.expand(np.zeros(3))


def test_galerkin_overshoots_and_supg_does_not():
    eps = 1e-3
    p = layer_1d(eps)
    space = FESpace(uniform_mesh_1d(20))  # mesh Péclet 25
    x = space.dof_locations
    gal, stab = galerkin(p, space), supg(p, space)
    assert gal.max() > p.exact(x).max() + 0.1                 # oscillation above the solution
    assert np.min(np.diff(gal[np.argsort(x[:, 0])])) < -0.1    # non-monotone
    assert stab.max() <= p.exact(x).max() + 1e-12
    # 1D, P1, constant data: SUPG with the optimal τ is nodally exact
    assert max_nodal_error(space, stab, p.exact) < 1e-10


def test_supg_reduces_to_galerkin_when_diffusion_dominates():
    p = layer_1d(10.0)
    space = FESpace(uniform_mesh_1d(8))
    assert np.allclose(supg(p, space), galerkin(p, space), atol=1e-3)


def test_supg_2d_corner_layer_localizes_oscillations():
    """Galerkin oscillations pollute the whole square; SUPG is accurate away from the layers."""
    p = corner_layer_2d(1e-3)
    space = FESpace(unit_square_mesh(12))
    x = space.dof_locations
    away = (x[:, 0] < 0.75) & (x[:, 1] < 0.75)
    err_s = np.abs(supg(p, space) - p.exact(x))[away].max()
    err_g = np.abs(galerkin(p, space) - p.exact(x))[away].max()
    assert err_s < 1e-2 and err_g > 0.5


def test_shishkin_mesh_layout():
    eps, n = 1e-3, 16
    x = shishkin_mesh_1d(n, eps).p[0]
    sigma = shishkin_transition(n, eps)
    assert np.isclose(sigma, 2 * eps * np.log(n)) and x.size == n + 1
    assert np.isclose(x[n // 2], 1 - sigma) and np.allclose(np.diff(x[n // 2:]), sigma / (n // 2))
    assert np.isclose(shishkin_transition(16, 1.0), 0.5)


def test_shishkin_galerkin_uniform_in_eps():
    errors = []
    for eps in (1e-2, 1e-4, 1e-6, 1e-8, 1e-10):
        p = layer_1d(eps)
        space = FESpace(shishkin_mesh_1d(64, eps))
        errors.append(max_nodal_error(space, galerkin(p, space), p.exact))
    assert np.isclose(errors[0], 2.1e-3, rtol=0.05)     # DESIGN §2
    assert max(errors) < 3e-3 and max(errors) / min(errors) < 1.2
    # while on a uniform mesh the error does not go to zero with ε
    p = layer_1d(1e-6)
    space = FESpace(uniform_mesh_1d(64))
    assert max_nodal_error(space, galerkin(p, space), p.exact) > 0.5


def test_2d_shishkin_mesh_beats_uniform_on_corner_layer():
    eps = 1e-3
    p = corner_layer_2d(eps)
    errs = {}
    for kind in ("uniform", "shishkin"):
        space = FESpace(make_mesh(kind, 16, 2, eps=eps))
        errs[kind] = l2_error(space, galerkin(p, space), p.exact)
    assert errs["shishkin"] < 0.2 * errs["uniform"]


def test_poisson_2d_p2_accuracy():
    p = poisson_2d()
    space = FESpace(unit_square_mesh(8), 2)
    assert l2_error(space, galerkin(p, space), p.exact) < 1e-3


def test_space_quadrature_and_probe():
    space = FESpace(unit_square_mesh(5), 2)
    x, w = space.quadrature()
    assert x.shape == (w.size, 2) and np.isclose(w.sum(), 1.0)
    f = lambda y: y[:, 0] ** 2 + y[:, 0] * y[:, 1]
    assert np.isclose(w @ f(x), 1 / 3 + 1 / 4)
    u = space.interpolate(f)
    val, grad = space.at_quadrature(u)
    assert np.allclose(val, f(x)) and np.allclose(grad[:, 0], 2 * x[:, 0] + x[:, 1])
    pts = np.random.default_rng(1).uniform(size=(7, 2))
    assert np.allclose(space.probe(u, pts), f(pts))


def test_bad_inputs():
    with pytest.raises(ValueError, match="^degree:"):
        FESpace(uniform_mesh_1d(4), 3)
    with pytest.raises(ValueError, match="^n:"):
        uniform_mesh_1d(0)
    with pytest.raises(ValueError, match="^n:"):
        shishkin_mesh_1d(7, 0.1)
    with pytest.raises(ValueError, match="^n:"):
        uniform_mesh_1d(2.5)
    with pytest.raises(ValueError, match="^points:"):
        graded_mesh_1d([0.0, 0.5, 0.4, 1.0])
    with pytest.raises(ValueError, match="^points:"):
        graded_mesh_1d([0.0, np.nan, 1.0])
    with pytest.raises(ValueError, match="^kind:"):
        unit_square_mesh(3, "hex")
    with pytest.raises(ValueError, match="^space:"):
        galerkin(layer_1d(0.1), FESpace(unit_square_mesh(2)))
    with pytest.raises(ValueError, match="^stabilization:"):
        assemble_system(layer_1d(0.1), FESpace(uniform_mesh_1d(2)), "gls")
    space = FESpace(uniform_mesh_1d(4))
    with pytest.raises(ValueError, match="^u:"):
        l2_error(space, np.zeros(3), layer_1d(0.1).exact)
    with pytest.raises(ValueError, match="^u:"):
        l2_error(space, np.full(5, np.nan), layer_1d(0.1).exact)
