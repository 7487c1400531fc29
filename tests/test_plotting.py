"""Figures: data drawn equals the data given (median/range over seeds, slopes), files written."""
from __future__ import annotations

import numpy as np
import pytest

from femngd import plotting

MESH = {"kind": "uniform", "n": 16, "degree": 1}


def trained_record(label: str, seed: int, loss: list[float]) -> dict:
    spec = {"kind": "trained", "label": label, "problem": "layer_1d", "eps": 0.01, "mesh": MESH,
            "seed": seed, "model": "shallow"}
    return {"run_id": f"{label}-{seed}", "spec": spec,
            "result": {"history": {"loss": loss, "relative_l2_error_exact": [v / 2 for v in loss]}}}


def test_curves_median_and_range_over_seeds():
    curves = [[8.0, 4.0, 2.0, 1.0], [4.0, 2.0, 1.0], [16.0, 1.0, 0.5, 0.25]]
    records = [trained_record("NGD", s, c) for s, c in enumerate(curves)]
    records.append(trained_record("momentum", 0, [1.0, 0.1]))
    fig = plotting.plot_curves(records, tolerance=0.3, tolerance_key="relative_l2_error_exact")
    ax_loss, ax_err = fig.axes
    ngd = next(line for line in ax_loss.get_lines() if line.get_label().startswith("NGD"))
    expected = [np.median([8, 4, 16]), np.median([4, 2, 1]), np.median([2, 1, 0.5]), np.median([1, 0.25])]
    assert np.allclose(ngd.get_ydata(), expected) and ngd.get_label() == "NGD (shallow), 3 seeds"
    band = ax_loss.collections[0].get_paths()[0].vertices
    assert np.isclose(band[:, 1].max(), 16.0) and np.isclose(band[:, 1].min(), 0.25)
    assert ax_loss.get_yscale() == "log" and ax_loss.get_xlabel() == "iteration"
    assert any(line.get_label() == "tolerance 0.3" for line in ax_err.get_lines())
    assert "ε = 0.01" in fig._suptitle.get_text() and "shallow" in fig._suptitle.get_text()
    plotting.plt.close(fig)


@pytest.mark.parametrize("slopes", [(1, 2), (2, 3)])
def test_convergence_reference_slopes(slopes):
    h = np.array([0.25, 0.125, 0.0625])
    rows = [{"label": "galerkin", "kind": "galerkin", "h": hi, "l2_error_exact": 3 * hi**2} for hi in h]
    fig = plotting.plot_convergence(rows, slopes=slopes, title="Convergence: ε = 1")
    ax = fig.axes[0]
    refs = [line for line in ax.get_lines() if line.get_label().startswith("reference slope")]
    assert len(refs) == len(slopes)
    for line, k in zip(refs, slopes):
        x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        assert np.allclose(np.diff(np.log(y)) / np.diff(np.log(x)), k)
    data = next(c for c in ax.containers if c.get_label() == "Galerkin").lines[0]
    assert np.allclose(data.get_xdata(), h[::-1]) and np.allclose(data.get_ydata(), 3 * h[::-1] ** 2)
    assert ax.get_xscale() == ax.get_yscale() == "log" and ax.get_xlabel() == "mesh size h"
    plotting.plt.close(fig)


def test_error_vs_eps_drops_nonpositive_and_shows_spread():
    rows = [
        {"label": "NGD", "kind": "trained", "eps": e, "relative_l2_error_exact": v,
         "relative_l2_error_exact_min": v / 2, "relative_l2_error_exact_max": 2 * v}
        for e, v in ((0.1, 1e-3), (0.01, 1e-2))
    ] + [{"label": "galerkin", "kind": "galerkin", "eps": e, "relative_l2_error_exact": v}
         for e, v in ((0.1, 0.0), (0.01, 0.2))]
    fig = plotting.plot_error_vs_eps(rows, title="Error vs ε")
    ax = fig.axes[0]
    lines = {c.get_label(): c.lines[0] for c in ax.containers}
    bars = next(c for c in ax.containers if c.get_label() == "NGD").lines[2][0].get_segments()
    assert np.allclose(sorted((s[0, 1], s[1, 1]) for s in bars), [(5e-4, 2e-3), (5e-3, 2e-2)])
    assert np.allclose(lines["NGD"].get_xdata(), [0.01, 0.1])
    assert np.allclose(lines["Galerkin"].get_xdata(), [0.01])  # the zero error is not drawn on log axes
    assert ax.get_xlabel() == "diffusion ε"
    plotting.plt.close(fig)


def test_solutions_inset_zooms_on_the_layer_and_files_are_written(tmp_path):
    x = np.linspace(0, 1, 201)
    exact = x - np.expm1((x - 1) / 0.01)
    spec = {"kind": "galerkin", "label": "galerkin", "problem": "layer_1d", "eps": 0.01, "mesh": MESH}
    records = [{"spec": spec, "result": {"solution": {"x": x, "u": exact + 0.01, "exact": exact}}},
               {"spec": {**spec, "kind": "trained", "label": "NGD", "seed": 0, "model": "fe"},
                "result": {"solution": {"x": x, "u": exact, "exact": exact}}}]
    fig = plotting.plot_solutions(records)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["exact", "Galerkin", "NGD (fe)"]
    inset = ax.child_axes[0]
    assert np.allclose(inset.get_xlim(), (0.9, 1.0))
    title = ax.get_title()
    assert "ε = 0.01" in title and "uniform mesh n = 16, P1" in title and "fe" in title
    paths = plotting.save_figure(fig, tmp_path / "figs", "solutions")
    assert [p.name for p in paths] == ["solutions.png", "solutions.pdf"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[1].read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["solutions.pdf", "solutions.png"]


def test_convergence_tick_labels_do_not_overlap_with_shishkin_mesh_sizes():
    """Shishkin h (largest cell) sits next to the uniform 1/N: the x tick labels keep a factor 1.6 apart."""
    n = np.array([8, 16, 32, 64, 128, 256])
    rows = [{"label": "galerkin", "kind": "galerkin", "h": 1 / k, "l2_error_exact": 1 / k**2} for k in n]
    rows += [{"label": "shishkin", "kind": "shishkin", "h": 1.92 / k, "l2_error_exact": 0.1 / k**2} for k in n]
    fig = plotting.plot_convergence(rows)
    ticks = np.sort(fig.axes[0].get_xticks())
    assert ticks.size >= 5 and np.all(ticks[1:] / ticks[:-1] >= 1.6) and ticks[-1] == 1.92 / 8
    plotting.plt.close(fig)


def test_convergence_title_names_the_shishkin_meshes():
    from femngd.studies.convergence import setup_title

    config = {"problem": "layer_1d", "mesh": {"kind": "uniform", "degree": 1}, "references": ["galerkin"]}
    assert "Shishkin" not in setup_title(config, 0.01) and "uniform meshes, P1" in setup_title(config, 0.01)
    config["references"].append("shishkin")
    assert "Shishkin curve: Shishkin meshes" in setup_title(config, 0.01)
