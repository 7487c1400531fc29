"""Sparse solves of the Galerkin system: algebraic multigrid (pyamg, optional) against SuperLU, its guard
(true residual) and the choice by size and mesh Péclet number."""
import sys

import numpy as np
import pytest

from femngd.fem import FESpace, assemble_system, corner_layer_2d, galerkin, make_mesh
from femngd.fem.galerkin import solve_system

galerkin_module = sys.modules["femngd.fem.galerkin"]        # the module (femngd.fem.galerkin is the function)

pytest.importorskip("pyamg")


def system(n: int, eps: float):
    return assemble_system(corner_layer_2d(eps), FESpace(make_mesh("uniform", n, 2)))


def test_amg_equals_the_direct_solve_where_diffusion_dominates():
    s = system(64, 1e-1)
    direct, amg = solve_system(s.A_ii, s.rhs_i, "direct"), solve_system(s.A_ii, s.rhs_i, "amg")
    assert not np.array_equal(direct, amg)                  # really the iterative solution
    assert np.linalg.norm(amg - direct) <= 1e-9 * np.linalg.norm(direct)


def test_amg_that_does_not_converge_falls_back_to_the_direct_solve():
    s = system(32, 1e-3)                                    # mesh Péclet 22: AMG-GMRES diverges here
    assert np.array_equal(solve_system(s.A_ii, s.rhs_i, "amg"), solve_system(s.A_ii, s.rhs_i, "direct"))


def test_without_pyamg_the_direct_solve_is_used(monkeypatch):
    s = system(16, 1e-1)
    monkeypatch.setitem(sys.modules, "pyamg", None)         # import pyamg raises ImportError
    assert np.array_equal(solve_system(s.A_ii, s.rhs_i, "amg"), solve_system(s.A_ii, s.rhs_i, "direct"))


@pytest.mark.parametrize("eps, expect_amg", [(1e-1, True), (1e-3, False)])
def test_galerkin_chooses_amg_by_size_and_mesh_peclet(monkeypatch, eps, expect_amg):
    monkeypatch.setattr(galerkin_module, "AMG_MIN_SIZE", 100)
    calls = []
    original = galerkin_module.solve_system
    monkeypatch.setattr(galerkin_module, "solve_system", lambda A, b, method: calls.append(method) or original(A, b, method))
    s = system(32, eps)
    assert (s.peclet <= 1.0) == expect_amg
    u = s.solve()
    assert calls == ["auto" if expect_amg else "direct"]
    monkeypatch.setattr(galerkin_module, "AMG_MIN_SIZE", 10**9)
    reference = galerkin(corner_layer_2d(eps), FESpace(make_mesh("uniform", 32, 2)))
    assert np.linalg.norm(u - reference) <= 1e-9 * np.linalg.norm(reference)


def test_unknown_method_is_refused():
    s = system(4, 1e-1)
    with pytest.raises(ValueError, match="method"):
        solve_system(s.A_ii, s.rhs_i, "cg")


def test_block_cg_solves_every_column_of_a_mass_matrix():
    from femngd.natural.metrics import block_cg

    s = system(32, 1e-1)
    B = np.random.default_rng(0).normal(size=(s.M_ii.shape[0], 3))
    B[:, 2] = 0.0                                                  # a zero column stays zero
    X, converged = block_cg(s.M_ii, B, 1e-14)
    reference = np.linalg.solve(s.M_ii.toarray(), B)
    assert converged and np.allclose(X, reference, rtol=0, atol=1e-11 * np.abs(reference).max())
    assert not np.any(X[:, 2])


def test_mass_inverse_uses_cg_when_large_and_falls_back_to_lu(monkeypatch):
    from femngd.natural import metrics

    s = system(32, 1e-1)
    y = np.random.default_rng(1).normal(size=s.M_ii.shape[0])
    exact = np.linalg.solve(s.M_ii.toarray(), y)
    monkeypatch.setattr(metrics, "CG_MIN_SIZE", 10)
    inverse = metrics.SPDInverse(s.M_ii, well_conditioned=True)
    assert inverse._lu is None and np.allclose(inverse(y), exact, rtol=1e-11)
    monkeypatch.setattr(metrics, "block_cg", lambda S, B, rtol: (np.zeros_like(B), False))   # CG fails: the LU
    fallback = metrics.SPDInverse(s.M_ii, well_conditioned=True)
    assert np.allclose(fallback(y), exact, rtol=1e-12) and fallback._lu is not None
    assert metrics.SPDInverse(s.K_ii)._lu is not None              # not well conditioned: always the LU
