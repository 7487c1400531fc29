"""Result objects that plot themselves and export VTK (issue 20): arrays read back equal the computed ones,
--plot writes PNGs of the expected size, figure functions draw into an existing Axes."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import meshio  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from femngd.cli import main  # noqa: E402
from femngd.fem import FESpace, corner_layer_2d, galerkin, layer_1d, make_mesh, uniform_mesh_1d  # noqa: E402
from femngd.natural import build_model, build_objective  # noqa: E402
from femngd.results import galerkin_result, trained_result  # noqa: E402


@pytest.mark.parametrize("degree", [1, 2])
def test_vtk_point_data_equal_the_computed_fields(tmp_path, degree):
    problem = corner_layer_2d(0.05)
    space = FESpace(make_mesh("shishkin", 8, 2, eps=0.05), degree=degree)
    u = galerkin(problem, space)
    result = galerkin_result(problem, space, u=u)
    back = meshio.read(result.to_vtk(tmp_path / "g.vtu"))
    assert np.allclose(back.points[:, :2], result.points.T)
    for name in ("galerkin", "exact", "error_galerkin"):
        assert np.allclose(back.point_data[name], result.fields[name], rtol=0, atol=1e-14)
    # independent check: P1 vertex values are the DOF values; P2 values come from the FE function itself
    if degree == 1:
        assert np.allclose(result.fields["galerkin"], u[space.basis.nodal_dofs[0]])
    assert np.allclose(result.fields["exact"], problem.exact(result.points.T))


def test_trained_vtk_has_the_model_galerkin_exact_and_errors(tmp_path):
    problem, space = layer_1d(0.1), FESpace(uniform_mesh_1d(16))
    model = build_model("poly", problem, space)
    objective = build_objective(problem, space, model, loss="l2", metric="gauss-newton")
    theta = model.init(0)
    result = trained_result(problem, space, objective, theta)
    back = meshio.read(result.to_vtk(tmp_path / "t.vtu"))
    assert {"trained", "galerkin", "exact", "error_trained", "error_galerkin"} <= set(back.point_data)
    assert np.allclose(back.point_data["trained"], objective.evaluate(theta, result.points.T)[0])


@pytest.mark.parametrize("command", [
    ["galerkin", "--dim", "2", "--eps", "1e-2", "--n", "16", "--mesh", "shishkin"],
    ["galerkin", "--eps", "1e-3", "--n", "32"],
    ["train", "--dim", "2", "--eps", "0.1", "--n", "8", "--model", "shallow", "--loss", "strong-residual",
     "--points", "random", "--iterations", "3"],
    ["train", "--eps", "1e-2", "--n", "16", "--model", "poly", "--iterations", "2"]])
def test_plot_and_vtk_options_write_their_files(tmp_path, capsys, command):
    png, vtu = tmp_path / "f.png", tmp_path / "f.vtu"
    quiet = ["--quiet"] if command[0] == "train" else []
    assert main([*command, "--plot", str(png), "--vtk", str(vtu), "--json", *quiet]) == 0
    json.loads(capsys.readouterr().out)
    image = plt.imread(png)
    width = image.shape[1]
    assert image.shape[0] > 300 and width > (1200 if "--dim" in command else 600)
    assert meshio.read(vtu).points.shape[0] > 0


def test_plot_option_is_checked_before_any_work(capsys, tmp_path):
    assert main(["galerkin", "--plot", str(tmp_path / "f.jpg")]) == 2
    assert "--plot" in capsys.readouterr().err


@pytest.mark.parametrize("dim", [1, 2])
def test_plot_draws_into_an_existing_axes(dim):
    problem = layer_1d(0.1) if dim == 1 else corner_layer_2d(0.1)
    space = FESpace(uniform_mesh_1d(8) if dim == 1 else make_mesh("uniform", 4, 2))
    fig, ax = plt.subplots()
    assert galerkin_result(problem, space).plot(ax=ax) is fig
    assert ax.has_data()
    plt.close(fig)


def test_2d_figure_zooms_on_the_largest_error_with_the_mesh():
    problem = corner_layer_2d(1e-2)
    space = FESpace(make_mesh("uniform", 16, 2))
    result = galerkin_result(problem, space)
    error = result.fields["error_galerkin"]
    (x0, x1), (y0, y1) = result.zoom_window(error)
    peak = result.points[:, np.argmax(error)]
    assert x0 <= peak[0] <= x1 and y0 <= peak[1] <= y1
    assert x1 - x0 == pytest.approx(0.16) and y1 - y0 == pytest.approx(0.16)
    assert 0 <= x0 and x1 <= 1 + 1e-12 and 0 <= y0 and y1 <= 1 + 1e-12
    fig = result.plot()
    titles = [ax.get_title() for ax in fig.axes]
    zoom = fig.axes[titles.index("zoom: where the error is largest")]
    assert zoom.get_xlim() == pytest.approx((x0, x1)) and zoom.get_ylim() == pytest.approx((y0, y1))
    plt.close(fig)


def test_demo_2d_case_maps_the_errors_of_four_methods(tmp_path):
    from femngd.studies.demo import corner_layer_case

    case = corner_layer_case(tmp_path, {"n": 8, "network_n": 4, "width": 4, "iterations": 2})
    assert len(case["rows"]) == 4 and case["figures"][0] == "figures/corner_layer_eps0.01.png"
    errors = [row["relative_l2_error_exact"] for row in case["rows"]]
    assert errors[2] < errors[0]                       # the Shishkin mesh resolves the layer, the uniform one not
    assert [row["method"].split(",")[0] for row in case["rows"]][:3] == ["Galerkin", "SUPG", "Galerkin"]
    assert all(np.isfinite(e) and e > 0 for e in errors)
    image = plt.imread(tmp_path / case["figures"][0])
    assert image.shape[1] > 4 * image.shape[0] / 2
