"""Shallow networks v_θ(x) = Σ_i c_i σ(w_i·x + b_i) + c_0, with closed-form derivatives.

Parameters θ = (W (width × dim, row-major), b (width), c (width), c_0 (if ``output_bias``)).
With z_i = w_i·x + b_i and s_i = |w_i|²:

    v = Σ c_i σ(z_i) + c_0,   ∇v = Σ c_i σ′(z_i) w_i,   Δv = Σ c_i σ″(z_i) s_i,

and the θ-Jacobians (every row of a point batch at once, BLAS-friendly broadcasting):

    ∂v/∂W_ik = c_i σ′ x_k,        ∂v/∂b_i = c_i σ′,          ∂v/∂c_i = σ
    ∂∂_d v/∂W_ik = c_i (σ″ x_k W_id + σ′ δ_kd),  ∂∂_d v/∂b_i = c_i σ″ W_id,  ∂∂_d v/∂c_i = σ′ W_id
    ∂Δv/∂W_ik = c_i (σ‴ x_k s_i + 2 σ″ W_ik),    ∂Δv/∂b_i = c_i σ‴ s_i,      ∂Δv/∂c_i = σ″ s_i
"""
from __future__ import annotations

import numpy as np

from ..kernels.elementwise import tanh_halving_fields
from ..kernels.tanh_operator import tanh_operator, tanh_operator_halving
from .activations import activation as make_activation
from .base import Evaluation, Model, check_points, check_theta, operator_coefficients, seeded_rng, single_field

__all__ = ["ShallowNetwork", "FIELDS", "wanted_fields"]


