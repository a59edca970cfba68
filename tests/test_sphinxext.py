"""The Sphinx directives build derivation pages from the registry at build time."""

import io

import numpy as np
import pytest
from sphinx import application as sphinx_application

import bpkit
from bpkit._examples import worked_example


class Cube(bpkit.Activation):
    """Cube, f(z) = z^3.

    Notes
    -----
    Grows fast; keep abs(z) small.
    """

    name = "cube_for_sphinx_test"
    latex = "z^3"
    latex_derivative = "3 z^2"
    latex_steps = (r"\frac{d}{dz} z^3 &= 3 z^2",)

    def value(self, z):
        return z**3

    def derivative(self, z):
        return 3 * z**2


class CubePlugin:
    @bpkit.hookimpl
    def bpkit_register_activations(self):
        return [Cube]


@pytest.fixture
def cube_plugin():
    plugin = CubePlugin()
    bpkit.register_plugin(plugin, name="sphinx-test-cube")
    yield plugin
    bpkit.unregister_plugin(plugin)


def build(tmp_path, body, warnings=None):
    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text(
        'extensions = ["sphinx.ext.mathjax", "bpkit.sphinxext"]\n'
    )
    (source / "index.rst").write_text("Test\n====\n\n" + body)
    out = tmp_path / "out"
    app = sphinx_application.Sphinx(
        str(source),
        str(source),
        str(out),
        str(tmp_path / "doctrees"),
        "html",
        status=None,
        warning=warnings,
        freshenv=True,
    )
    app.build()
    return (out / "index.html").read_text()


def test_plugin_activation_gets_a_section(tmp_path, cube_plugin):
    page = build(tmp_path, ".. bpkit-derivations:: activation\n")
    assert 'id="cube-for-sphinx-test"' in page
    assert r"\operatorname{cube\_for\_sphinx\_test}'(z) = 3 z^2" in page
    assert r"\frac{d}{dz} z^3 &amp;= 3 z^2" in page
    assert "Grows fast; keep abs(z) small." in page
    for name in bpkit.list_activations():
        assert f'id="{name.replace("_", "-")}"' in page, name


def test_relu_kink_convention_from_the_class(tmp_path):
    page = build(tmp_path, ".. bpkit-derivations:: activation\n")
    assert r"\(\operatorname{relu}'(0) = 0\)" in page
    assert "Differentiable everywhere" in page


def test_losses_section(tmp_path):
    page = build(tmp_path, ".. bpkit-derivations:: loss\n")
    for name in bpkit.list_losses():
        assert f'id="{name.replace("_", "-")}"' in page, name


def test_explain_all_has_every_parameter(tmp_path):
    page = build(tmp_path, ".. bpkit-explain-all::\n   :example: worked\n")
    network, _, _ = worked_example()
    for name in network.parameter_names():
        assert f"∂L/∂{name}</h2>" in page or f"∂L/∂{name}<a" in page, name
    assert r"\begin{align*}" in page
    assert "s1 &lt;= 0 on this row" in page


def test_explain_one_parameter(tmp_path):
    page = build(
        tmp_path, ".. bpkit-explain:: b3\n   :example: dosage\n   :learning-rate: 0.1\n"
    )
    assert r"\text{step size}" in page
    assert "1.56551" in page


def test_unknown_kind_is_an_error(tmp_path):
    warnings = io.StringIO()
    build(tmp_path, ".. bpkit-derivations:: optimizer\n", warnings)
    assert "invalid argument 'optimizer' of bpkit-derivations" in warnings.getvalue()


class AbsoluteSum(bpkit.Loss):
    """Sum of absolute residuals."""

    name = "absolute_sum_for_sphinx_test"
    latex = r"\sum_i \lvert \hat{y}_i - y_i \rvert"
    latex_derivative = r"\operatorname{sign}(\hat{y}_i - y_i)"
    kinks = (0.0,)

    def value(self, y_true, y_pred):
        return float(abs(y_pred - y_true).sum())

    def gradient(self, y_true, y_pred):
        return np.sign(y_pred - y_true)


class AbsolutePlugin:
    @bpkit.hookimpl
    def bpkit_register_losses(self):
        return [AbsoluteSum]


def test_plugin_loss_kink_convention(tmp_path):
    plugin = AbsolutePlugin()
    bpkit.register_plugin(plugin, name="sphinx-test-absolute")
    try:
        page = build(tmp_path, ".. bpkit-derivations:: loss\n")
    finally:
        bpkit.unregister_plugin(plugin)
    assert 'id="absolute-sum-for-sphinx-test"' in page
    assert r"\(\partial L / \partial \hat{y} = 0\)" in page
