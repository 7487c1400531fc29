"""Continuous Lagrange spaces V_h (P1/P2 on lines and triangles, Q1/Q2 on quads).

:class:`FESpace` wraps a scikit-fem ``CellBasis`` with a quadrature of order ≥ 2k + 4 and
exposes what the rest of the toolkit needs: DOF locations, the interior/boundary split,
the assembled matrices M, K, C(b) and the load F(f), and the quadrature points of the mesh.
"""
from __future__ import annotations

from functools import cached_property
from typing import Callable

import numpy as np
import scipy.sparse as sp
import skfem
from skfem import CellBasis, Functional

from . import forms
from .quadrature import graded_rule

__all__ = ["FESpace", "element_for"]

_ELEMENTS = {
    (skfem.MeshLine1, 1): skfem.ElementLineP1,
    (skfem.MeshLine1, 2): skfem.ElementLineP2,
    (skfem.MeshTri1, 1): skfem.ElementTriP1,
    (skfem.MeshTri1, 2): skfem.ElementTriP2,
    (skfem.MeshQuad1, 1): skfem.ElementQuad1,
    (skfem.MeshQuad1, 2): skfem.ElementQuad2,
}


def element_for(mesh: skfem.Mesh, degree: int) -> skfem.Element:
    """The Lagrange element of ``degree`` (1 or 2) for the cell type of ``mesh``."""
    if degree not in (1, 2):
        raise ValueError(f"degree: must be 1 or 2, got {degree!r}")
    for (mesh_type, k), element in _ELEMENTS.items():
        if isinstance(mesh, mesh_type) and k == degree:
            return element()
    raise ValueError(f"mesh: unsupported mesh type {type(mesh).__name__} (lines, triangles, quads)")


#: cells per chunk of the load assembly on large meshes whose full quadrature basis was never needed
LOAD_CHUNK = 131_072


