"""Meshes of the reference domains: 1D uniform, graded and Shishkin meshes; the unit square.

Meshes are scikit-fem mesh objects (immutable values). Files are read by
:mod:`femngd.fem.mesh_io`.
"""
from __future__ import annotations

import math

import numpy as np
import skfem

from ..registry import Registry

__all__ = ["uniform_mesh_1d", "graded_mesh_1d", "shishkin_mesh_1d", "shishkin_mesh_2d", "shishkin_transition",
           "unit_square_mesh", "make_mesh", "MESHES", "MESH_KINDS"]


def _check_cells(n, name: str = "n", minimum: int = 1) -> int:
    """``n`` as an int ≥ ``minimum``; ValueError naming it otherwise."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) and not (isinstance(n, float) and n.is_integer()):
        raise ValueError(f"{name}: must be an integer number of cells, got {n!r}")
    n = int(n)
    if n < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {n}")
    if n > 50_000_000:
        raise ValueError(f"{name}: {n} cells is more than this toolkit handles")
    return n


def uniform_mesh_1d(n: int, a: float = 0.0, b: float = 1.0) -> skfem.MeshLine:
    """n equal cells on (a, b): nodes x_i = a + i (b − a)/n, i = 0…n."""
    n = _check_cells(n)
    return graded_mesh_1d(np.linspace(a, b, n + 1))


def graded_mesh_1d(points) -> skfem.MeshLine:
    """The 1D mesh with the given nodes (strictly increasing, finite, at least two)."""
    x = np.asarray(points, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"points: need a 1D array of at least 2 nodes, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("points: contain NaN or infinite values")
    if np.any(np.diff(x) <= 0):
        raise ValueError("points: must be strictly increasing")
    return skfem.MeshLine(x)


def shishkin_transition(n: int, eps: float, beta: float = 1.0, degree: int = 1) -> float:
    """Shishkin transition width σ = min(1/2, (k+1)·(ε/β)·ln N) for degree k, |b| = β."""
    return min(0.5, (degree + 1) * (eps / beta) * math.log(n))


def shishkin_mesh_1d(n: int, eps: float, beta: float = 1.0, degree: int = 1) -> skfem.MeshLine:
    """Shishkin mesh for a layer at x = 1: n/2 uniform cells on [0, 1−σ], n/2 on [1−σ, 1].

    σ = min(1/2, (k+1)·(ε/β)·ln n) (:func:`shishkin_transition`). n must be even.
    Galerkin on this mesh converges uniformly in ε (almost first order in the max norm for P1).
    """
    from .problems import check_eps

    n = _check_cells(n, minimum=2)
    if n % 2:
        raise ValueError(f"n: a Shishkin mesh needs an even number of cells, got {n}")
    eps = check_eps(eps)
    if not (np.isfinite(beta) and beta > 0):
        raise ValueError(f"beta: must be > 0, got {beta}")
    sigma = shishkin_transition(n, eps, beta, degree)
    coarse = np.linspace(0.0, 1.0 - sigma, n // 2 + 1)
    fine = np.linspace(1.0 - sigma, 1.0, n // 2 + 1)
    return graded_mesh_1d(np.concatenate([coarse, fine[1:]]))


def unit_square_mesh(n: int, kind: str = "tri", nodes=None) -> skfem.Mesh:
    """Structured mesh of (0, 1)² with n × n squares: ``kind="tri"`` (each split in two) or ``"quad"``.

    ``nodes`` (optional, sorted, from 0 to 1) replaces the uniform 1D nodes of both axes.
    Boundaries are named ``left``, ``right``, ``bottom``, ``top``.
    """
    if nodes is None:
        x = np.linspace(0.0, 1.0, _check_cells(n) + 1)
    else:
        x = graded_mesh_1d(nodes).p[0]
    if kind == "tri":
        mesh = skfem.MeshTri.init_tensor(x, x)
    elif kind == "quad":
        mesh = skfem.MeshQuad.init_tensor(x, x)
    else:
        raise ValueError(f"kind: must be 'tri' or 'quad', got {kind!r}")
    return mesh.with_boundaries({
        "left": lambda p: np.isclose(p[0], 0.0),
        "right": lambda p: np.isclose(p[0], 1.0),
        "bottom": lambda p: np.isclose(p[1], 0.0),
        "top": lambda p: np.isclose(p[1], 1.0),
    })


def shishkin_mesh_2d(n: int, eps: float, beta: float = 1.0, degree: int = 1, kind: str = "tri") -> skfem.Mesh:
    """Tensor-product Shishkin mesh of (0, 1)² for layers along x = 1 and y = 1 (n × n squares)."""
    return unit_square_mesh(n, kind, nodes=shishkin_mesh_1d(n, eps, beta, degree).p[0])


#: the mesh kinds by name: factory(n, dim, eps, degree) (shipped 2D meshes: :mod:`femngd.fem.mesh_io`);
#: :func:`make_mesh` also takes a mesh file path
MESHES = Registry("mesh")


@MESHES.register("uniform", doc="n equal cells (1D) or n × n squares split into triangles (2D)")
def _uniform(n: int, dim: int = 1, eps: float | None = None, degree: int = 1) -> skfem.Mesh:
    return uniform_mesh_1d(n) if dim == 1 else unit_square_mesh(n)


@MESHES.register("shishkin", doc="layer-adapted: n/2 cells in [1 − σ, 1], σ = min(½, (k+1) ε ln n) (tensor in 2D)")
def _shishkin(n: int, dim: int = 1, eps: float | None = None, degree: int = 1) -> skfem.Mesh:
    if eps is None:
        raise ValueError("eps: a Shishkin mesh needs eps")
    return shishkin_mesh_1d(n, eps, degree=degree) if dim == 1 else shishkin_mesh_2d(n, eps, degree=degree)


#: the generated mesh kinds (study configs' ``mesh.kind``)
MESH_KINDS = ("uniform", "shishkin")


def make_mesh(kind: str, n: int, dim: int = 1, eps: float | None = None, degree: int = 1) -> skfem.Mesh:
    """The mesh ``kind`` of :data:`MESHES` with n cells per direction in 1D/2D (shipped meshes:
    unit_square, lshape, hole; n is ignored), or the mesh file at the path ``kind`` (2D)."""
    if dim not in (1, 2):
        raise ValueError(f"dim: must be 1 or 2, got {dim!r}")
    from .mesh_io import load_mesh

    mesh = MESHES.build(kind, n, dim, eps=eps, degree=degree) if kind in MESHES else load_mesh(kind)
    if mesh.p.shape[0] != dim:
        raise ValueError(f"mesh: {kind} is a {mesh.p.shape[0]}D mesh, but dim is {dim}")
    return mesh
