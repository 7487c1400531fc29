"""Metrics X of the FE discretization (interior DOFs) and the residual weights of the FE losses.

With M, K, A the interior blocks of mass, stiffness and operator (:class:`femngd.fem.LinearSystem`):

* ``l2``            X = M                       ‖V‖²_X = ∫ v_h²           (v_h the FE function)
* ``h1``            X = K + M                   ‖V‖²_X = ∫ |∇v_h|² + v_h²
* ``gauss-newton``  the loss's own Hessian: X = M for the l2 regression; for the residual
  losses the coordinates are r = AV − F with W = M⁻¹ (``fe-residual``) or W = K⁻¹
  (``fe-residual-dual``), so G_H = Jᵀ Aᵀ W A J.

Inverses are applied through one sparse LU factorization (:class:`SPDInverse`), never formed.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..fem import LinearSystem
from .tangent import METRICS

__all__ = ["METRICS", "RESIDUAL_NORMS", "SPDInverse", "check_metric", "fe_metric", "residual_weight"]

#: FE residual losses and the matrix S of their weight W = S⁻¹: "mass" (M) or "stiffness" (K)
RESIDUAL_NORMS = {"fe-residual": "mass", "fe-residual-dual": "stiffness"}


#: mass matrices with at least this many rows are inverted by Jacobi-preconditioned CG instead of a sparse LU
CG_MIN_SIZE = 100_000
#: relative residual of every CG column (κ(D⁻¹M) ≤ ~5 for P1/P2 mass matrices: ~35 iterations)
CG_TOLERANCE = 1e-14


class SPDInverse:
    """Y ↦ S⁻¹ Y for a sparse SPD matrix S: one sparse LU factorization made at construction, or for a
    large mass matrix (``well_conditioned=True``, :data:`CG_MIN_SIZE` rows or more) Jacobi-preconditioned
    block CG to :data:`CG_TOLERANCE` (D⁻¹M has condition ≤ ~5 on any mesh; at 1 046 529 rows 0.4 s per
    column instead of a 10 s, 2 GB factorization), with the LU as fallback should CG not converge."""

    def __init__(self, S: sp.spmatrix, well_conditioned: bool = False):
        S = sp.csc_matrix(S, dtype=float)
        if S.shape[0] != S.shape[1] or S.shape[0] == 0:
            raise ValueError(f"S: expected a non-empty square matrix, got shape {S.shape}")
        self.shape, self._S = S.shape, S
        self._lu = None
        self._cg = well_conditioned and S.shape[0] >= CG_MIN_SIZE
        if not self._cg:
            self._lu = spla.splu(S)

    def __call__(self, Y: np.ndarray) -> np.ndarray:
        """S⁻¹ Y for Y of shape (n,) or (n, k)."""
        Y = np.ascontiguousarray(Y, dtype=float)
        if self._cg:
            X, converged = block_cg(self._S, Y.reshape(Y.shape[0], -1), CG_TOLERANCE)
            if converged:
                return X.reshape(Y.shape)
            self._cg, self._lu = False, spla.splu(self._S)
        return self._lu.solve(Y)

    def dense_form(self, B: np.ndarray) -> np.ndarray:
        """Bᵀ S⁻¹ B (k, k), symmetrized; B of shape (n, k)."""
        G = B.T @ self(B)
        return 0.5 * (G + G.T)


def block_cg(S: sp.spmatrix, B: np.ndarray, rtol: float, maxiter: int = 500) -> tuple[np.ndarray, bool]:
    """Jacobi-preconditioned CG on every column of B (n, k) at once: (X with ‖B − SX‖ ≤ rtol‖B‖ per column,
    whether every column got there)."""
    d_inv = 1.0 / S.diagonal()[:, None]
    X = np.zeros_like(B)
    R = B.copy()
    target = rtol * np.linalg.norm(B, axis=0)
    Z = d_inv * R
    P, rz = Z.copy(), np.sum(R * Z, axis=0)
    for _ in range(maxiter):
        if np.all(np.linalg.norm(R, axis=0) <= target):
            return X, True
        SP = S @ P
        curvature = np.sum(P * SP, axis=0)
        alpha = np.divide(rz, curvature, out=np.zeros_like(rz), where=curvature > 0)
        X += alpha * P
        R -= alpha * SP
        Z = d_inv * R
        rz_new = np.sum(R * Z, axis=0)
        P = Z + np.divide(rz_new, rz, out=np.zeros_like(rz), where=rz > 0) * P
        rz = rz_new
    return X, bool(np.all(np.linalg.norm(R, axis=0) <= target))


def check_metric(metric: str) -> str:
    """``metric`` if it is one of :data:`METRICS`, else ValueError naming it."""
    if metric not in METRICS:
        raise ValueError(f"metric: must be one of {', '.join(METRICS)}, got {metric!r}")
    return metric


def residual_weight(system: LinearSystem, loss: str) -> SPDInverse:
    """W = M⁻¹ for ``fe-residual``, K⁻¹ for ``fe-residual-dual`` (factorized once)."""
    if loss not in RESIDUAL_NORMS:
        raise ValueError(f"loss: must be one of {', '.join(RESIDUAL_NORMS)}, got {loss!r}")
    mass = RESIDUAL_NORMS[loss] == "mass"
    return SPDInverse(system.M_ii if mass else system.K_ii, well_conditioned=mass)


def fe_metric(system: LinearSystem, metric: str) -> sp.csr_matrix:
    """X on the interior DOFs: M (``l2``) or K + M (``h1``), as CSR."""
    if check_metric(metric) == "gauss-newton":
        raise ValueError("metric: the Gauss-Newton metric depends on the loss; use residual_weight or the loss's X")
    X = system.M_ii if metric == "l2" else system.K_ii + system.M_ii
    return sp.csr_matrix(X, dtype=float)