class FESpace:
    """V_h = continuous piecewise polynomials of ``degree`` on ``mesh``.

    Attributes:
        mesh, degree, dim, basis (scikit-fem CellBasis, quadrature order ≥ 2k + 4),
        n_dofs, dof_locations (n_dofs, dim), boundary_dofs, interior_dofs, h (element sizes).
    """

    def __init__(self, mesh: skfem.Mesh, degree: int = 1, intorder: int | None = None):
        self.mesh = mesh
        self.degree = int(degree)
        self.element = element_for(mesh, degree)
        self.dim = int(mesh.p.shape[0])
        if intorder is not None and (isinstance(intorder, bool) or not isinstance(intorder, (int, np.integer))
                                     or intorder < 1):
            raise ValueError(f"intorder: must be a positive integer (quadrature order) or None, got {intorder!r}")
        self.intorder = int(intorder) if intorder is not None else 2 * self.degree + 4
        self._error_bases: dict[float, list[CellBasis]] = {}

    @cached_property
    def basis(self) -> CellBasis:
        """The scikit-fem basis with the space's quadrature (order ``intorder``), built on first use: at a
        million cells it holds ~1.7 GB, which DOF bookkeeping, M, K, constant-velocity advection and the
        (chunked) load never need."""
        return CellBasis(self.mesh, self.element, intorder=self.intorder)

    def error_bases(self, resolution: float = 1e-14) -> list[CellBasis]:
        """Bases covering all cells with the error quadrature (:mod:`femngd.fem.errors`): in 1D the cells at
        the boundary with the graded rule down to ``resolution`` (layers sit there), the others and every
        2D cell with the Gauss rule of order 2k + 8. Built once per resolution."""
        if resolution not in self._error_bases:
            order, t = 2 * self.degree + 8, self.mesh.t
            if self.dim == 1 and t.shape[1] > 2:
                ends = np.flatnonzero(np.isin(t, self.mesh.boundary_nodes()).any(axis=0))
                inner = np.setdiff1d(np.arange(t.shape[1]), ends)
                bases = [CellBasis(self.mesh, self.element, elements=ends, quadrature=graded_rule(8, resolution)),
                         CellBasis(self.mesh, self.element, elements=inner, intorder=order)]
            elif self.dim == 1:
                bases = [CellBasis(self.mesh, self.element, quadrature=graded_rule(8, resolution))]
            else:
                bases = [CellBasis(self.mesh, self.element, intorder=order)]
            self._error_bases[resolution] = bases
        return self._error_bases[resolution]

    def __repr__(self) -> str:
        return f"FESpace(P{self.degree}, dim={self.dim}, cells={self.mesh.t.shape[1]}, dofs={self.n_dofs})"

    @property
    def n_dofs(self) -> int:
        return int(self.exact_basis.N)

    @cached_property
    def dof_locations(self) -> np.ndarray:
        """Nodal points of the DOFs, (n_dofs, dim)."""
        return np.ascontiguousarray(self.exact_basis.doflocs.T)

    @cached_property
    def boundary_dofs(self) -> np.ndarray:
        """Indices of the DOFs on ∂Ω (sorted)."""
        return np.sort(self.exact_basis.get_dofs().all())

    @cached_property
    def interior_dofs(self) -> np.ndarray:
        """Indices of the DOFs not on ∂Ω (sorted)."""
        return np.setdiff1d(np.arange(self.n_dofs), self.boundary_dofs)

    @cached_property
    def h(self) -> np.ndarray:
        """Element sizes h_K = |det DF_K|^(1/d), scikit-fem's ``w.h`` (the cell length in 1D)."""
        size = Functional(lambda w: w.h)
        measure = Functional(lambda w: 1.0 + 0.0 * w.x[0])
        return size.elemental(self.exact_basis) / measure.elemental(self.exact_basis)

    # --- matrices and vectors --------------------------------------------------------------

    @cached_property
    def exact_basis(self) -> CellBasis:
        """A basis whose quadrature (order 2k) integrates M, K and constant-velocity advection exactly:
        on simplices their integrands are polynomials of degree ≤ 2k (the mapping is affine), so the
        matrices equal those of :attr:`basis` to round-off at a quarter of its points for P1. Other
        cells (bilinear maps) use :attr:`basis`."""
        if self.mesh.t.shape[0] != self.dim + 1:
            return self.basis
        return CellBasis(self.mesh, self.element, intorder=2 * self.degree)

    def mass(self) -> sp.csr_matrix:
        """M_ij = ∫ φ_j φ_i."""
        return forms.mass.assemble(self.exact_basis).tocsr()

    def stiffness(self) -> sp.csr_matrix:
        """K_ij = ∫ ∇φ_j·∇φ_i."""
        return forms.stiffness.assemble(self.exact_basis).tocsr()

    def advection(self, b: Callable[[np.ndarray], np.ndarray] | np.ndarray) -> sp.csr_matrix:
        """C_ij = ∫ (b·∇φ_j) φ_i for a velocity callable b: (m, dim) → (m, dim), or a constant b (dim,)
        (then on :attr:`exact_basis`)."""
        if callable(b):
            return forms.advection.assemble(self.basis, b=self.at_quadrature_points(b)).tocsr()
        basis = self.exact_basis
        values = np.broadcast_to(np.asarray(b, dtype=float).reshape(self.dim, 1, 1), (self.dim, *basis.dx.shape))
        return forms.advection.assemble(basis, b=values).tocsr()

    def load(self, f: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """F_i = ∫ f φ_i for a callable f: (m, dim) → (m,)."""
        if "basis" in self.__dict__ or self.mesh.t.shape[1] <= LOAD_CHUNK:
            return forms.load.assemble(self.basis, f=self.at_quadrature_points(f))
        F = np.zeros(self.n_dofs)
        for start in range(0, self.mesh.t.shape[1], LOAD_CHUNK):     # the same rule, LOAD_CHUNK cells at a time
            cells = np.arange(start, min(start + LOAD_CHUNK, self.mesh.t.shape[1]))
            part = CellBasis(self.mesh, self.element, intorder=self.intorder, elements=cells)
            F += forms.load.assemble(part, f=forms.at_points(f, np.asarray(part.global_coordinates())))
        return F

    def interpolate(self, func: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Nodal interpolant: the coefficient vector (func(x_j))_j at the DOF locations."""
        return np.asarray(func(self.dof_locations), dtype=float)

    # --- quadrature and point evaluation ---------------------------------------------------

    @cached_property
    def _quadrature(self) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(self.basis.global_coordinates())
        points = np.ascontiguousarray(x.reshape(self.dim, -1).T)
        return points, np.asarray(self.basis.dx).ravel().copy()

    def quadrature(self) -> tuple[np.ndarray, np.ndarray]:
        """All quadrature points of the mesh (m, dim) and their weights (m,): ∫ g ≈ Σ_q w_q g(x_q)."""
        points, weights = self._quadrature
        return points.copy(), weights.copy()

    def at_quadrature_points(self, func: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """A callable on rows evaluated at the quadrature points in scikit-fem's layout (…, cells, points)."""
        return forms.at_points(func, np.asarray(self.basis.global_coordinates()))

    def at_quadrature(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """u_h and ∇u_h at the quadrature points of :meth:`quadrature`: (m,), (m, dim)."""
        field = self.basis.interpolate(self.check_vector(u, "u"))
        value = np.asarray(field).ravel()
        grad = np.asarray(field.grad).reshape(self.dim, -1).T
        return value, grad

    def probe(self, u: np.ndarray, x: np.ndarray) -> np.ndarray:
        """u_h at arbitrary points x (m, dim) inside the mesh."""
        x = np.asarray(x, dtype=float).reshape(-1, self.dim)
        return self.basis.probes(x.T) @ self.check_vector(u, "u")

    def check_vector(self, u: np.ndarray, name: str = "u") -> np.ndarray:
        """``u`` as a finite (n_dofs,) vector, or ValueError naming it."""
        u = np.asarray(u, dtype=float)
        if u.shape != (self.n_dofs,):
            raise ValueError(f"{name}: expected a vector of {self.n_dofs} DOF values, got shape {u.shape}")
        if not np.all(np.isfinite(u)):
            raise ValueError(f"{name}: contains NaN or infinite values")
        return u
