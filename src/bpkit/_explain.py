"""The chain rule for one parameter, factor by factor, with the numbers of the data.

Notation, shared with the derivation pages and the renderings. Nodes that are
not inputs are numbered 1, 2, ... layer by layer, the same numbers as the
biases, so node k computes the sum ``s_k`` (weights times inputs plus
``b_k``) and passes it through its layer's activation f. A hidden node's
output is ``y_k``. The network's outputs are the predictions ``ŷ`` (``ŷ_m``
when there are several). Inputs are ``x_1, x_2, ...``, and ``i`` numbers
the data rows.

For a parameter p of node k the chain rule gives, on row i,

    dL/dp = dL/ds_k * ds_k/dp,   ds_k/dW = (the input that W multiplies),
                                 ds_k/db = 1,

and dL/ds_k is the sum, over every path from node k to an output, of the
product of the factors met on the way: the loss derivative dL/dŷ, then for
each node f'(s) and for each edge its weight. Where the paths are too many to
list, or the output activation is not elementwise (softmax), the same sum is
shown as the delta recursion ``delta_k = f'(s_k) * sum_n W_nk delta_n``.
"""

import math
import re
from dataclasses import dataclass, field

import numpy as np

from bpkit import reference
from bpkit._layout import check_parameter_name
from bpkit._validation import check_count, check_positive_finite

#: Default for ``max_paths``: above it the delta recursion replaces the list.
MAX_PATHS = 8


@dataclass(frozen=True)
class Symbol:
    """One quantity in two spellings: LaTeX and plain Unicode text."""

    latex: str
    text: str


@dataclass
class Factor:
    """One factor of a path, with its value on every data row.

    Attributes
    ----------
    kind : {"loss", "activation", "weight", "input", "delta"}
    symbol : Symbol
        The factor as it appears in the product, e.g. ``relu'(s1_i)``.
    partial : Symbol
        The partial derivative it stands for, e.g. ``∂y1_i/∂s1_i``.
    values : ndarray of shape (n_rows,)
    argument : ndarray of shape (n_rows,) or None
        For an activation factor, the sum ``s`` it was evaluated at.
    argument_symbol : Symbol or None
    activation : Activation or None
    """

    kind: str
    symbol: Symbol
    partial: Symbol
    values: np.ndarray
    argument: np.ndarray = None
    argument_symbol: Symbol = None
    activation: object = None

    def zero_reason(self, row):
        """Return a sentence saying why this factor is 0 on ``row``, or None."""
        if self.values[row] != 0:
            return None
        if self.kind == "activation":
            argument = f"{self.argument_symbol.text} = {self.argument[row]:.6g}"
            condition = getattr(self.activation, "zero_derivative_condition", None)
            if condition:
                condition = _substitute_z(condition, self.argument_symbol.text)
                return (
                    f"{self.symbol.text} = 0 because {condition} on this row "
                    f"({argument})"
                )
            return f"{self.symbol.text} = 0 at {argument} on this row"
        if self.kind == "loss":
            return (f"{self.symbol.text} = 0 because the loss does not change with "
                    "the prediction on this row")
        if self.kind == "weight":
            return f"{self.symbol.text} = 0"
        return f"{self.symbol.text} = 0 on this row"


@dataclass
class Path:
    """One route from the parameter's node to an output, and its factors."""

    factors: list

    @property
    def products(self):
        """Product of the factors on each row, shape (n_rows,)."""
        result = np.ones_like(self.factors[0].values)
        for factor in self.factors:
            result = result * factor.values
        return result


@dataclass
class DeltaLayer:
    """The delta values of one layer, used by the delta-recursion form.

    ``symbols[n]`` names delta of the n-th node; ``values`` has shape
    (n_rows, n_nodes).
    """

    layer: int
    symbols: list
    node_numbers: list
    values: np.ndarray


@dataclass
class Step:
    """One gradient-descent step on the explained parameter.

    ``step_size = learning_rate * slope`` and ``new = old - step_size``.
    """

    old: float
    learning_rate: float
    slope: float
    step_size: float
    new: float


