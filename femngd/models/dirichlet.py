"""Hard Dirichlet conditions: v = d(x)·N_θ(x) + ℓ(x) with d = 0 on ∂Ω and ℓ = g on ∂Ω.

Product rule (exact, for values, gradients, Laplacians and their θ-Jacobians):

    ∇v = N ∇d + d ∇N + ∇ℓ,     Δv = N Δd + 2 ∇d·∇N + d ΔN + Δℓ,
    ∂v/∂θ = d ∂N/∂θ,  ∂∇v/∂θ = ∇d ∂N/∂θ + d ∂∇N/∂θ,
    ∂Δv/∂θ = Δd ∂N/∂θ + 2 ∇d·∂∇N/∂θ + d ∂ΔN/∂θ.

Distance ("unit"): 1D d = x(1 − x) on (0, 1); 2D d = x(1 − x) y(1 − y) on the unit square.
For a parametric inner model N_θ(x, μ) (points (x, μ)), d and ℓ depend on x only.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .base import Evaluation, Model, check_points
from .features import check_order

__all__ = ["HardDirichlet", "unit_distance", "affine_lift"]

Field = tuple[np.ndarray, np.ndarray, np.ndarray]
PointFunction = Callable[[np.ndarray], np.ndarray]


def unit_distance(x: np.ndarray) -> Field:
    """d, ∇d, Δd for d = Π_k x_k(1 − x_k) on (0, 1)^dim: ∂_k d = (1 − 2x_k) Π_{j≠k} q_j,
    Δd = Σ_k (−2) Π_{j≠k} q_j with q_j = x_j(1 − x_j)."""
    q = x * (1.0 - x)                      # (m, dim)
    d = np.prod(q, axis=1)
    others = np.stack([np.prod(np.delete(q, k, axis=1), axis=1) for k in range(x.shape[1])], axis=1)
    return d, (1.0 - 2.0 * x) * others, -2.0 * others.sum(axis=1)


def affine_lift(g0: float, g1: float) -> tuple[PointFunction, PointFunction, PointFunction]:
    """ℓ(x) = g0 + (g1 − g0) x on (0, 1), ℓ′ = g1 − g0, ℓ″ = 0, as three callables of x (m, 1)."""
    slope = float(g1) - float(g0)
    return (lambda x: g0 + slope * x[:, 0], lambda x: np.full_like(x, slope), lambda x: np.zeros(x.shape[0]))


def _equal(a, b) -> bool:
    """Two operator arguments (arrays, scalars or None) are the same values."""
    if a is None or b is None:
        return a is None and b is None
    return np.shape(a) == np.shape(b) and np.array_equal(a, b)


def _call(name: str, func: PointFunction | None, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """func(x) as a float array of ``shape``; ValueError naming ``name`` if missing or misshapen."""
    if func is None:
        raise ValueError(f"{name}: needed for this derivative order of a hard Dirichlet model with a lift")
    out = np.asarray(func(x), dtype=float)
    if out.shape != shape:
        raise ValueError(f"{name}: must return shape {shape}, got {out.shape}")
    return out


class HardDirichlet(Model):
    """v_θ = d·N_θ + ℓ on the unit interval/square, with N any model of the same dim.

    ``lift``: None (g = 0); in 1D a pair (g0, g1) (the affine lift g0 + (g1 − g0)x); or a
    callable x (m, dim) ↦ ℓ(x) (m,), with ``lift_grad`` x ↦ ∇ℓ (m, dim) and
    ``lift_laplacian`` x ↦ Δℓ (m,) (needed only for order ≥ 1 resp. 2). ``is_linear`` is the
    inner model's (the lift only adds a θ-independent term).
    """

    def __init__(self, model: Model, distance: str = "unit", lift=None,
                 lift_grad: PointFunction | None = None, lift_laplacian: PointFunction | None = None):
        if not isinstance(model, Model):
            raise ValueError(f"model: must be a femngd Model, got {type(model).__name__}")
        if distance != "unit":
            raise ValueError(f"distance: only 'unit' (the unit interval/square) is available, got {distance!r}")
        self.model, self.dim, self.n_params = model, model.dim, model.n_params
        self.pde_inputs = model.pde_inputs
        self.is_linear = model.is_linear
        if lift is not None and not callable(lift):
            if self.dim != 1 or np.size(lift) != 2:
                raise ValueError(f"lift: a pair (g0, g1) is only meaningful in 1D, got {lift!r}")
            lift, lift_grad, lift_laplacian = affine_lift(*map(float, np.ravel(lift)))
        self.lift, self.lift_grad, self.lift_laplacian = lift, lift_grad, lift_laplacian

    def __repr__(self) -> str:
        return f"HardDirichlet({self.model!r})"

    def init(self, seed: int = 0) -> np.ndarray:
        """The inner model's θ₀."""
        return self.model.init(seed)

    def _lift_fields(self, x: np.ndarray, order: int) -> tuple:
        """(ℓ, ∇ℓ, Δℓ) up to ``order`` (zeros without a lift)."""
        m = x.shape[0]
        if self.lift is None:
            return 0.0, 0.0, 0.0
        lv = _call("lift", self.lift, x, (m,))
        lg = _call("lift_grad", self.lift_grad, x, (m, self.dim)) if order >= 1 else None
        ll = _call("lift_laplacian", self.lift_laplacian, x, (m,)) if order >= 2 else None
        return lv, lg, ll

    #: the last (points, coefficients) of :meth:`inner_operator` and its result
    _operator_cache: tuple | None = None

    @property
    def batches_steps(self) -> bool:
        """:meth:`operator_along` evaluates the steps together (the inner model's does)."""
        return self.model.batches_steps

    @property
    def supports_operator(self) -> bool:
        """:meth:`apply_operator` runs in one pass (the inner model's does)."""
        return self.model.supports_operator

    def inner_operator(self, x: np.ndarray, alpha=None, beta=None, gamma=None) -> tuple:
        """(α′, β′, γ′, Lℓ) with L(dN + ℓ) = α′N + β′·∇N + γ′ΔN + Lℓ for L = α + β·∇ + γΔ (product rule,
        d and ℓ fixed):  α′ = αd + β·∇d + γΔd,  β′ = βd + 2γ∇d,  γ′ = γd,  Lℓ = αℓ + β·∇ℓ + γΔℓ.
        β′ and γ′ are None when they vanish; Lℓ is 0 without a lift. The last result is kept and returned
        again for equal arguments (a training loop applies the same operator at the same points 3 times
        per iteration)."""
        key = (np.asarray(x), alpha, beta, gamma)
        cached = self._operator_cache
        if cached is not None and all(_equal(a, b) for a, b in zip(cached[0], key)):
            return cached[1]
        result = self._inner_operator(key[0], alpha, beta, gamma)
        self._operator_cache = (tuple(None if a is None else np.array(a, dtype=float) for a in key), result)
        return result

    def _inner_operator(self, x, alpha, beta, gamma) -> tuple:
        x = check_points(x, self.n_inputs)
        xs = x[:, :self.dim]
        dist, gd, ld = unit_distance(xs)
        lv, lg, ll = self._lift_fields(xs, 2 if gamma is not None else 1 if beta is not None else 0)
        a, b, g, lift = np.zeros(x.shape[0]), None, None, 0.0
        if alpha is not None:
            a = a + alpha * dist
            lift = lift + alpha * lv
        if beta is not None:
            beta = np.broadcast_to(np.asarray(beta, dtype=float), xs.shape)
            a = a + np.einsum("md,md->m", beta, gd)
            b = beta * dist[:, None]
            lift = lift + (np.einsum("md,md->m", beta, lg) if self.lift is not None else 0.0)
        if gamma is not None:
            gamma = np.broadcast_to(np.asarray(gamma, dtype=float), dist.shape)
            a = a + gamma * ld
            b = 2.0 * gamma[:, None] * gd + (b if b is not None else 0.0)
            g = gamma * dist
            lift = lift + gamma * ll
        return a, b, g, lift

    def apply_operator(self, theta, x, alpha=None, beta=None, gamma=None, jacobian: bool = False,
                       out: np.ndarray | None = None):
        """(L v, ∂(Lv)/∂θ) of v = dN + ℓ: the inner model's operator of :meth:`inner_operator`, plus Lℓ."""
        a, b, g, lift = self.inner_operator(x, alpha, beta, gamma)
        value, jac = self.model.apply_operator(theta, x, a, b, g, jacobian, out)
        return value + lift, jac

    def operator_along(self, theta: np.ndarray, d: np.ndarray, steps: np.ndarray, x: np.ndarray,
                       alpha=None, beta=None, gamma=None) -> np.ndarray:
        """L v at the line search's steps θ + s d (len(steps), m): the inner model's, for the operator of
        :meth:`inner_operator` (its distance function and lift do not depend on θ)."""
        a, b, g, lift = self.inner_operator(x, alpha, beta, gamma)
        out = self.model.operator_along(theta, d, steps, x, a, b, g)
        if np.any(lift):                                  # no lift (zero data): no pass
            out += lift
        return out

    def evaluate(self, theta, x, order: int = 0, jacobian: bool = False) -> Evaluation:
        """v = dN + ℓ and, by the product rule (module doc), ∇v, Δv and their θ-Jacobians."""
        x = check_points(x, self.n_inputs)
        check_order(order)
        inner = self.model.evaluate(theta, x, order=order, jacobian=jacobian)
        d, gd, ld = unit_distance(x[:, :self.dim])
        lv, lg, ll = self._lift_fields(x[:, :self.dim], order)
        out = {"value": d * inner.value + lv}
        if order >= 1:
            out["grad"] = inner.value[:, None] * gd + d[:, None] * inner.grad + lg
        if order >= 2:
            out["laplacian"] = inner.value * ld + 2.0 * np.sum(gd * inner.grad, axis=1) + d * inner.laplacian + ll
        if jacobian:
            out["dvalue"] = d[:, None] * inner.dvalue
            if order >= 1:
                out["dgrad"] = gd[:, :, None] * inner.dvalue[:, None, :] + d[:, None, None] * inner.dgrad
            if order >= 2:
                out["dlaplacian"] = (ld[:, None] * inner.dvalue + 2.0 * np.einsum("md,mdp->mp", gd, inner.dgrad)
                                     + d[:, None] * inner.dlaplacian)
        return Evaluation(**out)
