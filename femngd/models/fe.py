"""The FE coefficients themselves as a model: V(θ) = θ on the interior DOFs (J = I, never formed)."""
from __future__ import annotations

import numpy as np

from .base import Evaluation, Model

__all__ = ["FECoefficients"]


class FECoefficients(Model):
    """V(θ) = θ ∈ R^n, the interior nodal values of an FE function (linear, J = I).

    It lives on the DOFs of an FE space, not at arbitrary points: objectives use it through
    ``is_identity`` (V = θ, G = X) and evaluate the FE function with the space.
    """

    is_linear = True
    is_identity = True

    def __init__(self, n: int, dim: int = 1):
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n: must be a positive number of DOFs, got {n!r}")
        self.n_params, self.dim = int(n), int(dim)

    def __repr__(self) -> str:
        return f"FECoefficients(n={self.n_params})"

    def init(self, seed: int = 0) -> np.ndarray:
        """θ₀ = 0 (the seed is unused: the start is deterministic)."""
        return np.zeros(self.n_params)

    def evaluate(self, theta, x, order: int = 0, jacobian: bool = False) -> Evaluation:
        raise ValueError("model: FE coefficients live on the DOFs of a space; evaluate them through the space")