@dataclass
class Explanation:
    """Explanation of dLoss/d``name``: its factors per data row, and their sum.

    Build it with :func:`bpkit.explain`. ``form`` is ``"paths"`` when
    :attr:`paths` lists every route to the outputs, or ``"delta"`` when the
    sum over paths is shown as the delta recursion in :attr:`deltas`.

    Attributes
    ----------
    name : str
    value : float
        The gradient, the sum of :attr:`row_terms`; equal to
        ``network.gradients(X, y)[name]``.
    row_terms : ndarray of shape (n_rows,)
        Each data row's contribution.
    parameter_value : float
    form : {"paths", "delta"}
    form_reason : str
        Why this form was chosen, in words.
    paths : list of Path
    deltas : list of DeltaLayer
        From the output layer down to the parameter's layer.
    local : Factor or None
        ``ds_k/dp`` in the delta form: the input W multiplies; None for a bias.
    node_factor : Factor or None
        ``f'(s_k)`` of the parameter's node in the delta form, where a zero
        explains a zero delta.
    definitions : list of (Symbol, Symbol)
        Formulas of the loss and of the activations that appear, from the
        plugins' ``latex`` and ``latex_derivative``.
    omitted : list of str
        Factors left out because they are 1 on every row (identity').
    step : Step or None
    """

    name: str
    value: float
    row_terms: np.ndarray
    parameter_value: float
    form: str
    form_reason: str
    gradient_symbol: Symbol
    partial_chain: list = field(default_factory=list)
    paths: list = field(default_factory=list)
    deltas: list = field(default_factory=list)
    local: Factor = None
    node_factor: Factor = None
    definitions: list = field(default_factory=list)
    omitted: list = field(default_factory=list)
    step: Step = None

    @property
    def n_rows(self):
        return len(self.row_terms)

    def zero_notes(self):
        """Return ``(row, sentence)`` for every factor that is 0 on a row."""
        notes = []
        factors = [f for path in self.paths for f in path.factors]
        factors += [f for f in (self.node_factor, self.local) if f is not None]
        for row in range(self.n_rows):
            reasons = []
            for factor in factors:
                reason = factor.zero_reason(row)
                if reason and reason not in reasons:
                    reasons.append(reason)
            if not reasons:
                continue
            if self.row_terms[row] == 0:
                ending = "so this row contributes nothing"
            else:
                ending = "so the paths with this factor contribute nothing on this row"
            notes.append((row, "; ".join(reasons) + ", " + ending + "."))
        return notes

    def to_text(self, max_rows=20):
        """Return the explanation as Unicode text at most 88 columns wide."""
        from bpkit._render import render_text

        return render_text(self, max_rows=max_rows)

    def to_markdown(self, max_rows=20):
        """Return the explanation as Markdown with ``$$`` LaTeX math."""
        from bpkit._render import render_markdown

        return render_markdown(self, max_rows=max_rows)

    def to_latex(self, max_rows=20):
        """Return the explanation as one LaTeX ``align*`` environment (needs amsmath)."""
        from bpkit._render import render_latex

        return render_latex(self, max_rows=max_rows)

    def _repr_markdown_(self):
        return self.to_markdown()

    def _repr_latex_(self):
        return self.to_latex()

    def __str__(self):
        return self.to_text()

    def __repr__(self):
        return f"<Explanation of dL/d{self.name} = {self.value:.6g}, {self.form} form>"


