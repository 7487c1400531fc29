"""The model interface: θ ↦ v_θ with values, spatial derivatives and exact Jacobians.

A model is a differentiable map from parameters θ ∈ R^p to functions v_θ on a domain in R^d.
At a batch of points x ∈ R^{m×d} it returns, as an :class:`Evaluation`:

* ``value``      v_θ(x_i)                              shape (m,)
* ``grad``       ∇_x v_θ(x_i)                          shape (m, d)      (order ≥ 1)
* ``laplacian``  Δ_x v_θ(x_i)  (1D: v″)                shape (m,)        (order ≥ 2)
* ``dvalue``     ∂v_θ(x_i)/∂θ                          shape (m, p)      (jacobian=True)
* ``dgrad``      ∂∇_x v_θ(x_i)/∂θ                      shape (m, d, p)   (jacobian=True, order ≥ 1)
* ``dlaplacian`` ∂Δ_x v_θ(x_i)/∂θ                      shape (m, p)      (jacobian=True, order ≥ 2)

Derivatives are exact (closed form). Points are rows: ``x.shape == (m, d)``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

__all__ = ["Evaluation", "Model", "check_points", "check_theta", "check_seed", "seeded_rng"]


@dataclass(frozen=True)
class Evaluation:
    """Values, spatial derivatives and θ-Jacobians of a model at m points (see module doc)."""

    value: np.ndarray
    grad: np.ndarray | None = None
    laplacian: np.ndarray | None = None
    dvalue: np.ndarray | None = None
    dgrad: np.ndarray | None = None
    dlaplacian: np.ndarray | None = None


class Model(ABC):
    """A parametric function v_θ on R^dim with ``n_params`` parameters."""

    dim: int
    n_params: int
    #: v_θ is linear in θ (features, FE coefficients): the Gauss–Newton model of a linear loss is exact
    is_linear: bool = False
    #: V = θ at the interior DOFs (FE coefficients): J = I, never formed
    is_identity: bool = False
    #: :meth:`evaluate` takes ``fields=`` (a frozenset of the outputs to compute, skipping the others)
    supports_fields: bool = False
    #: :meth:`halving_fields` is available (the grid line search's losses in one batched pass)
    supports_halving: bool = False
    #: inputs after the ``dim`` spatial coordinates (PDE parameters such as log ε): the points of
    #: a parametric model are rows (x, μ); its derivatives are in x only
    pde_inputs: int = 0

    @property
    def n_inputs(self) -> int:
        """Columns of the points: ``dim`` spatial coordinates, then ``pde_inputs`` PDE parameters."""
        return self.dim + self.pde_inputs

    @abstractmethod
    def init(self, seed: int = 0) -> np.ndarray:
        """Initial parameters θ₀ ∈ R^p, a deterministic function of ``seed``."""

    @abstractmethod
    def evaluate(
        self, theta: np.ndarray, x: np.ndarray, order: int = 0, jacobian: bool = False
    ) -> Evaluation:
        """Evaluate v_θ and its x-derivatives up to ``order`` (0, 1 or 2) at points ``x`` (m, dim).

        With ``jacobian=True`` also return ∂/∂θ of every computed quantity.
        """

    def halving_fields(self, theta: np.ndarray, d: np.ndarray, s0: float, levels: int, x: np.ndarray,
                       fields: tuple[str, ...] = ("value",)) -> dict[str, np.ndarray]:
        """The requested fields of v at θ + s0 2⁻ᵏ d, k = 0…levels, as arrays (levels + 1, m[, dim]);
        only where :attr:`supports_halving`."""
        raise NotImplementedError(f"{type(self).__name__} has no batched halving evaluation")

    def __call__(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """v_θ(x), shape (m,)."""
        return self.evaluate(theta, x).value


def check_points(x: np.ndarray, dim: int) -> np.ndarray:
    """Return ``x`` as a float (m, dim) array; raise ValueError on a wrong shape or non-finite entries.

    In 1D a flat (m,) array is accepted and reshaped to (m, 1).
    """
    x = np.asarray(x, dtype=float)
    if dim == 1 and x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"points: expected an array of shape (m, {dim}), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("points: contain NaN or infinite values")
    return x


def check_theta(theta: np.ndarray, n_params: int) -> np.ndarray:
    """Return θ as a float (p,) array; raise ValueError on a wrong size or non-finite entries."""
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (n_params,):
        raise ValueError(f"theta: expected {n_params} parameters, got shape {theta.shape}")
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta: contains NaN or infinite values")
    return theta


def check_seed(seed) -> int:
    """``seed`` as a non-negative integer, else ValueError naming it."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: must be a non-negative integer, got {seed!r}")
    return int(seed)


def seeded_rng(seed) -> np.random.Generator:
    """The random generator of a model's initialization: ``default_rng(check_seed(seed))``."""
    return np.random.default_rng(check_seed(seed))
