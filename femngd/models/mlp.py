"""Multilayer perceptrons with exact spatial derivatives up to the Laplacian and their θ-Jacobians.

Layers l = 1…L: a^l = W^l h^{l−1} + b^l, h^l = σ(a^l), h^0 = x; output v = w·h^L + c_0.
The spatial derivatives are propagated forward with the values (forward mode in x):

    g^l_d = ∂h^l/∂x_d = σ′(a^l) ⊙ W^l g^{l−1}_d,                     g^0_d = e_d
    Λ^l   = Δh^l      = σ″(a^l) ⊙ Σ_d (W^l g^{l−1}_d)² + σ′(a^l) ⊙ W^l Λ^{l−1},   Λ^0 = 0
    v = w·h^L + c_0,   ∂_d v = w·g^L_d,   Δv = w·Λ^L.

The θ-Jacobian of each output (v, every ∂_d v, Δv, or a linear operator L v = α v + β·∇v + γΔv with
coefficients per point: seeds α w, β_d w, γ w) is one reverse sweep through this augmented
graph, vectorized over the points: with adjoints (h̄, ḡ_d, Λ̄) of a layer's outputs and
A = W h + b, G_d = W g_d, Λ_A = W Λ the layer's linear parts,

    Ā   = h̄ σ′ + Σ_d ḡ_d σ″ G_d + Λ̄ (σ‴ Σ_d G_d² + σ″ Λ_A)
    Ḡ_d = ḡ_d σ′ + 2 Λ̄ σ″ G_d,        Λ̄_A = Λ̄ σ′
    W̄ = Ā ⊗ h + Σ_d Ḡ_d ⊗ g_d + Λ̄_A ⊗ Λ,   b̄ = Ā,   (h̄, ḡ_d, Λ̄) ← Wᵀ(Ā, Ḡ_d, Λ̄_A).

Parameters θ = (W¹, b¹, …, W^L, b^L, w, c_0), matrices row-major.

Along a line θ + s δθ (the grid line search) every step is evaluated in the same batched pass
(:meth:`MLP.operator_along`): layer l's weights W(s) = W + s δW for all steps at once, stacked matrix
products, the first layer's preactivations affine in s.

Parametric networks u(x, μ): with ``pde_inputs=k`` the input is (x, μ) ∈ R^{dim+k} and the
spatial derivatives are taken in x only (g^0_d = e_d for the first ``dim`` inputs), so ∇ and Δ
above are ∇_x and Δ_x while μ (e.g. a normalized log ε) enters the values and the θ-Jacobians.
"""
from __future__ import annotations

import numpy as np

from .activations import activation as make_activation
from .base import Evaluation, Model, check_points, check_theta, operator_coefficients, seeded_rng, single_field
from .shallow import wanted_fields

__all__ = ["MLP"]


