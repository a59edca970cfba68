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
from dataclasses import dataclass, field

import numpy as np

from bpkit import reference
from bpkit._chain import ChainContext, Factor, Path, Symbol, latex_parameter
from bpkit._layout import check_parameter_name
from bpkit._validation import check_count, check_positive_finite

#: Default for ``max_paths``: above it the delta recursion replaces the list.
MAX_PATHS = 8


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
        The gradient, the sum of :attr:`row_terms`. It equals
        ``network.gradients(X, y)[name]`` to 1e-12 relative for a float64
        network; for float32 the two differ by float32 rounding.
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
        """Return the explanation as one ``align*`` environment (LaTeX, amsmath)."""
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
        Its ``value`` equals ``network.gradients(X, y)[name]`` to 1e-12
        relative for a float64 network.

    Notes
    -----
    The factors are evaluated in float64 with the activations' and the loss's
    own ``value``, ``derivative`` and ``gradient`` methods, on the network's
    current parameters. For a float32 network the compiled gradient is
    computed in float32, so the two agree only to about 1e-5 relative.

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
    context = ChainContext(network, X, Y, weights, zs, outputs)

    # choose the form
    layer, kind, node, source = layout.locate(name)
    n_paths = int(np.prod(layout.layer_sizes[layer + 2 :], dtype=np.int64))
    coupled = [
        activation
        for activation in network.activations[layer:]
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
        step = Step(
            parameter_value,
            learning_rate,
            value,
            step_size,
            parameter_value - step_size,
        )

    return Explanation(
        name=name,
        value=value,
        row_terms=row_terms,
        parameter_value=parameter_value,
        form=form,
        form_reason=reason,
        gradient_symbol=Symbol(
            rf"\frac{{\partial L}}{{\partial {latex_parameter(name)}}}", f"∂L/∂{name}"
        ),
        partial_chain=context.partial_chain(layer, kind, node, source, form),
        paths=paths,
        deltas=deltas,
        local=local if form == "delta" else None,
        node_factor=(
            context.activation_factor(layer, node)
            if form == "delta"
            and getattr(network.activations[layer], "elementwise", True)
            else None
        ),
        definitions=context.definitions(layer, form),
        omitted=context.omitted(layer),
        step=step,
    )
