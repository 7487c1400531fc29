"""Losses of a model discretized on an FE space: V(θ) = v_θ at the interior DOF locations.

The trained function is the FE function u(θ) = expand(V(θ)) ∈ V_h (interior values V,
Dirichlet values g_B on the boundary), so it is compared with the Galerkin solution in the
same space; :meth:`FEObjective.evaluate` evaluates that FE function (values and gradients)
at any points. For :class:`~femngd.models.FECoefficients`, V = θ and J = I is never formed.

Losses (on interior DOFs; M, K, A the interior blocks, F = F_I − A_IB g_B, J = ∂V/∂θ):

* ``l2``               L = ½ (V − U)ᵀ M (V − U)     U the target (Galerkin solution by default)
* ``fe-residual``      L = ½ rᵀ M⁻¹ r, r = A V − F  (the L2 norm of r's Riesz representative)
* ``fe-residual-dual`` L = ½ rᵀ K⁻¹ r               (the H⁻¹, dual, norm of the residual)

with ∇_θL = Jᵀ ∂L/∂V, ∂L/∂V = M(V − U) or Aᵀ W r (W = M⁻¹ or K⁻¹). Metrics
(:mod:`femngd.natural.metrics`): G = Jᵀ X J with X = M (``l2``), K + M (``h1``), or the
Gauss–Newton G_H = Jᵀ M J (l2 regression) / Jᵀ Aᵀ W A J (residual losses).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..fem import FESpace, LinearSystem
from ..models import Model
from .metrics import RESIDUAL_NORMS, SPDInverse, check_metric, fe_metric, residual_weight
from .sparse_gram import SparseGram
from .objective import Linearization
from .tangent import TangentObjective

__all__ = ["FEObjective", "FE_LOSSES", "L2Regression", "FEResidual", "probe_matrices"]

FE_LOSSES = ("l2", "fe-residual", "fe-residual-dual")


def probe_matrices(space: FESpace, x: np.ndarray, order: int = 0) -> tuple[sp.csr_matrix, list[sp.csr_matrix]]:
    """Point-evaluation matrices of V_h at x (m, dim): P u = u_h(x), D_k u = ∂_k u_h(x) (k < dim if order ≥ 1)."""
    basis = space.basis
    xt = np.asarray(x, dtype=float).reshape(-1, space.dim).T
    cells = space.mesh.element_finder(mapping=basis.mapping)(*xt)
    local = basis.mapping.invF(xt[:, :, None], tind=cells)
    fields = [basis.elem.gbasis(basis.mapping, local, k, tind=cells)[0] for k in range(basis.Nbfun)]
    m = xt.shape[1]
    rows, cols = np.tile(np.arange(m), basis.Nbfun), basis.element_dofs[:, cells].ravel()

    def matrix(parts):
        data = np.concatenate([np.asarray(a).ravel() for a in parts])
        return sp.csr_matrix((data, (rows, cols)), shape=(m, basis.N))

    grads = [matrix([f.grad[k] for f in fields]) for k in range(space.dim)] if order >= 1 else []
    return matrix([np.asarray(f) for f in fields]), grads


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
        self.system, self.space, self.model, self.loss_name = system, system.space, model, loss
        self.metric = check_metric(metric)
        self.points = system.space.dof_locations[system.interior]
        self.identity = model.is_identity
        n = system.interior.size
        if self.identity and model.n_params != n:
            raise ValueError(f"model: FE coefficients need {n} parameters (interior DOFs), got {model.n_params}")
        if not self.identity and model.dim != system.space.dim:
            raise ValueError(f"model: dimension {model.dim} does not match the space's {system.space.dim}")
        self.n_params = model.n_params
        self.M, self.A, self.F = system.M_ii, system.A_ii, system.rhs_i
        self.W = None if loss == "l2" else residual_weight(system, loss)
        self.U = self._target(target) if loss == "l2" else None
        self._residual_coordinates = metric == "gauss-newton" and loss != "l2"
        self._X = self.W if self._residual_coordinates else fe_metric(system, "l2" if metric != "h1" else "h1")
        self._probe_cache: dict = {}
        self._sparse_grams: dict[str, SparseGram] = {}

    def _target(self, target: np.ndarray | None) -> np.ndarray:
        n = self.system.interior.size
        if target is None:
            return SPDInverse(self.A)(self.F)      # splu is a general LU: A need not be symmetric
        U = np.asarray(target, dtype=float)
        if U.shape != (n,) or not np.all(np.isfinite(U)):
            raise ValueError(f"target: expected {n} finite interior values, got shape {U.shape}")
        return U

    @property
    def n_points(self) -> int:
        """The interior DOFs the model is evaluated at."""
        return len(self.points)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(loss={self.loss_name!r}, metric={self.metric!r}, model={self.model!r})"

    # --- the model on the DOFs --------------------------------------------------------------

    def values(self, theta: np.ndarray, jacobian: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """V(θ) (interior DOF values) and J = ∂V/∂θ (None for FE coefficients: J = I)."""
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.n_params,) or not np.all(np.isfinite(theta)):
            raise ValueError(f"theta: expected {self.n_params} finite parameters, got shape {theta.shape}")
        if self.identity:
            return theta.copy(), None
        ev = self.model.evaluate(theta, self.points, jacobian=jacobian)
        return ev.value, ev.dvalue

    def fe_vector(self, theta: np.ndarray) -> np.ndarray:
        """The full DOF vector of the trained FE function: interior V(θ), boundary g_B."""
        return self.system.expand(self.values(theta)[0])

    @staticmethod
    def _jacobian_transpose_times(J: np.ndarray | None, y: np.ndarray) -> np.ndarray:
        """Jᵀ y, or y itself when J = I (FE coefficients)."""
        return y if J is None else J.T @ y

    # --- loss -------------------------------------------------------------------------------

    def residual(self, V: np.ndarray) -> np.ndarray:
        """r = A V − F."""
        return self.A @ V - self.F

    def _loss_and_dV(self, V: np.ndarray) -> tuple[float, np.ndarray]:
        """L and ∂L/∂V = M(V − U) or Aᵀ W r (a diverging V gives inf/NaN silently: the loop flags it)."""
        with np.errstate(over="ignore", invalid="ignore"):
            if self.loss_name == "l2":
                d = V - self.U
                dV = self.M @ d
                return 0.5 * float(d @ dV), dV
            r = self.residual(V)
            s = self.W(r)
            return 0.5 * float(r @ s), self.A.T @ s

    def loss(self, theta: np.ndarray) -> float:
        return self._loss_and_dV(self.values(theta)[0])[0]

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """L and ∇_θL = Jᵀ ∂L/∂V."""
        V, J = self.values(theta, jacobian=True)
        loss, dV = self._loss_and_dV(V)
        return loss, self._jacobian_transpose_times(J, dV)

    # --- metric -----------------------------------------------------------------------------

    def metric_coordinates(self, theta, jacobian=True):
        """Φ = r, D = AJ in the residual Gauss–Newton metric; else Φ = V, D = J."""
        V, J = self.values(theta, jacobian)
        if self.identity and jacobian:
            raise ValueError("model: FE coefficients have J = I; their linearization never forms it")
        if self._residual_coordinates:
            return self.residual(V), (self.A @ J if jacobian else None)
        return V, J

    def metric_matrix(self, phi: np.ndarray):
        return self._X

    def _identity_gram(self, gauss_newton: bool) -> SparseGram:
        """G for FE coefficients (J = I), sparse and factorized once: X, or Aᵀ S⁻¹ A for the Gauss–Newton
        metric of a residual loss ½ rᵀS⁻¹r (:mod:`femngd.natural.sparse_gram`)."""
        key = "gauss-newton" if gauss_newton else "metric"
        if key not in self._sparse_grams:
            if gauss_newton and self.loss_name != "l2":
                S = self.system.M_ii if RESIDUAL_NORMS[self.loss_name] == "mass" else self.system.K_ii
                self._sparse_grams[key] = SparseGram(S, outer=self.A, x_solve=self.W)    # W = S⁻¹, factorized once
            elif gauss_newton:
                self._sparse_grams[key] = SparseGram(self.M)
            else:
                self._sparse_grams[key] = (self._identity_gram(True) if self._residual_coordinates
                                           else SparseGram(self._X))
        return self._sparse_grams[key]

    def gauss_newton_gram(self, theta: np.ndarray):
        """G_H = Jᵀ M J (l2 regression) or Jᵀ Aᵀ W A J (residual losses); sparse for FE coefficients."""
        V, J = self.values(theta, jacobian=True)
        if J is None:
            return self._identity_gram(gauss_newton=True)
        if self.loss_name == "l2":
            return self._gram(self.M, J)
        return self._gram(self.W, self.A @ J)

    def linearize(self, theta: np.ndarray) -> Linearization:
        """As :meth:`TangentObjective.linearize`; for FE coefficients G is the constant sparse operator
        X (J = I), factorized once (:class:`~femngd.natural.sparse_gram.SparseGram`)."""
        if not self.identity:
            return super().linearize(theta)
        loss, grad = self.loss_and_gradient(theta)
        G = self._identity_gram(gauss_newton=False)
        theta = np.array(theta, dtype=float)
        # V is affine in θ and r affine in V: Dᵀ X (Φ(θ) − Φ(θ')) = G (θ − θ')
        return Linearization(theta=theta, loss=float(loss), grad=grad, gram=G, cross_gram=lambda _: G,
                             pullback_difference=lambda theta_prev: G @ (theta - np.asarray(theta_prev, float)))

    # --- the trained function ---------------------------------------------------------------

    def _probes(self, x: np.ndarray, order: int):
        key = (x.shape, x.tobytes(), order)
        if key not in self._probe_cache:
            self._probe_cache.clear()
            self._probe_cache[key] = probe_matrices(self.space, x, order)
        return self._probe_cache[key]

    def evaluate(self, theta, x, order=0):
        """u(θ) = expand(V(θ)) ∈ V_h at points x (m, dim): values and, for order 1, gradients."""
        if order not in (0, 1):
            raise ValueError(f"order: an FE function is evaluated with order 0 or 1, got {order!r}")
        x = np.asarray(x, dtype=float).reshape(-1, self.space.dim)
        P, D = self._probes(x, order)
        u = self.fe_vector(theta)
        return P @ u, (np.stack([Dk @ u for Dk in D], axis=1) if order == 1 else None)


class L2Regression(FEObjective):
    """L = ½ (V − U)ᵀ M (V − U): regression to the interior values U (default: Galerkin)."""

    def __init__(self, system: LinearSystem, model: Model, metric: str = "l2", target: np.ndarray | None = None):
        super().__init__(system, model, loss="l2", metric=metric, target=target)


class FEResidual(FEObjective):
    """L = ½ rᵀ M⁻¹ r (``dual=False``) or ½ rᵀ K⁻¹ r (``dual=True``), r = A V − F."""

    def __init__(self, system: LinearSystem, model: Model, metric: str = "l2", dual: bool = False):
        super().__init__(system, model, loss="fe-residual-dual" if dual else "fe-residual", metric=metric)
