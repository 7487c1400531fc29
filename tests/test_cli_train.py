"""``femngd train``: the JSON contract, --out files, presets, one-line errors with exit code 2."""
import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from femngd.cli import main

KEYS = {"final_loss", "iterations", "relative_l2_error_galerkin", "relative_l2_error_exact", "diverged", "seconds",
        "history"}
HISTORY = {"loss", "relative_l2_error_galerkin", "relative_l2_error_exact", "step", "seconds"}


def run_json(capsys, *argv):
    assert main(["train", *argv, "--json", "--quiet"]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out)


def test_json_contract_and_one_step_galerkin(capsys):
    out = run_json(capsys, "--eps", "0.05", "--n", "16", "--metric", "gauss-newton", "--iterations", "1",
                   "--solve", "penrose", "--reg", "1e-14")
    assert KEYS <= out.keys() and HISTORY <= out["history"].keys()
    assert out["iterations"] == 1 and not out["diverged"]
    assert out["relative_l2_error_galerkin"] < 1e-10
    assert all(len(v) == 2 for v in out["history"].values())
    assert out["history"]["seconds"][0] == 0.0


def test_momentum_auto_restart_and_out_dir(capsys, tmp_path):
    out = run_json(capsys, "--eps", "0.5", "--n", "8", "--metric", "l2", "--optimizer", "nnesterov", "--momentum", "auto",
                   "--restart",
                   "--iterations", "50", "--out", str(tmp_path / "run"))
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert saved["final_loss"] == out["final_loss"] and out["auto_momentum"]["beta"] > 0.5
    theta = np.load(tmp_path / "run" / "params.npz")["theta"]
    assert theta.shape == (7,) and not list((tmp_path / "run").glob(".*"))


