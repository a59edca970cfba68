"""Sphinx directives that write derivations from the registry at build time.

Add ``"bpkit.sphinxext"`` to ``extensions`` in ``conf.py``. Directives:

``.. bpkit-derivations:: activation`` (or ``loss``)
    One section per registered activation or loss, from the plugins that
    are installed when the docs build: value, derivative, derivation steps,
    the convention at kinks and the numerical notes of the class docstring.

``.. bpkit-explain:: W1``
    The chain rule for one parameter of a built-in example, computed by
    :func:`bpkit.explain`. Options: ``:example:`` (``worked`` or ``dosage``),
    ``:learning-rate:``.

``.. bpkit-explain-all::``
    One section per parameter of an example (option ``:example:``).

The text is built as reStructuredText and parsed in place, so the math goes
through the same MathJax setup as the rest of the docs.
"""

import numpy as np
from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList
from sphinx.util.nodes import nested_parse_with_titles

import bpkit
from bpkit._chain import latex_function
from bpkit._examples import EXAMPLES
from bpkit._registry import REGISTRY


def _math_block(latex, nowrap=False):
    lines = ["", ".. math::"]
    if nowrap:
        lines.append("   :nowrap:")
    lines.append("")
    lines += ["   " + line for line in latex.splitlines()]
    lines.append("")
    return lines


def _notes(cls):
    """Return the Notes section of a numpydoc class docstring as lines, or []."""
    if not cls.__doc__:
        return []
    from numpydoc.docscrape import NumpyDocString

    # A docstring note such as |z| is plain text, not a reST substitution.
    return [line.replace("|", "\\|") for line in NumpyDocString(cls.__doc__)["Notes"]]


def _summary(cls):
    if not cls.__doc__:
        return []
    from numpydoc.docscrape import NumpyDocString

    return [line.replace("|", "\\|") for line in NumpyDocString(cls.__doc__)["Summary"]]


def _title(text, underline):
    return [text, underline * len(text), ""]


def activation_lines(name, underline="-"):
    """Return the reST lines of one registered activation."""
    entry = REGISTRY.entry("activation", name)
    cls = entry.cls
    instance = bpkit.get_activation(name)
    function = latex_function(name)
    lines = _title(name, underline)
    lines += _summary(cls) + [""]
    lines += [
        f"Registered by plugin ``{entry.plugin}`` of package ``{entry.package}``.",
        "",
    ]
    # formulas and kinks may depend on the parameters, so read them from an instance
    lines += ["**Value**"] + _math_block(f"{function}(z) = {instance.latex}")
    lines += ["**Derivative**"] + _math_block(
        f"{function}'(z) = {instance.latex_derivative}"
    )
    steps = getattr(instance, "latex_steps", ())
    lines += ["**Derivation**", ""]
    if steps:
        body = " \\\\\n".join(steps)
        lines += _math_block("\\begin{aligned}\n" + body + "\n\\end{aligned}")
    else:
        lines += [
            "The plugin gives no derivation steps (attribute ``latex_steps``).",
            "",
        ]
    lines += ["**Convention at kinks**", ""]
    kinks = tuple(getattr(instance, "kinks", ()))
    if kinks and getattr(instance, "elementwise", True):
        values = instance.derivative(np.array([kinks], dtype=np.float64))[0]
        for kink, value in zip(kinks, values):
            lines.append(
                f"- :math:`{function}` has no derivative at :math:`z = {kink:g}`; "
                f"bpkit uses :math:`{function}'({kink:g}) = {value:g}`."
            )
        lines.append("")
    else:
        lines += ["Differentiable everywhere: no convention needed.", ""]
    if not getattr(instance, "elementwise", True):
        lines += [
            "Not elementwise: the derivative is a Jacobian, applied as a "
            "vector-Jacobian product, and explanations use the delta "
            "recursion.",
            "",
        ]
    lines += ["**Numerical notes**", ""]
    notes = _notes(cls)
    lines += (notes or ["None given."]) + [""]
    lines += [
        f'Use it as ``bpkit.get_activation("{name}")``; see '
        ":func:`bpkit.get_activation` and :class:`bpkit.Activation`.",
        "",
    ]
    return lines


