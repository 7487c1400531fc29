"""Reference runs (Galerkin, SUPG, Shishkin) through the study pipeline, against numpy and theory."""
from __future__ import annotations

import numpy as np
import pytest

import femngd.fem as fem
from femngd.studies import run_spec, run_study

pytestmark = pytest.mark.skipif(not hasattr(fem, "galerkin"),
                                reason="femngd.fem (FE core, another engineer) not built yet")


def numpy_p1_galerkin(n: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """P1 Galerkin for −εu″ + u′ = 1, u(0) = u(1) = 0 on n uniform cells (plain numpy).

    Row i: ε(−u_{i−1} + 2u_i − u_{i+1})/h + (u_{i+1} − u_{i−1})/2 = h.
    """
    h, m = 1.0 / n, n - 1
    a = eps / h * (2 * np.eye(m) - np.eye(m, k=1) - np.eye(m, k=-1)) + (np.eye(m, k=1) - np.eye(m, k=-1)) / 2
    u = np.linalg.solve(a, np.full(m, h))
    return np.linspace(0, 1, n + 1), np.r_[0.0, u, 0.0]


def spec(kind: str, eps: float, n: int) -> dict:
    return {"kind": kind, "label": kind, "problem": "layer_1d", "eps": eps,
            "mesh": {"kind": "uniform", "n": n, "degree": 1}}


@pytest.mark.parametrize("eps", [0.1, 0.01])
def test_galerkin_samples_match_a_numpy_solve(eps):
    result = run_spec(spec("galerkin", eps, 16))
    nodes, u = numpy_p1_galerkin(16, eps)
    sol = result["solution"]
    assert np.allclose(sol["u"], np.interp(sol["x"], nodes, u), atol=1e-10)
    assert result["relative_l2_error_galerkin"] == 0.0 and result["n_dofs"] == 17


def test_supg_is_nodally_exact_and_shishkin_uniform():
    supg = run_spec(spec("supg", 1e-2, 16))
    assert supg["max_nodal_error"] < 1e-10 and supg["relative_l2_error_galerkin"] > 0.1
    shishkin = run_spec(spec("shishkin", 1e-2, 64))
    assert shishkin["max_nodal_error"] == pytest.approx(2.1e-3, rel=0.1)  # DESIGN §2


def test_convergence_study_gives_order_two_in_l2(tmp_path):
    config = {"study": "convergence", "eps": [1.0], "mesh": {"n": [8, 16, 32]},
              "references": ["galerkin", "supg"]}
    payload = run_study(config, tmp_path, progress=False)
    orders = [r["order_l2_error_exact"] for r in payload["summary"] if r["label"] == "galerkin"]
    assert orders[0] is None and all(abs(p - 2.0) < 0.15 for p in orders[1:])


def test_shishkin_reference_in_2d_is_the_galerkin_solution_on_the_2d_shishkin_mesh():
    """Studies build meshes with femngd.fem.make_mesh: the 2D Shishkin mesh too (issue 13: one mesh builder)."""
    eps, n = 1e-2, 8
    specs = {kind: {"kind": kind, "label": kind, "problem": "corner_layer_2d", "eps": eps,
                    "mesh": {"kind": "uniform", "n": n, "degree": 1}} for kind in ("galerkin", "shishkin")}
    results = {kind: run_spec(s) for kind, s in specs.items()}
    problem = fem.corner_layer_2d(eps)
    space = fem.FESpace(fem.make_mesh("shishkin", n, 2, eps=eps))
    expected = fem.relative_l2_error(space, fem.galerkin(problem, space), problem.exact)
    assert results["shishkin"]["relative_l2_error_exact"] == pytest.approx(expected, rel=1e-10)
    assert results["shishkin"]["relative_l2_error_exact"] < results["galerkin"]["relative_l2_error_exact"]


def test_study_problem_names_are_the_fem_registry():
    from femngd.studies.config import PROBLEMS

    assert PROBLEMS == fem.PROBLEMS.names()
    for cli_name in fem.PROBLEM_NAMES:
        for dim in (1, 2):
            name = fem.problem_name(cli_name, dim)
            problem = fem.problem_by_name(name, 0.05)
            assert name.endswith(f"_{dim}d") and problem.dim == dim
            assert problem.name == fem.make_problem(cli_name, 0.05, dim).name
    with pytest.raises(ValueError, match="problem"):
        fem.problem_by_name("layer", 0.1)
