"""The momentum factors of issue 19 against a plain numpy recursion on a quadratic: what the step rule scales
(``search``), adaptive restart (function value, gradient), β schedules; and that a restart never lets the loss
rise by more than the line search allows."""
import json

import numpy as np
import pytest
from script_loader import load_script

from femngd.fem import FESpace, assemble_system, galerkin, layer_1d, uniform_mesh_1d
from femngd.natural import build_model, build_objective
from femngd.optim import build_optimizer
from femngd.train import train


@pytest.fixture(scope="module")
def quadratic():
    """L(V) = ½ (V − U)ᵀ M (V − U) on FE coefficients in the H1 metric: ∇L = M(V − U), G = K + M (plain numpy)."""
    problem, space = layer_1d(0.1), FESpace(uniform_mesh_1d(8))
    model = build_model("fe", problem, space)
    objective = build_objective(problem, space, model, loss="l2", metric="h1")
    system = assemble_system(problem, space)
    M, G = system.M_ii.toarray(), (system.K_ii + system.M_ii).toarray()
    U = galerkin(problem, space)[space.interior_dofs]
    return objective, M, G, U, np.random.default_rng(3).normal(size=model.n_params)


def numpy_heavy_ball(M, G, U, theta, beta, s, steps, search="direction", restart=None):
    """c_k = β_k c_{k−1} + s d_k ("direction") or s (β_k c_{k−1} + d_k) ("whole"), d_k = −G⁻¹M(θ_k − U);
    gradient restart: c_{k−1} forgotten after an update with ∇L·c > 0."""
    c_prev, thetas = None, [theta.copy()]
    for k in range(steps):
        grad = M @ (theta - U)
        d = -np.linalg.solve(G, grad)
        m = np.zeros_like(theta) if c_prev is None else beta(k) * c_prev
        c = s * (m + d) if search == "whole" else m + s * d
        theta = theta + c
        c_prev = None if restart == "gradient" and grad @ c > 0 else c
        thetas.append(theta.copy())
    return np.array(thetas)


@pytest.mark.parametrize("search", ["direction", "whole"])
@pytest.mark.parametrize("schedule", [False, True])
def test_search_scope_and_schedules_match_numpy(quadratic, search, schedule):
    objective, M, G, U, theta0 = quadratic
    beta = (lambda k: min(0.9, k / (k + 3))) if schedule else (lambda k: 0.6)
    opt = build_optimizer("nhb-lm", lr=0.7, momentum=beta if schedule else 0.6, solve="tikhonov", reg=0.0,
                          search=search)
    thetas = []
    train(objective, opt, theta0, iterations=12, callback=lambda k, th, row: thetas.append(th.copy()), meter=None)
    reference = numpy_heavy_ball(M, G, U, theta0, beta, 0.7, 12, search)
    assert np.allclose(np.array(thetas)[-12:], reference[1:], rtol=1e-9, atol=1e-12)


def test_gradient_restart_matches_numpy(quadratic):
    objective, M, G, U, theta0 = quadratic
    opt = build_optimizer("nhb-lm", lr=1.9, momentum=0.95, solve="tikhonov", reg=0.0, restart="gradient")
    thetas = []
    train(objective, opt, theta0, iterations=15, callback=lambda k, th, row: thetas.append(th.copy()), meter=None)
    reference = numpy_heavy_ball(M, G, U, theta0, lambda k: 0.95, 1.9, 15, restart="gradient")
    no_restart = numpy_heavy_ball(M, G, U, theta0, lambda k: 0.95, 1.9, 15)
    assert np.allclose(np.array(thetas)[-15:], reference[1:], rtol=1e-9, atol=1e-12)
    assert not np.allclose(reference, no_restart)                  # the restart fired on this problem


def test_function_restart_takes_a_plain_step_after_every_rise():
    """Strong residual, shallow network, fixed step 1 and β = 0.9 (the loss does rise): after every rise the
    momentum is forgotten, so the next iterate is exactly one plain NGD step from the previous one."""
    problem, space = layer_1d(0.1), FESpace(uniform_mesh_1d(16))
    model = build_model("shallow", problem, space, width=8)
    objective = build_objective(problem, space, model, loss="strong-residual", metric="gauss-newton")
    options = {"solve": "tikhonov", "reg": 1e-6}
    thetas: list[np.ndarray] = []                                  # θ₀, θ₁, … (the callback sees θ₀ too)
    result = train(objective, build_optimizer("nhb-lm", momentum=0.9, restart="function", **options),
                   model.init(0), iterations=40, meter=None, callback=lambda k, th, row: thetas.append(th.copy()))
    losses = result.history["loss"]
    rises = [k for k in range(len(losses) - 2) if losses[k + 1] > losses[k]]
    assert rises                                                   # the setting does provoke rises
    for k in rises:
        plain = train(objective, build_optimizer("ngd", **options), thetas[k + 1], iterations=1, meter=None).theta
        assert np.allclose(thetas[k + 2], plain, rtol=1e-10, atol=1e-12)


def test_whole_search_with_auto_and_bad_restart_are_refused():
    with pytest.raises(ValueError, match="search"):
        build_optimizer("nhb-lm", momentum="auto", search="whole")
    with pytest.raises(ValueError, match="restart"):
        build_optimizer("nhb-lm", momentum=0.5, restart="sometimes")
    with pytest.raises(ValueError, match="search"):
        build_optimizer("ngd", search="whole")


def test_factorial_study_script_runs_every_cell(tmp_path):
    study = load_script("study_momentum_factors")
    assert study.main(["--quick", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "momentum_factors.json").read_text())["rows"]
    assert len(rows) == 2 + 2 * 2 * 2 * 3 * 2                    # NGD per points mode + every momentum cell
    assert {r["ratio"] for r in rows if r["method"] == "ngd"} == {1.0}
    assert (tmp_path / "momentum_factors.png").stat().st_size > 10_000 and (tmp_path / "table.md").exists()


def test_poisson2d_momentum_study_script_runs(tmp_path):
    study = load_script("study_momentum_poisson2d")
    assert study.main(["--quick", "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "momentum_poisson2d.json").read_text())
    assert [r["method"] for r in data["rows"]] == list(study.METHODS) and len(data["runs"]) == 3
    assert (tmp_path / "table.md").read_text().startswith("| method |")
