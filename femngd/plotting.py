"""Figures of the studies (matplotlib, Agg backend), saved as PNG and PDF.

All functions take plain data (run records / summary rows as written in ``results.json``) and
return a ``matplotlib.figure.Figure``; :func:`save_figure` writes it atomically.

* :func:`plot_solutions`    solution vs exact vs Galerkin, with a zoomed inset on the layer at 1
* :func:`plot_curves`       loss and error per iteration per optimizer, median and range over seeds
* :func:`plot_convergence`  error vs h (log-log) with reference slopes h^k
* :func:`plot_error_vs_eps` error vs ε (log-log) per method
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Iterable, Sequence

import matplotlib.pyplot as plt   # (no backend forced: headless machines fall back to Agg by themselves)
import matplotlib.ticker
import numpy as np
from matplotlib.figure import Figure

from femngd.io import atomic_write_bytes

__all__ = [
    "save_figure", "plot_solutions", "plot_curves", "plot_convergence", "plot_error_vs_eps",
    "describe_setup", "METRIC_LABELS",
]

METRIC_LABELS = {
    "loss": "loss L(θ)",
    "l2_error_exact": "‖u_h − u‖_L2",
    "relative_l2_error_exact": "relative L2 error vs exact",
    "relative_l2_error_galerkin": "relative L2 error vs Galerkin",
    "relative_h1_error_galerkin": "relative H1 error vs Galerkin",
    "h1_error_exact": "|u_h − u|_H1",
    "max_nodal_error": "max nodal error",
}
_STYLES = {"exact": dict(color="black", lw=2.2, ls="-"), "galerkin": dict(color="tab:red", ls="--"),
           "supg": dict(color="tab:green", ls="-."), "shishkin": dict(color="tab:purple", ls=":")}
#: colors of trained methods, in order of appearance (the reference colors are kept out)
TRAINED_COLORS = ("tab:blue", "tab:orange", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray")


def _colors(names: Iterable[str]) -> dict[str, str]:
    """One color per method name, the same in every panel: fixed for references, a palette otherwise."""
    fixed = {"Galerkin": "tab:red", "SUPG": "tab:green", "Galerkin, Shishkin mesh": "tab:purple"}
    out, k = {}, 0
    for name in dict.fromkeys(names):
        if name in fixed:
            out[name] = fixed[name]
        else:
            out[name] = TRAINED_COLORS[k % len(TRAINED_COLORS)]
            k += 1
    return out


def save_figure(fig: Figure, directory: str | Path, stem: str) -> list[Path]:
    """Write ``<stem>.png`` (150 dpi) and ``<stem>.pdf`` atomically; close the figure."""
    paths = []
    for fmt in ("png", "pdf"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=150, bbox_inches="tight")
        path = Path(directory) / f"{stem}.{fmt}"
        atomic_write_bytes(path, buffer.getvalue())
        paths.append(path)
    plt.close(fig)
    return paths


_REFERENCE_NAMES = {"galerkin": "Galerkin", "supg": "SUPG", "shishkin": "Galerkin, Shishkin mesh"}


def _label(spec: dict[str, Any]) -> str:
    """Legend label: references by name, trained runs as ``label (model)``."""
    if spec["kind"] in _REFERENCE_NAMES:
        return _REFERENCE_NAMES[spec["kind"]]
    return f"{spec['label']} ({spec['model']})" if "model" in spec else str(spec["label"])


def describe_setup(spec: dict[str, Any], eps: bool = True) -> str:
    """``"layer_1d, ε = 0.01, uniform mesh n = 32, P1"`` for titles."""
    mesh = spec["mesh"]
    parts = [spec["problem"]] + ([f"ε = {spec['eps']:.3g}"] if eps else [])
    parts.append(f"{mesh['kind']} mesh n = {mesh['n']}, P{mesh['degree']}")
    return ", ".join(parts)


def _models(records: Iterable[dict]) -> str:
    models = sorted({r["spec"]["model"] for r in records if "model" in r["spec"]})
    return f"; models: {', '.join(models)}" if models else ""


def _solution_lines(records: Sequence[dict]) -> list[tuple[str, np.ndarray, np.ndarray, dict]]:
    """(label, x, u, style) per method (first seed of trained methods) plus the exact solution."""
    lines, seen = [], set()
    for rec in records:
        sol, spec = rec["result"].get("solution"), rec["spec"]
        if not sol or spec.get("label") in seen:
            continue
        seen.add(spec.get("label"))
        x = np.asarray(sol["x"], float)
        if sol.get("exact") is not None and "exact" not in seen:
            seen.add("exact")
            lines.insert(0, ("exact", x, np.asarray(sol["exact"], float), _STYLES["exact"]))
        trained = sum(1 for line in lines if line[3].get("lw") == 1.5)
        style = _STYLES.get(spec["kind"], dict(lw=1.5, color=TRAINED_COLORS[trained % len(TRAINED_COLORS)]))
        lines.append((_label(spec), x, np.asarray(sol["u"], float), style))
    return lines


def plot_solutions(records: Sequence[dict], zoom: tuple[float, float] | None = None) -> Figure:
    """Solutions of the runs of one (problem, ε, mesh) against the exact solution.

    1D problems are plotted over x, 2D ones along the diagonal x = y = t. The inset zooms on
    the layer, [1 − 10ε, 1] by default (no inset when 10ε ≥ 0.5).
    """
    spec = records[0]["spec"]
    lines = _solution_lines(records)
    fig, ax = plt.subplots(figsize=(10.0, 4.8))
    for name, x, u, style in lines:
        ax.plot(x, u, label=name, **style)
    diag = spec["problem"].endswith("_2d")
    ax.set_xlabel("t  (x = y = t)" if diag else "x")
    ax.set_ylabel("u(t, t)" if diag else "u(x)")
    ax.set_title(f"Solutions: {describe_setup(spec)}{_models(records)}", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    eps = spec["eps"]
    zoom = zoom or ((1 - 10 * eps, 1.0) if 10 * eps < 0.5 else None)
    if zoom and lines:
        _inset(ax, lines, zoom)
    return fig


def _inset(ax, lines, zoom: tuple[float, float]) -> None:
    """Zoomed inset over x ∈ zoom, y-range from the curves inside the window."""
    axins = ax.inset_axes([0.05, 0.56, 0.34, 0.36])
    lo, hi = np.inf, -np.inf
    for _, x, u, style in lines:
        axins.plot(x, u, **style)
        inside = (x >= zoom[0]) & (x <= zoom[1]) & np.isfinite(u)
        if inside.any():
            lo, hi = min(lo, u[inside].min()), max(hi, u[inside].max())
    pad = 0.05 * (hi - lo if hi > lo else 1.0)
    axins.set_xlim(*zoom)
    if np.isfinite(lo):
        axins.set_ylim(lo - pad, hi + pad)
    axins.tick_params(labelsize=7)
    axins.set_title(f"zoom on the layer: x ∈ [{zoom[0]:.3g}, {zoom[1]:.3g}]", fontsize=8)
    axins.grid(alpha=0.3)
    ax.axvspan(*zoom, color="0.88", zorder=0, lw=0)


def _stack(curves: list[list[float]]) -> np.ndarray:
    """Curves of different lengths as rows of a NaN-padded array."""
    width = max(len(c) for c in curves)
    out = np.full((len(curves), width), np.nan)
    for i, c in enumerate(curves):
        out[i, : len(c)] = np.asarray(c, dtype=float)
    return out


def _median_band(ax, curves: list[list[float]], label: str, color) -> None:
    """Median over seeds (line) and min–max range (band) of curves vs iteration."""
    data = _stack(curves)
    data[data <= 0] = np.nan  # log scale
    count = np.sum(np.isfinite(data), axis=0)
    keep = count > 0
    it = np.arange(data.shape[1])[keep]
    with np.errstate(all="ignore"):
        med = np.nanmedian(data[:, keep], axis=0)
        lo, hi = np.nanmin(data[:, keep], axis=0), np.nanmax(data[:, keep], axis=0)
    seeds = f", {len(curves)} seeds" if len(curves) > 1 else ""
    ax.plot(it, med, color=color, lw=1.6, label=f"{label}{seeds}")
    if len(curves) > 1:
        ax.fill_between(it, lo, hi, color=color, alpha=0.2, lw=0)


def plot_curves(records: Sequence[dict], keys: Sequence[str] = ("loss", "relative_l2_error_exact"),
                tolerance: float | None = None, tolerance_key: str | None = None) -> Figure:
    """Per-iteration ``history[key]`` for each method: median and min–max band over seeds (log y)."""
    trained = [r for r in records if r["result"].get("history")]
    fig, axes = plt.subplots(1, len(keys), figsize=(5.2 * len(keys), 4.2), squeeze=False)
    labels = list(dict.fromkeys(r["spec"]["label"] for r in trained))
    colors = TRAINED_COLORS
    for ax, key in zip(axes[0], keys):
        for i, label in enumerate(labels):
            group = [r for r in trained if r["spec"]["label"] == label]
            curves = [r["result"]["history"].get(key) or [] for r in group]
            if any(curves):
                _median_band(ax, [c for c in curves if c], _label(group[0]["spec"]), colors[i % len(colors)])
        if tolerance is not None and key == tolerance_key:
            ax.axhline(tolerance, color="0.3", ls=":", lw=1, label=f"tolerance {tolerance:g}")
        ax.set_yscale("log")
        ax.set_xlabel("iteration")
        ax.set_ylabel(METRIC_LABELS.get(key, key))
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    if trained:
        fig.suptitle(f"Training curves: {describe_setup(trained[0]['spec'])}{_models(trained)}", fontsize=10)
    fig.tight_layout()
    return fig


def _by_label(rows: Sequence[dict], x_key: str, y_key: str) -> dict[str, tuple[np.ndarray, ...]]:
    """{label: (x, median, min, max)} sorted by x, rows without a value dropped."""
    out = {}
    for label in dict.fromkeys(r["label"] for r in rows):
        pts = sorted((r[x_key], r[y_key], r.get(f"{y_key}_min"), r.get(f"{y_key}_max"))
                     for r in rows if r["label"] == label and (r.get(y_key) or 0) > 0 and r.get(x_key))
        if pts:
            x, y, lo, hi = (np.array([np.nan if v is None else v for v in col], float) for col in zip(*pts))
            kind = next(r["kind"] for r in rows if r["label"] == label)
            out[_REFERENCE_NAMES.get(kind, label)] = (x, y, lo, hi)
    return out


def _spaced(values: np.ndarray, ratio: float = 1.6) -> np.ndarray:
    """Sorted positive ``values`` thinned so consecutive kept ones differ by a factor ≥ ``ratio`` (log-axis
    tick labels that do not overlap); the largest value is always kept."""
    kept: list[float] = []
    for value in sorted(values[values > 0], reverse=True):
        if not kept or kept[-1] / value >= ratio:
            kept.append(float(value))
    return np.array(kept[::-1])


def _log_axes(ax, data: dict[str, tuple[np.ndarray, ...]], xlabel: str, ylabel: str) -> None:
    """Log-log axes with x ticks at the data points (no crowded minor labels)."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    if data:
        ticks = _spaced(np.unique(np.concatenate([d[0] for d in data.values()])))
        ax.set_xticks(ticks, [f"{t:.3g}" for t in ticks])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)


