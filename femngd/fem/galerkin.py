"""Galerkin and SUPG reference solutions with Dirichlet elimination.

The Galerkin solution u_h ∈ V_h, u_h = g_h on ∂Ω, solves

    ε (∇u_h, ∇v) + (b·∇u_h, v) = (f, v)   for all v ∈ V_h ∩ H¹₀,

i.e. A u = F with A = εK + C, restricted to interior rows after eliminating the boundary
values g_B (nodal interpolation of g): A_II u_I = F_I − A_IB g_B.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from . import forms
from .problems import AdvectionDiffusion
from .spaces import FESpace

__all__ = ["LinearSystem", "assemble_system", "galerkin", "supg", "solve_system", "streamline_length", "mesh_peclet"]


@dataclass(frozen=True)
class LinearSystem:
    """The discrete problem A u = F on a space, with the Dirichlet DOFs eliminated.

    Attributes:
        space: the FE space.
        A, F: full operator εK + C (+ SUPG terms) (csr) and load (n_dofs,).
        M, K: full mass and stiffness matrices.
        interior, boundary: DOF index arrays.
        g_b: Dirichlet values at the boundary DOFs.
        peclet: the mesh Péclet number (:func:`mesh_peclet`) where it decides the solver (systems of
            :data:`AMG_MIN_SIZE` unknowns or more), else None.
        A_ii, rhs_i: interior block and right-hand side F_I − A_IB g_B.
        M_ii, K_ii: mass and stiffness restricted to the interior DOFs.
    """

    space: FESpace
    A: sp.csr_matrix
    F: np.ndarray
    M: sp.csr_matrix
    K: sp.csr_matrix
    g_b: np.ndarray
    peclet: float | None = None

    @property
    def interior(self) -> np.ndarray:
        return self.space.interior_dofs

    @property
    def boundary(self) -> np.ndarray:
        return self.space.boundary_dofs

    def _block(self, matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> sp.csr_matrix:
        return matrix[rows][:, cols].tocsr()

    @cached_property
    def A_ii(self) -> sp.csr_matrix:
        return self._block(self.A, self.interior, self.interior)

    @cached_property
    def rhs_i(self) -> np.ndarray:
        """F_I − A_IB g_B."""
        return self.F[self.interior] - self._block(self.A, self.interior, self.boundary) @ self.g_b

    @cached_property
    def M_ii(self) -> sp.csr_matrix:
        return self._block(self.M, self.interior, self.interior)

    @cached_property
    def K_ii(self) -> sp.csr_matrix:
        return self._block(self.K, self.interior, self.interior)

    def expand(self, v_i: np.ndarray) -> np.ndarray:
        """The full DOF vector with interior values v_i and boundary values g_b."""
        v_i = np.asarray(v_i, dtype=float)
        if v_i.shape != (self.interior.size,):
            raise ValueError(f"v_i: expected {self.interior.size} interior values, got shape {v_i.shape}")
        u = np.empty(self.space.n_dofs)
        u[self.interior] = v_i
        u[self.boundary] = self.g_b
        return u

    def solve(self) -> np.ndarray:
        """u = expand(A_II⁻¹ (F_I − A_IB g_B)): algebraic multigrid where it converges (:data:`AMG_MIN_SIZE`
        unknowns or more and mesh Péclet ≤ 1, when pyamg is installed), else a sparse direct solve."""
        amg = self.peclet is not None and self.peclet <= 1.0 and self.interior.size >= AMG_MIN_SIZE
        return self.expand(solve_system(self.A_ii, self.rhs_i, "auto" if amg else "direct"))


#: systems with at least this many unknowns go to algebraic multigrid when pyamg is installed
AMG_MIN_SIZE = 100_000
#: GMRES tolerance (pyamg: on the preconditioned residual) and the true relative residual
#: ‖F − A u‖ / ‖F‖ an AMG solution must reach, or the direct solver takes over
AMG_TOLERANCE, AMG_RESIDUAL = 1e-12, 1e-9


def solve_system(A: sp.spmatrix, rhs: np.ndarray, method: str = "auto") -> np.ndarray:
    """Solve A u = F; raises ValueError if the result is not finite (singular system).

    ``method="direct"``: SuperLU with the minimum-degree column ordering on Aᵀ + A (FE operators are
    structurally symmetric; on 2D meshes 3× less time than SuperLU's default COLAMD, measured at
    263 169 DOFs: 1.5 s vs 4.6 s). ``"amg"``: GMRES preconditioned by Ruge–Stüben algebraic multigrid
    (pyamg, an optional extra: ``pip install femngd[amg]``) to a true relative residual of
    :data:`AMG_RESIDUAL`, else the direct solve. ``"auto"``: AMG from :data:`AMG_MIN_SIZE` unknowns when
    pyamg is installed, direct below (measured, 2D corner layer ε = 1e-2, 1 046 529 unknowns: 6.0 s
    instead of 27 s; solutions equal to 1e-12). AMG needs a diffusion-dominated matrix (mesh Péclet
    ≲ 1; at 2 it stalls, at 4 it diverges), which :meth:`LinearSystem.solve` checks before asking for it.
    """
    if method not in ("auto", "direct", "amg"):
        raise ValueError(f"method: must be auto, direct or amg, got {method!r}")
    if A.shape[0] == 0:
        return np.zeros(0)
    x = None
    if method == "amg" or (method == "auto" and A.shape[0] >= AMG_MIN_SIZE):
        x = _amg_solve(A, rhs)
    if x is None:
        x = np.atleast_1d(spla.spsolve(A.tocsc(), rhs, permc_spec="MMD_AT_PLUS_A"))
    if not np.all(np.isfinite(x)):
        raise ValueError("system: the discrete operator is singular or the solve failed")
    return x


def _amg_solve(A: sp.spmatrix, rhs: np.ndarray) -> np.ndarray | None:
    """AMG-preconditioned GMRES (pyamg); None when pyamg is missing or the residual stays above tolerance."""
    try:
        import pyamg
    except ImportError:
        return None
    A = sp.csr_matrix(A)
    with np.errstate(all="ignore"):
        x = pyamg.ruge_stuben_solver(A).solve(rhs, tol=AMG_TOLERANCE, accel="gmres", maxiter=60)
    residual = np.linalg.norm(rhs - A @ x)
    return x if np.isfinite(residual) and residual <= AMG_RESIDUAL * np.linalg.norm(rhs) else None


def _check(problem: AdvectionDiffusion, space: FESpace) -> None:
    if not isinstance(problem, AdvectionDiffusion):
        raise ValueError(f"problem: expected an AdvectionDiffusion, got {type(problem).__name__}")
    if problem.dim != space.dim:
        raise ValueError(f"space: a {space.dim}D space for a {problem.dim}D problem")
    reach = float(space.mesh.p.max())
    if problem.max_coordinate is not None and reach > problem.max_coordinate + 1e-12:
        raise ValueError(f"mesh: {problem.name} has its layer at coordinate {problem.max_coordinate:g} and no meaning "
                         f"beyond it, but the mesh reaches {reach:g}; use --problem smooth or poisson on this mesh")


def assemble_system(problem: AdvectionDiffusion, space: FESpace, stabilization: str = "none") -> LinearSystem:
    """Assemble A = εK + C(b) and F(f) (``stabilization="supg"`` adds the SUPG terms).

    See :func:`supg` for the stabilized form.
    """
    _check(problem, space)
    M, K = space.mass(), space.stiffness()
    constant_b = problem.constant_velocity
    A = problem.eps * K + space.advection(problem.velocity if constant_b is None else constant_b)
    F = space.load(problem.source)
    if stabilization == "supg":
        b = space.at_quadrature_points(problem.velocity)
        tau = forms.supg_tau(np.sqrt(np.sum(b * b, axis=0)), streamline_length(space, b), problem.eps)
        A = A + forms.supg_form.assemble(space.basis, b=b, tau=tau)
        F = F + forms.supg_load.assemble(space.basis, b=b, tau=tau, f=space.at_quadrature_points(problem.source))
    elif stabilization != "none":
        raise ValueError(f"stabilization: must be 'none' or 'supg', got {stabilization!r}")
    g_b = problem.dirichlet(space.dof_locations[space.boundary_dofs])
    peclet = mesh_peclet(problem, space) if space.interior_dofs.size >= AMG_MIN_SIZE else None
    return LinearSystem(space=space, A=A.tocsr(), F=F, M=M, K=K, g_b=np.asarray(g_b, dtype=float), peclet=peclet)


def _vertex_gradients(space: FESpace) -> np.ndarray:
    """∇λ_i of the linear (P1) hat functions of every cell's vertices, (cells, vertices, dim)."""
    mesh = space.mesh
    corners = mesh.p[:, mesh.t[: space.dim + 1]].transpose(2, 1, 0)      # (cells, d+1, dim) simplex corners
    edges = corners[:, 1:] - corners[:, :1]                               # rows x_i − x_0
    inner = np.linalg.inv(edges)                                          # columns: ∇λ_1…∇λ_d
    grads = np.transpose(inner, (0, 2, 1))
    return np.concatenate([-grads.sum(axis=1, keepdims=True), grads], axis=1)


