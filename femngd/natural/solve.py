"""Regularized solves with the Gram matrix: the natural direction G⁺∇L and its diagnostics.

* Tikhonov:  x = (G + λI)⁻¹ r, λ absolute or λ·trace(G)/p (``relative=True``), by Cholesky.
* Penrose:   x = Σ_{σ_i > τσ_max} v_i v_iᵀ r / σ_i, the truncated eigen-decomposition (τ = ``reg``).
* lstsq:     the minimum-norm least-squares solution of G x = r with the relative cutoff rcond = ``reg`` on
             G's singular values (= its eigenvalues): Σ_{λ > rcond·λ_max} v vᵀ r / λ. LAPACK gelsd (SVD), or
             for p ≥ 512 with a small numerical range (network Grams: rank 140 of p = 1 185) the same
             truncated eigen-solve on the range of a pivoted Cholesky factor (:func:`range_eigenpairs`):
             8× faster than gelsd there, as close to it as an exact eigen-decomposition (eigh) is.
* lstsq-qr:  the same by QR with column pivoting (LAPACK gelsy): the rank is where the condition
             estimate of the leading triangle passes 1/``reg``. 3–4× faster than gelsd at p = 10²–10³
             (no singular values: the condition is not reported, NaN).

A :class:`~femngd.natural.sparse_gram.SparseGram` (FE coefficients: G is the SPD metric itself) is
solved exactly by its sparse factorizations, whatever the method: no shift, no dense matrix.
A :class:`~femngd.natural.kernel_gram.KernelGram` (G = WᵀW with fewer rows than columns) is solved, for
right-hand sides y = Wᵀz it knows, through the m × m kernel K = W Wᵀ with the same method, shift, cutoff
and diagnostics (Woodbury): Tikhonov Wᵀ(K + λI)⁻¹z (λ relative to trace G / p, as for the dense matrix),
Penrose and lstsq Wᵀ V_k Λ_k⁻¹ V_kᵀ z (K = VΛVᵀ, the same cutoff on G's nonzero eigenvalues), lstsq-qr
Wᵀ gelsy(K, z).

Every solve reports the numerical rank (the number of eigenvalues above the cutoff: τσ_max,
or λ for Tikhonov) and the condition number σ_max/σ_min of G restricted to that rank, the
diagnostics users ask for when G is singular or ill-conditioned.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from scipy.linalg.lapack import dpstrf

from ..registry import Registry
from .kernel_gram import KernelGram
from .sparse_gram import SparseGram

__all__ = ["GramSolver", "SolveResult", "SOLVES", "SOLVE_METHODS", "range_eigenpairs"]

#: lstsq takes the pivoted-Cholesky range from this many parameters on (below, gelsd: the reference's
#: configurations, p = 129 and 257, keep the reference's algorithm)
RANGE_MIN_PARAMS = 512
#: the pivoted Cholesky runs down to pivots of this fraction of the cutoff
RANGE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class SolveResult:
    """x solving G x ≈ r, the numerical rank of G and its condition number on that rank."""

    x: np.ndarray
    rank: int
    condition: float


def _rank_condition(eigenvalues: np.ndarray, cutoff: float) -> tuple[int, float]:
    """Rank = #{σ > cutoff·σ_max}; condition = σ_max / smallest kept σ."""
    s = np.abs(eigenvalues)
    top = s.max() if s.size else 0.0
    if top == 0.0:
        return 0, float("inf")
    kept = s[s > cutoff * top]
    return int(kept.size), float(top / kept.min())


