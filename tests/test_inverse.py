"""ε from data: recovery, the uncertainty formula, the anchor, file validation and ``femngd inverse``."""
import json

import numpy as np
import pytest

from femngd.cli import main
from femngd.inverse import (Observations, constrained_variance, cramer_rao_std, estimate_eps, fe_least_squares, read_observations,
                            synthetic_observations)


@pytest.mark.parametrize("eps, n", [(0.1, 256), (0.03, 512)])     # P2 bias ~ (h/ε)³: 5e-6 at (0.03, 256)
def test_noise_free_data_from_the_exact_solution_recover_eps(eps, n):
    result = estimate_eps(synthetic_observations(eps, noise=0.0, points=100, seed=1), n=n)
    assert abs(result.value / eps - 1) < 1e-6, result.value
    assert result.noise_estimate < 1e-6 and result.message.startswith("converged")


def test_constrained_variance_is_the_schur_complement_of_the_penalized_gauss_newton_matrix():
    """Linear model: data y = P U + noise, constraint A U + a s = F. Direct: the (s, s) entry of
    (JᵀJ/σ² + λBᵀB)⁻¹ with J = [P 0], B = [A a], as λ → ∞, and the regression of y on −P A⁻¹a."""
    rng = np.random.default_rng(0)
    p, m, sigma2 = 6, 15, 0.3
    P, A, a = rng.standard_normal((m, p)), np.eye(p) + 0.3 * rng.standard_normal((p, p)), rng.standard_normal(p)
    tangent = -np.linalg.solve(A, a)
    formula = constrained_variance(P, tangent, sigma2)
    J, B = np.hstack([P, np.zeros((m, 1))]), np.hstack([A, a[:, None]])
    H = J.T @ J / sigma2 + 1e9 * B.T @ B
    np.testing.assert_allclose(np.linalg.inv(H)[-1, -1], formula, rtol=1e-5)
    # Monte Carlo over noise draws: constrained least squares of s is the regression on g = P t
    F = rng.standard_normal(p)
    U0 = np.linalg.solve(A, F)
    g = P @ tangent
    draws = (P @ (U0 + 0.7 * tangent))[None, :] + np.sqrt(sigma2) * rng.standard_normal((20000, m))
    s_hat = (draws - P @ U0) @ g / (g @ g)
    np.testing.assert_allclose(np.var(s_hat), formula, rtol=0.05)
    np.testing.assert_allclose(np.mean(s_hat), 0.7, atol=3 * np.sqrt(formula / 20000))


def test_agrees_with_fe_constrained_least_squares_in_fewer_solves():
    data = synthetic_observations(0.01, noise=0.01, points=100, seed=2)
    ours, anchor = estimate_eps(data), fe_least_squares(data)
    assert abs(ours.value / anchor.value - 1) < 1e-5
    assert abs(ours.std / anchor.std - 1) < 1e-3
    assert ours.iterations < anchor.iterations


def test_uncertainty_covers_the_truth_over_seeds():
    """1% noise, 100 points, ε = 0.1: the 95% interval covers the truth in 18 of seeds 0–19 (measured);
    a standard deviation off by a factor 2 would cover ~14 (too small) or all 20 with intervals twice as wide."""
    results = [estimate_eps(synthetic_observations(0.1, 0.01, 100, seed)) for seed in range(20)]
    assert sum(r.covers(0.1) for r in results) >= 17
    errors = np.array([abs(r.value / 0.1 - 1) for r in results])
    assert errors.max() <= 0.02
    stds = np.array([r.std for r in results]) / 0.1
    assert 0.5 < np.sqrt(np.mean(errors ** 2)) / np.mean(stds) < 1.5      # std matches the actual spread


