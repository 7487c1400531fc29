"""Objectives whose metric is a quadratic form in "metric coordinates" Φ(θ) ∈ R^N.

Every metric of the toolkit is X-weighted in some coordinates of the function v_θ: nodal
values (FE L2/H1 metrics), point values and gradients (point L2/H1 metrics), or residuals
(the Gauss–Newton metric). With D = ∂Φ/∂θ:

    G = Dᵀ X D,    cross_gram(θ') = D(θ)ᵀ X D(θ'),    pullback_difference(θ') = D(θ)ᵀ X (Φ(θ) − Φ(θ')).

Subclasses supply Φ, D, how X acts, and the loss with its gradient.
"""
from __future__ import annotations

from abc import abstractmethod

import numpy as np
import scipy.sparse as sp

from ..kernels import gram as sparse_gram
from ..registry import Registry
from ..kernels import point_gram
from .objective import Linearization, Objective

__all__ = ["TangentObjective", "METRICS"]

#: the metrics X of the natural gradient (each objective says what they mean for its coordinates)
METRICS = Registry("metric")
for _name, _doc in (("l2", "X = M (FE) or the point weights: the L2 inner product of v_θ"),
                    ("h1", "X = K + M (FE) or values and gradients at the points: the H1 inner product"),
                    ("gauss-newton", "X = the loss's own residual weights: G = J_Rᵀ W J_R, the natural Hessian")):
    METRICS.register(_name, lambda name=_name: name, doc=_doc, options=())


class TangentObjective(Objective):
    """Objective with G = DᵀXD in metric coordinates (see module doc)."""

    @abstractmethod
    def metric_coordinates(self, theta: np.ndarray, jacobian: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """Φ(θ) (N,) and D = ∂Φ/∂θ (N, p) (None without ``jacobian``)."""

    @abstractmethod
    def metric_matrix(self, phi: np.ndarray):
        """X at the metric coordinates Φ(θ) = ``phi``: a 1D array (diagonal), a scipy sparse SPD
        matrix, or a callable Y ↦ XY. A metric that depends on θ (the Fisher metric of the KL loss)
        reads it from ``phi``, so X always belongs to the point being linearized."""

    @abstractmethod
    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """(L(θ), ∇_θL(θ))."""

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        return self.loss_and_gradient(theta)[1]

    #: bumped whenever the points change (stochastic objectives), invalidating the cache
    _points_version: int = 0
    #: the last two (points version, θ) → (Φ, D) evaluations (:meth:`coordinates`), created on first use
    _coordinate_cache: dict | None = None

    def coordinates(self, theta: np.ndarray, jacobian: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`metric_coordinates` with a cache of the last two (θ, points) evaluations.

        The momentum transports need D(θ_{k−1}) one iteration after it was computed.
        """
        theta = np.asarray(theta, dtype=float)
        if self._coordinate_cache is None:
            self._coordinate_cache = {}
        cache = self._coordinate_cache
        key = (self._points_version, theta.tobytes())
        hit = cache.get(key)
        if hit is not None and (hit[1] is not None or not jacobian):
            return hit
        result = self.metric_coordinates(theta, jacobian)
        if jacobian:
            cache[key] = result
            while len(cache) > 2:
                cache.pop(next(iter(cache)))
        return result

    def _apply(self, X, Y: np.ndarray) -> np.ndarray:
        if isinstance(X, np.ndarray):
            return X[:, None] * Y if Y.ndim == 2 else X * Y
        if sp.issparse(X):
            return X @ Y
        return X(Y)

    def _gram(self, X, D: np.ndarray) -> np.ndarray:
        if isinstance(X, np.ndarray):
            return point_gram(D, X)
        if sp.issparse(X):
            return sparse_gram(D, X)
        G = D.T @ X(D)
        return 0.5 * (G + G.T)

    def linearize(self, theta: np.ndarray) -> Linearization:
        """L, ∇L, G = DᵀXD and the transport closures at θ."""
        loss, grad = self.loss_and_gradient(theta)
        phi, D = self.coordinates(theta, jacobian=True)
        X = self.metric_matrix(phi)
        XD = None

        def xd():
            nonlocal XD
            if XD is None:
                XD = self._apply(X, D)
            return XD

        def cross_gram(theta_prev: np.ndarray) -> np.ndarray:
            return xd().T @ self.coordinates(theta_prev, jacobian=True)[1]

        def pullback_difference(theta_prev: np.ndarray) -> np.ndarray:
            return xd().T @ (phi - self.coordinates(theta_prev, jacobian=False)[0])

        return Linearization(theta=np.array(theta, dtype=float), loss=float(loss), grad=grad,
                             gram=self._gram(X, D), cross_gram=cross_gram,
                             pullback_difference=pullback_difference)
