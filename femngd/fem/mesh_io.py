"""Reading 2D meshes from files (scikit-fem's loader on top of meshio), and the shipped meshes.

The repository's ``meshes/`` folder holds gmsh-generated triangle meshes with named
boundaries (see ``meshes/README.md``): ``unit_square``, ``lshape`` and ``hole``.
"""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import skfem

__all__ = ["load_mesh", "shipped_mesh", "SHIPPED_MESHES", "MESH_DIR"]

#: the shipped meshes, by name
SHIPPED_MESHES = ("unit_square", "lshape", "hole")
MESH_DIR = Path(__file__).resolve().parents[2] / "meshes"


def load_mesh(path: str | Path) -> skfem.Mesh:
    """Load a 2D mesh file (any format meshio reads, e.g. gmsh .msh) with named boundaries.

    Raises FileNotFoundError for a missing file and ValueError (one line, starting with
    ``mesh:``) for an unreadable file, a mesh that is not 2D, has no cells, or has no named
    boundaries.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"mesh: no such file: {path}")
    try:
        with contextlib.redirect_stdout(io.StringIO()):   # meshio prints notices on stdout
            mesh = skfem.Mesh.load(str(path))
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file to the user
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"mesh: cannot read {path}: {detail}") from None
    if mesh.p.shape[0] != 2 or not isinstance(mesh, (skfem.MeshTri1, skfem.MeshQuad1)):
        raise ValueError(f"mesh: {path} is not a 2D triangle or quadrilateral mesh ({type(mesh).__name__})")
    if mesh.t.shape[1] == 0:
        raise ValueError(f"mesh: {path} has no cells")
    if not mesh.boundaries:
        raise ValueError(f"mesh: {path} has no named boundaries (add physical groups for the boundary curves)")
    return mesh


def shipped_mesh(name: str) -> skfem.Mesh:
    """One of the meshes shipped in ``meshes/`` (see :data:`SHIPPED_MESHES`)."""
    if name not in SHIPPED_MESHES:
        raise ValueError(f"mesh: unknown shipped mesh {name!r} (available: {', '.join(SHIPPED_MESHES)})")
    return load_mesh(MESH_DIR / f"{name}.msh")
