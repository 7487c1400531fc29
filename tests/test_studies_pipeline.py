"""Studies end to end on deterministic stand-in run kinds (tests/studies_fakes.py):
complete atomic files, resume without recomputation, aggregation against numpy, CLI output."""
from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

from femngd.cli import main
from femngd.studies import (LocalExecutor, Progress, RunStore, expand, load_config, run_id,
                            run_spec, run_study)

try:
    import studies_fakes as fakes
except ImportError:  # tests/ imported as a package
    from tests import studies_fakes as fakes

TRAIN = f"{fakes.__name__}:fake_train"
SOLVE = f"{fakes.__name__}:fake_solve"


def two_by_two(study: str = "sweep", seeds=(0, 1)) -> dict:
    """Two ε × two optimizers (plain GD, heavy ball) on a tiny FD problem."""
    common = {"kind": TRAIN, "model": "fd", "iterations": 30}
    return {
        "study": study, "name": "tiny", "eps": [0.5, 0.1], "mesh": {"n": 4}, "seeds": list(seeds),
        "trained": [
            {**common, "label": "GD", "optimizer": "gd", "optimizer_options": {"lr": 1.0}},
            {**common, "label": "heavy ball", "optimizer": "hb",
             "optimizer_options": {"lr": 1.0, "beta": 0.6}},
        ],
        "comparison": {"tolerance": 0.2, "measure": "relative_l2_error_galerkin"},
    }


@pytest.fixture(autouse=True)
def _reset_fakes():
    fakes.CALLS.clear()
    fakes.FAIL_ON.clear()
    yield
    fakes.FAIL_ON.clear()


def test_sweep_end_to_end_writes_complete_files(tmp_path):
    payload = run_study(two_by_two(), tmp_path, progress=False)
    specs = expand(load_config(two_by_two()))
    assert len(fakes.CALLS) == len(specs) == 8
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert runs == sorted(f"{run_id(s)}.json" for s in specs)
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    on_disk = json.loads((tmp_path / "results.json").read_text())
    assert on_disk["records"] == payload["records"] and len(on_disk["summary"]) == 4
    for record in payload["records"]:
        assert record == json.loads((tmp_path / "runs" / f"{record['run_id']}.json").read_text())
    # results.csv: one row per (method, ε); the median over the two seeds, checked with numpy
    header, *lines = (tmp_path / "results.csv").read_text().splitlines()
    columns = header.split(",")
    assert len(lines) == 4 and "relative_l2_error_exact_max" in columns
    for row in payload["summary"]:
        finals = [r["result"]["relative_l2_error_exact"] for r in payload["records"]
                  if r["spec"]["label"] == row["label"] and r["spec"]["eps"] == row["eps"]]
        assert row["runs"] == 2
        assert row["relative_l2_error_exact"] == pytest.approx(np.median(finals), rel=1e-15)
        assert row["relative_l2_error_exact_min"] == min(finals)
    figures = set(payload["figures"])
    assert {"figures/error_vs_eps.png", "figures/error_vs_eps.pdf",
            "figures/curves_eps0.1_n4.png", "figures/solutions_eps0.5_n4.pdf"} <= figures
    for name in figures:
        assert (tmp_path / name).stat().st_size > 1000


def test_resume_after_interruption_recomputes_only_missing_runs(tmp_path):
    fakes.FAIL_ON.update({"label": "heavy ball", "eps": 0.1, "seed": 1})
    with pytest.raises(KeyboardInterrupt):
        run_study(two_by_two(), tmp_path, progress=False)
    finished = sorted((tmp_path / "runs").iterdir())
    assert len(finished) == 7 and not (tmp_path / "results.json").exists()
    assert not [p for p in tmp_path.rglob("*.tmp")]
    fakes.FAIL_ON.clear()
    fakes.CALLS.clear()
    first = run_study(two_by_two(), tmp_path, progress=False)
    assert [(c["label"], c["eps"], c["seed"]) for c in fakes.CALLS] == [("heavy ball", 0.1, 1)]

    # delete results.json and one run file: only that run is recomputed, the others untouched
    victim = first["records"][2]["run_id"]
    (tmp_path / "results.json").unlink()
    (tmp_path / "runs" / f"{victim}.json").unlink()
    mtimes = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "runs").iterdir()}
    fakes.CALLS.clear()
    second = run_study(two_by_two(), tmp_path, progress=False)
    assert [run_id(c) for c in fakes.CALLS] == [victim]
    assert mtimes == {p.name: p.stat().st_mtime_ns for p in (tmp_path / "runs").iterdir()
                      if p.name != f"{victim}.json"}
    strip = lambda recs: [{**r, "result": {**r["result"], "timing": None}} for r in recs]  # noqa: E731
    assert strip(second["records"]) == strip(first["records"])


