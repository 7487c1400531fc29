"""The strong-form PDE residual at points, with hard or penalized boundary conditions.

Interior residual at points x_q with weights w_q, boundary values at points y_b with weights ω_b:

    R_q = −ε Δv_θ(x_q) + b·∇v_θ(x_q) − f(x_q),     B_b = v_θ(y_b) − g(y_b),
    L(θ) = ½ Σ_q w_q R_q² + ½ Σ_b ω_b B_b²  = ½ |r|²,   r = (√w R, √ω B).

Normalization: with w = 1/m and ω = 1/m_b (the Poisson preset), L = ½ (mean R² + mean B²),
half the ENGD reference loss; its Gauss–Newton Gram mean ∂R∂Rᵀ + mean ∂B∂Bᵀ is the reference's
exactly, so the natural direction G⁺∇L is the same. :meth:`StrongResidual.loss` evaluates only
the residuals (no Jacobians): it is what line searches call.

Points: the quadrature points of a mesh (w = quadrature weights, so L ≈ ½‖R‖²_{L2});
m uniform points in (0, 1)^d redrawn by :meth:`resample` (w = 1/m); or m points from the
optimal density ρ ∝ Σ_j φ_j(x)² of DESIGN §7 (φ_j an L2-orthonormal basis of the tangent
space, from the Gram matrix on a pool of uniform candidates; w = 1/(m ρ)). Without boundary
points the model must satisfy the boundary condition itself (:class:`~femngd.models.HardDirichlet`).

Metrics, all of the form DᵀXD with diagonal X: ``gauss-newton`` (coordinates (R, B), X =
diag(w, ω), so G_H = J_Rᵀ W J_R + J_Bᵀ Ω J_B), ``l2`` (v at the points, X = diag(w_vol)),
``h1`` (v and ∇v at the points). w_vol are the volume weights of the points (quadrature
weights, or 1/m times the density correction).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..models.base import Model
from .tangent import METRICS, TangentObjective

__all__ = ["StrongResidual", "PDEData", "SAMPLERS"]

SAMPLERS = ("fixed", "random", "optimal", "residual")


@dataclass(frozen=True)
class PDEData:
    """−ε Δu + b·∇u = f, u = g on ∂Ω: the problem data the strong residual needs, as callables.

    ``velocity`` may be a constant vector (dim,); it is then broadcast to every point.
    """

    eps: float
    dim: int
    source: Callable[[np.ndarray], np.ndarray]
    dirichlet: Callable[[np.ndarray], np.ndarray] | None = None
    velocity: Any = None

    def __post_init__(self):
        if not np.isfinite(self.eps) or self.eps <= 0:
            raise ValueError(f"eps: must be finite and > 0, got {self.eps}")
        if not callable(self.source):
            raise ValueError("source: must be a callable f(x (m, dim)) -> (m,)")
        if self.velocity is not None and not callable(self.velocity):
            b = np.asarray(self.velocity, dtype=float)
            if b.shape != (self.dim,):
                raise ValueError(f"velocity: a constant velocity needs shape ({self.dim},), got {b.shape}")

    @property
    def constant_velocity(self) -> np.ndarray | None:
        """b as a (dim,) vector if it is constant (zeros when absent), else None."""
        if self.velocity is None:
            return np.zeros(self.dim)
        return None if callable(self.velocity) else np.asarray(self.velocity, dtype=float)

    def velocity_at(self, x: np.ndarray) -> np.ndarray:
        """b(x), shape (m, dim)."""
        if callable(self.velocity):
            return np.asarray(self.velocity(x), dtype=float)
        return np.broadcast_to(self.constant_velocity, x.shape)


def _problem_data(problem: Any, dim: int, eps, velocity, source, dirichlet,
                  needs: tuple[str, ...] = ("eps", "dim", "velocity", "source", "dirichlet")) -> Any:
    """The problem object (with the attributes ``needs``), or PDEData built from the keyword
    arguments when ``problem`` is None."""
    if problem is not None:
        missing = [a for a in needs if not hasattr(problem, a)]
        if missing:
            raise ValueError(f"problem: needs attributes {', '.join(needs)} (missing {missing})")
        return problem
    if eps is None or source is None:
        raise ValueError("problem: give a problem object or the data eps=..., source=... (velocity, dirichlet)")
    return PDEData(float(eps), dim, source, dirichlet, velocity)


def _velocity(problem, x: np.ndarray) -> np.ndarray | None:
    """b at x, or None when b ≡ 0 (then ∇v is not needed)."""
    b = getattr(problem, "constant_velocity", None)
    if b is not None and not np.any(b):
        return None
    if isinstance(problem, PDEData):
        return problem.velocity_at(x)
    return problem.velocity(x)


class StrongResidual(TangentObjective):
    """½ Σ w R² + ½ Σ ω B² for −εΔv + b·∇v = f (see module doc).

    Args:
        problem: anything with ``eps``, ``dim``, ``velocity``, ``source``, ``dirichlet``
            (a :class:`femngd.fem.AdvectionDiffusion`), or None with the keyword data
            ``eps``, ``source``, ``velocity`` (callable, constant vector or None), ``dirichlet``.
        model: the model (its ``dim`` must match).
        points, weights: fixed interior points (m, dim) and weights (m,) (default 1/m); or
            ``points="random"|"optimal"`` (same as ``sampler=``) with ``samples=m``.
        boundary: None (hard constraint) or (points, weights[, penalty]) of the boundary term
            ½ penalty Σ ω_b (v − g)²(y_b) (weights default 1/m_b when None).
        metric: "gauss-newton", "l2" or "h1".
        seed: seed of the first sample (random/optimal samplers).
        gram: how the Gram matrix is held: "auto" (the m × m kernel form, Woodbury, when there are fewer
            coordinates than parameters), "dense" or "kernel" (:mod:`femngd.natural.kernel_gram`).
    """

    #: θ_k of the last :meth:`remember`: the adaptive samplers' density is taken there
    _theta_for_density: np.ndarray | None = None
    #: what the problem object must provide
    problem_attributes = ("eps", "dim", "velocity", "source", "dirichlet")

    def __init__(self, problem: Any, model: Model, points: np.ndarray | str | None = None,
                 weights: np.ndarray | None = None, sampler: str = "fixed", samples: int = 100,
                 boundary: tuple | None = None, metric: str = "gauss-newton",
                 seed: int = 0, pool: int = 20, *, eps: float | None = None, velocity: Any = None,
                 source: Callable | None = None, dirichlet: Callable | None = None, gram: str = "auto"):
        if isinstance(points, str):
            sampler, points = points, None
        if metric not in METRICS:
            raise ValueError(f"metric: must be one of {', '.join(METRICS)}, got {metric!r}")
        if sampler not in SAMPLERS:
            raise ValueError(f"points: sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
        self._set_gram_form(gram)
        problem = _problem_data(problem, model.dim, eps, velocity, source, dirichlet, self.problem_attributes)
        if model.dim != problem.dim:
            raise ValueError(f"model: a {model.dim}D model for a {problem.dim}D problem")
        self.problem, self.model, self.metric, self.sampler = problem, model, metric, sampler
        self.n_params, self.dim = model.n_params, problem.dim
        self.samples, self.pool = int(samples), int(pool)
        if sampler == "fixed":
            if points is None:
                raise ValueError("points: a fixed sampler needs points (m, dim)")
            self._set_points(points, weights if weights is not None else np.full(len(points), 1.0 / len(points)))
        else:
            if self.samples < 1:
                raise ValueError(f"samples: must be >= 1, got {samples}")
            self.resample(np.random.default_rng(seed))
        self.boundary = None if boundary is None else self._boundary_data(boundary)

    def _boundary_data(self, boundary: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(points, penalty·weights, g(points)) of the boundary term."""
        if not isinstance(boundary, (tuple, list)) or len(boundary) not in (2, 3):
            raise ValueError("boundary: expected (points, weights) or (points, weights, penalty)")
        by = np.asarray(boundary[0], dtype=float)
        if by.ndim == 1 and self.dim == 1:
            by = by[:, None]
        bw = np.full(len(by), 1.0 / max(len(by), 1)) if boundary[1] is None else np.asarray(boundary[1], float)
        penalty = float(boundary[2]) if len(boundary) == 3 else 1.0
        if by.ndim != 2 or by.shape[1] != self.dim or bw.shape != (by.shape[0],) or np.any(bw < 0):
            raise ValueError(f"boundary: need points (m, {self.dim}) and non-negative weights (m,)")
        if not np.isfinite(penalty) or penalty <= 0:
            raise ValueError(f"boundary: penalty must be > 0, got {penalty}")
        if self.problem.dirichlet is None:
            raise ValueError("dirichlet: a boundary penalty needs the Dirichlet data g")
        g = np.broadcast_to(np.asarray(self.problem.dirichlet(by), dtype=float), (len(by),))
        return by, penalty * bw, g

    def __repr__(self) -> str:
        return f"StrongResidual(metric={self.metric!r}, sampler={self.sampler!r}, model={self.model!r})"

    # --- points -----------------------------------------------------------------------------

    def _set_points(self, points, weights) -> None:
        x, w = np.asarray(points, dtype=float), np.asarray(weights, dtype=float)
        n = self.model.n_inputs
        if x.ndim == 1 and n == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != n or w.shape != (x.shape[0],) or np.any(w < 0):
            raise ValueError(f"points: need points (m, {n}) and non-negative weights (m,)")
        self.points, self.weights = x, w
        self.source, self.velocity, self.point_eps = self._point_data(x)
        #: the weights w_q ω(ε_q)² of R_q² in the loss (ω = 1 unless a parametric residual scales them)
        self.residual_weights = w * self._residual_scale(self.point_eps)
        self._points_version += 1

    def _point_data(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, Any]:
        """(f, b or None when b ≡ 0, ε) at the points: the data of R = −εΔv + b·∇v − f there.
        ε is the problem's number here; a parametric objective returns one ε per point."""
        return self.problem.source(x), _velocity(self.problem, x), self.problem.eps

    @property
    def n_points(self) -> int:
        """Interior points of the residual plus boundary points of the penalty."""
        return len(self.points) + (0 if self.boundary is None else len(self.boundary[0]))

    def resample(self, rng: np.random.Generator) -> None:
        """Draw m new points: uniform in (0, 1)^d, or from the optimal or residual density at the last θ."""
        if self.sampler == "fixed":
            return
        theta = self._theta_for_density
        if self.sampler in ("optimal", "residual") and theta is not None:
            density = self._optimal_density if self.sampler == "optimal" else self._residual_density
            cand = self._uniform(rng, self.pool * self.samples)
            x, w = self._draw(rng, cand, density(theta, cand))
        else:
            x, w = self.sample(rng, self.samples)
        self._set_points(x, w)

    def sample(self, rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
        """m points of the random sampler and their volume weights: uniform in (0, 1)^d, weights 1/m."""
        return self._uniform(rng, m), np.full(m, 1.0 / m)

    def _uniform(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """m points drawn uniformly from (0, 1)^d, the domain of the samplers."""
        return rng.uniform(0.0, 1.0, (m, self.model.n_inputs))

    def _optimal_density(self, theta: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """ρ(x) = ∂θv(x)ᵀ G⁺ ∂θv(x) / rank on the candidates (∫ρ = 1 on the pool), G their Gram."""
        Jc = self.model.evaluate(theta, cand, jacobian=True).dvalue
        G = Jc.T @ Jc / cand.shape[0]
        w_eig, V = np.linalg.eigh(G)
        keep = w_eig > 1e-10 * max(w_eig.max(), 1e-300)
        phi = Jc @ (V[:, keep] / np.sqrt(w_eig[keep]))
        return np.sum(phi * phi, axis=1) / max(keep.sum(), 1)

    def _residual_density(self, theta: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """ρ(x) = ω R(x)² / mean_pool(ω R²), ω the residual's loss weight: points go where the current
        residual is (residual-based adaptive sampling), learnt from θ alone."""
        f, b, eps = self._point_data(cand)
        fields = {"laplacian"} | ({"grad"} if b is not None else set())
        ev = self._evaluate(theta, cand, 2, False, fields)
        R = -eps * ev.laplacian - f
        if b is not None:
            R += np.einsum("md,md->m", b, ev.grad)
        r2 = self._residual_scale(eps) * R * R
        mean = float(np.mean(r2))
        return r2 / mean if mean > 0 and np.isfinite(mean) else np.ones(len(cand))

    def _draw(self, rng: np.random.Generator, cand: np.ndarray, density: np.ndarray):
        """m of the uniform candidates drawn from the defensive mixture ½ρ + ½ (density relative to
        uniform), with the importance weights 1/(m ρ_mix) that keep the loss an unbiased integral."""
        density = 0.5 * density + 0.5
        idx = rng.choice(cand.shape[0], self.samples, p=density / density.sum())
        return cand[idx], 1.0 / (self.samples * density[idx])

    def _residual_scale(self, eps) -> Any:
        """ω(ε)², the factor of a point's volume weight in the loss (1 here; see ParametricResidual)."""
        return 1.0

    def remember(self, theta: np.ndarray) -> None:
        """θ whose tangent space defines the optimal density of the next :meth:`resample`."""
        self._theta_for_density = np.array(theta, dtype=float)

    # --- residuals --------------------------------------------------------------------------

    def _evaluate(self, theta, x, order: int, jacobian: bool, fields: set[str]):
        """model.evaluate restricted to ``fields`` when the model supports it (skips unused Jacobians)."""
        if self.model.supports_fields:
            return self.model.evaluate(theta, x, order=order, jacobian=jacobian, fields=frozenset(fields))
        return self.model.evaluate(theta, x, order=order, jacobian=jacobian)

    def _pde(self, theta, jacobian: bool, out: np.ndarray | None = None):
        """R = −εΔv + b·∇v − f at the interior points, and ∂R/∂θ (m, p) if ``jacobian`` (written into
        ``out`` when given). Models with a one-pass operator (shallow tanh networks, also inside the
        hard-constraint wrapper) apply L = b·∇ − εΔ directly."""
        if getattr(self.model, "supports_operator", False):
            Lv, dR = self.model.apply_operator(theta, self.points, None, self.velocity, -self.point_eps, jacobian, out)
            return Lv - self.source, dR
        fields = {"laplacian", "dlaplacian"} | ({"grad", "dgrad"} if self.velocity is not None else set())
        ev = self._evaluate(theta, self.points, 2, jacobian, fields)
        R = -self.point_eps * ev.laplacian - self.source
        dR = np.multiply(ev.dlaplacian, -np.asarray(self.point_eps)[..., None], out=out) if jacobian else None
        if self.velocity is not None:
            R += np.einsum("md,md->m", self.velocity, ev.grad)
            if jacobian:
                dR += np.einsum("md,mdp->mp", self.velocity, ev.dgrad)
        return R, dR

    def _boundary(self, theta, jacobian: bool):
        """B = v − g at the boundary points, and ∂B/∂θ (m_b, p) if ``jacobian``."""
        if self.boundary is None:
            return np.zeros(0), np.zeros((0, self.n_params)) if jacobian else None
        by, _, g = self.boundary
        ev = self._evaluate(theta, by, 0, jacobian, {"value", "dvalue"})
        return ev.value - g, ev.dvalue

    def _loss_weights(self) -> np.ndarray:
        bw = self.boundary[1] if self.boundary is not None else np.zeros(0)
        return np.concatenate([self.residual_weights, bw])

    def residuals(self, theta: np.ndarray, jacobian: bool = False):
        """(R, B) stacked, and their Jacobian (m + m_b, p) if ``jacobian``."""
        m = len(self.points)
        D = np.empty((m + (0 if self.boundary is None else len(self.boundary[0])), self.n_params)) if jacobian else None
        R, _ = self._pde(theta, jacobian, out=None if D is None else D[:m])
        B, dB = self._boundary(theta, jacobian)
        if jacobian:
            D[m:] = dB
        return np.concatenate([R, B]), D

    def loss(self, theta: np.ndarray) -> float:
        """L(θ) = ½ Σ w R² + ½ Σ ω B², from residuals only (no Jacobians)."""
        r, _ = self.residuals(theta)
        return 0.5 * float(self._loss_weights() @ (r * r))

    def losses_along(self, theta: np.ndarray, d: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """[L(θ + s d) for s in steps]; all at once for models with ``batches_steps`` (shallow tanh networks on
        halving steps, MLPs, also inside the hard-constraint wrapper), advection included (same values to
        rounding, a fraction of the cost)."""
        if not self.model.batches_steps:
            return super().losses_along(theta, d, steps)
        steps = np.asarray(steps, dtype=float)
        R = self.model.operator_along(theta, d, steps, self.points, None, self.velocity, -self.point_eps)
        R -= self.source
        R *= R
        losses = 0.5 * (R @ self.residual_weights)
        if self.boundary is not None:
            by, bw, g = self.boundary
            B = self.model.operator_along(theta, d, steps, by, 1.0) - g
            losses += 0.5 * (B * B) @ bw
        return losses

    def loss_and_gradient(self, theta):
        r, D = self.coordinates(theta) if self.metric == "gauss-newton" else self.residuals(theta, True)
        wr = self._loss_weights() * r
        return 0.5 * float(wr @ r), D.T @ wr

    def metric_gradient_coordinates(self, phi):
        """Gauss–Newton: ∇L = Dᵀ W r with the residuals r = Φ themselves."""
        return phi if self.metric == "gauss-newton" else None

    def gauss_newton_gram(self, theta):
        _, D = self.residuals(theta, True)
        return self._gram(self._loss_weights(), D)

    # --- metric -----------------------------------------------------------------------------

    def metric_coordinates(self, theta, jacobian=True):
        if self.metric == "gauss-newton":
            return self.residuals(theta, jacobian)
        ev = self.model.evaluate(theta, self.points, order=1 if self.metric == "h1" else 0, jacobian=jacobian)
        if self.metric == "l2":
            return ev.value, ev.dvalue
        phi = np.concatenate([ev.value, ev.grad.T.ravel()])
        D = np.vstack([ev.dvalue, ev.dgrad.transpose(1, 0, 2).reshape(-1, self.n_params)]) if jacobian else None
        return phi, D

    def metric_matrix(self, phi: np.ndarray):
        if self.metric == "gauss-newton":
            return self._loss_weights()
        return np.tile(self.weights, 1 if self.metric == "l2" else self.dim + 1)

    def evaluate(self, theta, x, order=0):
        ev = self.model.evaluate(theta, x, order=order)
        return ev.value, ev.grad
