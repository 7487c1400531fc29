"""Reading 2D meshes from files (scikit-fem's loader on top of meshio), and the shipped meshes.

The package ships gmsh-generated linear triangle meshes with named boundaries (gmsh physical
groups) as package data in ``femngd/fem/meshes/`` (generator and description: the repository's
``meshes/`` folder):

- ``unit_square``: (0, 1)², boundaries ``left``, ``right``, ``bottom``, ``top``;
- ``lshape``: (−1, 1)² minus [0, 1) × (−1, 0], boundaries ``reentrant`` and ``outer``;
- ``hole``: (0, 2) × (0, 1) minus the disc of radius 0.2 about (0.5, 0.5), boundaries
  ``left``, ``right``, ``bottom``, ``top`` and ``hole``.
"""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import skfem

from .meshes import MESHES

__all__ = ["load_mesh", "shipped_mesh", "SHIPPED_MESHES", "MESH_DIR"]

#: the shipped meshes, by name
SHIPPED_MESHES = ("unit_square", "lshape", "hole")
#: the folder holding the shipped meshes (package data: installed with the package)
MESH_DIR = Path(__file__).resolve().parent / "meshes"

_LINEAR_2D = (skfem.MeshTri1, skfem.MeshQuad1)


def _read(path: Path) -> skfem.Mesh:
    """``skfem.Mesh.load(path)`` with meshio's console output silenced and its failures
    (exceptions, and the ``sys.exit`` meshio calls when no reader fits) turned into ValueError."""
    if path.stat().st_size == 0:
        raise ValueError(f"mesh: {path} is empty")
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return skfem.Mesh.load(str(path))
    except SystemExit:
        raise ValueError(f"mesh: cannot read {path}: not a mesh file meshio can read (unknown format or garbled header)") from None
    except (IndexError, KeyError, TypeError, ValueError, EOFError) as exc:   # the reader tripped over the content
        text = str(exc).strip().splitlines()
        reason = f"; the reader said: {text[0]}" if text else ""
        raise ValueError(f"mesh: cannot read {path}: truncated or corrupt file{reason}") from None
    except Exception as exc:  # noqa: BLE001 - any other reader failure is a bad file too
        text = str(exc).strip().splitlines()
        raise ValueError(f"mesh: cannot read {path}: {text[0] if text else type(exc).__name__}") from None


def _cell_areas(mesh: skfem.Mesh) -> np.ndarray:
    """Areas of the cells: |det DF| · |reference cell| summed over the cell's quadrature points."""
    basis = skfem.CellBasis(mesh, skfem.ElementTriP0() if isinstance(mesh, skfem.MeshTri1)
                            else skfem.ElementQuad0())
    return np.sum(basis.dx, axis=1)


def _check(mesh: skfem.Mesh, path: Path) -> skfem.Mesh:
    """The checks of :func:`load_mesh`; returns the mesh without unused vertices."""
    if type(mesh) not in _LINEAR_2D:
        raise ValueError(f"mesh: {path} is not a linear 2D triangle or quadrilateral mesh "
                         f"(got {type(mesh).__name__})")
    if mesh.t.shape[1] == 0:
        raise ValueError(f"mesh: {path} has no cells")
    if not np.all(np.isfinite(mesh.p)):
        raise ValueError(f"mesh: {path} has non-finite vertex coordinates")
    if not mesh.boundaries:
        raise ValueError(f"mesh: {path} has no named boundaries "
                         "(give the boundary curves physical groups)")
    if np.unique(mesh.t).size < mesh.p.shape[1]:
        mesh = mesh.remove_unused_nodes()     # monotone renumbering: facets and names unchanged
    areas = _cell_areas(mesh)
    if np.min(areas) <= 1e-12 * np.max(areas):
        raise ValueError(f"mesh: {path} has {np.sum(areas <= 1e-12 * np.max(areas))} degenerate cells")
    return mesh


def load_mesh(path: str | Path) -> skfem.Mesh:
    """Load a linear 2D triangle or quadrilateral mesh with named boundaries from a file.

    Any format meshio reads works (e.g. gmsh ``.msh`` 2.2 or 4.1, whose boundary physical
    groups become ``mesh.boundaries``: name -> facet indices). Vertices used by no cell (gmsh
    writes geometry points) are removed. Raises ``FileNotFoundError`` for a missing file and
    ``ValueError`` (one line starting with ``mesh:``) for an unreadable or corrupt file, a mesh
    that is not linear 2D, has no cells, non-finite coordinates, degenerate (zero-area) cells,
    or no named boundaries.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"mesh: no such file: {path}")
    return _check(_read(path), path)


def shipped_mesh(name: str) -> skfem.Mesh:
    """The mesh ``<name>.msh`` shipped with the package, name in :data:`SHIPPED_MESHES`."""
    if name not in SHIPPED_MESHES:
        raise ValueError(f"mesh: unknown shipped mesh {name!r} (available: {', '.join(SHIPPED_MESHES)})")
    return load_mesh(MESH_DIR / f"{name}.msh")


def _register_shipped() -> None:
    """Every shipped mesh is a mesh kind of :data:`femngd.fem.meshes.MESHES` (n, ε, degree unused)."""
    docs = {"unit_square": "(0, 1)² from gmsh (shipped)", "lshape": "(−1, 1)² minus a quadrant (shipped)",
            "hole": "(0, 2) × (0, 1) minus a disc (shipped)"}
    for name in SHIPPED_MESHES:
        MESHES.register(name, lambda n=0, dim=2, eps=None, degree=1, name=name: shipped_mesh(name),
                        doc=docs[name], options=("dim", "eps", "degree"))


_register_shipped()
