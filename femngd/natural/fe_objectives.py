"""Losses of a model discretized on an FE space: V(θ) = v_θ at the interior DOF locations.

The trained function is the FE function u(θ) = expand(V(θ)) ∈ V_h (interior values V,
Dirichlet values g_B on the boundary), so it is compared with the Galerkin solution in the
same space. For :class:`~femngd.models.FECoefficients`, V = θ and J = I.

Losses (on interior DOFs; M, K, A the interior blocks, F = F_I − A_IB g_B):

* ``l2``               L = ½ (V − U)ᵀ M (V − U), U the target (Galerkin solution by default)
* ``fe-residual``      L = ½ rᵀ M⁻¹ r, r = A V − F: the L2 norm of r's Riesz representative
* ``fe-residual-dual`` L = ½ rᵀ K⁻¹ r: the H⁻¹ (dual) norm of the residual

Metrics: ``l2`` (X = M), ``h1`` (X = K + M) and ``gauss-newton``: X = the loss's own Hessian
in its coordinates (M for l2 regression; for the residual losses the coordinates are r with
X = M⁻¹ or K⁻¹, so G_H = Jᵀ Aᵀ M⁻¹ A J).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..fem import FESpace, LinearSystem
from ..fem.errors import quadrature_fields
from ..models import Model
from .tangent import METRICS, TangentObjective

__all__ = ["FEObjective", "FE_LOSSES"]

FE_LOSSES = ("l2", "fe-residual", "fe-residual-dual")


class _Inverse:
    """Y ↦ S⁻¹ Y for a sparse SPD S (one sparse LU factorization)."""

    def __init__(self, S: sp.spmatrix):
        self._lu = spla.splu(sp.csc_matrix(S))

    def __call__(self, Y: np.ndarray) -> np.ndarray:
        return self._lu.solve(np.asarray(Y, dtype=float))


class FEObjective(TangentObjective):
    """An FE-discretized loss of ``model`` (see module doc).

    Args:
        system: the assembled problem (:func:`femngd.fem.assemble_system`).
        model: evaluated at the interior DOF locations (FE coefficients: V = θ).
        loss: "l2", "fe-residual" or "fe-residual-dual".
        metric: "l2", "h1" or "gauss-newton".
        target: interior values U for the l2 loss (default: the Galerkin solution).
    """

    def __init__(self, system: LinearSystem, model: Model, loss: str = "fe-residual", metric: str = "l2",
                 target: np.ndarray | None = None):
        if loss not in FE_LOSSES:
            raise ValueError(f"loss: must be one of {', '.join(FE_LOSSES)}, got {loss!r}")
        if metric not in METRICS:
            raise ValueError(f"metric: must be one of {', '.join(METRICS)}, got {metric!r}")
        self.system, self.space, self.model, self.loss_name, self.metric = system, system.space, model, loss, metric
        self.points = system.space.dof_locations[system.interior]
        self.identity = bool(getattr(model, "is_identity", False))
        n = system.interior.size
        if self.identity and model.n_params != n:
            raise ValueError(f"model: FE coefficients need {n} parameters (interior DOFs), got {model.n_params}")
        self.n_params = model.n_params
        self.M, self.A, self.F = system.M_ii, system.A_ii, system.rhs_i
        if loss == "l2":
            galerkin = lambda: spla.splu(sp.csc_matrix(self.A)).solve(self.F)
            self.U = galerkin() if target is None else np.asarray(target, dtype=float)
            if np.shape(self.U) != (n,):
                raise ValueError(f"target: expected {n} interior values, got shape {np.shape(self.U)}")
        else:
            self.residual_metric = _Inverse(self.M if loss == "fe-residual" else system.K_ii)

    def __repr__(self) -> str:
        return f"FEObjective(loss={self.loss_name!r}, metric={self.metric!r}, model={self.model!r})"

    # --- the model on the DOFs --------------------------------------------------------------

    def values(self, theta: np.ndarray, jacobian: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """V(θ) (interior DOF values) and J = ∂V/∂θ."""
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.n_params,) or not np.all(np.isfinite(theta)):
            raise ValueError(f"theta: expected {self.n_params} finite parameters, got shape {theta.shape}")
        if self.identity:
            return theta.copy(), (np.eye(self.n_params) if jacobian else None)
        ev = self.model.evaluate(theta, self.points, jacobian=jacobian)
        return ev.value, ev.dvalue

    def fe_vector(self, theta: np.ndarray) -> np.ndarray:
        """The full DOF vector of the trained FE function: interior V(θ), boundary g_B."""
        return self.system.expand(self.values(theta)[0])

    # --- loss -------------------------------------------------------------------------------

    def _residual(self, V: np.ndarray) -> np.ndarray:
        return self.A @ V - self.F

    def loss(self, theta: np.ndarray) -> float:
        V = self.values(theta)[0]
        if self.loss_name == "l2":
            d = V - self.U
            return 0.5 * float(d @ (self.M @ d))
        r = self._residual(V)
        return 0.5 * float(r @ self.residual_metric(r))

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """L and ∇_θL = Jᵀ ∂L/∂V, ∂L/∂V = M(V − U) or Aᵀ S⁻¹ r."""
        V, J = self.values(theta, jacobian=True)
        if self.loss_name == "l2":
            dV = self.M @ (V - self.U)
            loss = 0.5 * float((V - self.U) @ dV)
        else:
            r = self._residual(V)
            s = self.residual_metric(r)
            loss, dV = 0.5 * float(r @ s), self.A.T @ s
        return loss, J.T @ dV

    # --- metric -----------------------------------------------------------------------------

    def metric_coordinates(self, theta, jacobian=True):
        V, J = self.values(theta, jacobian)
        if self.metric == "gauss-newton" and self.loss_name != "l2":
            return self._residual(V), (self.A @ J if jacobian else None)
        return V, J

    def metric_matrix(self):
        if self.metric == "h1":
            return (self.system.K_ii + self.M).tocsr()
        if self.metric == "gauss-newton" and self.loss_name != "l2":
            return self.residual_metric
        return self.M

    def gauss_newton_gram(self, theta: np.ndarray) -> np.ndarray:
        V, J = self.values(theta, jacobian=True)
        if self.loss_name == "l2":
            return self._gram(self.M, J)
        return self._gram(self.residual_metric, self.A @ J)

    # --- the trained function ---------------------------------------------------------------

    def evaluate(self, theta, x, order=0):
        """u(θ) = expand(V(θ)) ∈ V_h at points x; gradients only through :meth:`at_quadrature`."""
        if order != 0:
            raise ValueError("order: an FE-discretized model is evaluated at points with order=0 only")
        return self.space.probe(self.fe_vector(theta), x), None

    def at_quadrature(self, theta: np.ndarray):
        """(values, gradients, points, weights) of u(θ) on the layer-accurate error quadrature."""
        return quadrature_fields(self.space, self.fe_vector(theta))