def explain(network, X, y, name, *, learning_rate=None, max_paths=MAX_PATHS):
    """Explain, factor by factor, the gradient of the loss for one parameter.

    Parameters
    ----------
    network : Network
    X : array-like of shape (n_samples, n_inputs)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    name : str
        A parameter name such as ``"W1"`` or ``"b3"``.
    learning_rate : float, optional
        If given, the explanation also shows one gradient-descent step.
    max_paths : int, default 8
        List the paths one by one up to this many; above it, show the delta
        recursion instead.

    Returns
    -------
    Explanation
        Its ``value`` equals ``network.gradients(X, y)[name]``.

    Notes
    -----
    The factors are evaluated in float64 with the activations' and the loss's
    own ``value``, ``derivative`` and ``gradient`` methods, on the network's
    current parameters.

    Examples
    --------
    >>> import bpkit
    >>> net = bpkit.Network((1, 1), loss="ssr")
    >>> net.set_parameter("W1", 2.0)
    >>> explanation = bpkit.explain(net, [[1.0], [3.0]], [1.0, 5.0], "W1")
    >>> explanation.value
    8.0
    >>> [float(t) for t in explanation.row_terms]
    [2.0, 6.0]
    """
    # validate
    check_parameter_name(name, network._layout)
    if learning_rate is not None:
        learning_rate = check_positive_finite(learning_rate, "learning_rate")
    max_paths = check_count(max_paths, "max_paths")
    X, Y = network._check_data(X, y)
    X = X.astype(np.float64)
    Y = Y.astype(np.float64)

    # forward, in float64
    layout = network._layout
    n_layers = layout.n_layers
    weights = [network.weights(layer).astype(np.float64) for layer in range(n_layers)]
    biases = [network.biases(layer).astype(np.float64) for layer in range(n_layers)]
    zs, outputs = reference.forward(weights, biases, network.activations, X)
    context = _Context(network, X, Y, weights, zs, outputs)

    # choose the form
    layer, kind, node, source = layout.locate(name)
    n_paths = int(np.prod(layout.layer_sizes[layer + 2:], dtype=np.int64))
    coupled = [
        activation for activation in network.activations[layer:]
        if not getattr(activation, "elementwise", True)
    ]
    if coupled:
        form = "delta"
        reason = (
            f"the activation {coupled[-1].name} is not elementwise, so each of its "
            "outputs depends on every sum of its layer; the delta recursion is shown"
        )
    elif n_paths > max_paths:
        form = "delta"
        reason = (
            f"{n_paths} paths lead from this parameter to the outputs, more than "
            f"max_paths={max_paths}; the delta recursion sums them layer by layer"
        )
    else:
        form = "paths"
        reason = (
            "one path leads from this parameter to the output"
            if n_paths == 1
            else f"the gradient is the sum over the {n_paths} paths to the outputs"
        )

    # backward, in the chosen form
    local = context.local_factor(layer, kind, node, source)
    if form == "paths":
        paths = [
            Path(context.path_factors(route) + ([local] if local else []))
            for route in context.routes(layer, node)
        ]
        row_terms = sum(path.products for path in paths)
        deltas = []
    else:
        paths = []
        deltas = context.delta_layers(layer)
        row_terms = deltas[-1].values[:, node].copy()
        if local is not None:
            row_terms = row_terms * local.values

    value = math.fsum(row_terms)
    parameter_value = network.parameter(name)
    step = None
    if learning_rate is not None:
        step_size = learning_rate * value
        step = Step(parameter_value, learning_rate, value, step_size,
                    parameter_value - step_size)

    return Explanation(
        name=name,
        value=value,
        row_terms=row_terms,
        parameter_value=parameter_value,
        form=form,
        form_reason=reason,
        gradient_symbol=Symbol(
            rf"\frac{{\partial L}}{{\partial {_latex_parameter(name)}}}", f"∂L/∂{name}"
        ),
        partial_chain=context.partial_chain(layer, kind, node, source, form),
        paths=paths,
        deltas=deltas,
        local=local if form == "delta" else None,
        node_factor=(
            context.activation_factor(layer, node)
            if form == "delta" and getattr(network.activations[layer], "elementwise", True)
            else None
        ),
        definitions=context.definitions(layer, form),
        omitted=context.omitted(layer),
        step=step,
    )


