"""One run description (issue 13): the CLI, a study config and library code build the same run from it."""
import json

import numpy as np
import pytest

from femngd import RunSpec
from femngd.cli import main
from femngd.studies.runs import build_trained


def test_cli_study_and_library_build_the_same_run(capsys, tmp_path):
    """Shallow network, strong residual, natural heavy ball with only β named: same defaults, same iterates."""
    spec = RunSpec(problem="layer", eps=0.1, n=16, model="shallow", model_options={"width": 8},
                   loss="strong-residual", optimizer="nhb-lm", optimizer_options={"momentum": 0.3}, seed=2)
    library = spec.build().train(iterations=5)
    assert main(["train", "--eps", "0.1", "--n", "16", "--model", "shallow", "--width", "8", "--loss",
                 "strong-residual", "--optimizer", "nhb-lm", "--momentum", "0.3", "--seed", "2", "--iterations", "5",
                 "--json", "--quiet", "--out", str(tmp_path)]) == 0
    cli_theta = np.load(tmp_path / "params.npz")["theta"]
    json.loads(capsys.readouterr().out)
    study = {"problem": "layer_1d", "eps": 0.1, "mesh": {"kind": "uniform", "n": 16, "degree": 1}, "model": "shallow",
             "model_options": {"width": 8}, "loss": "strong-residual", "metric": "gauss-newton",
             "objective_options": {}, "optimizer": "nhb-lm", "optimizer_options": {"momentum": 0.3}, "seed": 2}
    problem, space, model, objective, optimizer = build_trained(study)
    from femngd.train import train

    study_theta = train(objective, optimizer, model.init(2), iterations=5).theta
    assert np.array_equal(library.theta, cli_theta) and np.array_equal(library.theta, study_theta)
    assert repr(optimizer) == repr(spec.build().optimizer)          # grid line search, Tikhonov 1e-4: the defaults


def test_registry_names_fix_the_dimension_and_bad_options_name_themselves():
    parts = RunSpec(problem="corner_layer_2d", eps=0.05, n=4).build()
    assert parts.problem.dim == 2 and parts.space.dim == 2
    with pytest.raises(ValueError, match="^momentum"):
        RunSpec(optimizer="ngd", optimizer_options={"momentum": 0.9}).build()
    with pytest.raises(ValueError, match="^problem"):
        RunSpec(problem="layer_3d").build()
