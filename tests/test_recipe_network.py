"""The ε-robust network recipe: its schedule and test meshes, continuation against the direct run,
the goal accuracy at ε = 1e-3 from the PDE alone, and the CLI's default for --model shallow/mlp."""
import json
import math
from pathlib import Path

import numpy as np
import pytest

from femngd.cli import main
from femngd.fem import FESpace, galerkin, layer_1d, relative_l2_error, uniform_mesh_1d
from femngd.natural import ErrorMeter, build_model, build_objective
from femngd.optim import build_optimizer
from femngd.recipes import NetworkRecipe, continuation_stages, problem_at, train_network
from femngd.train import train


def test_schedule_decreases_by_the_ratio_and_ends_at_eps():
    stages = NetworkRecipe().stages(1e-3)
    assert stages[0] == 0.1 and stages[-1] == 1e-3 and len(stages) == 8
    assert np.allclose(np.array(stages[1:-1]) / stages[:-2], 0.5) and 0.5 < stages[-1] / stages[-2] < 1
    assert continuation_stages(0.3, 0.1, 0.5) == [0.3]
    with pytest.raises(ValueError, match="eps_ratio"):
        continuation_stages(1e-3, 0.1, 1.5)


@pytest.mark.parametrize("eps", [0.1, 0.0316, 1e-3, 1e-4, 1e-6])
def test_test_mesh_resolves_width_eps_up_to_its_cap(eps):
    recipe = NetworkRecipe()
    cells = recipe.test_cells(eps, dim=1, n=64, final=False)
    assert cells >= 64 and cells & (cells - 1) == 0                       # a power of two, never below --n
    assert 1 / cells <= eps / recipe.cells_per_eps or cells == recipe.max_test_cells
    assert recipe.test_cells(eps, dim=1, n=64) == max(cells, recipe.min_test_cells)
    assert recipe.test_cells(eps, dim=2, n=16) <= recipe.max_test_cells_2d


def test_problem_at_changes_only_eps():
    problem = layer_1d(1e-3)
    other = problem_at(problem, 0.1)
    x = np.linspace(0, 1, 7)[:, None]
    assert other.eps == 0.1 and other.exact is None and problem.eps == 1e-3
    assert np.array_equal(other.source(x), problem.source(x)) and np.array_equal(other.dirichlet(x), problem.dirichlet(x))
    assert problem_at(problem, 1e-3) is problem


def test_one_stage_is_the_direct_natural_gradient_run():
    """At ε ≥ ε₀ the recipe is plain NGD on the dual residual of its test mesh: same iterates."""
    problem, space = layer_1d(0.2), FESpace(uniform_mesh_1d(16))
    recipe = NetworkRecipe(final_iterations=40)
    result = train_network(problem, space, width=8, seed=3, recipe=recipe)
    assert result.info["stages"] == [0.2] and result.info["test_cells"] == [1024]
    test = FESpace(uniform_mesh_1d(1024))
    model = build_model("shallow", problem, test, width=8)
    objective = build_objective(problem, test, model, loss="fe-residual-dual", metric="gauss-newton")
    direct = train(objective, build_optimizer("ngd", step="grid", solve="tikhonov", reg=recipe.reg), model.init(3),
                   iterations=40)
    assert np.array_equal(result.theta, direct.theta)
    assert result.history["loss"] == direct.history["loss"]


def test_errors_are_the_networks_not_its_test_mesh_interpolants():
    """The loss sees the network through its interpolant on a fine test mesh (an FE function with 1 025 DOFs
    here); the reported errors are of the 48-parameter network itself."""
    problem, space = layer_1d(0.1), FESpace(uniform_mesh_1d(16))
    result = train_network(problem, space, width=16, recipe=NetworkRecipe(final_iterations=200))
    assert result.history["relative_l2_error_exact"][-1] < 1e-3
    fine = ErrorMeter(problem, FESpace(uniform_mesh_1d(4096)))
    own = fine(result.info["values"], result.theta)["relative_l2_error_exact"]
    interpolant = fine(result.info["objective"], result.theta)["relative_l2_error_exact"]
    assert result.history["relative_l2_error_exact"][-1] == pytest.approx(own, rel=1e-6)
    assert interpolant != pytest.approx(own, rel=1e-3)


