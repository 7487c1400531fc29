"""The ε-robust free-knot recipe: continuation reproduces the direct run at large ε, the goal
accuracy at small ε from the PDE alone, and the CLI's default for --model freeknot."""
import json

import pytest
from script_loader import load_script

from femngd.cli import main
from femngd.fem import (
    FESpace,
    galerkin,
    layer_1d,
    relative_l2_error,
    shishkin_mesh_1d,
    uniform_mesh_1d,
)
from femngd.recipes import FreeKnotRecipe, train_freeknot


def test_stages_end_at_eps_and_decrease():
    recipe = FreeKnotRecipe()
    assert recipe.stages(0.5) == [0.5]
    assert recipe.stages(1e-3) == [0.1, 0.01, 1e-3]
    assert recipe.stages(2e-4) == [0.1, 0.01, 1e-3, 2e-4]


def test_continuation_reproduces_the_direct_run_at_large_eps():
    problem, space = layer_1d(0.2), FESpace(uniform_mesh_1d(16))
    direct = train_freeknot(problem, space, n_knots=15, recipe=FreeKnotRecipe(final_cycles=4))
    continued = train_freeknot(problem, space, n_knots=15, recipe=FreeKnotRecipe(final_cycles=4, eps_start=0.8,
                                                                                  eps_ratio=0.5))
    assert continued.info["stages"] == [0.8, 0.4, 0.2] and direct.info["stages"] == [0.2]
    e_direct = direct.history["relative_l2_error_exact"][-1]
    e_cont = continued.history["relative_l2_error_exact"][-1]
    uniform_galerkin = relative_l2_error(space, galerkin(problem, space), problem.exact)
    assert e_direct < uniform_galerkin and e_cont == pytest.approx(e_direct, rel=1e-2)


@pytest.mark.parametrize("eps", [1e-3, 1e-5])
def test_beats_the_shishkin_mesh_with_the_same_cells_from_the_pde_alone(eps):
    problem = layer_1d(eps)
    result = train_freeknot(problem, FESpace(uniform_mesh_1d(64)), n_knots=63, seed=1)
    shishkin = FESpace(shishkin_mesh_1d(64, eps))
    reference = relative_l2_error(shishkin, galerkin(problem, shishkin), problem.exact)
    error = result.history["relative_l2_error_exact"][-1]
    assert not result.diverged and error <= 1e-4 < reference


def test_cli_default_for_free_knots_is_the_recipe(capsys):
    assert main(["train", "--eps", "1e-3", "--n", "64", "--model", "freeknot", "--knots", "63", "--json",
                 "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["optimizer"] == "freeknot-recipe" and out["n_params"] == 126
    assert out["relative_l2_error_exact"] <= 1e-4 and not out["diverged"]
    assert out["eps_stages"][-1] == 1e-3 and len(out["history"]["loss"]) == out["iterations"] + 1


def test_cli_recipe_refuses_options_it_would_ignore(capsys):
    assert main(["train", "--model", "freeknot", "--iterations", "5", "--quiet"]) == 2
    assert "--iterations" in capsys.readouterr().err
    # naming a method option gives the plain path, which accepts --iterations
    assert main(["train", "--model", "freeknot", "--loss", "l2", "--iterations", "2", "--quiet", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["optimizer"] == "ngd"


def test_eps_robust_study_runs_and_writes_its_outputs(tmp_path):
    study = load_script("study_eps_robust")
    assert study.main(["--quick", "--eps", "0.1", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "eps_robust.json").read_text())
    methods = {row["method"] for row in rows}
    assert len(rows) == 7 and any("free knots" in m for m in methods) and any("PINN" in m for m in methods)
    assert any("network recipe" in m for m in methods)
    assert (tmp_path / "eps_robust.png").stat().st_size > 10_000 and (tmp_path / "table.md").exists()
