"""Generate the shipped 2D meshes with gmsh (a development tool; the .msh files load without it).

    python meshes/generate.py            # rewrites femngd/fem/meshes/*.msh (package data)

Each mesh is linear triangles with named boundaries (gmsh physical groups), saved as gmsh
MSH 2.2 ASCII, which scikit-fem reads through meshio (``skfem.Mesh.load``).
"""
from __future__ import annotations

import math
from pathlib import Path

import gmsh

HERE = Path(__file__).resolve().parents[1] / "femngd" / "fem" / "meshes"   # package data


def _finish(name: str, size: float, groups: dict[str, list[int]], surface: int,
            per_circle: int = 0) -> None:
    """Name the groups, mesh with element size ``size`` (and ``per_circle`` elements per 2π of
    curvature on curved boundaries, 0 = off), write ``femngd/fem/meshes/<name>.msh`` (MSH 2.2 ASCII)."""
    gmsh.model.occ.synchronize()
    for tag_name, curves in groups.items():
        tag = gmsh.model.addPhysicalGroup(1, curves)
        gmsh.model.setPhysicalName(1, tag, tag_name)
    domain = gmsh.model.addPhysicalGroup(2, [surface])
    gmsh.model.setPhysicalName(2, domain, "domain")
    gmsh.option.setNumber("Mesh.MeshSizeMax", size)
    gmsh.option.setNumber("Mesh.MeshSizeMin", size / 3)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", per_circle)
    gmsh.option.setNumber("Mesh.Algorithm", 6)           # Frontal-Delaunay
    gmsh.option.setNumber("Mesh.MshFileVersion", 2.2)
    gmsh.model.mesh.generate(2)
    gmsh.write(str(HERE / f"{name}.msh"))


def _sides(width: float, height: float) -> dict[str, callable]:
    """Tests for the sides of the rectangle (0, width) × (0, height), by a curve's center of mass."""
    return {"left": lambda x, y: abs(x) < 1e-9, "right": lambda x, y: abs(x - width) < 1e-9,
            "bottom": lambda x, y: abs(y) < 1e-9, "top": lambda x, y: abs(y - height) < 1e-9}


def _curves_by_location(predicates: dict[str, callable]) -> dict[str, list[int]]:
    """Group the boundary curves by where their center of mass lies."""
    groups = {name: [] for name in predicates}
    for dim, tag in gmsh.model.getEntities(1):
        x, y, _ = gmsh.model.occ.getCenterOfMass(dim, tag)
        for name, test in predicates.items():
            if test(x, y):
                groups[name].append(tag)
                break
        else:
            raise RuntimeError(f"boundary curve {tag} at ({x}, {y}) matches no boundary name")
    return groups


def unit_square(size: float = 0.045) -> None:
    """(0, 1)², unstructured; boundaries left, right, bottom, top."""
    gmsh.model.add("unit_square")
    surface = gmsh.model.occ.addRectangle(0, 0, 0, 1, 1)
    gmsh.model.occ.synchronize()
    groups = _curves_by_location(_sides(1.0, 1.0))
    _finish("unit_square", size, groups, surface)


def lshape(size: float = 0.09) -> None:
    """(−1, 1)² minus [0, 1) × (−1, 0]; boundaries reentrant (the two edges at the corner) and outer."""
    gmsh.model.add("lshape")
    big = gmsh.model.occ.addRectangle(-1, -1, 0, 2, 2)
    cut = gmsh.model.occ.addRectangle(0, -1, 0, 1, 1)
    (out, _) = gmsh.model.occ.cut([(2, big)], [(2, cut)])
    gmsh.model.occ.synchronize()
    groups = _curves_by_location({
        "reentrant": lambda x, y: (abs(x) < 1e-9 and y < 0) or (abs(y) < 1e-9 and x > 0),
        "outer": lambda x, y: True})
    _finish("lshape", size, groups, out[0][1])


def hole(size: float = 0.075) -> None:
    """(0, 2) × (0, 1) minus the disc of radius 0.2 about (0.5, 0.5); boundaries left, right,
    bottom, top (the rectangle's sides) and hole (the circle)."""
    gmsh.model.add("hole")
    rect = gmsh.model.occ.addRectangle(0, 0, 0, 2, 1)
    disc = gmsh.model.occ.addDisk(0.5, 0.5, 0, 0.2, 0.2)
    (out, _) = gmsh.model.occ.cut([(2, rect)], [(2, disc)])
    gmsh.model.occ.synchronize()
    groups = _curves_by_location({
        "hole": lambda x, y: math.hypot(x - 0.5, y - 0.5) < 0.21, **_sides(2.0, 1.0)})
    _finish("hole", size, groups, out[0][1], per_circle=48)


def main() -> None:
    gmsh.initialize()
    gmsh.option.setNumber("General.Terminal", 0)
    try:
        for build in (unit_square, lshape, hole):
            build()
            gmsh.model.remove()
    finally:
        gmsh.finalize()


if __name__ == "__main__":
    main()
