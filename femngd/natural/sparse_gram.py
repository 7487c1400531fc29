"""Gram operators of the FE coefficients (J = I): sparse, factorized once, never dense.

For the model V = θ on the interior DOFs the Gram matrix of a metric is the metric itself, and
the natural direction is a sparse solve:

* ``l2`` / ``h1`` metrics and the l2 regression's Gauss–Newton metric:  G = X (M or K + M), SPD;
  G⁻¹y by one sparse factorization of X.
* Gauss–Newton of the residual losses ½ rᵀ S⁻¹ r (S = M for ``fe-residual``, K for
  ``fe-residual-dual``):  G = Aᵀ S⁻¹ A, so G⁻¹y = A⁻¹ S A⁻ᵀ y — one LU of A (both triangular
  solves), no inverse formed. The Gauss–Newton step θ − G⁻¹∇L = θ − A⁻¹r is the Galerkin solution
  to round-off, at any size.

:class:`SparseGram` supports what the optimizers need: ``G @ v`` (momentum transports, whose
cross-Gram is G itself for J = I), :meth:`SparseGram.solve`, and ``np.asarray(G)`` for the dense
matrix of small problems (tests, dense diagnostics). The extreme eigenvalues of a pencil of two
such operators come from Lanczos (:func:`pencil_extremes`).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

__all__ = ["SparseGram", "pencil_extremes"]


class SparseGram:
    """G = X (``outer=None``) or G = Aᵀ X⁻¹ A (``outer=A``) with X sparse SPD (module doc)."""

    def __init__(self, X: sp.spmatrix, outer: sp.spmatrix | None = None,
                 x_solve: Callable[[np.ndarray], np.ndarray] | None = None):
        """``x_solve``: Y ↦ X⁻¹Y if already factorized elsewhere (the loss's weight); else X is factorized
        when first needed (for Aᵀ X⁻¹ A only by G v, never by G⁻¹ y = A⁻¹ X A⁻ᵀ y)."""
        self.X = sp.csc_matrix(X, dtype=float)
        self.A = None if outer is None else sp.csc_matrix(outer, dtype=float)
        n = self.X.shape[0]
        self.shape = (n, n)
        self._x_solve = x_solve
        self._a_lu = None if self.A is None else spla.splu(self.A)

    def _x_inverse(self, y: np.ndarray) -> np.ndarray:
        """X⁻¹ y, factorizing X on first use."""
        if self._x_solve is None:
            self._x_solve = spla.splu(self.X).solve
        return self._x_solve(np.ascontiguousarray(y))

    def __repr__(self) -> str:
        kind = "X" if self.A is None else "Aᵀ X⁻¹ A"
        return f"SparseGram({kind}, n={self.shape[0]})"

    def __matmul__(self, v: np.ndarray) -> np.ndarray:
        """G v."""
        if self.A is None:
            return self.X @ v
        return self.A.T @ self._x_inverse(self.A @ v)

    def solve(self, y: np.ndarray) -> np.ndarray:
        """G⁻¹ y (exact up to the sparse factorizations' round-off)."""
        y = np.ascontiguousarray(y, dtype=float)
        if self.A is None:
            return self._x_inverse(y)
        return self._a_lu.solve(self.X @ self._a_lu.solve(y, trans="T"))

    def toarray(self) -> np.ndarray:
        """The dense matrix (small problems only: n² memory)."""
        return self @ np.eye(self.shape[0]) if self.A is not None else self.X.toarray()

    def __array__(self, dtype=None, copy=None):
        dense = self.toarray()
        return dense if dtype is None else dense.astype(dtype)

    def trace(self) -> float:
        """trace(G) (X's diagonal, or Σ columns of A weighted by X⁻¹: via the dense form when needed)."""
        return float(self.X.diagonal().sum()) if self.A is None else float(np.trace(self.toarray()))

    def operator(self) -> spla.LinearOperator:
        return spla.LinearOperator(self.shape, matvec=lambda v: self @ v, dtype=float)

    def inverse_operator(self) -> spla.LinearOperator:
        return spla.LinearOperator(self.shape, matvec=self.solve, dtype=float)


def pencil_extremes(H: SparseGram, G: SparseGram, tol: float = 1e-8, tol_min: float = 1e-4) -> tuple[float, float]:
    """(λ_min, λ_max) of the generalized problem H v = λ G v, by Lanczos (ARPACK).

    λ_max: Lanczos on G⁻¹H (self-adjoint in the G-inner product; ``Minv`` = the factorized solve).
    λ_min: shift-invert about 0, Lanczos on H⁻¹G, whose largest eigenvalue 1/λ_min is well separated
    (plain Lanczos on the reversed pencil needed ~10⁵ iterations at 4 225 DOFs). The bottom of these
    spectra is clustered (λ ≈ ε² for the dual residual in the H1 metric), so λ_min is computed to the
    relative accuracy ``tol_min`` (1e-4: 0.3 s instead of 6 s at 4 225 DOFs), plenty for the step and
    momentum parameters it sets. Small problems (n ≤ 50) use a dense generalized eigensolver.
    """
    n = H.shape[0]
    if n <= 50:
        import scipy.linalg as sla
        w = sla.eigh(np.asarray(H), np.asarray(G), eigvals_only=True)
        return float(w[0]), float(w[-1])
    ncv = min(n - 1, 40)
    top = spla.eigsh(H.operator(), k=1, M=G.operator(), Minv=G.inverse_operator(), which="LA", tol=tol, ncv=ncv,
                     return_eigenvectors=False)[0]
    bottom = spla.eigsh(H.operator(), k=1, M=G.operator(), sigma=0.0, OPinv=H.inverse_operator(), which="LM",
                        tol=tol_min, ncv=ncv, return_eigenvectors=False)[0]
    return float(bottom), float(top)
