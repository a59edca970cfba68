"""The conformance kit passes every built-in and catches each kind of broken plugin."""

import numpy as np
import pytest

import bpkit
import bpkit.testing
from bpkit.testing import ConformanceError, latex_problems
from plugin_helpers import ArcLinear, HalfSquares


@pytest.mark.parametrize("name", bpkit.list_activations())
def test_registered_activation_passes(name):
    report = bpkit.testing.check_activation(name)
    assert report.passed
    assert len(report.results) == 8


@pytest.mark.parametrize("name", bpkit.list_losses())
def test_registered_loss_passes(name):
    report = bpkit.testing.check_loss(name)
    assert report.passed
    assert len(report.results) == 7


def test_accepts_instance_class_and_name():
    assert bpkit.testing.check_activation(ArcLinear).passed
    assert bpkit.testing.check_activation(ArcLinear()).passed
    assert bpkit.testing.check_loss(HalfSquares).passed
    with pytest.raises(TypeError, match="takes a bpkit.Activation instance"):
        bpkit.testing.check_activation(HalfSquares())


def failures_of(report, check_start):
    """Return the failure sentences of the one check whose name starts with check_start."""
    matching = [result for result in report.results if result.name.startswith(check_start)]
    assert len(matching) == 1
    return matching[0].failures


class WrongDerivative(ArcLinear):
    name = "wrong_derivative"

    def derivative(self, z):
        return super().derivative(z) + 0.01  # 0.01 too large everywhere


def test_wrong_derivative_reported_with_point_and_size():
    with pytest.raises(ConformanceError) as info:
        bpkit.testing.check_activation(WrongDerivative())
    failures = failures_of(info.value.report, "derivative matches")
    assert failures[0] == "331 of 331 points fail; worst first"
    assert "error 0.01, tolerance" in failures[1]
    assert "at z = " in failures[1]
    assert "FAIL  derivative matches central differences" in str(info.value)
    # every other check passes
    assert [result.passed for result in info.value.report.results].count(False) == 1


class KinkedAbs(ArcLinear):
    """f(z) = |z|, with the kink at 0 declared, and f'(0) = 0 by convention."""

    name = "kinked_abs"
    latex = "|z|"
    latex_derivative = r"\operatorname{sign}(z)"
    kinks = (0.0,)

    def value(self, z):
        return np.abs(z)

    def derivative(self, z):
        return np.sign(z)


def test_declared_kink_is_skipped():
    assert bpkit.testing.check_activation(KinkedAbs()).passed


def test_undeclared_kink_fails_tiny_check():
    class UndeclaredKink(KinkedAbs):
        kinks = ()

    # At z = 0 itself the central difference of |z| is 0, equal to sign(0), so
    # the jump shows in the comparison of f'(0) with f'(+-tiny).
    report = bpkit.testing.check_activation(UndeclaredKink(), raise_on_failure=False)
    failures = failures_of(report, "finite at huge")
    assert failures[0] == (
        "derivative() at z = 5e-324 returned 1, but 0 at z = 0; a tiny input must "
        "give the same result to rounding"
    )


class NaiveSigmoid(ArcLinear):
    name = "naive_sigmoid"
    latex = r"\frac{1}{1 + e^{-z}}"
    latex_derivative = r"\sigma(z)\,(1 - \sigma(z))"

    def value(self, z):
        return 1 / (1 + np.exp(-z))

    def derivative(self, z):
        # exp(-z) overflows to inf for z < -709.78 and inf / inf is nan
        e = np.exp(-z)
        return e / (1 + e) ** 2


def test_overflow_at_large_input_reported():
    report = bpkit.testing.check_activation(NaiveSigmoid(), raise_on_failure=False)
    failures = failures_of(report, "finite at huge")
    assert "derivative() returned nan at z = -1e+300 (float64)" in failures[0]
    derivative_failures = failures_of(report, "derivative matches")
    assert derivative_failures[0] == "1 of 331 points fail; worst first"
    assert derivative_failures[1].startswith("at z = -1000 derivative() returned nan")


def test_tiny_input_discontinuity_reported():
    class Sinc(ArcLinear):
        name = "sinc_like"

        def value(self, z):
            return np.where(z == 0, 1.0, z).astype(z.dtype)

    report = bpkit.testing.check_activation(Sinc(), raise_on_failure=False)
    failures = failures_of(report, "finite at huge")
    assert failures[0].startswith("value() at z = 5e-324 returned 4.94066e-324, but 1 at z = 0")


