"""``femngd galerkin``: JSON contract, table output, one-line errors with exit code 2."""
import json
import subprocess
import sys

import pytest

from femngd.cli import main

KEYS = {"dofs", "l2_error", "relative_l2_error", "h1_error", "max_nodal_error", "seconds"}


def test_json_output(capsys):
    assert main(["galerkin", "--eps", "0.1", "--n", "32", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert KEYS <= out.keys()
    assert out["dofs"] == 33 and 0 < out["l2_error"] < 3e-3 and out["relative_l2_error"] < 1e-2


def test_supg_is_nodally_exact_and_table(capsys):
    assert main(["galerkin", "--eps", "1e-4", "--n", "16", "--stabilization", "supg", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["max_nodal_error"] < 1e-10
    assert main(["galerkin", "--dim", "2", "--n", "4", "--problem", "smooth", "--eps", "1", "--degree", "2"]) == 0
    text = capsys.readouterr().out
    assert "relative_l2_error" in text and "{" not in text


def test_shishkin_mesh_option(capsys):
    main(["galerkin", "--eps", "1e-6", "--n", "64", "--mesh", "shishkin", "--json"])
    assert json.loads(capsys.readouterr().out)["max_nodal_error"] < 3e-3


@pytest.mark.parametrize("argv,needle", [
    (["--eps", "0"], "--eps"), (["--eps", "nan"], "--eps"), (["--n", "0"], "--n"), (["--dim", "3"], "--dim"),
    (["--degree", "5"], "--degree"), (["--mesh", "/no/such/file.msh", "--dim", "2"], "mesh"),
    (["--mesh", "shishkin", "--n", "7"], "n:"), (["--stabilization", "gls"], "--stabilization")])
def test_bad_arguments_exit_2_with_one_line(capsys, argv, needle):
    assert main(["galerkin", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("femngd: error:") and needle in err


def test_console_entry_point_exit_code():
    proc = subprocess.run([sys.executable, "-m", "femngd", "galerkin", "--eps", "-1"], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_unresolved_galerkin_warns_with_the_peclet_number_and_alternatives(capsys):
    assert main(["galerkin", "--eps", "1e-12", "--n", "64", "--json"]) == 0
    err = capsys.readouterr().err
    assert "Péclet number 7.8e+09" in err and "--stabilization supg" in err and "--mesh shishkin" in err
    for argv in (["--eps", "1e-2", "--n", "64"], ["--eps", "1e-12", "--n", "64", "--stabilization", "supg"],
                 ["--eps", "1e-4", "--n", "64", "--mesh", "shishkin"]):
        assert main(["galerkin", *argv, "--json"]) == 0
        assert "warning" not in capsys.readouterr().err