def _errorbars(ax, data: dict[str, tuple[np.ndarray, ...]], colors: dict[str, str] | None = None) -> None:
    colors = colors or _colors(data)
    for label, (x, y, lo, hi) in data.items():
        yerr = None
        if np.all(np.isfinite(lo)) and np.any(hi > lo):
            yerr = np.vstack([y - lo, hi - y])
        ax.errorbar(x, y, yerr=yerr, marker="o", ms=4, capsize=3, label=label, color=colors[label])


def plot_convergence(rows: Sequence[dict], metric: str = "l2_error_exact",
                     slopes: Sequence[int] = (1, 2), title: str = "") -> Figure:
    """Error vs mesh size h (log-log) per method, with reference lines C·h^k for k in ``slopes``."""
    data = _by_label(rows, "h", metric)
    fig, ax = plt.subplots(figsize=(6.2, 4.6))
    _errorbars(ax, data)
    if data:
        h_all = np.unique(np.concatenate([d[0] for d in data.values()]))
        first = next(iter(data.values()))
        for k, ls in zip(slopes, (":", "--", "-.")):
            anchor = 0.5 * first[1][0] / first[0][0] ** k  # through half the finest error
            ax.plot(h_all, anchor * h_all**k, color="0.4", ls=ls, lw=1, label=f"reference slope {k}: $C\\,h^{k}$")
    _log_axes(ax, data, "mesh size h", METRIC_LABELS.get(metric, metric))
    ax.set_title(title or f"Convergence in h: {metric}", fontsize=10)
    return fig


def plot_error_vs_eps(rows: Sequence[dict], metrics: Sequence[str] = ("relative_l2_error_exact",),
                      title: str = "") -> Figure:
    """Error vs ε (log-log) per method, one panel per metric; bars = range over seeds."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.4 * len(metrics), 4.4), squeeze=False)
    panels = [_by_label(rows, "eps", metric) for metric in metrics]
    colors = _colors(name for data in panels for name in data)
    for ax, metric, data in zip(axes[0], metrics, panels):
        _errorbars(ax, data, colors)
        _log_axes(ax, data, "diffusion ε", METRIC_LABELS.get(metric, metric))
    fig.suptitle(title or "Error vs ε", fontsize=10)
    fig.tight_layout()
    return fig
