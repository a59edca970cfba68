"""Symbols and factor values of the chain rule for one network on one data set.

:class:`ChainContext` stores the forward values of a network on (X, y) and
builds each factor of a path from the loss down to a parameter: the loss
derivative, f'(s) of each node, each weight, and the input that the
parameter multiplies, with their LaTeX and text spellings. The notation is
described in :mod:`bpkit._explain`.
"""

import re
from dataclasses import dataclass

import numpy as np

from bpkit._cross_entropy import is_logits_pair, loss_from_logits
from bpkit._latex_text import latex_to_text

# dL/ds of the output pairs that networks evaluate from the logits s, by loss name
_LOGITS_DERIVATIVES = {
    "binary_cross_entropy": r"\frac{1}{N}\left(\sigma(s_i) - y_i\right)",
    "cross_entropy": (
        r"\frac{1}{N}\left(\operatorname{softmax}(s)_i \sum_k y_k - y_i\right)"
    ),
}


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
            return (
                f"{self.symbol.text} = 0 because the loss does not change with "
                "the prediction on this row"
            )
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


class ChainContext:
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
        # A sigmoid or softmax output with its cross-entropy is evaluated from
        # the logits, as the network does, so dL/ds is one factor.
        loss = network.loss_function
        self.from_logits = is_logits_pair(network.activations[-1], loss)
        self.logits_gradient = None
        if self.from_logits:
            _, gradient = loss_from_logits(loss, Y, zs[-1])
            self.logits_gradient = np.asarray(gradient, dtype=np.float64)

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
        """Return whether f' of this layer is 1 everywhere (identity) and left out."""
        activation = self.network.activations[layer]
        return getattr(activation, "elementwise", True) and (
            activation.latex_derivative.strip() == "1"
        )

    def after_sum(self, layer, node):
        """Return the symbol a weight factor differentiates: s, or ŷ when ŷ = s."""
        if self.skips_activation(layer):
            return self.output_symbol(layer, node)
        return self.sum_symbol(layer, node)

    # -- factors -----------------------------------------------------------

    def loss_factor(self, node):
        if self.from_logits:
            s = self.sum_symbol(self.layout.n_layers - 1, node)
            symbol = Symbol(
                rf"\frac{{\partial L}}{{\partial {s.latex}}}", f"∂L/∂{s.text}"
            )
            return Factor("loss", symbol, symbol, self.logits_gradient[:, node])
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
                rf"{latex_function(activation.name)}'({s.latex})",
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
            Symbol(latex_parameter(name), name),
            Symbol(
                rf"\frac{{\partial {upper.latex}}}{{\partial {lower.latex}}}",
                f"∂{upper.text}/∂{lower.text}",
            ),
            np.full(self.X.shape[0], value),
        )

    def local_factor(self, layer, kind, node, source):
        """Return ds/dp: the input that a weight multiplies, or None for a bias."""
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
                rf"\frac{{\partial {upper.latex}}}{{\partial {latex_parameter(name)}}}",
                f"∂{upper.text}/∂{name}",
            ),
            inputs[:, source].copy(),
        )

    def routes(self, layer, node):
        """Return every list of node indices from (layer, node) to an output node."""
        routes = [[node]]
        for width in self.layout.layer_sizes[layer + 2 :]:
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
            fused = self.from_logits and layer == last
            if not (self.skips_activation(layer) or fused):
                factors.append(self.activation_factor(layer, node))
            if position > 0:
                factors.append(self.weight_factor(layer, node, route[position - 1]))
        return factors

    def delta_layers(self, down_to):
        """Compute the deltas dL/ds from the output layer down to layer ``down_to``."""
        last = self.layout.n_layers - 1
        activations = self.network.activations
        if self.from_logits:
            delta = self.logits_gradient
        else:
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
            rf"\frac{{\partial {s.latex}}}{{\partial {latex_parameter(name)}}}",
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
        """Return the formulas of the loss and the activations, from the plugins."""
        loss = self.network.loss_function
        y_hat = Symbol(r"\hat{y}_i", "ŷ_i")
        result = [
            (Symbol("L", "L"), Symbol(loss.latex, latex_to_text(loss.latex))),
            (
                Symbol(
                    rf"\frac{{\partial L}}{{\partial {y_hat.latex}}}",
                    f"∂L/∂{y_hat.text}",
                ),
                Symbol(loss.latex_derivative, latex_to_text(loss.latex_derivative)),
            ),
        ]
        if self.from_logits and loss.name in _LOGITS_DERIVATIVES:
            derivative = _LOGITS_DERIVATIVES[loss.name]
            result.append(
                (
                    Symbol(r"\frac{\partial L}{\partial s_i}", "∂L/∂s_i"),
                    Symbol(derivative, latex_to_text(derivative)),
                )
            )
        seen = set()
        for index in range(layer, self.layout.n_layers):
            activation = self.network.activations[index]
            if activation.name in seen or self.skips_activation(index):
                continue
            seen.add(activation.name)
            function = latex_function(activation.name)
            result.append(
                (
                    Symbol(rf"{function}(z)", f"{activation.name}(z)"),
                    Symbol(activation.latex, latex_to_text(activation.latex)),
                )
            )
            result.append(
                (
                    Symbol(rf"{function}'(z)", f"{activation.name}'(z)"),
                    Symbol(
                        activation.latex_derivative,
                        latex_to_text(activation.latex_derivative),
                    ),
                )
            )
        if form == "delta":
            result.append(
                (
                    Symbol(r"\delta_{k,i}", "δk_i"),
                    Symbol(
                        r"\frac{\partial L}{\partial s_{k,i}} = f'(s_{k,i}) "
                        r"\sum_n W_{nk}\, \delta_{n,i}",
                        "∂L/∂sk_i = f'(sk_i) · Σ_n W_nk · δn_i",
                    ),
                )
            )
        return result

    def omitted(self, layer):
        notes = []
        if self.from_logits:
            output = self.network.activations[-1].name
            notes.append(
                f"∂L/∂ŷ and {output}'(s) of the output are replaced by their product "
                "∂L/∂s, computed from the sums s (the logits) as the network does"
            )
        for index in range(layer, self.layout.n_layers):
            if self.skips_activation(index):
                name = self.network.activations[index].name
                notes.append(f"{name}'(s) = 1 on every row, so it is left out")
        return sorted(set(notes))


def _apply_derivative(activation, z, upstream):
    """Return dL/ds from dL/dy for y = f(s), by f's vector-Jacobian product."""
    if getattr(activation, "elementwise", True):
        return upstream * np.asarray(activation.derivative(z), dtype=np.float64)
    return np.asarray(activation.vjp(z, upstream), dtype=np.float64)


def latex_parameter(name):
    return f"{name[0]}_{{{name[1:]}}}"


def latex_function(name):
    return r"\operatorname{" + name.replace("_", r"\_") + "}"


def _substitute_z(condition, symbol):
    """Replace the variable z of an activation's condition with ``symbol``."""
    return re.sub(r"(?<![A-Za-z\\])z(?![A-Za-z])", symbol, condition)
