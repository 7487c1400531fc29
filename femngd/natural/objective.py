"""Objectives: a loss L(θ) = ℓ(v_θ) seen through a model and a discretization, with its metric.

An :class:`Objective` bundles a loss, a model, the points or FE space where the model is
evaluated, and the metric X that defines the natural gradient. Linearizing it at θ gives all
an optimizer needs (:class:`Linearization`): L(θ), ∇_θL = Jᵀ ∂ℓ/∂V, the Gram matrix
G = JᵀXJ of the tangent space in the chosen metric (or the Gauss–Newton G_H = J_Rᵀ W J_R),
and closures that transport a previous iterate's information onto the current tangent space:

* ``cross_gram(θ')``          = J(θ)ᵀ X J(θ')               (LM momentum, DESIGN §6)
* ``pullback_difference(θ')`` = J(θ)ᵀ X (V(θ) − V(θ'))      (FD momentum)

Stochastic objectives draw new points in :meth:`Objective.resample`; between two calls to it
every method sees the same points, so losses, gradients and Gram matrices are consistent.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Linearization", "Measurable", "Objective"]


@dataclass
class Linearization:
    """First-order information of an objective at θ in its metric X.

    Attributes:
        theta: the parameters θ (p,).
        loss: L(θ).
        grad: ∇_θ L(θ) (p,).
        gram: G(θ) (p, p), symmetric positive semidefinite.
        cross_gram: θ' ↦ J(θ)ᵀ X J(θ') (p, p), on the same points/space as ``gram``.
        pullback_difference: θ' ↦ J(θ)ᵀ X (V(θ) − V(θ')) (p,).
        info: free-form diagnostics (e.g. timings).
    """

    theta: np.ndarray
    loss: float
    grad: np.ndarray
    gram: np.ndarray
    cross_gram: Callable[[np.ndarray], np.ndarray]
    pullback_difference: Callable[[np.ndarray], np.ndarray]
    info: dict = field(default_factory=dict)


class Measurable(ABC):
    """v_θ as a function: what error meters and figures evaluate (every :class:`Objective`, and the
    model itself where a recipe's loss sees something else, e.g. an interpolant)."""

    #: the FE space whose functions :meth:`fe_vector` returns (None: v_θ is not one)
    space = None

    @abstractmethod
    def evaluate(
        self, theta: np.ndarray, x: np.ndarray, order: int = 0
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The trained function v_θ (boundary treatment included) at points x (m, dim).

        Returns (values (m,), gradients (m, dim) or None if ``order == 0``). Used to measure
        errors against the Galerkin and exact solutions, whatever the discretization.
        """

    def breakpoints(self, theta: np.ndarray) -> np.ndarray | None:
        """1D points where v_θ may have kinks (free knots), so that error quadratures split there;
        None (the default) when v_θ is smooth inside the cells of the FE space."""
        return None

    def fe_vector(self, theta: np.ndarray) -> np.ndarray | None:
        """v_θ as the full DOF vector of :attr:`space` when v_θ is a function of that FE space (FE losses),
        else None: error meters then measure it by exact quadratic forms."""
        return None


class Objective(Measurable):
    """A loss of a parametric model together with the metric of its natural gradient."""

    n_params: int
    #: name of the metric used by :meth:`linearize`: "l2", "h1" or "gauss-newton"
    metric: str

    @property
    def n_points(self) -> int | None:
        """The points (or DOFs) the model is evaluated at per step, boundary points included: what one
        iteration's cost grows with (None for an objective without points)."""
        return None

    def remember(self, theta: np.ndarray) -> None:
        """θ_k before :meth:`resample`: adaptive samplers draw the next points from a density at θ_k;
        the others ignore it."""

    def resample(self, rng: np.random.Generator) -> None:
        """Draw new sample points (stochastic objectives); deterministic ones do nothing."""

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """(L(θ), ∇_θL(θ)); objectives that share work between the two override it."""
        return self.loss(theta), self.gradient(theta)

    @abstractmethod
    def loss(self, theta: np.ndarray) -> float:
        """L(θ) on the current points; cheap (no Jacobians): used by line searches."""

    def losses_along(self, theta: np.ndarray, d: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """[L(θ + s d) for s in steps]: the grid line search's losses (objectives may batch them)."""
        return np.array([self.loss(theta + s * d) for s in steps], dtype=float)

    @abstractmethod
    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """∇_θ L(θ) on the current points."""

    @abstractmethod
    def linearize(self, theta: np.ndarray) -> Linearization:
        """Loss, gradient, Gram matrix and transport closures at θ."""

    def gauss_newton_gram(self, theta: np.ndarray) -> np.ndarray:
        """G_H = J_Rᵀ W J_R, the Gauss–Newton (natural Hessian) matrix of the loss at θ.

        Used to estimate the spectrum of the preconditioned problem (``--momentum auto``).
        """
        raise NotImplementedError(f"{type(self).__name__} has no Gauss-Newton matrix")