def range_eigenpairs(G: np.ndarray, rcond: float) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The eigenpairs (λ, V, π) of G with λ > rcond·λ_max, from the range of a pivoted Cholesky factor, or None.

    LAPACK ?pstrf factors P_πᵀ G P_π = F Fᵀ + S down to pivots ≤ δ·rcond·max diag G (δ = RANGE_TOLERANCE),
    F = [F_1 … F_r] (p × r); F = QR (thin QR) and R Rᵀ = U Λ Uᵀ give the eigenpairs (Λ, QU) of F Fᵀ, of which
    those above rcond·Λ_max are returned (V in the permuted order π: G's row π[i] is V's row i). G = F Fᵀ + S
    up to the factorization's rounding, and trace S = trace G − ‖F‖²_F is below a tenth of the cutoff (checked),
    so these are G's eigenpairs above the cutoff to rounding: cost O(p r²) instead of an eigen-decomposition's
    O(p³). None when r > p/2 (the range is not small: no gain) or the check fails.
    """
    n = G.shape[0]
    top_diag = float(np.max(np.diag(G))) if n else 0.0
    if not top_diag > 0:
        return None
    c, piv, r, info = dpstrf(G, lower=1, tol=RANGE_TOLERANCE * rcond * top_diag)
    if info < 0 or r > n // 2 or r < 1:
        return None
    F = np.tril(c[:, :r])
    Q, R = sla.qr(F, mode="economic", check_finite=False)
    lam, U = np.linalg.eigh(R @ R.T)
    cutoff = rcond * lam[-1]
    if np.trace(G) - np.sum(F * F) > 0.1 * cutoff:
        return None
    keep = lam > cutoff
    return lam[keep], Q @ U[:, keep], piv - 1


class GramSolver:
    """Solve G x = r for a symmetric positive semidefinite G, regularized (see module doc).

    Args:
        method: "tikhonov", "penrose", "lstsq" or "lstsq-qr".
        reg: λ (Tikhonov) or the relative cutoff τ (Penrose, lstsq, lstsq-qr).
        relative: Tikhonov λ relative to trace(G)/p (default) or absolute.
        diagnostics: compute rank and condition for Tikhonov too (one eigvalsh): True (every new Gram matrix, the
            default), False, or an integer k: for every k-th new Gram matrix only (the first included; rank −1 and
            condition NaN for the others). The eigvalsh costs more than the Cholesky itself: 0.4 ms against
            0.05 ms at p = 96 (OpenBLAS's per-call overhead), 0.44 s against 0.07 s for a 2 000 × 2 000 kernel.
    """

    def __init__(self, method: str = "tikhonov", reg: float = 1e-10, relative: bool = True,
                 diagnostics: bool | int = True):
        SOLVES.entry(method)                       # ValueError naming the known solves
        if not (np.isfinite(reg) and reg >= 0):
            raise ValueError(f"reg: must be finite and >= 0, got {reg}")
        if not isinstance(diagnostics, (bool, np.bool_)) and not (isinstance(diagnostics, (int, np.integer))
                                                                  and diagnostics >= 1):
            raise ValueError(f"diagnostics: must be True, False or a positive integer k (every k-th), got {diagnostics!r}")
        self.method, self.reg, self.relative, self.diagnostics = method, float(reg), relative, diagnostics
        self._new_grams = 0
        #: the last Gram matrix and its factorization (a constant G is factorized once), the lstsq range
        #: eigenpairs, and the last KernelGram with its diagnostics decision
        self._cache = self._range_cache = self._last_kernel = None
        self._last_due = False

    def __repr__(self) -> str:
        schedule = "" if self.diagnostics is True else f", diagnostics={self.diagnostics!r}"
        return f"GramSolver({self.method!r}, reg={self.reg:g}{schedule})"

    def solve(self, G: np.ndarray, rhs: np.ndarray) -> SolveResult:
        """The regularized solution of G x = rhs with the rank and condition of G.

        The factorization of the last G is kept: a constant Gram matrix (linear models,
        momentum transports with the same G) is factorized once.
        """
        rhs = np.asarray(rhs, dtype=float)
        if isinstance(G, SparseGram):          # FE coefficients: SPD, solved exactly by its sparse factors
            if rhs.shape[:1] != G.shape[:1] or not np.all(np.isfinite(rhs)):
                raise ValueError("G: the right-hand side does not match the Gram operator or is not finite")
            return SolveResult(G.solve(rhs), G.shape[0], float("nan"))
        if isinstance(G, KernelGram):
            z = G.coordinates(rhs) if rhs.ndim == 1 else None
            if z is not None:
                return self._solve_kernel(G, z)
        G = np.asarray(G, dtype=float)
        if G.ndim != 2 or G.shape[0] != G.shape[1] or rhs.shape[:1] != G.shape[:1]:
            raise ValueError(f"G: expected a square matrix matching rhs, got {G.shape} and {rhs.shape}")
        if not (np.all(np.isfinite(G)) and np.all(np.isfinite(rhs))):
            raise ValueError("G: the Gram matrix or the right-hand side is not finite")
        if self.method == "lstsq":
            return self._lstsq(G, rhs)
        if self.method == "lstsq-qr":
            x, _, rank, _ = sla.lstsq(G, rhs, cond=max(self.reg, 1e-15), lapack_driver="gelsy", check_finite=False)
            return SolveResult(x, int(rank), float("nan"))
        cached = self._cache
        if cached is None or cached[0].shape != G.shape or not np.array_equal(cached[0], G):
            factor = self._factor_tikhonov if self.method == "tikhonov" else self._factor_penrose
            self._cache = cached = (G.copy(), factor(G))
        apply, rank, condition = cached[1]
        return SolveResult(apply(rhs), rank, condition)

    def _diagnose(self, G=None) -> bool:
        """Compute the Tikhonov diagnostics for this new Gram matrix (the ``diagnostics`` schedule)?"""
        if isinstance(self.diagnostics, (bool, np.bool_)):
            return bool(self.diagnostics)
        if G is not None and G is self._last_kernel:     # a KernelGram: counted once, however many solves it gets
            return self._last_due
        due = self._new_grams % int(self.diagnostics) == 0
        self._new_grams += 1
        if G is not None:
            self._last_kernel, self._last_due = G, due
        return due

    def tikhonov_lambda(self, G: np.ndarray) -> float:
        """λ = reg·trace(G)/p (relative) or reg (absolute); a tiny floor keeps G + λI definite."""
        trace = G.trace() if isinstance(G, KernelGram) else np.trace(G)
        lam = self.reg * trace / G.shape[0] if self.relative else self.reg
        return max(lam, np.finfo(float).tiny * 1e10)

    def _factor_tikhonov(self, G):
        """(x ↦ (G + λI)⁻¹x, rank, condition) by Cholesky (eigh if G is indefinite to rounding)."""
        lam = self.tikhonov_lambda(G)
        shifted = G + lam * np.eye(G.shape[0])
        try:
            factor = sla.cho_factor(shifted, lower=True, check_finite=False)
            apply = lambda r: sla.cho_solve(factor, r, check_finite=False)
        except np.linalg.LinAlgError:
            w, V = np.linalg.eigh(shifted)
            inv = 1.0 / np.where(np.abs(w) > 0, w, np.inf)
            apply = lambda r: V @ ((V.T @ r) * (inv if r.ndim == 1 else inv[:, None]))
        if not self._diagnose():
            return apply, -1, float("nan")
        eig = np.linalg.eigvalsh(G)
        top = max(np.abs(eig).max(), 1e-300)
        return (apply, *_rank_condition(eig, max(lam / top, 1e-14)))

    def _factor_penrose(self, G):
        """(x ↦ Σ_{kept} v vᵀx / σ, rank, condition) from the eigen-decomposition of G."""
        w, V = np.linalg.eigh(G)
        top = np.abs(w).max() if w.size else 0.0
        keep = np.abs(w) > max(self.reg, 1e-15) * top
        Vk, inv = V[:, keep], 1.0 / w[keep]
        apply = lambda r: Vk @ ((Vk.T @ r) * (inv if r.ndim == 1 else inv[:, None]))
        return (apply, *_rank_condition(w, max(self.reg, 1e-15)))

    def _solve_kernel(self, G: KernelGram, z: np.ndarray) -> SolveResult:
        """The solve of the module doc through the kernel K = W Wᵀ, for the right-hand side Wᵀz."""
        K = G.kernel
        if not np.all(np.isfinite(K)) or not np.all(np.isfinite(z)):
            raise ValueError("G: the Gram matrix or the right-hand side is not finite")
        if self.method == "lstsq-qr":
            y, _, rank, _ = sla.lstsq(K, z, cond=max(self.reg, 1e-15), lapack_driver="gelsy", check_finite=False)
            return SolveResult(G.transpose_times(y), int(rank), float("nan"))
        if self.method == "tikhonov":
            lam = self.tikhonov_lambda(G)
            x = G.transpose_times(G.shifted_solve(z, lam))
            if not self._diagnose(G):
                return SolveResult(x, -1, float("nan"))
            eig = G.eigen(vectors=False)[0]
            top = max(np.abs(eig).max(), 1e-300)
            return SolveResult(x, *_rank_condition(eig, max(lam / top, 1e-14)))
        w, V = G.eigen(vectors=True)
        cutoff = max(self.reg, 1e-15)
        keep = np.abs(w) > cutoff * (np.abs(w).max() if w.size else 0.0)
        x = G.transpose_times(V[:, keep] @ ((V[:, keep].T @ z) / w[keep]))
        return SolveResult(x, *_rank_condition(w, cutoff))

    def _lstsq(self, G, rhs):
        """Minimum-norm least squares with rcond = reg: the truncated eigen-solve on the pivoted-Cholesky range
        (p ≥ RANGE_MIN_PARAMS, small range; the eigenpairs are kept for the next right-hand side), else gelsd."""
        rcond = max(self.reg, 1e-15)
        if G.shape[0] >= RANGE_MIN_PARAMS:
            cached = self._range_cache
            if cached is None or cached[0].shape != G.shape or not np.array_equal(cached[0], G):
                self._range_cache = cached = (G.copy(), range_eigenpairs(G, rcond))
            pairs = cached[1]
            if pairs is not None:
                lam, V, piv = pairs
                rhs_p = rhs[piv]
                x = np.empty_like(rhs_p)
                x[piv] = V @ ((V.T @ rhs_p) / (lam if rhs.ndim == 1 else lam[:, None]))
                return SolveResult(x, int(lam.size), float(lam[-1] / lam[0]) if lam.size else float("inf"))
        x, _, rank, s = sla.lstsq(G, rhs, cond=rcond, lapack_driver="gelsd", check_finite=False)
        kept = s[:rank]
        return SolveResult(x, int(rank), float(kept.max() / kept.min()) if rank else float("inf"))


#: the regularized Gram solves by name: factory(reg) → :class:`GramSolver`
SOLVES = Registry("solve")
for _method, _doc in (("tikhonov", "(G + λI)⁻¹r, λ = reg·trace(G)/p, by Cholesky"),
                      ("penrose", "truncated eigendecomposition: σ > reg·σ_max kept"),
                      ("lstsq", "minimum-norm least squares (LAPACK gelsd, SVD, rcond = reg)"),
                      ("lstsq-qr", "least squares by QR with column pivoting (gelsy, rcond = reg)")):
    SOLVES.register(_method, lambda reg=1e-10, method=_method: GramSolver(method, reg), doc=_doc, options=("reg",))
#: the names of :data:`SOLVES`
SOLVE_METHODS = SOLVES.names()