def test_continuation_reproduces_the_direct_run_where_that_converges():
    problem, space = layer_1d(0.05), FESpace(uniform_mesh_1d(32))
    direct = train_network(problem, space, recipe=NetworkRecipe(eps_start=0.05, final_iterations=300))
    continued = train_network(problem, space, recipe=NetworkRecipe(iterations=100, final_iterations=300))
    assert continued.info["stages"] == [0.1, 0.05] and direct.info["stages"] == [0.05]
    e_direct = direct.history["relative_l2_error_exact"][-1]
    assert e_direct < 1e-3 and continued.history["relative_l2_error_exact"][-1] == pytest.approx(e_direct, rel=0.1)
    assert len(continued.history["loss"]) == continued.iterations + 1 == 100 + 300 + 1
    assert math.isnan(continued.history["relative_l2_error_exact"][1])     # earlier stages are not metered


def test_continuation_is_what_carries_the_network_to_smaller_eps():
    """At ε = 0.02 the direct run from random weights stalls (measured 0.93 at width 16); continuation: 4.9e-4."""
    problem, space = layer_1d(0.02), FESpace(uniform_mesh_1d(32))
    direct = train_network(problem, space, width=16, recipe=NetworkRecipe(eps_start=0.02, final_iterations=300))
    continued = train_network(problem, space, width=16, recipe=NetworkRecipe(iterations=100, final_iterations=300))
    assert direct.history["relative_l2_error_exact"][-1] > 0.1
    assert continued.history["relative_l2_error_exact"][-1] < 1e-3


def test_readme_command_reaches_the_goal_at_eps_1e3_from_the_pde_alone(capsys, tmp_path):
    """The issue's goal (≤ 1e-3 at ε = 1e-3, width 32) with the README's command; the error measured again on a
    resolving mesh (no feature of the network escapes the comparison mesh's quadrature)."""
    command = "femngd train --eps 1e-3 --n 64 --model shallow --width 32 --json"
    assert command in (Path(__file__).parents[1] / "README.md").read_text()
    assert main([*command.split()[1:], "--quiet", "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    error = out["relative_l2_error_exact"]
    assert out["optimizer"] == "network-recipe" and not out["diverged"] and error <= 1e-3
    problem, space = layer_1d(1e-3), FESpace(uniform_mesh_1d(64))
    model = build_model("shallow", problem, space, width=32)
    objective = build_objective(problem, space, model, loss="strong-residual")      # only to evaluate v_θ
    theta = np.load(tmp_path / "params.npz")["theta"]
    fine = ErrorMeter(problem, FESpace(uniform_mesh_1d(8192)))(objective, theta)
    assert fine["relative_l2_error_exact"] == pytest.approx(error, rel=1e-2)
    uniform = galerkin(problem, space)
    assert error < relative_l2_error(space, uniform, problem.exact) / 100


def test_refuses_other_models_and_non_unit_domains():
    with pytest.raises(ValueError, match="model"):
        train_network(layer_1d(0.1), model="poly")
    with pytest.raises(ValueError, match="unit"):
        train_network(layer_1d(0.1), FESpace(uniform_mesh_1d(8, 0.0, 2.0)))


def test_cli_default_for_networks_is_the_recipe(capsys):
    assert main(["train", "--eps", "0.1", "--n", "16", "--model", "shallow", "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["optimizer"] == "network-recipe" and out["loss"] == "fe-residual-dual"
    assert out["n_params"] == 96 and out["test_cells"] == [1024] and out["eps_stages"] == [0.1]
    assert out["relative_l2_error_exact"] <= 1e-3 and not out["diverged"]
    assert main(["train", "--model", "mlp", "--iterations", "5", "--quiet"]) == 2
    assert "--iterations" in capsys.readouterr().err