def test_dtype_and_shape_problems_reported():
    class Upcasting(ArcLinear):
        name = "upcasting"

        def value(self, z):
            return np.asarray(super().value(z), dtype=np.float64)

    class Flattening(ArcLinear):
        name = "flattening"

        def derivative(self, z):
            return super().derivative(z).ravel()

    class Writing(ArcLinear):
        name = "writing"

        def value(self, z):
            z *= 1  # in place: fails on read-only input, changes the others
            return super().value(z)

    upcast = bpkit.testing.check_activation(Upcasting(), raise_on_failure=False)
    assert "value() returned dtype float64 for float32 input" in failures_of(
        upcast, "shape and dtype"
    )[0]
    assert not failures_of(upcast, "float32 matches")[0].startswith("check stopped")
    flat = bpkit.testing.check_activation(Flattening(), raise_on_failure=False)
    assert "derivative() returned shape (1,) for input of shape (1, 1)" in failures_of(
        flat, "shape and dtype"
    )[0]
    writing = bpkit.testing.check_activation(Writing(), raise_on_failure=False)
    assert "value() raised ValueError" in failures_of(writing, "shape and dtype")[0]


def test_not_elementwise_detected():
    class RowNormalised(ArcLinear):
        name = "row_normalised"

        def value(self, z):
            return z - z.mean(axis=-1, keepdims=True)

    report = bpkit.testing.check_activation(RowNormalised(), raise_on_failure=False)
    assert "so it is not elementwise; set elementwise = False" in failures_of(
        report, "elementwise"
    )[0]


def test_softmax_like_checks_jacobian_diagonal():
    class Softmax(ArcLinear):
        name = "softmax_test"
        latex = r"\frac{e^{z_j}}{\sum_k e^{z_k}}"
        latex_derivative = r"s_j (1 - s_j)"
        elementwise = False

        def value(self, z):
            shifted = np.exp(z - z.max(axis=-1, keepdims=True))
            return shifted / shifted.sum(axis=-1, keepdims=True)

        def derivative(self, z):
            s = self.value(z)
            return s * (1 - s)

        def vjp(self, z, grad_output):
            s = self.value(z)
            return s * (grad_output - np.sum(grad_output * s, axis=-1, keepdims=True))

    report = bpkit.testing.check_activation(Softmax(), raise_on_failure=False)
    assert failures_of(report, "derivative matches") == []
    assert failures_of(report, "elementwise") == []
    assert failures_of(report, "vjp matches") == []


def test_wrong_vjp_reported():
    class DiagonalOnlySoftmax(ArcLinear):
        name = "diagonal_softmax"
        elementwise = False

        def value(self, z):
            shifted = np.exp(z - z.max(axis=-1, keepdims=True))
            return shifted / shifted.sum(axis=-1, keepdims=True)

        def derivative(self, z):
            s = self.value(z)
            return s * (1 - s)

        def vjp(self, z, grad_output):
            return grad_output * self.derivative(z)  # drops the off-diagonal terms

    report = bpkit.testing.check_activation(DiagonalOnlySoftmax(), raise_on_failure=False)
    failures = failures_of(report, "vjp matches")
    assert len(failures) == 12
    assert failures[0].startswith("vjp() entry (0, 0) at z = ")
    assert "but the central difference of sum(g * f(z)) is" in failures[0]


def test_missing_vjp_reported():
    class NoVjp(ArcLinear):
        name = "no_vjp"
        elementwise = False

    report = bpkit.testing.check_activation(NoVjp(), raise_on_failure=False)
    assert failures_of(report, "vjp matches") == [
        "elementwise is False but the class has no vjp(z, grad_output); the "
        "backward pass needs it"
    ]


def test_float32_path_that_loses_accuracy():
    class Float16Inside(ArcLinear):
        name = "float16_inside"

        def value(self, z):
            result = super().value(z)
            if z.dtype == np.float32:
                return result.astype(np.float16).astype(np.float32)
            return result

    report = bpkit.testing.check_activation(Float16Inside(), raise_on_failure=False)
    assert "in float32 but" in failures_of(report, "float32 matches")[0]


def test_bad_latex_and_metadata():
    class Sloppy(ArcLinear):
        name = "Sloppy Name"
        latex = r"\frac{z^3}{3 + z"
        latex_derivative = ""
        kinks = ("zero",)

    report = bpkit.testing.check_activation(Sloppy(), raise_on_failure=False)
    metadata = failures_of(report, "metadata")
    assert "name 'Sloppy Name' must be a lower-case Python identifier" in metadata[0]
    assert "kinks is ('zero',)" in metadata[1]
    assert failures_of(report, "LaTeX") == [
        "latex has an unmatched '{'",
        "latex_derivative is empty",
    ]