def test_the_spread_over_noise_draws_is_the_cramer_rao_bound():
    """Fixed points, 200 noise draws at ε = 0.03: Gauss–Newton is efficient, its spread of ln ε̂ is the bound."""
    clean = synthetic_observations(0.03, noise=0.01, points=100, seed=4)
    bound = cramer_rao_std(clean, 0.03, n=128)
    rng = np.random.default_rng(0)
    exact = synthetic_observations(0.03, noise=0.0, points=100, seed=4).u
    logs = [np.log(estimate_eps(Observations(clean.x, exact + clean.noise * rng.standard_normal(100)), n=128,
                                eps0=0.03).value) for _ in range(200)]
    assert abs(np.std(logs) / bound - 1) < 0.15               # 200 draws: the sample std is within ~5% (1σ)
    with pytest.raises(ValueError, match="^observations"):
        cramer_rao_std(Observations(clean.x, clean.u), 0.03)


def test_a_far_start_is_chosen_from_the_grid():
    data = synthetic_observations(0.01, noise=0.01, points=100, seed=1)
    stuck = estimate_eps(data, eps0=1e-4)
    assert stuck.value < 1e-3                           # the misfit is flat there: one start is not enough
    assert abs(estimate_eps(data).value / 0.01 - 1) < 0.1