def test_network_strong_residual_and_table(capsys):
    assert main(["train", "--eps", "0.2", "--model", "mlp", "--width", "6", "--loss", "strong-residual",
                 "--metric", "gauss-newton", "--points", "random", "--samples", "40", "--step", "grid",
                 "--iterations", "3", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "relative_l2_error_exact" in text and "{" not in text


def test_same_seed_same_numbers(capsys):
    argv = ("--eps", "0.2", "--model", "shallow", "--width", "5", "--loss", "strong-residual", "--points", "random",
            "--metric", "gauss-newton", "--iterations", "4", "--seed", "3")
    a, b = run_json(capsys, *argv), run_json(capsys, *argv)
    assert a["history"]["loss"] == b["history"]["loss"]


def test_diverging_run_is_reported(capsys, tmp_path):
    argv = ["train", "--eps", "0.01", "--n", "32", "--metric", "l2", "--step", "fixed", "--lr", "1", "--iterations", "200",
            "--json", "--quiet",
            "--out", str(tmp_path / "run")]
    assert main(argv) == 3                                  # a diverged run: exit code 3, one stderr line
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    err = captured.err.strip()
    assert err.startswith("femngd: diverged:") and "\n" not in err
    assert json.loads((tmp_path / "run" / "results.json").read_text())["diverged"]     # the files are written
    assert out["diverged"] and "last finite iterate" in out["message"] and np.isfinite(out["final_loss"])


@pytest.mark.parametrize("argv,needle", [
    (["--eps", "-1"], "--eps"), (["--model", "cnn"], "--model"), (["--momentum", "1.5"], "--momentum"),
    (["--optimizer", "sgd"], "--optimizer"), (["--model", "fe", "--loss", "strong-residual"], "model:"),
    (["--dim", "2", "--model", "freeknot"], "model:"), (["--n", "0"], "--n"), (["--lr", "0"], "--lr"),
    (["--reg", "-1"], "--reg"), (["--iterations", "-3"], "--iterations"), (["--tol", "0"], "--tol"),
    (["--loss", "kl", "--model", "poly"], "bc:"), (["--bc", "penalty"], "bc:"), (["--metric", "fisher"], "--metric"),
    (["--model", "shallow", "--loss", "strong-residual", "--bc", "interior"], "bc:"),
    (["--preset", "poisson3d"], "--preset"), (["--samples", "-5"], "--samples")])
def test_bad_arguments(capsys, argv, needle):
    assert main(["train", *argv, "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("femngd: error:") and "\n" not in err and needle in err


def test_out_must_be_a_directory(capsys, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["train", "--n", "4", "--iterations", "1", "--quiet", "--out", str(target)]) == 2
    assert "--out" in capsys.readouterr().err and target.read_text() == "x"


@pytest.mark.parametrize("option", [["--model", "fourier"], ["--eps", "0.1"], ["--n", "8"], ["--loss", "l2"],
                                    ["--metric", "l2"], ["--dim", "2"], ["--points", "random"]])
def test_preset_refuses_options_it_would_ignore(capsys, option):
    assert main(["train", "--preset", "poisson2d", *option, "--iterations", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"femngd: error: {option[0]}:") and "\n" not in err


def test_preset_poisson2d_short_run(capsys):
    out = run_json(capsys, "--preset", "poisson2d", "--iterations", "2", "--seed", "1")   # seed 0 starts on a plateau
    assert out["n_params"] == 129 and out["preset"] == "poisson2d" and out["dofs"] is None
    assert out["iterations"] == 2 and len(out["history"]["loss"]) == 3
    assert out["history"]["loss"][-1] <= out["history"]["loss"][0]
    assert 0 < out["relative_l2_error_exact"] < 2


def test_kl_density_on_interior_model(capsys):
    out = run_json(capsys, "--loss", "kl", "--bc", "interior", "--model", "poly", "--poly-degree", "6",
                   "--metric", "gauss-newton", "--step", "armijo", "--iterations", "20")
    assert out["history"]["loss"][-1] < 0.1 * out["history"]["loss"][0] and not out["diverged"]


def test_out_is_checked_before_any_work(capsys, tmp_path, monkeypatch):
    import femngd.cli.train as cli_train

    monkeypatch.setattr(cli_train, "run_training", lambda args: pytest.fail("trained before checking --out"))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):          # root ignores permissions: use a path under a file instead
            target = tmp_path / "file"
            target.write_text("x")
            locked = target / "sub"
        assert main(["train", "--quiet", "--out", str(locked / "run")]) == 2
        assert "--out" in capsys.readouterr().err
    finally:
        (tmp_path / "locked").chmod(0o700)


def test_results_are_written_with_umask_permissions(capsys, tmp_path):
    old = os.umask(0o022)
    try:
        run_json(capsys, "--n", "4", "--iterations", "1", "--out", str(tmp_path / "run"))
    finally:
        os.umask(old)
    for name in ("results.json", "params.npz"):
        assert stat.S_IMODE((tmp_path / "run" / name).stat().st_mode) == 0o644


def test_progress_lines_end_with_a_newline_off_a_terminal(capsys):
    assert main(["train", "--eps", "0.01", "--n", "32", "--metric", "l2", "--step", "fixed", "--lr", "1",
                 "--iterations", "200"]) == 3
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[-1].startswith("femngd: diverged:") and all(line.startswith(("  iteration", "femngd:"))
                                                             for line in lines if line)


def test_heavy_ball_auto_with_restart_is_refused(capsys):
    """A restart leaves a plain step at Polyak's α ≈ 4/λ_max: unstable, so the combination is an error."""
    assert main(["train", "--eps", "0.5", "--n", "8", "--optimizer", "nhb-lm", "--momentum", "auto", "--restart",
                 "--quiet"]) == 2
    assert "restart:" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["demo"], ["study", str(Path(__file__).parents[1] / "scripts" / "configs" /
                                                            "h_convergence.toml")]])
def test_demo_and_study_refuse_an_out_file(capsys, tmp_path, command):
    target = tmp_path / "file"
    target.write_text("x")
    assert main([*command, "--quiet", "--out", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("femngd: error: --out:") and "\n" not in err and target.read_text() == "x"


def test_json_reports_points_per_step_and_the_kernel_and_diagnostics_options(capsys):
    out = run_json(capsys, "--model", "mlp", "--width", "12", "--depth", "2", "--loss", "strong-residual", "--points",
                   "random", "--samples", "30", "--gram", "kernel", "--diagnostics", "2", "--iterations", "4")
    assert out["n_points"] == 30 and out["n_params"] > 30
    ranks = out["history"]["rank"][1:]
    assert ranks[0] > 0 and ranks[1] == -1 and ranks[2] > 0        # rank and condition every 2nd Gram matrix
    assert run_json(capsys, "--iterations", "1")["n_points"] == 31       # FE coefficients: the interior DOFs
