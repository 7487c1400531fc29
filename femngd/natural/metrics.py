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


class SPDInverse:
    """Y ↦ S⁻¹ Y for a sparse SPD matrix S, from one sparse LU factorization made at construction."""

    def __init__(self, S: sp.spmatrix):
        S = sp.csc_matrix(S, dtype=float)
        if S.shape[0] != S.shape[1] or S.shape[0] == 0:
            raise ValueError(f"S: expected a non-empty square matrix, got shape {S.shape}")
        self.shape = S.shape
        self._lu = spla.splu(S)

    def __call__(self, Y: np.ndarray) -> np.ndarray:
        """S⁻¹ Y for Y of shape (n,) or (n, k)."""
        return self._lu.solve(np.ascontiguousarray(Y, dtype=float))

    def dense_form(self, B: np.ndarray) -> np.ndarray:
        """Bᵀ S⁻¹ B (k, k), symmetrized; B of shape (n, k)."""
        G = B.T @ self(B)
        return 0.5 * (G + G.T)


def check_metric(metric: str) -> str:
    """``metric`` if it is one of :data:`METRICS`, else ValueError naming it."""
    if metric not in METRICS:
        raise ValueError(f"metric: must be one of {', '.join(METRICS)}, got {metric!r}")
    return metric


def residual_weight(system: LinearSystem, loss: str) -> SPDInverse:
    """W = M⁻¹ for ``fe-residual``, K⁻¹ for ``fe-residual-dual`` (factorized once)."""
    if loss not in RESIDUAL_NORMS:
        raise ValueError(f"loss: must be one of {', '.join(RESIDUAL_NORMS)}, got {loss!r}")
    return SPDInverse(system.M_ii if RESIDUAL_NORMS[loss] == "mass" else system.K_ii)


def fe_metric(system: LinearSystem, metric: str) -> sp.csr_matrix:
    """X on the interior DOFs: M (``l2``) or K + M (``h1``), as CSR."""
    if check_metric(metric) == "gauss-newton":
        raise ValueError("metric: the Gauss-Newton metric depends on the loss; use residual_weight or the loss's X")
    X = system.M_ii if metric == "l2" else system.K_ii + system.M_ii
    return sp.csr_matrix(X, dtype=float)
