"""Short training runs on the shipped studies' settings and every optimizer's defaults, whose iterates
are stored in tests/data/trajectories.json: the refactor of issue 13 must not change any of them.

Regenerate (only when a change of the iterates is intended and explained):
    python tests/trajectory_cases.py
"""
from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "trajectories.json"
ITERATIONS = 6


def _config_cases():
    """Every trained method of every shipped config, at its first ε and seed, on a short budget."""
    for path in sorted((ROOT / "scripts" / "configs").glob("*.toml")):
        config = tomllib.loads(path.read_text())
        mesh = {"kind": "uniform", "degree": 1, **config["mesh"]}
        n = mesh["n"][0] if isinstance(mesh["n"], list) else mesh["n"]
        for t in config.get("trained", []):
            yield f"{path.stem}/{t['label']}", {
                "problem": config.get("problem", "layer_1d"), "eps": config["eps"][0], "mesh": mesh["kind"], "n": n,
                "model": t["model"], "model_options": t.get("model_options", {}),
                "loss": t.get("loss", "fe-residual"), "metric": t.get("metric", "l2"),
                "objective_options": t.get("objective_options", {}), "optimizer": t["optimizer"],
                "optimizer_options": t.get("optimizer_options", {}), "seed": config.get("seeds", [0])[0]}


OPTIMIZERS = ("ngd", "gd", "adam", "lbfgs", "nhb-lm", "nhb-fd", "nlg", "nnesterov", "hb", "nesterov", "spring")


def _default_cases():
    """Every optimizer on its defaults (shallow network, strong residual; FE coefficients, H1, auto)."""
    for name in OPTIMIZERS:
        yield f"defaults/shallow/{name}", {"problem": "layer", "eps": 0.1, "n": 16, "model": "shallow",
                                            "model_options": {"width": 8}, "loss": "strong-residual",
                                            "optimizer": name, "seed": 1}
    for name, options in (("ngd", {"lr": "auto"}), ("nhb-lm", {"momentum": "auto"}),
                          ("nnesterov", {"momentum": "auto"}), ("hb", {"momentum": "auto"}),
                          ("nhb-fd", {"momentum": 0.5, "restart": "function"}),
                          ("nhb-lm", {"momentum": 0.5, "restart": "gradient", "step": "armijo"}),
                          ("nlg", {"momentum": 0.5, "search": "whole"}),
                          ("ngd", {"step": "quadratic", "solve": "penrose", "reg": 1e-8})):
        label = ",".join(f"{k}={v}" for k, v in options.items())
        yield f"fe-h1/{name}/{label}", {"problem": "layer", "eps": 0.01, "n": 16, "model": "fe", "loss": "fe-residual",
                                         "metric": "h1", "optimizer": name, "optimizer_options": options}
    yield "mlp/random/nnesterov", {"problem": "layer", "eps": 0.1, "n": 16, "model": "mlp",
                                    "model_options": {"width": 6, "depth": 2}, "loss": "strong-residual",
                                    "objective_options": {"points": "optimal", "samples": 40},
                                    "optimizer": "nnesterov", "seed": 3}
    yield "poly/kl/ngd", {"problem": "layer", "eps": 0.1, "n": 16, "model": "poly", "model_options": {"bc": "interior"},
                          "loss": "kl", "objective_options": {"bc": "interior"}, "metric": "l2", "optimizer": "ngd"}


def cases():
    yield from _config_cases()
    yield from _default_cases()


def run_case(description: dict) -> dict:
    """θ after ITERATIONS steps and the loss history of the run the description names."""
    from femngd import RunSpec

    parts = RunSpec(**description).build()
    result = parts.train(iterations=ITERATIONS)
    return {"theta": [float(v) for v in result.theta], "loss": [float(v) for v in result.history["loss"]]}


def poisson2d_case() -> dict:
    from femngd.presets import poisson2d

    result = poisson2d(width=8, seed=1).train(iterations=ITERATIONS, seed=1)
    return {"theta": [float(v) for v in result.theta], "loss": [float(v) for v in result.history["loss"]]}


def main() -> None:
    data = {label: run_case(description) for label, description in cases()}
    data["preset/poisson2d"] = poisson2d_case()
    DATA.write_text(json.dumps(data, indent=0))
    print(f"wrote {len(data)} trajectories to {DATA}", file=sys.stderr)


if __name__ == "__main__":
    main()
