"""Activation functions σ with their first three derivatives (for Laplacians and their Jacobians)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..kernels.elementwise import tanh as _fast_tanh

__all__ = ["Activation", "activation", "ACTIVATIONS"]

Derivs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class Activation:
    """σ and σ′, σ″, σ‴ evaluated together: ``act(z) -> (σ, σ′, σ″, σ‴)``.

    ``act(z, n)`` computes only the derivatives up to order n (the others are None), which
    saves work in loss-only evaluations (tanh only).
    """

    def __init__(self, name: str, func: Callable[[np.ndarray], Derivs]):
        self.name = name
        self._func = func

    def __call__(self, z: np.ndarray, n: int = 3) -> Derivs:
        if self._func is _tanh:
            return _tanh(z, n)
        return self._func(z)

    def second(self, z: np.ndarray, overwrite: bool = False) -> np.ndarray:
        """σ″(z) alone (the Laplacian of a shallow network needs nothing else).

        tanh: σ″ = 2(t³ − t), t = tanh z, in two temporaries (or in z itself if ``overwrite``).
        """
        if self._func is not _tanh:
            return self._func(z)[2]
        in_place = overwrite and z.dtype == np.float64 and z.flags.c_contiguous
        t = _fast_tanh(z, out=z if in_place else None)
        u = t * t
        u -= 1.0
        u *= t
        u *= 2.0
        return u

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _tanh(z, n=3):
    """tanh, 1 − t², −2t(1 − t²), (1 − t²)(6t² − 2), in place where possible (the hot path of ENGD;
    t by the vectorized kernel :func:`femngd.kernels.elementwise.tanh`)."""
    t = _fast_tanh(z)
    if n < 1:
        return t, None, None, None
    t2 = t * t
    d1 = np.subtract(1.0, t2)
    d2 = np.multiply(t, d1) if n >= 2 else None
    if d2 is not None:
        d2 *= -2.0
    if n < 3:
        return t, d1, d2, None
    t2 *= 6.0
    t2 -= 2.0
    t2 *= d1
    return t, d1, d2, t2


def _sigmoid(z):
    s = 0.5 * (1.0 + _fast_tanh(0.5 * z))      # overflow-free logistic
    d1 = s * (1.0 - s)
    return s, d1, d1 * (1.0 - 2.0 * s), d1 * (1.0 - 6.0 * d1)


def _softplus(z):
    s, d1, d2, _ = _sigmoid(z)
    return np.logaddexp(0.0, z), s, d1, d2


def _relu_power(k: int) -> Callable[[np.ndarray], Derivs]:
    """ReLU^k: σ = max(z, 0)^k, with derivatives k max(z,0)^{k−1}, … (k ≥ 2 for a continuous σ″ use k ≥ 3)."""
    def func(z):
        r = np.maximum(z, 0.0)
        out = [r**k]
        coef = 1.0
        for j in range(1, 4):
            coef *= k - j + 1
            out.append(coef * r ** (k - j) if k - j > 0 else coef * (z > 0) if k == j else np.zeros_like(z))
        return tuple(out)
    return func


ACTIVATIONS: dict[str, Callable[[np.ndarray], Derivs]] = {
    "tanh": _tanh, "sigmoid": _sigmoid, "softplus": _softplus,
    "relu2": _relu_power(2), "relu3": _relu_power(3), "relu4": _relu_power(4),
}


def activation(name: str) -> Activation:
    """The activation called ``name``: tanh, sigmoid, softplus or relu<k> (ReLU^k, k ≥ 2)."""
    if isinstance(name, Activation):
        return name
    if name not in ACTIVATIONS:
        if isinstance(name, str) and name.startswith("relu") and name[4:].isdigit() and int(name[4:]) >= 2:
            return Activation(name, _relu_power(int(name[4:])))
        raise ValueError(f"activation: must be one of {', '.join(ACTIVATIONS)} (or relu<k>, k >= 2), got {name!r}")
    return Activation(name, ACTIVATIONS[name])