@pytest.mark.parametrize(
    ("tex", "problem"),
    [
        (r"\max(z, 0)", None),
        (r"\begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}", None),
        (r"\left\{ z \right.", None),
        (r"$z^2$", "contains '$'"),
        ("z\n\n+ 1", "contains a blank line"),
        (r"\frac{1}{2", "unmatched '{'"),
        (r"z}", "unmatched '}' at character 1"),
        (r"\left( z", r"\left without a matching \right"),
        (r"z \right)", r"\right without a matching \left"),
        (r"\begin{cases} z \end{array}", r"closes \begin{cases} with \end{array}"),
        (r"\begin{cases} z", r"\begin{cases} without \end{cases}"),
        (r"\frca{1}{2}", "frca"),
    ],
    ids=["max", "cases", "escaped-brace", "dollar", "blank-line", "open-brace",
         "close-brace", "left", "right", "environment-mismatch", "no-end", "typo"],
)
def test_latex_problems(tex, problem):
    problems = latex_problems(tex)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1
        assert problem in problems[0]


class WrongScale(HalfSquares):
    name = "wrong_scale"

    def gradient(self, y_true, y_pred):
        return 2 * (y_pred - y_true)  # the derivative of sum(r^2), not sum(r^2) / 2


def test_loss_wrong_gradient_reported():
    report = bpkit.testing.check_loss(WrongScale(), raise_on_failure=False)
    failures = failures_of(report, "gradient matches")
    assert failures[0] == "24 of 24 points fail"
    assert "gradient() returned" in failures[1]
    assert "y_true = " in failures[1]


def test_loss_wrong_reduction_reported():
    class ClaimsMean(HalfSquares):
        name = "claims_mean"
        reduction = "mean"

    report = bpkit.testing.check_loss(ClaimsMean(), raise_on_failure=False)
    assert "with reduction='mean' the loss of a duplicated batch" in failures_of(
        report, "reduction"
    )[0]


def test_loss_domain_respected():
    class BinaryCrossEntropy(bpkit.Loss):
        """Mean binary cross-entropy on probabilities."""

        name = "bce_test"
        latex = r"-\frac{1}{N} \sum_i y_i \log \hat{y}_i + (1 - y_i) \log(1 - \hat{y}_i)"
        latex_derivative = r"\frac{1}{N} \frac{\hat{y}_i - y_i}{\hat{y}_i (1 - \hat{y}_i)}"
        reduction = "mean"
        y_true_domain = (0.0, 1.0)
        y_pred_domain = (0.0, 1.0)

        def value(self, y_true, y_pred):
            p = np.asarray(y_pred, dtype=np.float64)
            t = np.asarray(y_true, dtype=np.float64)
            return float(-np.mean(t * np.log(p) + (1 - t) * np.log1p(-p)))

        def gradient(self, y_true, y_pred):
            return ((y_pred - y_true) / (y_pred * (1 - y_pred)) / y_pred.size).astype(
                y_pred.dtype
            )

    report = bpkit.testing.check_loss(BinaryCrossEntropy(), raise_on_failure=False)
    assert report.passed, report.to_text()


def test_loss_nan_at_extremes_reported():
    class LogSquares(HalfSquares):
        name = "log_squares"

        def value(self, y_true, y_pred):
            return float(np.sum(np.log1p((y_pred - y_true) ** 2)))

        def gradient(self, y_true, y_pred):
            # 2 r / (1 + r^2), written so that s * s overflows for |r| > 1e77
            # and inf / inf gives nan
            r = y_pred - y_true
            s = 1 + r * r
            return (2 * r * s * s / (s * s * s)).astype(y_pred.dtype)

    report = bpkit.testing.check_loss(LogSquares(), raise_on_failure=False)
    assert "gradient() returned nan at y_true = 0.0, y_pred = -1e+100" in failures_of(
        report, "finite at huge"
    )[0]


def test_report_text_and_error():
    report = bpkit.testing.check_activation("relu")
    text = report.to_text()
    assert text.splitlines()[0] == (
        "conformance of activation 'relu' (plugin 'bpkit.activations', package 'bpkit')"
    )
    assert text.splitlines()[-1] == "8 of 8 checks passed"
    assert repr(report) == "<ConformanceReport activation 'relu': passed>"


def test_nan_activation_not_called_non_elementwise():
    class NanActivation(bpkit.Activation):
        name = "nan_everywhere"
        latex = "z"
        latex_derivative = "1"

        def value(self, z):
            return np.full_like(z, np.nan)

        def derivative(self, z):
            return np.ones_like(z)

    report = bpkit.testing.check_activation(NanActivation(), raise_on_failure=False)
    text = str(report)
    assert not report.passed
    assert "NaN or infinity" in text
    assert "set elementwise = False" not in text