class MLP(Model):
    """v_θ: R^dim → R with hidden layer widths ``widths`` and activation σ (default tanh).

    Initialization: Glorot-normal weights (std √(2/(fan_in+fan_out))), zero biases, or every
    parameter ~ N(0, init_std²) if ``init_std`` is given.
    """

    is_linear = False

    def __init__(self, widths=(32, 32), dim: int = 1, activation: str = "tanh", init_std: float | None = None,
                 pde_inputs: int = 0):
        widths = tuple(int(w) for w in np.atleast_1d(widths))
        if not widths or min(widths) < 1:
            raise ValueError(f"widths: need at least one hidden layer of positive width, got {widths!r}")
        if dim not in (1, 2, 3):
            raise ValueError(f"dim: must be 1, 2 or 3, got {dim!r}")
        if isinstance(pde_inputs, bool) or not isinstance(pde_inputs, (int, np.integer)) or pde_inputs < 0:
            raise ValueError(f"pde_inputs: must be a non-negative integer, got {pde_inputs!r}")
        self.widths, self.dim = widths, int(dim)
        self.pde_inputs = int(pde_inputs)
        self.activation = make_activation(activation)
        self.init_std = init_std
        self.sizes = (self.n_inputs, *widths, 1)
        self.n_params = sum(n_out * (n_in + 1) for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]))

    def __repr__(self) -> str:
        extra = f", pde_inputs={self.pde_inputs}" if self.pde_inputs else ""
        return f"MLP(widths={self.widths}, dim={self.dim}{extra}, activation={self.activation.name!r})"

    def init(self, seed: int = 0) -> np.ndarray:
        rng = seeded_rng(seed)
        if self.init_std is not None:
            return rng.normal(0.0, float(self.init_std), self.n_params)
        parts = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            parts += [rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), n_out * n_in), np.zeros(n_out)]
        return np.concatenate(parts)

    def layers(self, theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(W, b)] per layer, the last one being the output layer (W: (1, width))."""
        out, k = [], 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            W = theta[k: k + n_out * n_in].reshape(n_out, n_in)
            k += n_out * n_in
            out.append((W, theta[k: k + n_out]))
            k += n_out
        return out

    def _forward(self, layers, x, order):
        """Per hidden layer: inputs (h, g (d, m, n) or None, Λ or None), linear parts, σ derivatives."""
        (m, n_in), dim = x.shape, self.dim
        h = x
        g = np.broadcast_to(np.eye(n_in)[:dim, None, :], (dim, m, n_in)) if order >= 1 else None
        lap = np.zeros((m, n_in)) if order >= 2 else None
        tape = []
        for W, b in layers[:-1]:
            A = h @ W.T + b
            G = g @ W.T if g is not None else None
            LA = lap @ W.T if lap is not None else None
            s = self.activation(A)
            tape.append(((h, g, lap), (G, LA), s, W))
            h = s[0]
            g = s[1] * G if G is not None else None
            if LA is not None:
                lap = s[2] * np.sum(G * G, axis=0) + s[1] * LA
        return tape, (h, g, lap)

    #: :meth:`evaluate` accepts ``fields`` (compute only the named outputs)
    supports_fields = True

    def evaluate(self, theta, x, order: int = 0, jacobian: bool = False,
                 fields: frozenset[str] | None = None) -> Evaluation:
        """v, ∇v, Δv (up to ``order``) and their θ-Jacobians at x (m, dim); ``fields`` as in
        :meth:`femngd.models.shallow.ShallowNetwork.evaluate` (e.g. skip the gradient Jacobian)."""
        theta = check_theta(theta, self.n_params)
        x = check_points(x, self.n_inputs)
        want = wanted_fields(order, jacobian, fields)
        forward = 2 if want & {"laplacian", "dlaplacian"} else 1 if want & {"grad", "dgrad"} else 0
        layers = self.layers(theta)
        tape, (h, g, lap) = self._forward(layers, x, forward)
        w, c0 = layers[-1][0][0], layers[-1][1][0]
        out = {"value": h @ w + c0 if "value" in want else None}
        if "grad" in want:
            out["grad"] = (g @ w).T
        if "laplacian" in want:
            out["laplacian"] = lap @ w
        out.update(self._jacobians(tape, (h, g, lap), w, x.shape[0], forward, want))
        return Evaluation(**out)

    #: :meth:`apply_operator` differentiates L v in one reverse sweep
    supports_operator = True

    def apply_operator(self, theta, x, alpha=None, beta=None, gamma=None, jacobian: bool = False,
                       out: np.ndarray | None = None):
        """(L v, ∂(Lv)/∂θ) for L v = α v + β·∇v + γ Δv: one reverse sweep seeded with (α w, β_d w, γ w) instead
        of one per field (module doc); γΔv or αv alone keeps that field's sweep."""
        if single_field(alpha, beta, gamma) is not None:
            return super().apply_operator(theta, x, alpha, beta, gamma, jacobian, out)
        theta = check_theta(theta, self.n_params)
        x = check_points(x, self.n_inputs)
        m, dim = x.shape[0], self.dim
        order = 2 if gamma is not None else 1 if beta is not None else 0
        layers = self.layers(theta)
        tape, (h, g, lap) = self._forward(layers, x, order)
        w, c0 = layers[-1][0][0], layers[-1][1][0]
        a, b, c = operator_coefficients(m, dim, alpha, beta, gamma)
        # d(Lv)/d(output weights): α h + Σ_d β_d g_d + γ Λ
        top = a[:, None] * h + (np.einsum("md,dmn->mn", b, g) if order >= 1 else 0.0) + (
            c[:, None] * lap if order >= 2 else 0.0)
        value = top @ w + a * c0
        if not jacobian:
            return value, None
        p, n = self.n_params, w.size
        J = out if out is not None else np.empty((m, p))
        if out is not None and (out.shape != (m, p) or not out.flags.c_contiguous):
            raise ValueError(f"out: must be a C-contiguous array of shape {(m, p)}")
        gb = b.T[:, :, None] * w if order >= 1 else None
        lb = c[:, None] * w if order >= 2 else None
        self._backward(tape, a[:, None] * w, gb, lb, J)
        J[:, p - n - 1: p - 1] = top
        J[:, -1] = a
        return value, J

    #: :meth:`operator_along` evaluates all the steps in one batched pass
    batches_steps = True
    #: points per batched pass of :meth:`operator_along` (its arrays are steps × chunk × width)
    ALONG_CHUNK = 128

    def operator_along(self, theta: np.ndarray, d: np.ndarray, steps: np.ndarray, x: np.ndarray,
                       alpha=None, beta=None, gamma=None) -> np.ndarray:
        """L v = α v + β·∇v + γ Δv at θ + s d for every s in steps (len(steps), m), in batched passes over
        chunks of points (the forward recursion of the module doc with a leading axis of steps)."""
        theta, d = check_theta(theta, self.n_params), check_theta(d, self.n_params)
        x = check_points(x, self.n_inputs)
        steps = np.asarray(steps, dtype=float).reshape(-1)
        if alpha is None and beta is None and gamma is None:
            raise ValueError("operator_along: needs at least one of alpha, beta, gamma")
        order = 2 if gamma is not None else 1 if beta is not None else 0
        layers, dlayers = self.layers(theta), self.layers(d)
        lines = [(W[None] + steps[:, None, None] * dW[None], b[None] + steps[:, None] * db[None])
                 for (W, b), (dW, db) in zip(layers, dlayers)]
        first = (layers[0], dlayers[0], steps)
        m = x.shape[0]
        coefs = [None if c is None else np.broadcast_to(np.asarray(c, dtype=float), (m, self.dim) if i == 1 else (m,))
                 for i, c in enumerate((alpha, beta, gamma))]
        out = np.empty((steps.size, m))
        for lo in range(0, m, self.ALONG_CHUNK):
            hi = min(m, lo + self.ALONG_CHUNK)
            out[:, lo:hi] = self._along_chunk(lines, first, x[lo:hi], order,
                                              *[None if c is None else c[lo:hi] for c in coefs])
        return out

    def _along_chunk(self, lines, first, x, order, alpha, beta, gamma) -> np.ndarray:
        """L v at the steps for one chunk of points; lines = [(W(s) (K, n_out, n_in), b(s) (K, n_out))],
        first = ((W¹, b¹), (δW¹, δb¹), steps): the first layer's preactivations z + s δz."""
        dim = self.dim
        (W1, b1), (dW1, db1), steps = first
        A = (x @ W1.T + b1)[None] + steps[:, None, None] * (x @ dW1.T + db1)[None]   # (K, m, n)
        s = self.activation(A, order)
        h = s[0]
        G = (np.ascontiguousarray(lines[0][0][:, :, :dim].transpose(2, 0, 1))[:, :, None, :]
             if order >= 1 else None)                                          # ∂A/∂x_d: (dim, K, 1, n)
        g = s[1] * G if order >= 1 else None
        lap = s[2] * np.sum(G * G, axis=0) if order >= 2 else None
        for W, b in lines[1:-1]:
            WT = W.transpose(0, 2, 1)
            A = np.matmul(h, WT) + b[:, None, :]
            G = np.matmul(g, WT) if order >= 1 else None
            LA = np.matmul(lap, WT) if order >= 2 else None
            s = self.activation(A, order)
            h = s[0]
            g = s[1] * G if order >= 1 else None
            if order >= 2:
                lap = s[2] * np.sum(G * G, axis=0) + s[1] * LA
        w, c0 = lines[-1][0][:, 0, :], lines[-1][1][:, 0]                    # (K, n), (K,)
        value = 0.0
        if gamma is not None:
            value = value + gamma * np.einsum("kmn,kn->km", lap, w)
        if beta is not None:
            value = value + np.einsum("md,dkmn,kn->km", beta, g, w)
        if alpha is not None:
            value = value + alpha * (np.einsum("kmn,kn->km", h, w) + c0[:, None])
        return value

    def _jacobians(self, tape, top, w, m, order, want) -> dict[str, np.ndarray]:
        """One reverse sweep per requested output (v, each ∂_d v, Δv), seeded with its adjoint,
        written straight into the preallocated Jacobian rows."""
        h, g, lap = top
        dim, n = self.dim, w.size
        zeros = np.zeros((m, n))
        seeds = {"dvalue": [(w, None, None, h, 1.0)]}
        if order >= 1:
            seeds["dgrad"] = [(None, d, None, g[d], 0.0) for d in range(dim)]
        if order >= 2:
            seeds["dlaplacian"] = [(None, None, w, lap, 0.0)]
        out = {}
        for name, items in seeds.items():
            if name not in want:
                continue
            J = np.empty((m, len(items), self.n_params))
            for row, (h_bar, grad_index, lap_bar, w_bar, c0_bar) in enumerate(items):
                hb = np.broadcast_to(w, (m, n)) if h_bar is not None else zeros
                gb = np.zeros((dim, m, n)) if order >= 1 else None
                if grad_index is not None:
                    gb[grad_index] = w
                lb = np.broadcast_to(w, (m, n)) if lap_bar is not None else (zeros if order >= 2 else None)
                self._backward(tape, hb, gb, lb, J[:, row, :])
                J[:, row, -n - 1: -1] = w_bar
                J[:, row, -1] = c0_bar
            out[name] = J if name == "dgrad" else J[:, 0, :]
        return out

    def _backward(self, tape, hb, gb, lb, J: np.ndarray) -> None:
        """Reverse sweep for one output; writes ∂/∂(W^l, b^l) of every hidden layer into J (m, p).

        W̄ = Σ_k L_k ⊗ R_k with (L, R) = (Ā, h), (Ḡ_d, g_d), (Λ̄_A, Λ): one batched matmul
        (m, n_out, K) @ (m, K, n_in) into the Jacobian's columns (no per-term temporaries).
        """
        m, end = J.shape[0], self.n_params - self.sizes[-2] - 1
        for (h, g, lap), (G, LA), (s0, s1, s2, s3), W in reversed(tape):
            n_out, n_in = W.shape
            Ab = hb * s1
            left, right = [Ab], [h]
            if G is not None:
                Ab += np.sum(gb * G, axis=0) * s2
                Gb = gb * s1
            if LA is not None:
                Ab += lb * (s3 * np.sum(G * G, axis=0) + s2 * LA)
                Gb += 2.0 * (lb * s2) * G
                LAb = lb * s1
                left.append(LAb)
                right.append(lap)
            if G is not None:
                left += list(Gb)
                right += list(g)
            start = end - n_out * (n_in + 1)
            dW = J[:, start: start + n_out * n_in].reshape(m, n_out, n_in)
            np.matmul(np.stack(left, axis=2), np.stack(right, axis=1), out=dW)
            J[:, start + n_out * n_in: end] = Ab
            end = start
            hb = Ab @ W
            gb = Gb @ W if G is not None else None
            lb = LAb @ W if LA is not None else None
