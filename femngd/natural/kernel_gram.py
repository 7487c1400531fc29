"""Gram matrices held by their whitened Jacobian, for fewer points than parameters (m < p).

With the stacked metric coordinates' Jacobian D (m × p) and a diagonal metric X ≥ 0, the Gram matrix is
G = WᵀW, W = X^{1/2} D (never formed: K = X^{1/2}(D Dᵀ)X^{1/2}). When m < p, G (p × p) has rank ≤ m and every right-hand side of the natural
direction lies in range(Wᵀ): the gradient of a Gauss–Newton loss is ∇L = Dᵀ X r = Wᵀ z, z = X^{1/2} r.
The regularized solves then need only the m × m kernel K = W Wᵀ (push-through / Woodbury identity):

    (WᵀW + λI)⁻¹ Wᵀ z = Wᵀ (K + λI)⁻¹ z,            G⁺ Wᵀ z = Wᵀ K⁺ z,

and G's nonzero eigenvalues are K's, so the rank and condition diagnostics and the Penrose/lstsq cutoffs
are the same as for the p × p matrix (Guzmán-Cordero, Dangel, Goldshlager, Zeinhofer, NeurIPS 2025).
Forming K costs m²p (syrk) instead of mp² for G, and its factorizations m³ instead of p³.

:class:`KernelGram` keeps D, X^{1/2}, the kernel K (formed on first use), and the right-hand sides known in
range form (``register(y, z)``: y = Wᵀz), which :class:`~femngd.natural.solve.GramSolver` solves through K.
Any other right-hand side is solved with the dense p × p matrix (formed on demand): correct, not fast.
``G @ v`` = Wᵀ(W v); ``np.asarray(G)`` is the dense matrix.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg as sla

__all__ = ["KernelGram", "RangeProduct", "GRAM_FORMS"]

#: how a point objective holds its Gram matrix: "auto" (the kernel form when m < p), "dense", "kernel"
GRAM_FORMS = ("auto", "dense", "kernel")


class KernelGram:
    """G = WᵀW (p × p), W = X^{1/2} D (m × p), through D, X^{1/2} and the kernel K = W Wᵀ (module doc).

    W is never formed: K = X^{1/2}(D Dᵀ)X^{1/2}, W v = X^{1/2}(D v), Wᵀ z = Dᵀ(X^{1/2} z).
    """

    def __init__(self, D: np.ndarray, sqrt_metric: np.ndarray | None = None):
        D = np.asarray(D, dtype=float)
        if D.ndim != 2:
            raise ValueError(f"D: expected the Jacobian (m, p), got shape {D.shape}")
        sx = np.ones(D.shape[0]) if sqrt_metric is None else np.asarray(sqrt_metric, dtype=float)
        if sx.shape != (D.shape[0],) or np.any(sx < 0) or not np.all(np.isfinite(sx)):
            raise ValueError(f"sqrt_metric: need {D.shape[0]} finite non-negative values, got shape {sx.shape}")
        self.D, self.sqrt_metric = np.ascontiguousarray(D), sx
        self.shape = (D.shape[1], D.shape[1])
        self._kernel: np.ndarray | None = None
        self._dense: np.ndarray | None = None
        self._known: list[tuple[np.ndarray, np.ndarray]] = []
        self._shifted: dict[float, tuple] = {}
        self._eigen: tuple[np.ndarray, np.ndarray | None] | None = None

    def __repr__(self) -> str:
        return f"KernelGram(m={self.D.shape[0]}, p={self.D.shape[1]})"

    @property
    def kernel(self) -> np.ndarray:
        """K = W Wᵀ = X^{1/2}(D Dᵀ)X^{1/2} (m × m), exactly symmetric (numpy's syrk)."""
        if self._kernel is None:
            K = self.D @ self.D.T
            K *= self.sqrt_metric[:, None]
            K *= self.sqrt_metric[None, :]
            self._kernel = K
        return self._kernel

    def times(self, v: np.ndarray) -> np.ndarray:
        """W v."""
        return self.sqrt_metric * (self.D @ v)

    def transpose_times(self, z: np.ndarray) -> np.ndarray:
        """Wᵀ z."""
        return self.D.T @ (self.sqrt_metric * z)

    def trace(self) -> float:
        """trace G = trace K = ‖W‖²_F."""
        return float(np.trace(self.kernel))

    def register(self, y: np.ndarray, z: np.ndarray) -> None:
        """Record that y = Wᵀ z (a right-hand side in range form: the gradient, a momentum pull-back)."""
        self._known.append((y, np.asarray(z, dtype=float)))

    def coordinates(self, y: np.ndarray) -> np.ndarray | None:
        """z with Wᵀ z = y if y was registered (the same array or equal values), else None."""
        for known, z in reversed(self._known):
            if known is y or (known.shape == np.shape(y) and np.array_equal(known, y)):
                return z
        return None

    def eigen(self, vectors: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Eigenvalues (and eigenvectors if ``vectors``) of the kernel K = W Wᵀ, kept for the next solves."""
        if self._eigen is None or (vectors and self._eigen[1] is None):
            self._eigen = np.linalg.eigh(self.kernel) if vectors else (np.linalg.eigvalsh(self.kernel), None)
        return self._eigen

    def shifted_solve(self, z: np.ndarray, lam: float) -> np.ndarray:
        """(K + λI)⁻¹ z by Cholesky (factor kept per λ; eigh if K + λI is indefinite to rounding)."""
        factor = self._shifted.get(lam)
        if factor is None:
            shifted = self.kernel + lam * np.eye(self.kernel.shape[0])
            try:
                factor = ("cholesky", sla.cho_factor(shifted, lower=True, check_finite=False))
            except np.linalg.LinAlgError:
                w, V = np.linalg.eigh(shifted)
                factor = ("eigh", (w, V))
            self._shifted = {lam: factor}
        kind, data = factor
        if kind == "cholesky":
            return sla.cho_solve(data, z, check_finite=False)
        w, V = data
        return V @ ((V.T @ z) / np.where(np.abs(w) > 0, w, np.inf))

    def __matmul__(self, v: np.ndarray) -> np.ndarray:
        """G v = Wᵀ(W v)."""
        return self.transpose_times(self.times(v))

    @property
    def T(self) -> KernelGram:
        """G is symmetric."""
        return self

    def toarray(self) -> np.ndarray:
        """The dense p × p matrix WᵀW (formed once; p² memory)."""
        if self._dense is None:
            W = self.sqrt_metric[:, None] * self.D
            self._dense = W.T @ W
        return self._dense

    def __array__(self, dtype=None, copy=None):
        dense = self.toarray()
        return dense if dtype is None else dense.astype(dtype)


class RangeProduct:
    """The cross-Gram J(θ)ᵀ X J(θ') = Wᵀ X^{1/2} D' as an operator for a :class:`KernelGram` G = WᵀW:
    ``M @ c`` = Wᵀ z with z = X^{1/2} D' c, registered with G (a momentum transport in range form);
    ``np.asarray(M)`` is the dense p × p matrix."""

    def __init__(self, gram: KernelGram, D_other: np.ndarray):
        self.gram, self.D_other = gram, D_other
        self.shape = (gram.shape[0], D_other.shape[1])

    def __matmul__(self, c: np.ndarray) -> np.ndarray:
        z = self.gram.sqrt_metric * (self.D_other @ c)
        y = self.gram.transpose_times(z)
        self.gram.register(y, z)
        return y

    def __array__(self, dtype=None, copy=None):
        X = self.gram.sqrt_metric ** 2
        dense = self.gram.D.T @ (X[:, None] * self.D_other)
        return dense if dtype is None else dense.astype(dtype)