class ShallowNetwork(Model):
    """v_θ(x) = Σ_{i=1}^{width} c_i σ(w_i·x + b_i) (+ c_0), x ∈ R^dim.

    ``init_std=None`` draws w_i, b_i ~ N(0, 1) and c_i ~ N(0, 1/width) (c_0 = 0);
    a number s draws every parameter from N(0, s²) (the ENGD Poisson benchmark uses 0.1).
    """

    is_linear = False

    def __init__(self, width: int, dim: int = 1, activation: str = "tanh", init_std: float | None = None,
                 output_bias: bool = False):
        if not isinstance(width, (int, np.integer)) or width < 1:
            raise ValueError(f"width: must be a positive integer, got {width!r}")
        if dim not in (1, 2, 3):
            raise ValueError(f"dim: must be 1, 2 or 3, got {dim!r}")
        self.width, self.dim, self.output_bias = int(width), int(dim), bool(output_bias)
        self.activation = make_activation(activation)
        self.init_std = init_std
        self.n_params = self.width * (self.dim + 2) + int(self.output_bias)

    def __repr__(self) -> str:
        return f"ShallowNetwork(width={self.width}, dim={self.dim}, activation={self.activation.name!r})"

    def init(self, seed: int = 0) -> np.ndarray:
        rng = seeded_rng(seed)
        if self.init_std is not None:
            return rng.normal(0.0, float(self.init_std), self.n_params)
        W = rng.normal(0.0, 1.0, (self.width, self.dim))
        b = rng.normal(0.0, 1.0, self.width)
        c = rng.normal(0.0, 1.0 / np.sqrt(self.width), self.width)
        return np.concatenate([W.ravel(), b, c, np.zeros(int(self.output_bias))])

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """(W (width, dim), b (width,), c (width,), c_0)."""
        n, d = self.width, self.dim
        W = theta[: n * d].reshape(n, d)
        return W, theta[n * d: n * d + n], theta[n * d + n: n * d + 2 * n], (theta[-1] if self.output_bias else 0.0)

    #: :meth:`evaluate` accepts ``fields`` (compute only the named outputs)
    supports_fields = True

    def evaluate(self, theta, x, order: int = 0, jacobian: bool = False,
                 fields: frozenset[str] | None = None) -> Evaluation:
        """v, ∇v, Δv (up to ``order``) and their θ-Jacobians (``jacobian``) at x (m, dim).

        ``fields``: optional subset of {"value", "grad", "laplacian", "dvalue", "dgrad",
        "dlaplacian"} to compute (the others are None), e.g. {"laplacian", "dlaplacian"} for the
        Poisson residual: it skips the (m, dim, p) gradient Jacobian.
        """
        theta = check_theta(theta, self.n_params)
        x = check_points(x, self.dim)
        want = wanted_fields(order, jacobian, fields)
        W, b, c, c0 = self.unpack(theta)
        if want == {"laplacian"}:                  # the line-search path of strong residuals
            s2 = self.activation.second(np.dot(x, W.T) + b, overwrite=True)
            return Evaluation(value=None, laplacian=np.dot(s2, c * np.sum(W * W, axis=1)))
        sig = self.activation(np.dot(x, W.T) + b, max(_SIGMA_ORDER[f] for f in want))
        out = {}
        if "value" in want:
            out["value"] = np.dot(sig[0], c) + c0
        if "grad" in want:
            out["grad"] = np.dot(sig[1] * c, W)
        if "laplacian" in want:
            out["laplacian"] = np.dot(sig[2], c * np.sum(W * W, axis=1))
        if "dvalue" in want:
            out["dvalue"] = self._dvalue(x, c, sig)
        if "dgrad" in want:
            out["dgrad"] = self._dgrad(x, W, c, sig)
        if "dlaplacian" in want:
            out["dlaplacian"] = self._dlaplacian(x, W, c, sig)
        return Evaluation(value=out.get("value"), **{k: v for k, v in out.items() if k != "value"})

    @property
    def supports_halving(self) -> bool:
        """:meth:`evaluate_halving` is available (tanh networks)."""
        return self.activation.name == "tanh"

    def evaluate_halving(self, theta: np.ndarray, d: np.ndarray, s0: float, levels: int, x: np.ndarray,
                         field: str = "value") -> np.ndarray:
        """v (or Δv if ``field="laplacian"``) at θ + s_k d, s_k = s0 2⁻ᵏ, k = 0…levels: (levels + 1, m).

        The preactivations are affine in the step, z_i(s) = z_i + s δz_i with z = W x + b and
        δz = δW x + δb; the output weights are c + s δc and, for Δv, c_i(s)|w_i + s δw_i|². The
        tanh of all steps come from :func:`femngd.kernels.elementwise.tanh_halving` (ENGD's grid
        line search: 31 steps for the cost of about 6 loss evaluations). tanh networks only.
        """
        if not self.supports_halving:
            raise ValueError(f"evaluate_halving: needs a tanh network, got {self.activation.name!r}")
        if field not in ("value", "laplacian"):
            raise ValueError(f"field: must be 'value' or 'laplacian', got {field!r}")
        theta, d = check_theta(theta, self.n_params), np.asarray(d, dtype=float)
        return self.halving_fields(theta, d, s0, levels, x, fields=(field,))[field]

    def halving_fields(self, theta: np.ndarray, d: np.ndarray, s0: float, levels: int, x: np.ndarray,
                       fields: tuple[str, ...] = ("value",)) -> dict[str, np.ndarray]:
        """The requested ``fields`` among v (K+1, m), ∇v (K+1, m, dim), Δv (K+1, m) at θ + s_k d, s_k = s0 2⁻ᵏ.

        With W(s) = W + s δW, c(s) = c + s δc:  v = Σ c_i tanh(z_i) + c_0,  ∇v = Σ c_i W_i tanh′(z_i),
        Δv = Σ c_i |W_i|² tanh″(z_i); one shared doubling recursion for all requested fields
        (:func:`femngd.kernels.elementwise.tanh_halving_fields`).
        """
        if not self.supports_halving:
            raise ValueError(f"evaluate_halving: needs a tanh network, got {self.activation.name!r}")
        unknown = set(fields) - {"value", "grad", "laplacian"}
        if unknown:
            raise ValueError(f"field: must be 'value', 'grad' or 'laplacian', got {sorted(unknown)[0]!r}")
        theta, d = check_theta(theta, self.n_params), np.asarray(d, dtype=float)
        x = check_points(x, self.dim)
        (W, b, c, c0), (dW, db, dc, dc0) = self.unpack(theta), self.unpack(d)
        s = s0 * 0.5 ** np.arange(int(levels) + 1)
        z0, dz = W @ x.T + b[:, None], dW @ x.T + db[:, None]
        weights = c + s[:, None] * dc                                   # (K+1, n)
        Ws = W + s[:, None, None] * dW if ("grad" in fields or "laplacian" in fields) else None
        parts = {"value": ([weights], [0]),
                 "grad": ([weights * Ws[:, :, k] for k in range(self.dim)] if "grad" in fields else [], [1] * self.dim),
                 "laplacian": ([weights * np.sum(Ws * Ws, axis=2)] if "laplacian" in fields else [], [2])}
        names = [name for name in ("value", "grad", "laplacian") if name in fields]
        coef = [a for name in names for a in parts[name][0]]
        modes = tuple(m for name in names for m in parts[name][1])
        out = tanh_halving_fields(z0, dz, s0, np.stack(coef), modes)
        result, row = {}, 0
        for name in names:
            size = self.dim if name == "grad" else 1
            block = out[row: row + size]
            row += size
            result[name] = np.moveaxis(block, 0, 2) if name == "grad" else block[0]
        if "value" in result:
            result["value"] = result["value"] + (c0 + s * dc0)[:, None]
        return result

    @property
    def supports_operator(self) -> bool:
        """:meth:`apply_operator` runs in one pass (tanh networks)."""
        return self.activation.name == "tanh"

    @property
    def batches_steps(self) -> bool:
        """:meth:`operator_along` evaluates halving steps together (tanh networks)."""
        return self.activation.name == "tanh"

    def apply_operator(self, theta, x, alpha=None, beta=None, gamma=None, jacobian: bool = False,
                       out: np.ndarray | None = None):
        """(L v, ∂(Lv)/∂θ) for L v = α v + β·∇v + γ Δv (see :meth:`Model.apply_operator`).

        tanh networks with β, or with α and γ: one pass over (point, neuron) pairs writing each Jacobian row
        once (:func:`femngd.kernels.tanh_operator.tanh_operator`). γΔv or αv alone keeps that field's path
        (Poisson's Laplacian Jacobian, the boundary values), as does any other activation.
        """
        if not self.supports_operator or single_field(alpha, beta, gamma) is not None:
            return super().apply_operator(theta, x, alpha, beta, gamma, jacobian, out)
        theta = check_theta(theta, self.n_params)
        x = check_points(x, self.dim)
        W, b, c, c0 = self.unpack(theta)
        return tanh_operator(x, W, b, c, c0 if self.output_bias else None, *operator_coefficients(x.shape[0], self.dim, alpha, beta, gamma),
                             jacobian=jacobian, out=out)

    def operator_along(self, theta: np.ndarray, d: np.ndarray, steps: np.ndarray, x: np.ndarray,
                       alpha=None, beta=None, gamma=None) -> np.ndarray:
        """L v at θ + s_k d (len(steps), m), L v = α v + β·∇v + γ Δv; halving steps s_k = s0 2⁻ᵏ of a tanh network
        all at once, other steps one by one (:meth:`Model.operator_along`).

        With W(s) = W + s δW, c(s) = c + s δc:  L v = Σ c_i(s)[α σ + (β·W_i(s)) σ′ + γ|W_i(s)|² σ″] + α c_0(s),
        all steps from one doubling recursion per neuron and point
        (:func:`femngd.kernels.tanh_operator.tanh_operator_halving`); γΔv or αv alone from that field
        (:meth:`halving_fields`).
        """
        steps = np.asarray(steps, dtype=float)
        if not (self.batches_steps and _halving(steps)):
            return super().operator_along(theta, d, steps, x, alpha, beta, gamma)
        s0, levels = steps[0], steps.size - 1
        single = single_field(alpha, beta, gamma)
        if single is not None:
            field, coef = single
            return coef * self.halving_fields(theta, d, s0, levels, x, fields=(field,))[field]
        theta, d = check_theta(theta, self.n_params), np.asarray(d, dtype=float)
        x = check_points(x, self.dim)
        (W, b, c, c0), (dW, db, dc, dc0) = self.unpack(theta), self.unpack(d)
        alpha, beta, gamma = operator_coefficients(x.shape[0], self.dim, alpha, beta, gamma)
        cs = c + steps[:, None] * dc                                    # c_i(s_k)   (K+1, n)
        Ws = W + steps[:, None, None] * dW
        out = tanh_operator_halving(x, W, b, dW, db, s0, cs, steps[:, None] * cs, cs * np.sum(Ws * Ws, axis=2),
                                    alpha, beta, gamma)
        if self.output_bias:
            out += (c0 + steps * dc0)[:, None] * alpha
        return out

    def _blocks(self, J: np.ndarray, bias: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Views (dW (m, width, dim), db, dc) into a Jacobian J (m, p); sets the c_0 column."""
        n, d = self.width, self.dim
        if self.output_bias:
            J[:, -1] = bias
        return J[:, : n * d].reshape(J.shape[0], n, d), J[:, n * d: n * d + n], J[:, n * d + n: n * d + 2 * n]

    @staticmethod
    def _fill_weights(dW: np.ndarray, a: np.ndarray, x: np.ndarray, shift=None) -> None:
        """dW[q, i, k] = a[q, i] x[q, k] (+ shift(k)[q, i]): per coordinate k, contiguous (m, width)
        products written once into the strided view (no inner loop of length dim)."""
        for k in range(x.shape[1]):              # a loop over the (≤ 3) coordinates, not over points
            t = a * x[:, k, None]
            extra = shift(k) if shift is not None else None
            if extra is not None:
                t += extra
            dW[:, :, k] = t

    def _dvalue(self, x, c, sig) -> np.ndarray:
        """∂v/∂W_ik = c_i σ′ x_k, ∂v/∂b_i = c_i σ′, ∂v/∂c_i = σ, ∂v/∂c_0 = 1."""
        J = np.empty((x.shape[0], self.n_params))
        dW, db, dc = self._blocks(J, 1.0)
        cs1 = sig[1] * c
        self._fill_weights(dW, cs1, x)
        db[...] = cs1
        dc[...] = sig[0]
        return J

    def _dgrad(self, x, W, c, sig) -> np.ndarray:
        """∂∂_d v/∂W_ik = c_i(σ″ W_id x_k + σ′ δ_kd), ∂∂_d v/∂b_i = c_i σ″ W_id, ∂∂_d v/∂c_i = σ′ W_id."""
        m = x.shape[0]
        J = np.empty((m, self.dim, self.n_params))
        cs1 = sig[1] * c
        for d in range(self.dim):
            dW, db, dc = self._blocks(J[:, d, :], 0.0)
            cs2w = sig[2] * (c * W[:, d])
            self._fill_weights(dW, cs2w, x, lambda k: cs1 if k == d else None)
            db[...] = cs2w
            np.multiply(sig[1], W[:, d], out=dc)
        return J

    def _dlaplacian(self, x, W, c, sig) -> np.ndarray:
        """∂Δv/∂W_ik = c_i(σ‴ s_i x_k + 2σ″ W_ik), ∂Δv/∂b_i = c_i σ‴ s_i, ∂Δv/∂c_i = σ″ s_i."""
        J = np.empty((x.shape[0], self.n_params))
        sq = np.sum(W * W, axis=1)
        dW, db, dc = self._blocks(J, 0.0)
        cs3 = sig[3] * (c * sq)
        cs2 = sig[2] * (2.0 * c)
        self._fill_weights(dW, cs3, x, lambda k: cs2 * W[:, k])
        db[...] = cs3
        np.multiply(sig[2], sq, out=dc)
        return J


def _halving(steps: np.ndarray) -> bool:
    """steps = s0 2⁻ᵏ, k = 0…K (K ≥ 1, s0 > 0): the grid line search's."""
    return steps.ndim == 1 and steps.size > 1 and steps[0] > 0 and np.array_equal(steps[1:], 0.5 * steps[:-1])


FIELDS = ("value", "grad", "laplacian", "dvalue", "dgrad", "dlaplacian")
#: the highest derivative of σ each output needs
_SIGMA_ORDER = {"value": 0, "grad": 1, "laplacian": 2, "dvalue": 1, "dgrad": 2, "dlaplacian": 3}


def wanted_fields(order: int, jacobian: bool, fields) -> frozenset[str]:
    """The outputs to compute: those of ``order``/``jacobian``, restricted to ``fields`` if given."""
    if order not in (0, 1, 2):
        raise ValueError(f"order: must be 0, 1 or 2, got {order!r}")
    base = set(FIELDS[: order + 1])
    if jacobian:
        base |= {"d" + f for f in base}
    if fields is None:
        return frozenset(base)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"fields: unknown names {sorted(unknown)}; expected a subset of {FIELDS}")
    return frozenset(base & set(fields))