def loss_lines(name, underline="-"):
    """Return the reST lines of one registered loss."""
    entry = REGISTRY.entry("loss", name)
    cls = entry.cls
    instance = bpkit.get_loss(name)
    lines = _title(name, underline)
    lines += _summary(cls) + [""]
    lines += [
        f"Registered by plugin ``{entry.plugin}`` of package "
        f"``{entry.package}``. Reduction over the elements: "
        f"``{getattr(cls, 'reduction', 'sum')}``.",
        "",
    ]
    lines += ["**Value**"] + _math_block(f"L = {instance.latex}")
    lines += ["**Derivative**"] + _math_block(
        f"\\frac{{\\partial L}}{{\\partial \\hat{{y}}_i}} = {instance.latex_derivative}"
    )
    steps = getattr(instance, "latex_steps", ())
    lines += ["**Derivation**", ""]
    if steps:
        lines += _math_block(
            "\\begin{aligned}\n" + " \\\\\n".join(steps) + "\n\\end{aligned}"
        )
    else:
        lines += [
            "The plugin gives no derivation steps (attribute ``latex_steps``).",
            "",
        ]
    kinks = tuple(getattr(instance, "kinks", ()))
    if kinks:
        # kinks of a loss are residuals r = y_pred - y_true
        lines += ["**Convention at kinks**", ""]
        for kink in kinks:
            gradient = instance.gradient(np.zeros((1, 1)), np.full((1, 1), kink))
            lines.append(
                f"- At the residual :math:`r = {kink:g}` bpkit uses "
                f":math:`\\partial L / \\partial \\hat{{y}} = "
                f"{float(gradient[0, 0]):g}` (one element, N = 1)."
            )
        lines.append("")
    lines += ["**Numerical notes**", ""]
    lines += (_notes(cls) or ["None given."]) + [""]
    lines += [
        f'Use it as ``bpkit.get_loss("{name}")``; see '
        ":func:`bpkit.get_loss` and :class:`bpkit.Loss`.",
        "",
    ]
    return lines


def explanation_lines(example, name, learning_rate=None):
    """Return the reST lines explaining one parameter of a built-in example."""
    network, X, y = EXAMPLES[example]()
    explanation = bpkit.explain(network, X, y, name, learning_rate=learning_rate)
    lines = [
        f"{name} = {explanation.parameter_value:g}; {explanation.form_reason}.",
        "",
    ]
    lines += _math_block(explanation.to_latex(), nowrap=True)
    for row, sentence in explanation.zero_notes():
        lines.append(f"- Row {row + 1}: {sentence}")
    lines.append("")
    return lines


class _GeneratedDirective(Directive):
    def parse(self, lines):
        container = nodes.section() if self._has_titles else nodes.container()
        nested_parse_with_titles(
            self.state, StringList(lines, source="bpkit.sphinxext"), container
        )
        return container.children

    _has_titles = True


class DerivationsDirective(_GeneratedDirective):
    """One section per registered activation or loss."""

    required_arguments = 1
    option_spec = {"underline": directives.unchanged}

    def run(self):
        kind = self.arguments[0]
        underline = self.options.get("underline", "-")
        if kind == "activation":
            build = activation_lines
        elif kind == "loss":
            build = loss_lines
        else:
            raise self.error(
                f"invalid argument {kind!r} of bpkit-derivations; use 'activation' "
                "or 'loss'"
            )
        lines = []
        for name in REGISTRY.names(kind):
            lines += build(name, underline)
        return self.parse(lines)


class ExplainDirective(_GeneratedDirective):
    """The chain rule for one parameter of a built-in example."""

    required_arguments = 1
    option_spec = {
        "example": lambda value: directives.choice(value, tuple(EXAMPLES)),
        "learning-rate": float,
    }
    _has_titles = False

    def run(self):
        example = self.options.get("example", "worked")
        return self.parse(
            explanation_lines(
                example, self.arguments[0], self.options.get("learning-rate")
            )
        )


class ExplainAllDirective(_GeneratedDirective):
    """One section per parameter of a built-in example."""

    option_spec = {
        "example": lambda value: directives.choice(value, tuple(EXAMPLES)),
        "underline": directives.unchanged,
    }

    def run(self):
        example = self.options.get("example", "worked")
        underline = self.options.get("underline", "-")
        network, _, _ = EXAMPLES[example]()
        lines = []
        for name in network.parameter_names():
            lines += _title(f"∂L/∂{name}", underline)
            lines += explanation_lines(example, name)
        return self.parse(lines)


def setup(app):
    app.add_directive("bpkit-derivations", DerivationsDirective)
    app.add_directive("bpkit-explain", ExplainDirective)
    app.add_directive("bpkit-explain-all", ExplainAllDirective)
    return {"version": bpkit.__version__, "parallel_read_safe": True}
