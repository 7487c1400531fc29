"""'auto': the step α (and β) of the linearized problem at θ₀, from the extreme eigenvalues of G⁺G_H.

G is the metric Gram for natural directions and the identity for parameter-space ones; G_H the
Gauss–Newton matrix of the loss. With λ₁, λ_n the extreme eigenvalues of the pencil G_H v = λ G v
(DESIGN §5): plain descent α = 2/(λ₁+λ_n), β = 0; momentum Polyak's heavy-ball or Nesterov's (α, β)
(:func:`femngd.optim.theory.auto_momentum`). For FE coefficients (a sparse Gram) the pencil's
extremes come from Lanczos, nothing dense is formed.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..natural.sparse_gram import SparseGram, pencil_extremes
from . import theory

__all__ = ["AUTO_KINDS", "auto_parameters"]

#: what 'auto' tunes: the step of plain descent, or (α, β) of heavy ball / Nesterov
AUTO_KINDS = ("step", "heavy-ball", "nesterov")


def _extremes(objective: Any, theta: np.ndarray, natural: bool) -> tuple[float, float]:
    """(λ₁, λ_n) of G_H in the metric G (natural) or the identity, at θ."""
    try:
        G_H = objective.gauss_newton_gram(theta)
    except NotImplementedError as exc:
        raise ValueError(f"momentum: 'auto' needs the Gauss-Newton matrix of the loss ({exc})") from None
    if isinstance(G_H, SparseGram):          # FE coefficients: Lanczos on the sparse pencil, nothing dense
        G = objective.linearize(theta).gram if natural else SparseGram(sp.identity(G_H.shape[0], format="csc"))
        return pencil_extremes(G_H, G)
    G = objective.linearize(theta).gram if natural else np.eye(G_H.shape[0])
    return theory.preconditioned_spectrum(G_H, G)


def auto_parameters(objective: Any, theta: np.ndarray, kind: str, natural: bool = True) -> dict[str, float]:
    """{lambda_min, lambda_max, alpha, beta} of the linearized problem at θ for ``kind`` (module doc)."""
    if kind not in AUTO_KINDS:
        raise ValueError(f"kind: must be one of {', '.join(AUTO_KINDS)}, got {kind!r}")
    lam_min, lam_max = _extremes(objective, theta, natural)
    lam_min = max(lam_min, 1e-300)
    if kind == "step":
        (alpha, _), beta = theory.gd_optimal(lam_min, lam_max), 0.0
    else:
        alpha, beta = theory.auto_momentum(lam_min, lam_max, kind)
    return {"lambda_min": lam_min, "lambda_max": lam_max, "alpha": alpha, "beta": beta}