@pytest.mark.parametrize("text, match", [
    ("x,u\n0.1,0.1\n0.5,nan\n", "NaN"), ("x,u\n0.1,0.1\n1.5,0.2\n", "inside the domain"),
    ("x,y\n0.1,0.1\n0.2,0.3\n", "header"), ("x,u\n0.1,0.1\n", "at least 2"),
    ("x,u\n0.1,0.1,3\n0.2,0.2,1\n", "columns"), ("x,u\n0.1,abc\n0.2,0.2\n", "not a number"), ("", "header"),
])
def test_bad_data_files_get_one_line_and_exit_2(tmp_path, capsys, text, match):
    path = tmp_path / "data.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        read_observations(path)
    assert main(["inverse", "--data", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert match in err and len(err.splitlines()) == 1


def test_observations_and_synthetic_data_are_checked():
    with pytest.raises(ValueError, match="values"):
        Observations(np.zeros((3, 1)), np.zeros(2))
    first, again = synthetic_observations(0.1, 0.01, 30, seed=5), synthetic_observations(0.1, 0.01, 30, seed=5)
    np.testing.assert_array_equal(first.u, again.u)
    assert 0.005 < first.noise < 0.01                          # 1% of max|u| ≈ 0.65
    for kwargs, match in [({"noise": -1}, "noise"), ({"points": 1}, "points"), ({"seed": -2}, "seed")]:
        with pytest.raises(ValueError, match=match):
            synthetic_observations(0.1, **{"noise": 0.01, **kwargs})


def test_cli_json_contract_file_and_synthetic(tmp_path, capsys):
    assert main(["inverse", "--synthetic-eps", "0.1", "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"eps_estimate", "eps_std", "iterations", "seconds", "eps_interval", "fe_least_squares"} <= out.keys()
    assert abs(out["eps_estimate"] / 0.1 - 1) < 0.02 and out["eps_true"] == 0.1
    assert abs(out["fe_least_squares"]["eps_estimate"] / out["eps_estimate"] - 1) < 1e-5
    data = synthetic_observations(0.05, 0.0, 40, seed=0)
    path = tmp_path / "obs.csv"
    path.write_text("x,u\n" + "".join(f"{float(x)!r},{float(u)!r}\n" for x, u in zip(data.x[:, 0], data.u)))
    assert main(["inverse", "--data", str(path), "--json", "--quiet", "--no-anchor"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert abs(out["eps_estimate"] / 0.05 - 1) < 1e-5 and "fe_least_squares" not in out


@pytest.mark.parametrize("argv, match", [
    ([], "--data FILE or --synthetic-eps"), (["--synthetic-eps", "0.1", "--unknown", "b", "--eps", "0.1"], "--eps"),
    (["--synthetic-eps", "0.1", "--data", "x.csv"], "one of them"), (["--synthetic-eps", "-1"], "> 0"),
    (["--data", "missing.csv"], "cannot read"), (["--data", "x.csv", "--noise", "0.1"], "--noise"),
    (["--synthetic-eps", "0.1", "--n", "1"], "n: need"),
])
def test_cli_bad_input(capsys, argv, match):
    assert main(["inverse", *argv, "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert match in err and len(err.splitlines()) == 1


def test_inverse_study_runs_and_writes_its_outputs(tmp_path):
    from script_loader import load_script

    study = load_script("study_inverse")
    assert study.main(["--quick", "--out", str(tmp_path)]) == 0
    saved = json.loads((tmp_path / "inverse.json").read_text())
    assert len(saved["cells"]) == 2 and len(saved["cells"][0]["ngd"]) == 2 == len(saved["cells"][0]["anchor"])
    assert (tmp_path / "inverse.png").stat().st_size > 10_000 and "covers" in (tmp_path / "table.md").read_text()


# --- the direction of b (2D) ------------------------------------------------------------------------------

def test_direction_from_noise_free_data_on_the_model_mesh_is_recovered_from_a_far_start():
    from femngd.inverse import estimate_direction, synthetic_observations_2d

    data = synthetic_observations_2d(30.0, 0.05, noise=0.0, points=150, seed=2, n_reference=24)
    result = estimate_direction(data, 0.05, n=24, angle0=70.0)
    assert abs(result.value - 30.0) < 1e-6 and result.message.startswith("converged")
    assert result.history["angle"][0] == pytest.approx(70.0)


def test_synthetic_2d_data_at_45_degrees_are_the_exact_corner_layer():
    from femngd.fem import corner_layer_2d
    from femngd.inverse import synthetic_observations_2d

    data = synthetic_observations_2d(45.0, 0.1, noise=0.0, points=100, seed=0, n_reference=48)
    exact = corner_layer_2d(0.1).exact(data.x)
    assert np.max(np.abs(data.u - exact)) < 2e-4 * np.max(np.abs(exact))      # P2, h = 1/48: 1.2e-4 measured


def test_direction_tangent_is_the_derivative_of_the_discrete_solution():
    from femngd.inverse import _Direction

    x = np.random.default_rng(0).uniform(size=(20, 2))
    fe, phi, h = _Direction(0.05, 12, x), 0.4, 1e-6
    solve = lambda q: fe.factor(q).solve(fe.F)
    fd = (solve(phi + h) - solve(phi - h)) / (2 * h)
    np.testing.assert_allclose(fe.tangent(fe.factor(phi), solve(phi), phi), fd, rtol=1e-6, atol=1e-9 * np.abs(fd).max())


def test_direction_agrees_with_fe_constrained_least_squares_and_covers_the_truth():
    from femngd.inverse import estimate_direction, fe_least_squares_direction, synthetic_observations_2d

    data = synthetic_observations_2d(60.0, 0.05, noise=0.01, points=200, seed=3, n_reference=32)
    ours, anchor = estimate_direction(data, 0.05, n=32), fe_least_squares_direction(data, 0.05, n=32)
    assert abs(ours.value - anchor.value) < 1e-5
    assert ours.covers(60.0) and 0 < ours.std < 2.0


def test_cli_unknown_b_json_contract_and_bad_input(tmp_path, capsys):
    argv = ["inverse", "--unknown", "b", "--synthetic-eps", "0.05", "--synthetic-angle", "40", "--points", "120",
            "--n", "16", "--json", "--quiet"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("b_angle_estimate", "b_angle_std", "b_angle_interval", "eps", "iterations", "seconds"):
        assert key in out, key
    assert abs(out["b_angle_estimate"] - 40.0) < 5 and out["fe_least_squares"]["iterations"] > 0
    one_d = tmp_path / "one_d.csv"
    one_d.write_text("x,u\n0.5,0.4\n0.6,0.5\n")
    for bad, needle in ((["--unknown", "b", "--data", str(one_d), "--eps", "0.1"], "data:"),
                        (["--unknown", "b", "--data", str(one_d)], "--eps:"),
                        (["--synthetic-eps", "0.1", "--synthetic-angle", "30"], "--synthetic-angle:"),
                        (["--unknown", "b", "--synthetic-eps", "0.1", "--synthetic-angle", "120"], "angle:")):
        assert main(["inverse", *bad, "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and "\n" not in err, err
