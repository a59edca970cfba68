"""Values and derivatives of the built-in activations against mpmath.

Every elementwise built-in is evaluated on a grid of float64 and float32
inputs: 0, the kinks, subnormals, tiny, moderate and huge magnitudes of both
signs, and a dense sweep. Each result is compared with an exact mpmath
reference at 50 digits, rounded to the dtype. Bounds are in ulps of the dtype. float32 input
is evaluated in float64 and rounded once, so every float32 bound is 1 ulp.
"""

import functools

import mpmath as mp
import numpy as np
import pytest

import bpkit
import mp_reference
from ulp import ulp_distance

mp.mp.dps = 50

SPECIAL_FLOAT64 = [0.0, 5e-324, 1e-300, 1e-8, 1.0, 20.0, 40.0, 700.0, 1e4]
# 1e-45 rounds to the smallest float32 subnormal, 1.4e-45.
SPECIAL_FLOAT32 = [0.0, 1e-45, 1e-30, 1e-8, 1.0, 20.0, 40.0, 700.0, 1e4]


def input_grid(dtype):
    """Return the test inputs: the special points and a dense sweep, both signs."""
    special = SPECIAL_FLOAT64 if dtype == np.float64 else SPECIAL_FLOAT32
    dense = list(np.logspace(-10, 4, 141)) + list(np.linspace(0.05, 45.0, 300))
    points = np.array(special + dense, dtype=dtype)
    return np.unique(np.concatenate([points, -points]))


# (id, registry name, parameters, reference name, value bound, derivative bound)
# for float64; the derivative bounds of gelu, its tanh form and silu are in
# ulps of mp_reference.derivative_terms, because each has a simple zero.
CASES = [
    ("identity", "identity", {}, "identity", 0, 0),
    ("relu", "relu", {}, "relu", 0, 0),
    ("leaky_relu-0.01", "leaky_relu", {"alpha": 0.01}, "leaky_relu", 0, 0),
    ("leaky_relu-0.3", "leaky_relu", {"alpha": 0.3}, "leaky_relu", 0, 0),
    ("elu-1", "elu", {"alpha": 1.0}, "elu", 1, 1),
    ("elu-0.5", "elu", {"alpha": 0.5}, "elu", 2, 1),
    ("gelu", "gelu", {}, "gelu", 4, 4),
    # the tanh form's slope v'(z) = K (1 + 3 C z^2) alone rounds five times
    ("gelu_tanh", "gelu", {"approximate": "tanh"}, "gelu_tanh", 4, 5),
    ("softplus", "softplus", {}, "softplus", 1, 2),
    ("sigmoid", "sigmoid", {}, "sigmoid", 2, 3),
    ("tanh", "tanh", {}, "tanh", 1, 3),
    ("silu", "silu", {}, "silu", 2, 4),
]
CASE_IDS = [case[0] for case in CASES]
DTYPES = [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")]
CANCELLING = ("gelu", "gelu_tanh", "silu")


@functools.lru_cache(maxsize=None)
def reference(kind, name, z, alpha):
    """Return the mpmath value or derivative at the exact float z (cached)."""
    alpha = None if alpha is None else mp.mpf(alpha)
    function = getattr(mp_reference, kind)
    return function(name, mp.mpf(z), alpha)


def reference_array(kind, name, z, params):
    alpha = params.get("alpha")
    return [reference(kind, name, float(x), alpha) for x in z]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "case_id, name, params, reference_name, value_bound, derivative_bound",
    CASES,
    ids=CASE_IDS,
)
class TestAgainstMpmath:
    def test_value_within_bound(self, case_id, name, params, reference_name,
                                value_bound, derivative_bound, dtype):
        z = input_grid(dtype)
        actual = bpkit.get_activation(name, **params).value(z)
        expected = np.array(
            [float(v) for v in reference_array("value", reference_name, z, params)]
        )
        assert actual.dtype == dtype
        assert np.all(np.isfinite(actual))
        bound = value_bound if dtype == np.float64 else 1
        errors = ulp_distance(actual, expected, dtype)
        worst = int(np.argmax(errors))
        assert errors[worst] <= bound, f"{errors[worst]} ulps at z={z[worst]!r}"

    def test_derivative_within_bound(self, case_id, name, params, reference_name,
                                     value_bound, derivative_bound, dtype):
        z = input_grid(dtype)
        actual = bpkit.get_activation(name, **params).derivative(z)
        exact = reference_array("derivative", reference_name, z, params)
        assert actual.dtype == dtype
        assert np.all(np.isfinite(actual))
        bound = derivative_bound if dtype == np.float64 else 1
        if reference_name in CANCELLING:
            # error in ulps of the size of the cancelling terms
            terms = reference_array("derivative_terms", reference_name, z, params)
            spacing = np.spacing(np.array([float(t) for t in terms], dtype=dtype))
            errors = np.array(
                [abs(float(mp.mpf(float(a)) - e)) for a, e in zip(actual, exact)]
            ) / spacing
            if dtype == np.float32:
                # rounding to float32 alone costs up to half an ulp of the value
                bound = 1
        else:
            expected = np.array([float(e) for e in exact])
            errors = ulp_distance(actual, expected, dtype)
        worst = int(np.argmax(errors))
        assert errors[worst] <= bound, f"{errors[worst]} ulps at z={z[worst]!r}"


