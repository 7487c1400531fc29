"""Objectives whose metric is a quadratic form in "metric coordinates" Φ(θ) ∈ R^N.

Every metric of the toolkit is X-weighted in some coordinates of the function v_θ: nodal
values (FE L2/H1 metrics), point values and gradients (point L2/H1 metrics), or residuals
(the Gauss–Newton metric). With D = ∂Φ/∂θ:

    G = Dᵀ X D,    cross_gram(θ') = D(θ)ᵀ X D(θ'),    pullback_difference(θ') = D(θ)ᵀ X (Φ(θ) − Φ(θ')).

Subclasses supply Φ, D, how X acts, and the loss with its gradient.

With a diagonal metric and fewer coordinates than parameters (N < p) the Gram matrix is held as a
:class:`~femngd.natural.kernel_gram.KernelGram` (G = WᵀW, W = X^{1/2}D; solves through the N × N kernel W Wᵀ), with
the gradient (Gauss–Newton: ∇L = Dᵀ X Φ) and the momentum transports registered in range form
(``gram_form``: "auto", the default; "dense" or "kernel" to choose).
"""
from __future__ import annotations

from abc import abstractmethod

import numpy as np
import scipy.sparse as sp

from ..kernels import gram as sparse_gram
from ..registry import Registry
from ..kernels import point_gram
from .kernel_gram import GRAM_FORMS, KernelGram, RangeProduct
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

    #: how :meth:`linearize` holds G: "auto" (a KernelGram when a diagonal metric has fewer coordinates than
    #: parameters), "dense" (always p × p), "kernel" (always a KernelGram; diagonal metrics only)
    gram_form = "auto"

    def metric_gradient_coordinates(self, phi: np.ndarray) -> np.ndarray | None:
        """y with ∇_θL = Dᵀ X y when the gradient lies in the metric's coordinates (Gauss–Newton: y = Φ, the
        weighted residuals), else None (a KernelGram then solves it with the dense matrix)."""
        return None

    def _set_gram_form(self, gram: str) -> None:
        if gram not in GRAM_FORMS:
            raise ValueError(f"gram: must be one of {', '.join(GRAM_FORMS)}, got {gram!r}")
        self.gram_form = gram

    def _kernel_form(self, X, D: np.ndarray) -> bool:
        """Hold G as a KernelGram (see ``gram_form``)?"""
        diagonal = isinstance(X, np.ndarray) and X.ndim == 1 and bool(np.all(X >= 0))
        if self.gram_form == "kernel" and not diagonal:
            raise ValueError("gram: the kernel form needs a non-negative diagonal metric (point objectives); "
                             "use 'auto' or 'dense'")
        if self.gram_form == "dense" or not diagonal:
            return False
        return self.gram_form == "kernel" or D.shape[0] < D.shape[1]

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
        if self._kernel_form(X, D):
            return KernelGram(D, np.sqrt(X))
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
        if self._kernel_form(X, D):
            return self._linearize_kernel(theta, loss, grad, phi, D, X)
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

    def _linearize_kernel(self, theta, loss, grad, phi, D, X) -> Linearization:
        """The linearization with G = WᵀW held by W = X^{1/2}D (a KernelGram); the gradient and the
        transports are registered with it in range form (Wᵀ z), so the solves go through the kernel."""
        sx = np.sqrt(X)
        gram = KernelGram(D, sx)
        y = self.metric_gradient_coordinates(phi)
        if y is not None:
            gram.register(grad, sx * y)

        def cross_gram(theta_prev: np.ndarray) -> RangeProduct:
            return RangeProduct(gram, self.coordinates(theta_prev, jacobian=True)[1])

        def pullback_difference(theta_prev: np.ndarray) -> np.ndarray:
            z = sx * (phi - self.coordinates(theta_prev, jacobian=False)[0])
            v = gram.transpose_times(z)
            gram.register(v, z)
            return v

        return Linearization(theta=np.array(theta, dtype=float), loss=float(loss), grad=grad, gram=gram,
                             cross_gram=cross_gram, pullback_difference=pullback_difference)
