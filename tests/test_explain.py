"""bpkit.explain: the chain rule per parameter equals the compiled backward pass."""

import math
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

import bpkit
from bpkit._examples import dosage_example, worked_example

RTOL = 1e-12


def assert_matches_backprop(network, X, y):
    gradients = network.gradients(X, y)
    for name in network.parameter_names():
        explanation = bpkit.explain(network, X, y, name)
        expected = gradients[name]
        assert explanation.value == pytest.approx(expected, rel=RTOL, abs=1e-300), name
        assert math.fsum(explanation.row_terms) == explanation.value, name


def _builtin(names, getter):
    return [name for name in names if getter(name).package == "bpkit"]


BUILTIN_ACTIVATIONS = _builtin(bpkit.list_activations(), bpkit.get_activation)
BUILTIN_LOSSES = _builtin(bpkit.list_losses(), bpkit.get_loss)

# Output activation and targets that make each loss well defined.
LOSS_OUTPUTS = {
    "binary_cross_entropy": "sigmoid",
    "cross_entropy": "softmax",
}


def _targets(loss, rng, n_rows, n_outputs):
    if loss == "cross_entropy":
        return np.eye(n_outputs)[rng.integers(0, n_outputs, n_rows)]
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, (n_rows, n_outputs)).astype(float)
    return rng.normal(size=(n_rows, n_outputs))


def random_network(activation, loss="ssr", seed=0, sizes=(3, 4, 3, 4, 2)):
    rng = np.random.default_rng(seed)
    if getattr(bpkit.get_activation(activation), "elementwise", True):
        hidden, output = activation, LOSS_OUTPUTS.get(loss, "identity")
    else:
        hidden, output = "tanh", activation
    network = bpkit.Network(
        sizes, activation=hidden, output_activation=output, loss=loss, seed=seed
    )
    for layer in range(len(sizes) - 1):
        network.set_biases(layer, rng.normal(0, 0.5, sizes[layer + 1]))
    X = rng.normal(size=(6, sizes[0]))
    y = _targets(loss, rng, 6, sizes[-1])
    return network, X, y


# ---------------------------------------------------------------------------
# Equal to backprop
# ---------------------------------------------------------------------------


def test_worked_example_every_parameter():
    assert_matches_backprop(*worked_example())


def test_dosage_every_parameter():
    assert_matches_backprop(*dosage_example())


@pytest.mark.parametrize("activation", BUILTIN_ACTIVATIONS)
def test_three_hidden_layers_each_activation(activation):
    network, X, y = random_network(activation)
    assert_matches_backprop(network, X, y)


@pytest.mark.parametrize("loss", BUILTIN_LOSSES)
def test_three_hidden_layers_each_loss(loss):
    network, X, y = random_network("tanh", loss=loss, seed=3)
    assert_matches_backprop(network, X, y)


@pytest.mark.parametrize("max_paths", [1, 8, 100], ids=["delta", "default", "paths"])
def test_forms_agree(max_paths):
    network, X, y = random_network("sigmoid", sizes=(2, 3, 2, 2), seed=5)
    gradients = network.gradients(X, y)
    for name in network.parameter_names():
        explanation = bpkit.explain(network, X, y, name, max_paths=max_paths)
        assert explanation.value == pytest.approx(gradients[name], rel=RTOL)


def test_float32_network():
    network, X, y = random_network("tanh", seed=2)
    network32 = bpkit.Network(network.layer_sizes, activation="tanh", dtype="float32")
    for name, value in network.parameters().items():
        network32.set_parameter(name, value)
    gradients = network32.gradients(X, y)
    for name in ("W1", "b4", "W30"):
        explanation = bpkit.explain(network32, X, y, name)
        assert explanation.value == pytest.approx(gradients[name], rel=1e-4, abs=1e-6)


# ---------------------------------------------------------------------------
# Factors, by hand, on the worked example
# ---------------------------------------------------------------------------
# W1 = 0.5, W2 = -1, W3 = 1, W4 = 0.5, W5 = 1.5, W6 = -0.75, b1 = 0.25,
# b2 = -0.25, b3 = 0.1; rows x = (1, 0.5), (0, 1), (1, 1), (0.5, 0) with
# expected 1, 0, 0.5, 1. By hand:
#   s1 = 0.25, -0.75, -0.25, 0.5        y1 = 0.25, 0, 0, 0.5
#   s2 = 1, 0.25, 1.25, 0.25            y2 = s2
#   predicted = -0.275, -0.0875, -0.8375, 0.6625
#   2 (predicted - expected) = -2.55, -0.175, -2.675, -0.675
LOSS_FACTOR = [-2.55, -0.175, -2.675, -0.675]