class TestKinkConventions:
    def test_relu_derivative_at_zero(self):
        assert bpkit.get_activation("relu").derivative(np.array([0.0]))[0] == 0.0

    def test_leaky_relu_derivative_at_zero(self):
        f = bpkit.get_activation("leaky_relu", alpha=0.1)
        assert f.derivative(np.array([0.0]))[0] == 0.1

    def test_leaky_relu_derivative_at_negative_zero(self):
        f = bpkit.get_activation("leaky_relu", alpha=0.1)
        assert f.derivative(np.array([-0.0]))[0] == 0.1

    def test_elu_derivative_at_zero(self):
        f = bpkit.get_activation("elu", alpha=0.5)
        assert f.derivative(np.array([0.0]))[0] == 0.5

    @pytest.mark.parametrize(
        "name, params, expected_kinks",
        [
            ("relu", {}, (0.0,)),
            ("leaky_relu", {"alpha": 0.1}, (0.0,)),
            ("elu", {"alpha": 0.5}, (0.0,)),
            ("elu", {"alpha": 1.0}, ()),
            ("sigmoid", {}, ()),
            ("gelu", {}, ()),
        ],
        ids=["relu", "leaky_relu", "elu-0.5", "elu-1", "sigmoid", "gelu"],
    )
    def test_kinks_declared(self, name, params, expected_kinks):
        assert tuple(bpkit.get_activation(name, **params).kinks) == expected_kinks


SMOOTH_CASES = [case for case in CASES if case[1] not in ("identity",)]


@pytest.mark.parametrize(
    "case_id, name, params, reference_name, value_bound, derivative_bound",
    SMOOTH_CASES,
    ids=[case[0] for case in SMOOTH_CASES],
)
def test_derivative_matches_central_difference(case_id, name, params, reference_name,
                                               value_bound, derivative_bound):
    # Second-order central difference (f(z + h) - f(z - h)) / 2h with
    # h = 1e-5 max(1, |z|): truncation error about h^2 |f'''| / 6 < 1e-10 and
    # rounding error about 1e-16 |f| / h < 1e-10 for these z, so rtol 1e-7.
    # Points within 1e-3 of a kink are left out because f' jumps there.
    f = bpkit.get_activation(name, **params)
    z = np.linspace(-6.0, 6.0, 241)
    z = z[np.abs(z) > 1e-3]
    h = 1e-5 * np.maximum(1.0, np.abs(z))
    numeric = (f.value(z + h) - f.value(z - h)) / (2 * h)
    np.testing.assert_allclose(f.derivative(z), numeric, rtol=1e-7, atol=1e-9)


