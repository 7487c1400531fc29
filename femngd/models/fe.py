"""The FE coefficients themselves as a model: V(θ) = θ on the interior DOFs (J = I, never formed)."""
from __future__ import annotations

import numpy as np

from .base import Evaluation, Model, check_seed, check_theta

__all__ = ["FECoefficients"]


class FECoefficients(Model):
    """V(θ) = θ ∈ R^n, the interior nodal values of an FE function (linear, J = I).

    It lives on the DOFs of an FE space, not at arbitrary points: objectives use it through
    ``is_identity`` (V = θ, J = I never formed, G = X) and evaluate the FE function with the
    space; :meth:`evaluate` at points therefore raises.
    """

    is_linear = True
    is_identity = True

    def __init__(self, n: int, dim: int = 1):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n: must be a positive number of DOFs, got {n!r}")
        if dim not in (1, 2, 3):
            raise ValueError(f"dim: must be 1, 2 or 3, got {dim!r}")
        self.n_params, self.dim = int(n), int(dim)

    def __repr__(self) -> str:
        return f"FECoefficients(n={self.n_params})"

    def init(self, seed: int = 0) -> np.ndarray:
        """θ₀ = 0 (the seed is checked but unused: the start is deterministic)."""
        check_seed(seed)
        return np.zeros(self.n_params)

    def nodal_values(self, theta: np.ndarray) -> np.ndarray:
        """V(θ) = θ (checked: shape (n,), finite), a copy."""
        return check_theta(theta, self.n_params).copy()

    def evaluate(self, theta, x, order: int = 0, jacobian: bool = False) -> Evaluation:
        """Not available: raises ValueError (use :meth:`nodal_values` and the FE space)."""
        raise ValueError("model: FE coefficients live on the DOFs of an FE space, not at points; "
                         "use nodal_values(theta) (V = θ, J = I) and evaluate the FE function with the space")
