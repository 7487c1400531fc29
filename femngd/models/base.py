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

A linear second-order operator L v = α v + β·∇v + γ Δv (coefficients per point; the strong residual
of −εΔu + b·∇u is α = 0, β = b, γ = −ε) is applied by :meth:`Model.apply_operator`, with ∂(Lv)/∂θ:
from the fields above by default, in one pass by models that specialize it (``supports_operator``).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ..kernels.tanh_operator import point_array

__all__ = ["Evaluation", "Model", "check_points", "check_theta", "check_seed", "seeded_rng", "combine_operator",
           "single_field", "operator_coefficients"]


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

    def __call__(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """v_θ(x), shape (m,)."""
        return self.evaluate(theta, x).value

    #: :meth:`apply_operator` computes L v and its Jacobian in one pass (not from every field)
    supports_operator = False

    def apply_operator(self, theta: np.ndarray, x: np.ndarray, alpha=None, beta=None, gamma=None,
                       jacobian: bool = False, out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """(L v (m,), ∂(Lv)/∂θ (m, p) or None) for L v = α v + β·∇v + γ Δv at x (m, dim).

        α (m,), β (m, dim), γ (m,) or scalars; None is a zero coefficient. The Jacobian is written into
        ``out`` (m, p) when given. Default: from :meth:`evaluate`'s fields (only those the operator needs).
        """
        order = 2 if gamma is not None else 1 if beta is not None else 0
        needed = {name for name, coef in (("value", alpha), ("grad", beta), ("laplacian", gamma)) if coef is not None}
        fields = frozenset(needed | ({"d" + f for f in needed} if jacobian else set()))
        if self.supports_fields:
            ev = self.evaluate(theta, x, order=order, jacobian=jacobian, fields=fields)
        else:
            ev = self.evaluate(theta, x, order=order, jacobian=jacobian)
        return combine_operator(ev, alpha, beta, gamma, jacobian, out)

    #: :meth:`operator_along` evaluates all the steps together (cheaper than one by one)
    batches_steps = False

    def operator_along(self, theta: np.ndarray, d: np.ndarray, steps: np.ndarray, x: np.ndarray,
                       alpha=None, beta=None, gamma=None) -> np.ndarray:
        """[L v at θ + s d for s in steps] (len(steps), m), L v = α v + β·∇v + γ Δv: the grid line search's
        fields. Default: :meth:`apply_operator` at each step; models with ``batches_steps`` share the work."""
        theta, d = np.asarray(theta, dtype=float), np.asarray(d, dtype=float)
        return np.stack([self.apply_operator(theta + s * d, x, alpha, beta, gamma)[0] for s in np.asarray(steps, float)])


def combine_operator(ev: Evaluation, alpha, beta, gamma, jacobian: bool,
                     out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(γΔv + β·∇v + αv, its θ-Jacobian) from an evaluation's fields, the terms added in that order
    (None coefficients skipped); ``out`` receives the Jacobian when given."""
    terms = [(c, f) for c, f in ((gamma, "laplacian"), (beta, "grad"), (alpha, "value")) if c is not None]
    if not terms:
        raise ValueError("apply_operator: needs at least one of alpha, beta, gamma")
    value, jac = None, None
    for coef, field in terms:
        coef = np.asarray(coef, dtype=float)
        if field == "grad":
            term, dterm = np.einsum("md,md->m", coef, ev.grad), (
                np.einsum("md,mdp->mp", coef, ev.dgrad) if jacobian else None)
        else:
            term, dterm = coef * getattr(ev, field), (
                np.multiply(getattr(ev, "d" + field), coef[..., None], out=out if jac is None else None)
                if jacobian else None)
        value = term if value is None else value + term
        if jacobian:
            if jac is None:
                jac = dterm if out is None or dterm is out else np.copyto(out, dterm) or out
            else:
                jac += dterm
    return value, jac


def single_field(alpha, beta, gamma) -> tuple[str, object] | None:
    """("laplacian", γ) for L = γΔ, ("value", α) for L = α (the field paths), else None."""
    if beta is None and (alpha is None) != (gamma is None):
        return ("laplacian", gamma) if alpha is None else ("value", alpha)
    if alpha is None and beta is None:
        raise ValueError("apply_operator: needs at least one of alpha, beta, gamma")
    return None


def operator_coefficients(m: int, dim: int, alpha, beta, gamma) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """α (m,), β (m, dim), γ (m,) as float arrays at m points (None → zeros, scalars broadcast)."""
    return point_array(alpha, (m,)), point_array(beta, (m, dim)), point_array(gamma, (m,))


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