class _Context:
    """Forward values and symbols of one network on one data set."""

    def __init__(self, network, X, Y, weights, zs, outputs):
        self.network = network
        self.layout = network._layout
        self.X = X
        self.Y = Y
        self.weights = weights
        self.zs = zs
        self.outputs = outputs
        sizes = self.layout.layer_sizes
        # first node number of each layer; node numbers match bias numbers
        self.first_node = np.cumsum((1,) + sizes[1:-1]).tolist()
        self.n_outputs = sizes[-1]

    # -- symbols ---------------------------------------------------------

    def node_number(self, layer, node):
        return self.first_node[layer] + node

    def sum_symbol(self, layer, node):
        k = self.node_number(layer, node)
        return Symbol(f"s_{{{k},i}}", f"s{k}_i")

    def output_symbol(self, layer, node):
        if layer == self.layout.n_layers - 1:
            if self.n_outputs == 1:
                return Symbol(r"\hat{y}_i", "ŷ_i")
            return Symbol(rf"\hat{{y}}_{{{node + 1},i}}", f"ŷ{node + 1}_i")
        k = self.node_number(layer, node)
        return Symbol(f"y_{{{k},i}}", f"y{k}_i")

    def input_symbol(self, layer, source):
        if layer == 0:
            return Symbol(f"x_{{{source + 1},i}}", f"x{source + 1}_i")
        return self.output_symbol(layer - 1, source)

    def weight_name(self, layer, node, source):
        n_in = self.layout.layer_sizes[layer]
        index = self.layout.weight_offsets[layer] + node * n_in + source
        return self.layout.names[index]

    def skips_activation(self, layer):
        """Return whether f' of this layer is 1 everywhere (identity), so it is left out."""
        activation = self.network.activations[layer]
        return getattr(activation, "elementwise", True) and (
            activation.latex_derivative.strip() == "1"
        )

    def after_sum(self, layer, node):
        """Return the symbol a weight differentiates: s, or y (ŷ) when y = s (identity)."""
        if self.skips_activation(layer):
            return self.output_symbol(layer, node)
        return self.sum_symbol(layer, node)

    # -- factors -----------------------------------------------------------

    def loss_factor(self, node):
        gradient = self.network.loss_function.gradient(self.Y, self.outputs[-1])
        y_hat = self.output_symbol(self.layout.n_layers - 1, node)
        latex = rf"\frac{{\partial L}}{{\partial {y_hat.latex}}}"
        text = f"∂L/∂{y_hat.text}"
        partial = Symbol(latex, text)
        if self.n_outputs == 1:
            derivative = self.network.loss_function.latex_derivative
            symbol = Symbol(derivative, latex_to_text(derivative))
        else:
            symbol = partial
        return Factor("loss", symbol, partial, np.asarray(gradient)[:, node])

    def activation_factor(self, layer, node):
        activation = self.network.activations[layer]
        s = self.sum_symbol(layer, node)
        out = self.output_symbol(layer, node)
        z = self.zs[layer]
        values = np.asarray(activation.derivative(z), dtype=np.float64)[:, node]
        return Factor(
            "activation",
            Symbol(
                rf"{_latex_function(activation.name)}'({s.latex})",
                f"{activation.name}'({s.text})",
            ),
            Symbol(
                rf"\frac{{\partial {out.latex}}}{{\partial {s.latex}}}",
                f"∂{out.text}/∂{s.text}",
            ),
            values,
            argument=z[:, node],
            argument_symbol=Symbol(s.latex, s.text.removesuffix("_i")),
            activation=activation,
        )

    def weight_factor(self, layer, node, source):
        name = self.weight_name(layer, node, source)
        value = self.weights[layer][node, source]
        upper = self.after_sum(layer, node)
        lower = self.input_symbol(layer, source)
        return Factor(
            "weight",
            Symbol(_latex_parameter(name), name),
            Symbol(
                rf"\frac{{\partial {upper.latex}}}{{\partial {lower.latex}}}",
                f"∂{upper.text}/∂{lower.text}",
            ),
            np.full(self.X.shape[0], value),
        )

    def local_factor(self, layer, kind, node, source):
        """ds/dp: the input that a weight multiplies; None for a bias (it is 1)."""
        if kind == "b":
            return None
        inputs = self.X if layer == 0 else self.outputs[layer - 1]
        symbol = self.input_symbol(layer, source)
        name = self.weight_name(layer, node, source)
        upper = self.after_sum(layer, node)
        return Factor(
            "input",
            Symbol(symbol.latex, symbol.text),
            Symbol(
                rf"\frac{{\partial {upper.latex}}}{{\partial {_latex_parameter(name)}}}",
                f"∂{upper.text}/∂{name}",
            ),
            inputs[:, source].copy(),
        )

    def routes(self, layer, node):
        """Return every sequence of node indices from (layer, node) to an output node."""
        routes = [[node]]
        for width in self.layout.layer_sizes[layer + 2:]:
            routes = [route + [n] for route in routes for n in range(width)]
        return routes

    def path_factors(self, route):
        """Return the factors from the loss down to the first node of ``route``."""
        last = self.layout.n_layers - 1
        first_layer = last - len(route) + 1
        factors = [self.loss_factor(route[-1])]
        for position in range(len(route) - 1, -1, -1):
            layer = first_layer + position
            node = route[position]
            if not self.skips_activation(layer):
                factors.append(self.activation_factor(layer, node))
            if position > 0:
                factors.append(self.weight_factor(layer, node, route[position - 1]))
        return factors

    def delta_layers(self, down_to):
        """Compute the deltas dL/ds from the output layer down to layer ``down_to``."""
        last = self.layout.n_layers - 1
        activations = self.network.activations
        upstream = np.asarray(
            self.network.loss_function.gradient(self.Y, self.outputs[-1]),
            dtype=np.float64,
        )
        delta = _apply_derivative(activations[-1], self.zs[-1], upstream)
        layers = []
        for layer in range(last, down_to - 1, -1):
            if layer < last:
                delta = _apply_derivative(
                    activations[layer], self.zs[layer], delta @ self.weights[layer + 1]
                )
            width = self.layout.layer_sizes[layer + 1]
            numbers = [self.node_number(layer, n) for n in range(width)]
            symbols = [Symbol(rf"\delta_{{{k},i}}", f"δ{k}_i") for k in numbers]
            layers.append(DeltaLayer(layer, symbols, numbers, delta))
        return layers

    # -- whole-chain descriptions ------------------------------------------

    def partial_chain(self, layer, kind, node, source, form):
        """Return the partial derivatives of the first path, or of the delta form."""
        s = self.after_sum(layer, node)
        if kind == "b":
            name = self.layout.names[self.layout.bias_offsets[layer] + node]
        else:
            name = self.weight_name(layer, node, source)
        local = Symbol(
            rf"\frac{{\partial {s.latex}}}{{\partial {_latex_parameter(name)}}}",
            f"∂{s.text}/∂{name}",
        )
        if form == "delta":
            k = self.node_number(layer, node)
            return [Symbol(rf"\delta_{{{k},i}}", f"δ{k}_i"), local]
        factors = self.path_factors(self.routes(layer, node)[0])
        chain = [factor.partial for factor in factors]
        if kind == "W":
            chain.append(local)
        return chain

    def definitions(self, layer, form):
        """Return the formulas of the loss and the activations involved, from the plugins."""
        loss = self.network.loss_function
        y_hat = Symbol(r"\hat{y}_i", "ŷ_i")
        result = [
            (Symbol("L", "L"), Symbol(loss.latex, latex_to_text(loss.latex))),
            (
                Symbol(rf"\frac{{\partial L}}{{\partial {y_hat.latex}}}",
                       f"∂L/∂{y_hat.text}"),
                Symbol(loss.latex_derivative, latex_to_text(loss.latex_derivative)),
            ),
        ]
        seen = set()
        for index in range(layer, self.layout.n_layers):
            activation = self.network.activations[index]
            if activation.name in seen or self.skips_activation(index):
                continue
            seen.add(activation.name)
            function = _latex_function(activation.name)
            result.append((
                Symbol(rf"{function}(z)", f"{activation.name}(z)"),
                Symbol(activation.latex, latex_to_text(activation.latex)),
            ))
            result.append((
                Symbol(rf"{function}'(z)", f"{activation.name}'(z)"),
                Symbol(activation.latex_derivative,
                       latex_to_text(activation.latex_derivative)),
            ))
        if form == "delta":
            result.append((
                Symbol(r"\delta_{k,i}", "δk_i"),
                Symbol(
                    r"\frac{\partial L}{\partial s_{k,i}} = f'(s_{k,i}) "
                    r"\sum_n W_{nk}\, \delta_{n,i}",
                    "∂L/∂sk_i = f'(sk_i) · Σ_n W_nk · δn_i",
                ),
            ))
        return result

    def omitted(self, layer):
        notes = []
        for index in range(layer, self.layout.n_layers):
            if self.skips_activation(index):
                name = self.network.activations[index].name
                notes.append(f"{name}'(s) = 1 on every row, so it is left out")
        return sorted(set(notes))


def _apply_derivative(activation, z, upstream):
    """Return dL/ds from dL/dy for y = f(s): elementwise, or by f's vector-Jacobian product."""
    if getattr(activation, "elementwise", True):
        return upstream * np.asarray(activation.derivative(z), dtype=np.float64)
    return np.asarray(activation.vjp(z, upstream), dtype=np.float64)


def _latex_parameter(name):
    return f"{name[0]}_{{{name[1:]}}}"


def _latex_function(name):
    return r"\operatorname{" + name.replace("_", r"\_") + "}"


def _substitute_z(condition, symbol):
    """Replace the variable z of an activation's condition with ``symbol``."""
    return re.sub(r"(?<![A-Za-z\\])z(?![A-Za-z])", symbol, condition)


def latex_to_text(latex):
    """Return a plain Unicode reading of a short LaTeX formula (best effort)."""
    from bpkit._render import latex_to_text as convert

    return convert(latex)