def streamline_length(space: FESpace, b: np.ndarray) -> np.ndarray:
    """The cell size in the direction of b, h_b = 2|b| / Σ_i |b·∇λ_i| (λ_i the cell's P1 hats).

    b: the velocity at the quadrature points (dim, cells, points); returns (cells, points). In 1D
    this is the cell length; on the anisotropic cells of layer-adapted meshes it is the small size
    across the layer when b crosses it, where the diameter would be the long side. SUPG's τ then
    vanishes in the fine layer cells (Pe_K < 1) and stays O(h) in the coarse ones
    (Roos–Stynes–Tobiska). Simplices only; other cells fall back to the diameter.
    """
    if space.mesh.t.shape[0] != space.dim + 1:
        return np.broadcast_to(space.h[:, None], space.basis.dx.shape)
    grads = _vertex_gradients(space)                                       # (cells, d+1, dim)
    flux = sum(np.abs(sum(grads[:, v, d, None] * b[d] for d in range(space.dim)))
               for v in range(space.dim + 1))                              # Σ_i |b·∇λ_i| (cells, points)
    bnorm = np.sqrt(np.sum(b * b, axis=0))
    return np.where(flux > 0, 2.0 * bnorm / np.where(flux > 0, flux, 1.0), space.h[:, None])