def test_incomplete_or_foreign_run_file_is_recomputed(tmp_path):
    spec = expand(load_config(two_by_two(seeds=(0,))))[0]
    store = RunStore(tmp_path)
    store.path(run_id(spec)).parent.mkdir(parents=True)
    store.path(run_id(spec)).write_text('{"run_id": "x", "spec": ')  # truncated by a crash
    assert store.load(spec) is None
    store.path(run_id(spec)).write_text(json.dumps({"spec": {**spec, "eps": 9.0}, "result": {}}))
    assert store.load(spec) is None
    record = store.save(spec, {"value": np.float64(2.5), "curve": np.array([1.0, np.nan])})
    assert store.load(spec) == record and record["result"] == {"value": 2.5, "curve": [1.0, None]}


def test_comparison_iterations_to_tolerance(tmp_path):
    payload = run_study(two_by_two("comparison", seeds=(0, 1, 2)), tmp_path, progress=False)
    tol = 0.2
    for row in payload["summary"]:
        recs = [r for r in payload["records"]
                if r["spec"]["label"] == row["label"] and r["spec"]["eps"] == row["eps"]]
        its = []
        for r in recs:
            hist = np.array(r["result"]["history"]["relative_l2_error_galerkin"])
            hit = np.flatnonzero(hist <= tol)
            its.append(float(hit[0]) if hit.size else math.inf)
        assert row["runs"] == 3 and row["reached"] == sum(np.isfinite(its))
        median = np.median(its)
        assert row["iterations_to_tol"] == (median if np.isfinite(median) else None)
        assert row["iterations_to_tol_max"] == (max(its) if np.isfinite(max(its)) else None)
    # at ε = 0.5 (κ ≈ 32) heavy ball reaches the tolerance within 30 iterations, GD does not
    at = {r["label"]: r for r in payload["summary"] if r["eps"] == 0.5}
    assert at["heavy ball"]["reached"] == 3 and at["GD"]["reached"] == 0
    assert at["GD"]["iterations_to_tol"] is None
    assert (tmp_path / "figures" / "comparison_eps0.5.png").exists()


def test_convergence_observed_orders(tmp_path):
    config = {"study": "convergence", "eps": [1.0], "mesh": {"n": [4, 8, 16, 32]},
              "trained": [{"label": "FD", "kind": SOLVE, "model": "fd", "optimizer": "none"}]}
    payload = run_study(config, tmp_path, progress=False)
    rows = payload["summary"]
    assert [r["n"] for r in rows] == [4, 8, 16, 32]
    errors = np.array([r["l2_error_exact"] for r in rows])
    expected = np.log(errors[:-1] / errors[1:]) / np.log(2.0)
    orders = [r["order_l2_error_exact"] for r in rows]
    assert orders[0] is None and np.allclose(orders[1:], expected, rtol=1e-12)
    assert abs(orders[-1] - 2.0) < 0.1  # central differences are second order
    assert "figures/convergence_l2_error_exact_eps1.png" in payload["figures"]


def test_cli_study_json_stdout_and_progress_on_stderr(tmp_path, capsys):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(two_by_two(seeds=(0,))))
    out = tmp_path / "out"
    assert main(["study", str(path), "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["study"] == "sweep" and len(doc["summary"]) == 4 and doc["out"] == str(out)
    assert "[4/4]" in captured.err and "ETA" in captured.err
    # a rerun resumes everything and prints the table
    assert main(["study", str(path), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "resuming: 4 of 4 runs already finished" in captured.err
    assert "relL2(exact)" in captured.out and "heavy ball" in captured.out


def test_local_executor_is_in_process_for_one_worker():
    specs = [{"k": i} for i in range(3)]
    seen = list(LocalExecutor(1).map(lambda s: {"pid": os.getpid(), **s}, specs))
    assert seen == [(i, {"pid": os.getpid(), "k": i}) for i in range(3)]
    with pytest.raises(ValueError, match="^workers:"):
        LocalExecutor(0)


def test_kind_resolution_errors_name_the_key():
    with pytest.raises(ValueError, match="^kind: unknown run kind 'nope'"):
        run_spec({"kind": "nope"})
    with pytest.raises(ValueError, match="^kind: cannot import 'no_such_module:f'"):
        run_spec({"kind": "no_such_module:f"})
    with pytest.raises(ValueError, match="^spec:"):
        run_spec(["galerkin"])


def test_progress_eta_ignores_resumed_runs():
    import io

    now = [0.0]
    stream = io.StringIO()
    bar = Progress(10, done=4, stream=stream, clock=lambda: now[0])
    now[0] = 6.0
    line = bar.update("run-a")  # 1 run computed in 6 s, 5 left -> ETA 30 s
    assert line.startswith("[ 5/10]  50%") and "elapsed 6.0s" in line and "ETA 30s" in line
    assert stream.getvalue().strip() == f"femngd: {line}"