def test_worked_w1_factors_by_hand():
    network, X, y = worked_example()
    explanation = bpkit.explain(network, X, y, "W1")
    assert explanation.form == "paths"
    (path,) = explanation.paths
    symbols = [factor.symbol.text for factor in path.factors]
    assert symbols == ["2(ŷ_i − y_i)", "W5", "relu'(s1_i)", "x1_i"]
    values = np.array([factor.values for factor in path.factors]).T
    expected = np.array(
        [
            [-2.55, 1.5, 1.0, 1.0],
            [-0.175, 1.5, 0.0, 0.0],
            [-2.675, 1.5, 0.0, 1.0],
            [-0.675, 1.5, 1.0, 0.5],
        ]
    )
    np.testing.assert_allclose(values, expected, rtol=1e-14)
    np.testing.assert_allclose(
        explanation.row_terms, [-3.825, 0, 0, -0.50625], rtol=1e-14
    )
    assert explanation.value == pytest.approx(-4.33125, rel=1e-14)


def test_worked_w5_factors_by_hand():
    network, X, y = worked_example()
    explanation = bpkit.explain(network, X, y, "W5")
    (path,) = explanation.paths
    assert [factor.symbol.text for factor in path.factors] == ["2(ŷ_i − y_i)", "y1_i"]
    np.testing.assert_allclose(path.factors[0].values, LOSS_FACTOR, rtol=1e-14)
    np.testing.assert_allclose(path.factors[1].values, [0.25, 0, 0, 0.5], rtol=1e-14)
    assert explanation.value == pytest.approx(-0.975, rel=1e-14)


def test_worked_partial_chain():
    network, X, y = worked_example()
    chain = bpkit.explain(network, X, y, "W1").partial_chain
    assert [symbol.text for symbol in chain] == [
        "∂L/∂ŷ_i",
        "∂ŷ_i/∂y1_i",
        "∂y1_i/∂s1_i",
        "∂s1_i/∂W1",
    ]


def test_zero_relu_factor_says_why():
    network, X, y = worked_example()
    notes = dict(bpkit.explain(network, X, y, "W1").zero_notes())
    assert set(notes) == {1, 2}
    assert "s1 <= 0 on this row (s1 = -0.25)" in notes[2]
    assert "so this row contributes nothing" in notes[2]
    assert "x1_i = 0 on this row" in notes[1]


def test_zero_factor_in_text():
    network, X, y = worked_example()
    text = bpkit.explain(network, X, y, "W1").to_text()
    assert "row 3: relu'(s1_i) = 0 because s1 <= 0 on this row" in text


def test_zero_notes_of_hidden_rows_counted():
    network, X, y = worked_example()
    text = bpkit.explain(network, X, y, "W1").to_text(max_rows=2)
    assert "row 2: relu'(s1_i) = 0" in text
    assert "row 3:" not in text
    assert "... zero factors on 1 more row, not shown" in text
    assert "... 2 more rows, included in the sum" in text


def test_gradient_descent_step():
    network, X, y = worked_example()
    explanation = bpkit.explain(network, X, y, "W5", learning_rate=0.1)
    step = explanation.step
    assert step.old == 1.5
    assert step.slope == explanation.value
    assert step.step_size == pytest.approx(-0.0975, rel=1e-14)
    assert step.new == pytest.approx(1.5975, rel=1e-14)
    network.fit(X, y, learning_rate=0.1, epochs=1, trainable=["W5"])
    assert network.parameter("W5") == pytest.approx(step.new, rel=1e-14)


# ---------------------------------------------------------------------------
# Dosage lesson
# ---------------------------------------------------------------------------


def _softplus(s):
    return max(s, 0.0) + math.log1p(math.exp(-abs(s)))


