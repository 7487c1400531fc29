"""The shipped 2D meshes: optimal convergence orders under refinement with the exact solution's
Dirichlet data, refusal of a problem whose exact solution does not fit, package data in the wheel,
clear messages for corrupt files."""
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from femngd.cli import main
from femngd.fem import FESpace, galerkin, l2_error, poisson_2d, shipped_mesh, smooth_2d
from femngd.fem.errors import observed_orders
from femngd.fem.mesh_io import SHIPPED_MESHES, load_mesh

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize("name", SHIPPED_MESHES)
@pytest.mark.parametrize("degree, levels", [(1, 3), (2, 2)])
@pytest.mark.parametrize("problem", [smooth_2d(1.0), poisson_2d()], ids=["smooth", "poisson"])
def test_optimal_l2_orders_on_every_shipped_mesh(name, degree, levels, problem):
    """P1: order 2, P2: order 3 in L2, with g = the exact solution on the mesh's whole boundary."""
    mesh = shipped_mesh(name)
    h, errors = [], []
    for k in range(levels):
        space = FESpace(mesh.refined(k) if k else mesh, degree=degree)
        errors.append(l2_error(space, galerkin(problem, space), problem.exact))
        h.append(space.h.max())
    assert np.all(np.abs(observed_orders(np.array(h), np.array(errors)) - (degree + 1)) < 0.1)


def test_layer_problem_on_the_lshape_gets_its_exact_boundary_values(capsys):
    assert main(["galerkin", "--dim", "2", "--mesh", "lshape", "--eps", "0.5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["relative_l2_error"] < 5e-3 and "n" not in out       # --n means nothing for a mesh file


def test_layer_problem_beyond_its_outflow_boundary_is_refused(capsys):
    assert main(["galerkin", "--dim", "2", "--mesh", "hole"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("femngd: error: mesh:") and "\n" not in err and "--problem" in err


def test_hard_constraints_need_the_unit_square(capsys):
    assert main(["train", "--dim", "2", "--mesh", "lshape", "--model", "shallow", "--quiet"]) == 2
    assert "bc:" in capsys.readouterr().err


@pytest.mark.parametrize("content, needle", [
    (b"", "is empty"), (b"$MeshFormat\n2.2 0 8\n$EndMeshFormat\n$Nodes\n2\n1 0 0 0\n", "truncated or corrupt"),
    (b"garbage\n", "cannot read")])
def test_corrupt_mesh_files_name_the_file_and_the_fault(tmp_path, content, needle):
    path = tmp_path / "bad.msh"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=needle) as info:
        load_mesh(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_truncated_shipped_mesh_is_reported(tmp_path):
    path = tmp_path / "cut.msh"
    path.write_text((ROOT / "femngd" / "fem" / "meshes" / "hole.msh").read_text()[:3000])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_mesh(path)


def test_the_wheel_ships_the_meshes(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("femngd-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for name in SHIPPED_MESHES:
        assert f"femngd/fem/meshes/{name}.msh" in names
