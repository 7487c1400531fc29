"""Results a user can look at: FE fields on the mesh, figures (1D and 2D) and VTK files for ParaView.

A :class:`FieldResult` holds nodal fields on the vertices of an FE mesh — the Galerkin (or SUPG)
solution, a trained model, the exact solution and the pointwise errors — and draws or exports them:

    result = galerkin_result(problem, space)            # or trained_result(problem, space, objective, θ)
    result.plot()                                        # 1D: curves; 2D: solution | log10 error | difference
    result.to_vtk("run.vtu")                             # mesh + point data, readable by ParaView

2D figures use ``tripcolor`` on the mesh triangles (P2 fields on the vertices of the once-refined
mesh, so their curvature shows), the perceptually uniform, greyscale-safe ``cividis`` map, and
the pointwise error |u_h − u| on a log scale, zoomed once more around its maximum with the mesh
edges. Points used by the loss (sampling, adaptive points) are drawn over the error when the
result carries them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .fem import AdvectionDiffusion, FESpace, galerkin, supg
from .io import atomic_write
from .natural import StrongResidual

__all__ = ["FieldResult", "galerkin_result", "trained_result"]


def _plot_vertices(space: FESpace):
    """(vertices (dim, N), cells (k, M)) where fields are drawn/exported: the mesh, refined once for P2."""
    mesh = space.mesh if space.degree == 1 else space.mesh.refined(1)
    return mesh.p, mesh.t


@dataclass
class FieldResult:
    """Nodal fields on the vertices ``points`` (dim, N) of the cells ``cells`` (see module doc)."""

    problem: AdvectionDiffusion
    points: np.ndarray
    cells: np.ndarray
    fields: dict[str, np.ndarray]
    title: str = ""
    loss_points: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(self.points.shape[0])

    @property
    def main(self) -> str:
        """The field the figure shows first: the trained model if any, else the FE solution."""
        return "trained" if "trained" in self.fields else "galerkin"

    # --- figures ------------------------------------------------------------------------------

    def plot(self, ax=None, field: str = "solution"):
        """Draw the result; returns the matplotlib Figure.

        1D: the fields against x on ``ax`` (or a new figure). 2D: with ``ax`` the main field on that
        Axes (``field="error"``: its pointwise error against the exact solution, log scale, with the
        loss's points); without, a row of panels: the main field, log10 of its pointwise error against the exact
        solution (with the loss's points), trained − Galerkin when both are present, and the error
        again zoomed on the square around its maximum (:meth:`zoom_window`) with the mesh drawn.
        """
        import matplotlib.pyplot as plt

        if self.dim == 1:
            fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6.4, 4.0))
            self._plot_1d(ax)
            return fig
        if field not in ("solution", "error"):
            raise ValueError(f"field: must be 'solution' or 'error', got {field!r}")
        if ax is not None:
            if field == "error":
                self._error_panel(ax, self.error(), self.title)
            else:
                self._tripcolor(ax, self.fields[self.main], f"{self.main} solution", "u")
            return ax.figure
        panels = [(self.fields[self.main], f"{self.main} solution", "u", False)]
        if "exact" in self.fields:
            panels.append((self.error(), f"|{self.main} − exact|", "pointwise error", True))
        if "trained" in self.fields and "galerkin" in self.fields:
            panels.append((self.fields["trained"] - self.fields["galerkin"], "trained − Galerkin", "difference",
                           False))
        if "exact" in self.fields:
            panels.append((panels[1][0], "zoom: where the error is largest", "pointwise error", True))
        fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.0), squeeze=False)
        for axis, (values, title, label, log) in zip(axes[0], panels):
            if log:
                self._error_panel(axis, values, title)
            else:
                self._tripcolor(axis, values, title, label)
        if "exact" in self.fields:
            self._zoom(axes[0][-1], panels[1][0])
        fig.suptitle(self.title, fontsize=10)
        fig.tight_layout()
        return fig

    def _plot_1d(self, ax) -> None:
        """Curves on the fine grid of ``info["curves"]`` (layers resolved), else on the vertices."""
        curves = self.info.get("curves")
        if curves is None:
            order = np.argsort(self.points[0])
            curves = {"x": self.points[0][order], **{k: v[order] for k, v in self.fields.items()}}
        styles = {"galerkin": dict(lw=0.9), "trained": dict(lw=1.6),
                  "exact": dict(color="black", lw=1.0, ls="--")}
        for name in ("galerkin", "trained", "exact"):
            if name in curves:
                ax.plot(curves["x"], curves[name], label=name, **styles[name])
        ax.set_xlabel("x")
        ax.set_ylabel("u(x)")
        ax.set_title(self.title, fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)

    def _tripcolor(self, ax, values, title: str, label: str, log: bool = False) -> None:
        import matplotlib.colors as mcolors
        import matplotlib.tri as mtri

        triangulation = mtri.Triangulation(self.points[0], self.points[1], self.cells[:3].T)
        norm = None
        if log:
            positive = values[values > 0]
            floor = positive.min() if positive.size else 1e-16
            values = np.maximum(values, floor)
            norm = mcolors.LogNorm(vmin=max(floor, values.max() * 1e-8), vmax=values.max())
        image = ax.tripcolor(triangulation, values, shading="gouraud", cmap="cividis", norm=norm)
        ax.figure.colorbar(image, ax=ax, label=label, shrink=0.85)
        ax.set_aspect("equal")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(title, fontsize=9)

    def error(self) -> np.ndarray:
        """|main field − exact| at the vertices (ValueError when the exact solution is unknown)."""
        if "exact" not in self.fields:
            raise ValueError("error: this problem has no exact solution")
        return np.abs(self.fields[self.main] - self.fields["exact"])

    def _error_panel(self, ax, values: np.ndarray, title: str) -> None:
        """Log-scale pointwise error with the loss's points drawn over it."""
        self._tripcolor(ax, values, title, "pointwise error", log=True)
        if self.loss_points is not None:
            ax.plot(*self.loss_points.T[:2], ".", ms=1.5, color="white", alpha=0.6, label="loss points")

    def zoom_window(self, values: np.ndarray, fraction: float = 0.08) -> tuple[tuple[float, float], ...]:
        """((x0, x1), (y0, y1)): a square of half-width ``fraction`` × the domain's extent around the vertex
        where ``values`` is largest, moved inside the domain's bounding box (found from the data, never
        from where a layer is expected)."""
        lo, hi = self.points.min(axis=1), self.points.max(axis=1)
        half = fraction * float(np.max(hi - lo))
        centre = np.clip(self.points[:, int(np.argmax(values))], lo + half, hi - half)
        return tuple((float(c - half), float(c + half)) for c in centre)

    def _zoom(self, ax, values: np.ndarray) -> None:
        """Limit ``ax`` to :meth:`zoom_window` and draw the mesh edges there."""
        import matplotlib.tri as mtri

        (x0, x1), (y0, y1) = self.zoom_window(values)
        ax.triplot(mtri.Triangulation(self.points[0], self.points[1], self.cells[:3].T), lw=0.2, color="0.85",
                   alpha=0.7)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)

    def save_plot(self, path: str | Path) -> Path:
        """Write :meth:`plot` as a PNG (150 dpi), atomically."""
        import matplotlib.pyplot as plt

        fig = self.plot()
        path = atomic_write(path, lambda handle: fig.savefig(handle, format="png", dpi=150))
        plt.close(fig)
        return path

    # --- VTK ----------------------------------------------------------------------------------

    def to_vtk(self, path: str | Path) -> Path:
        """The mesh with every field as point data, as a VTK unstructured grid (``.vtu``), atomically."""
        import meshio

        cell_type = "line" if self.dim == 1 else ("triangle" if self.cells.shape[0] == 3 else "quad")
        points = np.zeros((self.points.shape[1], 3))
        points[:, : self.dim] = self.points.T
        mesh = meshio.Mesh(points, [(cell_type, self.cells.T.astype(np.int64))],
                           point_data={name: np.asarray(v, dtype=float) for name, v in self.fields.items()})
        path = Path(path)
        tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
        try:
            meshio.write(tmp, mesh)
            atomic_write(path, lambda handle: handle.write(tmp.read_bytes()))
        finally:
            tmp.unlink(missing_ok=True)
        return path


def _with_errors(problem: AdvectionDiffusion, points: np.ndarray, fields: dict[str, np.ndarray]) -> dict:
    """Add the exact solution and |field − exact| for every field (when the exact solution is known)."""
    if problem.exact is None:
        return fields
    exact = problem.exact(points.T)
    out = dict(fields, exact=exact)
    for name, values in fields.items():
        out[f"error_{name}"] = np.abs(values - exact)
    return out


def _curves_1d(problem: AdvectionDiffusion, space: FESpace, u: np.ndarray, objective=None, theta=None) -> dict:
    """Fields on a fine 1D grid for figures: 2001 uniform points, the mesh nodes, the model's breakpoints,
    and points graded geometrically towards both ends (layers of width ε drawn sharp)."""
    a, b = space.mesh.p[0].min(), space.mesh.p[0].max()
    graded = np.geomspace(1e-3 * problem.eps, 0.5 * (b - a), 300)
    parts = [np.linspace(a, b, 2001), space.mesh.p[0], a + graded, b - graded]
    if objective is not None and objective.breakpoints(theta) is not None:
        parts.append(objective.breakpoints(theta))
    x = np.unique(np.clip(np.concatenate(parts), a, b))
    curves = {"x": x, "galerkin": _fe_at(space, u, x[None, :])}
    if objective is not None:
        curves["trained"] = np.asarray(objective.evaluate(theta, x[:, None], order=0)[0])
    if problem.exact is not None:
        curves["exact"] = problem.exact(x[:, None])
    return curves


def _fe_at(space: FESpace, u: np.ndarray, points: np.ndarray) -> np.ndarray:
    """An FE function (DOF vector) at the vertices ``points`` (dim, N)."""
    if space.degree == 1 and points.shape[1] == space.mesh.p.shape[1]:
        return np.asarray(u)[space.basis.nodal_dofs[0]]
    return np.asarray(space.basis.probes(points) @ u).ravel()


def galerkin_result(problem: AdvectionDiffusion, space: FESpace, stabilization: str = "none",
                    u: np.ndarray | None = None) -> FieldResult:
    """The Galerkin (or SUPG) solution, the exact solution and the error, on the mesh (module doc)."""
    if u is None:
        u = supg(problem, space) if stabilization == "supg" else galerkin(problem, space)
    points, cells = _plot_vertices(space)
    fields = _with_errors(problem, points, {"galerkin": _fe_at(space, u, points)})
    name = "SUPG" if stabilization == "supg" else "Galerkin"
    info = {"dofs": space.n_dofs, **({"curves": _curves_1d(problem, space, u)} if space.dim == 1 else {})}
    return FieldResult(problem, points, cells, fields, title=f"{problem.name}: {name}, P{space.degree}, "
                       f"{space.n_dofs} DOFs", info=info)


def trained_result(problem: AdvectionDiffusion, space: FESpace, objective, theta: np.ndarray,
                   reference: np.ndarray | None = None) -> FieldResult:
    """A trained model v_θ beside the Galerkin solution of ``space``, the exact solution and the errors.

    ``reference``: the Galerkin DOF vector if already computed. The strong residual's sampled points
    (the last ones drawn) are drawn over the 2D error.
    """
    u = galerkin(problem, space) if reference is None else reference
    points, cells = _plot_vertices(space)
    trained, _ = objective.evaluate(theta, points.T, order=0)
    fields = _with_errors(problem, points, {"galerkin": _fe_at(space, u, points), "trained": np.asarray(trained)})
    sampled = isinstance(objective, StrongResidual) and objective.sampler != "fixed"     # not the quadrature
    info = {"dofs": space.n_dofs, "n_params": int(np.size(theta))}
    if space.dim == 1:
        info["curves"] = _curves_1d(problem, space, u, objective, theta)
    return FieldResult(problem, points, cells, fields, title=f"{problem.name}: trained {objective.model!r}",
                       loss_points=np.asarray(objective.points) if sampled else None, info=info)
