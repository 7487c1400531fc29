"""Descent directions: the first piece of a :class:`~femngd.optim.descent.Descent` optimizer.

From the linearization at θ (loss, ∇L, Gram G) and the momentum state:

* :class:`Natural`   d = −G⁺∇L, the natural gradient (the regularized solve of the optimizer)
* :class:`Gradient`  d = −∇L, the parameter-space gradient
* :class:`Spring`    d_k = −(G_k + λI)⁻¹(∇L − λμ d_{k−1}), SPRING's regularized momentum direction
                     (Goldshlager, Abrahamsen, Lin 2024): μ the momentum β, λ = ``damping`` absolute,
                     solved by Tikhonov with that absolute shift (so it reports rank and condition); with
                     fewer points than parameters (a KernelGram G = WᵀW, ∇L = Wᵀz) in the push-through form
                     φ_k = μφ_{k−1} + Wᵀ(K + λI)⁻¹(z − μWφ_{k−1}), φ = −d, an m × m solve (DESIGN §11)

``natural`` says whether the direction is preconditioned by the metric Gram: ``momentum="auto"`` then
tunes (α, β) to the spectrum of G⁺G_H, else to that of G_H itself.
"""
from __future__ import annotations

import numpy as np

from ..natural.kernel_gram import KernelGram
from ..natural.objective import Linearization
from ..natural.solve import GramSolver
from ..natural.sparse_gram import SparseGram
from .momentum import MomentumState, Solve

__all__ = ["Direction", "Natural", "Gradient", "Spring"]


class Direction:
    """d(θ) from the linearization ``lin`` (base class; see the module doc)."""

    natural = True

    def __call__(self, lin: Linearization, state: MomentumState, solve: Solve) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Natural(Direction):
    """d = −G⁺∇L."""

    def __call__(self, lin, state, solve):
        return -solve(lin.gram, lin.grad)


class Gradient(Direction):
    """d = −∇L."""

    natural = False

    def __call__(self, lin, state, solve):
        return -lin.grad


class Spring(Direction):
    """d_k = −(G_k + λI)⁻¹(∇L − λμ d_{k−1}), μ = β of the state, λ = ``damping`` (absolute)."""

    def __init__(self, damping: float = 1e-3, diagnostics: bool | int = True):
        damping = float(damping)
        if not (np.isfinite(damping) and damping > 0):
            raise ValueError(f"damping: must be finite and > 0, got {damping}")
        self.damping = damping
        self.solver = GramSolver("tikhonov", damping, relative=False, diagnostics=diagnostics)

    def __repr__(self) -> str:
        return f"Spring(damping={self.damping:g}, {self.solver!r})"

    def __call__(self, lin, state, solve):
        G, mu = lin.gram, state.beta_k()
        z = G.coordinates(lin.grad) if isinstance(G, KernelGram) else None
        if z is None:
            G = np.asarray(G) if isinstance(G, SparseGram) else G     # the shift is SPRING's: FE Grams densely
            rhs = lin.grad if state.d_prev is None else lin.grad - self.damping * mu * state.d_prev
            return -solve(G, rhs, self.solver)
        if state.d_prev is None:
            return -solve(G, lin.grad, self.solver)
        phi_prev = -state.d_prev
        y = z - mu * G.times(phi_prev)               # (G + λI)⁻¹Wᵀy = Wᵀ(K + λI)⁻¹y: registered, solved through K
        rhs = G.transpose_times(y)
        G.register(rhs, y)
        return -(solve(G, rhs, self.solver) + mu * phi_prev)
