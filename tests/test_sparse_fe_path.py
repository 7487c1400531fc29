"""FE coefficients on the sparse path (issue 16): the Gram operator is never dense, one Gauss–Newton step
is the Galerkin solution to round-off, sparse and dense algebra agree, Lanczos spectra match eigh."""
import json

import numpy as np
import pytest
import scipy.linalg as sla
from script_loader import load_script

from femngd.cli import main
from femngd.fem import (
    FESpace,
    corner_layer_2d,
    galerkin,
    layer_1d,
    uniform_mesh_1d,
    unit_square_mesh,
)
from femngd.natural import ErrorMeter, build_model, build_objective
from femngd.natural.sparse_gram import SparseGram, pencil_extremes
from femngd.optim import build_optimizer
from femngd.train import train


@pytest.mark.parametrize("argv", [["--n", "128", "--eps", "0.1"], ["--n", "512", "--eps", "1e-3"],
                                  ["--dim", "2", "--n", "32"], ["--dim", "2", "--n", "64", "--eps", "1e-3"]])
@pytest.mark.parametrize("loss", ["fe-residual", "fe-residual-dual"])
def test_one_gauss_newton_step_is_the_galerkin_solution(capsys, argv, loss):
    assert main(["train", *argv, "--model", "fe", "--loss", loss, "--metric", "gauss-newton", "--iterations", "1",
                 "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["relative_l2_error_galerkin"] < 1e-10


def setup(loss, metric, n=40):
    problem, space = layer_1d(0.05), FESpace(uniform_mesh_1d(n))
    model = build_model("fe", problem, space)
    return problem, space, model, build_objective(problem, space, model, loss=loss, metric=metric)


@pytest.mark.parametrize("loss, metric", [("l2", "l2"), ("fe-residual", "h1"), ("fe-residual", "gauss-newton"),
                                          ("fe-residual-dual", "gauss-newton"), ("l2", "gauss-newton")])
def test_sparse_gram_matches_the_dense_matrix(loss, metric):
    _, _, model, objective = setup(loss, metric)
    G = objective.linearize(model.init(0)).gram
    assert isinstance(G, SparseGram)
    dense = np.asarray(G)
    X = np.asarray(objective._X.toarray() if hasattr(objective._X, "toarray") else 0)
    if metric == "gauss-newton" and loss != "l2":      # Aᵀ S⁻¹ A from dense numpy
        S = (objective.system.M_ii if loss == "fe-residual" else objective.system.K_ii).toarray()
        A = objective.A.toarray()
        assert np.allclose(dense, A.T @ np.linalg.solve(S, A), rtol=1e-10, atol=1e-10 * np.abs(dense).max())
    else:
        assert np.allclose(dense, X)
    y = np.random.default_rng(1).normal(size=dense.shape[0])
    assert np.allclose(G.solve(y), np.linalg.solve(dense, y), rtol=1e-8, atol=1e-10 * np.abs(G.solve(y)).max())


def test_natural_heavy_ball_iterates_match_a_dense_numpy_reference():
    """θ_{k+1} = θ_k + β(θ_k − θ_{k−1}) − α G⁻¹∇L with dense numpy G: the transports of J = I."""
    _, _, model, objective = setup("fe-residual", "h1")
    alpha, beta = 0.05, 0.6
    result = train(objective, build_optimizer("nhb-lm", lr=alpha, momentum=beta), model.init(0), iterations=15,
                   callback=None)
    G = np.asarray(objective.linearize(model.init(0)).gram)
    prev = theta = model.init(0)
    for _ in range(15):
        step = -alpha * np.linalg.solve(G, objective.gradient(theta)) + beta * (theta - prev)
        prev, theta = theta, theta + step
    assert np.allclose(result.theta, theta, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("loss, metric", [("fe-residual", "h1"), ("fe-residual-dual", "l2"), ("l2", "h1")])
def test_lanczos_pencil_extremes_match_a_dense_eigendecomposition(loss, metric):
    _, _, model, objective = setup(loss, metric, n=128)                     # n > 50: the Lanczos branch
    theta = model.init(0)
    H, G = objective.gauss_newton_gram(theta), objective.linearize(theta).gram
    w = sla.eigh(np.asarray(H), np.asarray(G), eigvals_only=True)
    lo, hi = pencil_extremes(H, G)
    assert lo == pytest.approx(w[0], rel=1e-4) and hi == pytest.approx(w[-1], rel=1e-7)


def test_momentum_auto_on_a_2d_fe_space_uses_the_sparse_spectrum():
    problem, space = corner_layer_2d(0.1), FESpace(unit_square_mesh(24))
    model = build_model("fe", problem, space)
    objective = build_objective(problem, space, model, loss="fe-residual-dual", metric="h1")
    result = train(objective, build_optimizer("nhb-lm", momentum="auto"), model.init(0), iterations=120,
                   meter=ErrorMeter(problem, space), meter_every=120)
    info = result.info["auto_momentum"]
    assert 0 < info["beta"] < 1 and info["lambda_max"] / info["lambda_min"] > 1
    assert result.history["relative_l2_error_galerkin"][-1] < 1e-6
    assert np.allclose(objective.fe_vector(result.theta), galerkin(problem, space), atol=1e-6)


def test_mesh_independence_study_runs_and_counts_do_not_grow_in_h1(tmp_path):
    study = load_script("study_mesh_independence")
    assert study.main(["--n", "8", "16", "--l2-n", "8", "--max-iterations", "3000", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "mesh_independence.json").read_text())
    h1 = {(r["n"], r["method"]): r["iterations"] for r in rows if r["metric"] == "h1"}
    assert h1[(16, "natural heavy ball")] <= 1.2 * h1[(8, "natural heavy ball")]
    assert h1[(16, "natural heavy ball")] <= 0.5 * h1[(16, "NGD")]
    assert (tmp_path / "mesh_independence.png").exists()