def test_dosage_b3_slope_by_hand():
    network, X, y = dosage_example()
    slope = 0.0
    for dosage, expected in zip((0.0, 0.5, 1.0), (0.0, 1.0, 0.0)):
        predicted = -1.22 * _softplus(3.34 * dosage - 1.43) - 2.30 * _softplus(
            -3.53 * dosage + 0.57
        )
        slope += -2 * (expected - predicted)
    explanation = bpkit.explain(network, X, y, "b3")
    assert explanation.value == pytest.approx(slope, rel=1e-13)
    # the slope that the lesson quotes to one decimal
    assert explanation.value == pytest.approx(-15.7, abs=0.15)


def test_dosage_b3_converges_to_lesson_value():
    network, X, y = dosage_example()
    network.fit(X, y, learning_rate=0.1, epochs=200, trainable=["b3"])
    # SSR is a parabola in b3 with its minimum at the mean residual, 2.61
    assert network.parameter("b3") == pytest.approx(2.61, abs=0.02)


# ---------------------------------------------------------------------------
# Forms and symbols
# ---------------------------------------------------------------------------


def test_several_outputs_sum_over_paths():
    network, X, y = random_network("tanh", sizes=(2, 3, 2), seed=4)
    explanation = bpkit.explain(network, X, y, "W1")
    assert explanation.form == "paths"
    assert len(explanation.paths) == 2
    np.testing.assert_allclose(
        explanation.row_terms,
        explanation.paths[0].products + explanation.paths[1].products,
    )
    assert "sum over the 2 paths" in explanation.form_reason


def test_many_paths_use_delta_form():
    network, X, y = random_network("relu", seed=1)
    explanation = bpkit.explain(network, X, y, "W1")
    assert explanation.form == "delta"
    assert "24 paths" in explanation.form_reason
    assert [layer.layer for layer in explanation.deltas] == [3, 2, 1, 0]
    assert "Delta values per row" in explanation.to_text()


def test_plugin_activation_uses_its_own_latex():
    class Cube(bpkit.Activation):
        name = "cube_for_explain_test"
        latex = "z^3"
        latex_derivative = r"3 z^{2}"

        def value(self, z):
            return z**3

        def derivative(self, z):
            return 3 * z**2

    class Plugin:
        @bpkit.hookimpl
        def bpkit_register_activations(self):
            return [Cube]

    plugin = Plugin()
    bpkit.register_plugin(plugin, name="explain-test-cube")
    try:
        network = bpkit.Network((1, 2, 1), activation="cube_for_explain_test", seed=0)
        X, y = np.array([[0.5], [-1.0]]), np.array([1.0, 0.0])
        explanation = bpkit.explain(network, X, y, "W1")
        assert explanation.value == pytest.approx(
            network.gradients(X, y)["W1"], rel=RTOL
        )
        assert r"3 z^{2}" in explanation.to_latex()
        assert "cube_for_explain_test'(z) = 3 z²" in explanation.to_text()
    finally:
        bpkit.unregister_plugin(plugin)


def test_latex_to_text_formulas():
    from bpkit._latex_text import latex_to_text

    assert latex_to_text(r"\frac{1}{1 + e^{-z}}") == "1/(1 + e^(-z))"
    assert latex_to_text(r"\sum_i \left(\hat{y}_i - y_i\right)^2") == "Σ_i (ŷ_i − y_i)²"
    assert (
        latex_to_text(r"\begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}")
        == "{1 if z > 0; 0 if z ≤ 0}"
    )


# ---------------------------------------------------------------------------
# Renderings
# ---------------------------------------------------------------------------


def _explanations():
    network, X, y = worked_example()
    yield "worked-W1", bpkit.explain(network, X, y, "W1", learning_rate=0.1)
    network, X, y = dosage_example()
    yield "dosage-b3", bpkit.explain(network, X, y, "b3", learning_rate=0.1)
    network, X, y = random_network("sigmoid", sizes=(2, 3, 3), seed=7)
    yield "paths-W1", bpkit.explain(network, X, y, "W1")
    network, X, y = random_network("relu", seed=8)
    yield "delta-W2", bpkit.explain(network, X, y, "W2", learning_rate=0.5)
    network, X, y = random_network("tanh", sizes=(2, 4, 2, 4), seed=9)
    yield "eight-paths-W1", bpkit.explain(network, X, y, "W1")


EXPLANATIONS = dict(_explanations())


@pytest.mark.parametrize("case", sorted(EXPLANATIONS))
def test_text_fits_88_columns(case):
    text = EXPLANATIONS[case].to_text()
    widths = [len(line) for line in text.splitlines()]
    assert max(widths) <= 88


