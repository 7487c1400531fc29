"""Identical results with 1 worker, 2 local worker processes and a real Dask LocalCluster."""
from __future__ import annotations

import importlib.util

import pytest

from femngd.studies import DaskExecutor, LocalExecutor, make_executor, run_study

try:
    import studies_fakes as fakes
except ImportError:  # tests/ imported as a package
    from tests import studies_fakes as fakes

#: the real thing: FE model with Gauss–Newton NGD, and an MLP on resampled points with natural momentum
REAL = {
    "study": "comparison", "name": "real", "problem": "layer_1d", "eps": [0.5, 0.1], "mesh": {"n": 8},
    "seeds": [0, 1],
    "trained": [
        {"label": "NGD", "model": "fe", "loss": "fe-residual", "metric": "gauss-newton", "optimizer": "ngd",
         "iterations": 3},
        {"label": "natural heavy ball", "model": "mlp", "model_options": {"width": 5}, "loss": "strong-residual",
         "metric": "gauss-newton", "objective_options": {"points": "random", "samples": 20},
         "optimizer": "nhb-lm", "optimizer_options": {"momentum": 0.3, "step": "grid"}, "iterations": 4},
    ],
    "comparison": {"tolerance": 1e-3, "measure": "relative_l2_error_galerkin"},
}

CONFIG = {
    "study": "comparison", "name": "exec", "eps": [0.5, 0.1], "mesh": {"n": 6}, "seeds": [0, 1],
    "trained": [
        {"label": label, "kind": f"{fakes.__name__}:fake_train", "model": "fd", "optimizer": label,
         "iterations": 25, "optimizer_options": {"lr": 1.0, "beta": beta}}
        for label, beta in (("gd", 0.0), ("hb", 0.7))
    ],
    "comparison": {"tolerance": 0.3, "measure": "relative_l2_error_galerkin"},
}


def deterministic(payload: dict) -> tuple:
    """Records without wall times, summary without seconds columns."""
    records = [{**r, "result": {k: v for k, v in r["result"].items() if k != "timing"}}
               for r in payload["records"]]
    summary = [{k: v for k, v in row.items() if "seconds" not in k} for row in payload["summary"]]
    return records, summary


@pytest.fixture(scope="module", params=["fake", "real"])
def config_and_serial(request, tmp_path_factory):
    config = CONFIG if request.param == "fake" else REAL
    return config, run_study(config, tmp_path_factory.mktemp("serial"), progress=False, figures=False)


def test_two_local_workers_identical_to_serial(config_and_serial, tmp_path):
    config, serial = config_and_serial
    parallel = run_study(config, tmp_path, executor=LocalExecutor(2), progress=False, figures=False)
    assert deterministic(parallel) == deterministic(serial)
    assert len(serial["records"]) == 8 and all(r["result"]["history"] for r in serial["records"])


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                    reason="dask[distributed] is not installed (optional extra femngd[dask])")
def test_dask_local_cluster_identical_to_serial(config_and_serial, tmp_path):
    from distributed import LocalCluster

    config, serial = config_and_serial
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        executor = make_executor("dask", scheduler=cluster.scheduler_address)
        assert isinstance(executor, DaskExecutor)
        payload = run_study(config, tmp_path, executor=executor, progress=False, figures=False)
    assert deterministic(payload) == deterministic(serial)


def test_dask_executor_needs_an_address():
    with pytest.raises(ValueError, match="^scheduler:"):
        make_executor("dask")
    with pytest.raises(ValueError, match="^executor:"):
        make_executor("slurm")
