"""FECoefficients: V(θ) = θ on the DOFs, J = I never formed; it cannot be evaluated at points."""
import numpy as np
import pytest

from femngd.models import FECoefficients, Model


def test_identity_model_attributes_and_values():
    model = FECoefficients(5, dim=2)
    assert isinstance(model, Model)
    assert model.is_identity and model.is_linear and model.n_params == 5 and model.dim == 2
    theta = np.arange(5.0)
    v = model.nodal_values(theta)
    assert np.array_equal(v, theta) and v is not theta
    # linear with J = I: V(a + 2b) = V(a) + 2 V(b)
    a, b = np.linspace(0, 1, 5), np.ones(5)
    assert np.allclose(model.nodal_values(a + 2 * b), model.nodal_values(a) + 2 * model.nodal_values(b))


def test_init_is_deterministic_zero():
    model = FECoefficients(7)
    assert np.array_equal(model.init(3), model.init(3)) and np.array_equal(model.init(0), np.zeros(7))


def test_evaluate_at_points_explains_it_lives_on_dofs():
    model = FECoefficients(4)
    with pytest.raises(ValueError, match="^model:.*DOFs"):
        model.evaluate(np.zeros(4), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="^model:"):
        model(np.zeros(4), np.zeros((2, 1)))


@pytest.mark.parametrize("n", [0, -3, 2.5, True, "4"])
def test_bad_size(n):
    with pytest.raises(ValueError, match="^n:"):
        FECoefficients(n)


def test_bad_dim_and_theta():
    with pytest.raises(ValueError, match="^dim:"):
        FECoefficients(3, dim=4)
    model = FECoefficients(3)
    with pytest.raises(ValueError, match="^theta:"):
        model.nodal_values(np.zeros(4))
    with pytest.raises(ValueError, match="^theta:"):
        model.nodal_values(np.array([0.0, np.nan, 1.0]))