@pytest.mark.parametrize("case", sorted(EXPLANATIONS))
def test_markdown_has_math_and_table(case):
    explanation = EXPLANATIONS[case]
    markdown = explanation.to_markdown()
    assert "$$\n\\begin{aligned}" in markdown
    assert "|---:|" in markdown
    assert explanation._repr_markdown_() == markdown


@pytest.mark.parametrize("case", sorted(EXPLANATIONS))
def test_latex_align_balanced(case):
    latex = EXPLANATIONS[case].to_latex()
    assert latex.startswith("\\begin{align*}")
    assert latex.endswith("\\end{align*}")
    assert latex.count("{") == latex.count("}")
    assert latex.count(r"\left") == latex.count(r"\right")
    assert latex.count(r"\begin{") == latex.count(r"\end{")
    assert EXPLANATIONS[case]._repr_latex_() == latex


def test_latex_compiles(tmp_path):
    if shutil.which("pdflatex") is None:
        if os.environ.get("BPKIT_REQUIRE_TOOLS"):
            pytest.fail("pdflatex is missing; install texlive-latex-base")
        pytest.skip("pdflatex is not installed (texlive-latex-base)")
    body = "\n\n".join(e.to_latex() for e in EXPLANATIONS.values())
    source = tmp_path / "explanations.tex"
    source.write_text(
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage[utf8]{inputenc}\n"
        "\\begin{document}\n" + body + "\n\\end{document}\n"
    )
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "explanations.pdf").exists()


def test_text_shows_rows_and_sum():
    text = EXPLANATIONS["worked-W1"].to_text()
    assert re.search(r"^\s+3\s+-2\.675\s+1\.5\s+0\s+1\s+0$", text, re.M)
    assert "Sum over the 4 rows: ∂L/∂W1 = -4.33125" in text
    assert "new W1 = old W1 − step size = 0.5 − (-0.433125) = 0.933125" in text


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


def test_unknown_name_rejected():
    network, X, y = worked_example()
    with pytest.raises(ValueError, match="unknown parameter name 'W7'.*W1..W6"):
        bpkit.explain(network, X, y, "W7")


def test_bad_learning_rate_rejected():
    network, X, y = worked_example()
    with pytest.raises(ValueError, match="learning_rate must be a positive"):
        bpkit.explain(network, X, y, "W1", learning_rate=-1.0)


def test_bad_data_rejected():
    network, X, y = worked_example()
    with pytest.raises(ValueError, match="y has 3 rows but X has 4"):
        bpkit.explain(network, X, y[:3], "W1")


def test_zero_loss_factor_says_why():
    network, X, y = worked_example()
    predictions = network.predict(X)
    y = y.copy()
    y[0] = predictions[0]
    notes = dict(bpkit.explain(network, X, y, "b3").zero_notes())
    assert list(notes) == [0]
    assert "2(ŷ_i − y_i) = 0 because the loss does not change" in notes[0]
    assert "this row contributes nothing" in notes[0]


def test_zero_weight_factor_says_why():
    network, X, y = worked_example()
    network.set_parameter("W5", 0.0)
    notes = dict(bpkit.explain(network, X, y, "W1").zero_notes())
    assert notes[0].startswith("W5 = 0, so this row contributes nothing")


@pytest.mark.parametrize(
    "activation, loss",
    [("sigmoid", "binary_cross_entropy"), ("softmax", "cross_entropy")],
    ids=["sigmoid-bce", "softmax-ce"],
)
def test_logits_pair_saturated(activation, loss):
    sizes = (2, 3, 3)
    network, X, y = random_network("tanh", loss=loss, sizes=sizes, seed=11)
    if activation == "softmax":
        assert network.activations[-1].name == "softmax"
    # outputs of 1 and 0 to the last bit: the probabilities path would divide by 0
    network.set_biases(1, np.array([400.0, -400.0, 0.0]))
    gradients = network.gradients(X, y)
    for name in network.parameter_names():
        explanation = bpkit.explain(network, X, y, name)
        assert explanation.value == pytest.approx(gradients[name], rel=RTOL, abs=1e-300)
    explanation = bpkit.explain(network, X, y, "b4")
    assert "computed from the sums s (the logits)" in " ".join(explanation.omitted)