def mesh_peclet(problem: AdvectionDiffusion, space: FESpace) -> float:
    """max over cells of the mesh Péclet number Pe_K = |b| h_K / (2ε), h_K the cell size along b.

    Unstabilized Galerkin oscillates where Pe_K > 1 unless the mesh resolves the layer.
    """
    if problem.constant_velocity is not None:              # one value per cell: no quadrature points needed
        b = np.broadcast_to(problem.constant_velocity[:, None, None], (space.dim, space.mesh.t.shape[1], 1))
    else:
        b = space.at_quadrature_points(problem.velocity)
    bnorm = np.sqrt(np.sum(b * b, axis=0))
    return float(np.max(bnorm * streamline_length(space, b)) / (2.0 * problem.eps))


def galerkin(problem: AdvectionDiffusion, space: FESpace) -> np.ndarray:
    """The Galerkin solution's full DOF vector: A_II u_I = F_I − A_IB g_B, u_B = g_B."""
    return assemble_system(problem, space).solve()


def supg(problem: AdvectionDiffusion, space: FESpace) -> np.ndarray:
    """The SUPG solution: Galerkin plus Σ_K τ_K ∫_K (−εΔu + b·∇u − f)(b·∇v).

    τ_K = h_K/(2|b|)(coth Pe_K − 1/Pe_K), Pe_K = |b| h_K/(2ε), evaluated at every quadrature
    point with the local |b| and h_K the cell's size in the direction of b
    (:func:`streamline_length`; on layer-adapted meshes τ vanishes in the fine layer cells). For first-order elements Δu_h = 0
    inside each cell, so the method is consistent; in 1D with constant data it is nodally
    exact. scikit-fem 12 has no second derivatives for P2, so for P2 the −εΔu_h term of the
    residual is dropped (the common "inconsistent SUPG"; its consistency error is O(ε τ)).
    """
    return assemble_system(problem, space, stabilization="supg").solve()