ALL_BUILTINS = [
    ("identity", {}),
    ("relu", {}),
    ("leaky_relu", {"alpha": 0.2}),
    ("elu", {"alpha": 0.7}),
    ("gelu", {}),
    ("gelu", {"approximate": "tanh"}),
    ("softplus", {}),
    ("sigmoid", {}),
    ("tanh", {}),
    ("silu", {}),
]
BUILTIN_IDS = ["identity", "relu", "leaky_relu", "elu", "gelu", "gelu_tanh", "softplus",
               "sigmoid", "tanh", "silu"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, params", ALL_BUILTINS, ids=BUILTIN_IDS)
class TestCKernel:
    """The C kernels of ``_elementwise`` against the NumPy classes.

    Both evaluate the same formulas in double. They may differ by the last
    bit where NumPy's vectorised exp or log and the C library's round
    differently, so the bound is 2 ulps in float64 and 1 ulp in float32.
    """

    def test_value_equals_numpy(self, name, params, dtype):
        from bpkit import _elementwise

        f = bpkit.get_activation(name, **params)
        z = input_grid(dtype).reshape(-1, 1)
        out = np.empty_like(z)
        _elementwise.activation_values(f._kernel, z, out, params.get("alpha", 0.0))
        bound = 2 if dtype == np.float64 else 1
        assert ulp_distance(out, f.value(z), dtype).max() <= bound

    def test_derivative_equals_numpy(self, name, params, dtype):
        from bpkit import _elementwise

        f = bpkit.get_activation(name, **params)
        z = input_grid(dtype).reshape(-1, 1)
        delta = np.ones_like(z)
        _elementwise.activation_derivatives(
            f._kernel, z, f.value(z), delta, params.get("alpha", 0.0)
        )
        bound = 2 if dtype == np.float64 else 1
        assert ulp_distance(delta, f.derivative(z), dtype).max() <= bound


class TestParameters:
    @pytest.mark.parametrize(
        "name, params",
        [
            ("leaky_relu", {"alpha": -0.1}),
            ("leaky_relu", {"alpha": float("nan")}),
            ("elu", {"alpha": float("inf")}),
            ("elu", {"alpha": -1.0}),
        ],
        ids=["leaky_negative", "leaky_nan", "elu_inf", "elu_negative"],
    )
    def test_invalid_alpha_raises_value_error(self, name, params):
        with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
            bpkit.get_activation(name, **params)

    def test_alpha_of_wrong_type_raises_type_error(self):
        with pytest.raises(TypeError, match="alpha must be a real number"):
            bpkit.get_activation("leaky_relu", alpha="0.1")

    def test_unknown_gelu_approximation_raises(self):
        with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
            bpkit.get_activation("gelu", approximate="erf")

    def test_alpha_shown_in_repr(self):
        assert repr(bpkit.get_activation("leaky_relu", alpha=0.1)) == "LeakyReLU(alpha=0.1)"

    def test_alpha_stored_in_params(self):
        assert bpkit.get_activation("elu", alpha=0.5).params == {"alpha": 0.5}

    def test_gelu_approximation_selects_kernel(self):
        from bpkit import _elementwise

        assert bpkit.get_activation("gelu")._kernel == _elementwise.ACT_GELU
        tanh_form = bpkit.get_activation("gelu", approximate="tanh")
        assert tanh_form._kernel == _elementwise.ACT_GELU_TANH


def _latex_is_balanced(text):
    depth = 0
    for char in text.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0 and text.count(r"\left") == text.count(r"\right") and (
        text.count(r"\begin{") == text.count(r"\end{")
    )


@pytest.mark.parametrize(
    "name, params", ALL_BUILTINS + [("softmax", {})], ids=BUILTIN_IDS + ["softmax"]
)
def test_latex_is_well_formed(name, params):
    f = bpkit.get_activation(name, **params)
    assert f.latex and _latex_is_balanced(f.latex)
    assert f.latex_derivative and _latex_is_balanced(f.latex_derivative)


EXTREMES = {
    np.float64: [1.7e308, 1e300, 746.0, 5e-324, 0.0],
    np.float32: [3e38, 89.0, 1e-45, 0.0],
}


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "name, params", ALL_BUILTINS + [("softmax", {})], ids=BUILTIN_IDS + ["softmax"]
)
def test_finite_without_warnings_at_extremes(name, params, dtype):
    points = np.array(EXTREMES[dtype], dtype=dtype)
    z = np.concatenate([points, -points]).reshape(2, -1)
    f = bpkit.get_activation(name, **params)
    assert np.all(np.isfinite(f.value(z)))
    assert np.all(np.isfinite(f.derivative(z)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "name, params", ALL_BUILTINS + [("softmax", {})], ids=BUILTIN_IDS + ["softmax"]
)
def test_c_kernel_finite_at_extremes(name, params, dtype):
    from bpkit import _elementwise

    points = np.array(EXTREMES[dtype], dtype=dtype)
    z = np.concatenate([points, -points]).reshape(2, -1)
    f = bpkit.get_activation(name, **params)
    a = np.empty_like(z)
    _elementwise.activation_values(f._kernel, z, a, params.get("alpha", 0.0))
    delta = np.ones_like(z)
    _elementwise.activation_derivatives(f._kernel, z, a, delta, params.get("alpha", 0.0))
    assert np.all(np.isfinite(a))
    assert np.all(np.isfinite(delta))


@pytest.mark.parametrize(
    "name, params", ALL_BUILTINS + [("softmax", {})], ids=BUILTIN_IDS + ["softmax"]
)
def test_strided_read_only_input(name, params):
    f = bpkit.get_activation(name, **params)
    base = np.linspace(-5.0, 5.0, 48).reshape(6, 8)
    view = base[::2, ::2]
    view.flags.writeable = False
    contiguous = np.ascontiguousarray(view)
    np.testing.assert_array_equal(f.value(view), f.value(contiguous))
    np.testing.assert_array_equal(f.derivative(view), f.derivative(contiguous))
    assert np.array_equal(base, np.linspace(-5.0, 5.0, 48).reshape(6, 8))
