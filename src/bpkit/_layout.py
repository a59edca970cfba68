"""Memory layout of a network's parameters and intermediate values.

All parameters sit in one flat vector, layer after layer: the weight matrix
W_l of shape (n_out, n_in) in row-major order (node by node, and within a node
input by input), then the bias vector b_l. Scalar names number weights and
biases across the whole network, so the 2-2-1 worked example has W1..W6 and
b1..b3 with W1, W2 feeding hidden node 1.
"""

import re

import numpy as np

_NAME_PATTERN = re.compile(r"^([Wb])([1-9][0-9]*)$")


class Layout:
    """Offsets of the flat parameter vector and of the per-batch buffers.

    Parameters
    ----------
    layer_sizes : tuple of int
        Widths, inputs first, for example ``(2, 2, 1)``.
    """

    def __init__(self, layer_sizes):
        self.layer_sizes = tuple(layer_sizes)
        self.sizes = np.asarray(self.layer_sizes, dtype=np.intp)
        n_layers = len(self.layer_sizes) - 1
        self.n_layers = n_layers
        self.weight_offsets = np.empty(n_layers, dtype=np.intp)
        self.bias_offsets = np.empty(n_layers, dtype=np.intp)
        offset = 0
        for layer in range(n_layers):
            n_in, n_out = self.layer_sizes[layer], self.layer_sizes[layer + 1]
            self.weight_offsets[layer] = offset
            offset += n_in * n_out
            self.bias_offsets[layer] = offset
            offset += n_out
        self.n_params = offset
        self.names, self.index_of = self._name_parameters()

    def _name_parameters(self):
        names = [""] * self.n_params
        weight_number = bias_number = 0
        for layer in range(self.n_layers):
            n_in, n_out = self.layer_sizes[layer], self.layer_sizes[layer + 1]
            for k in range(n_in * n_out):
                weight_number += 1
                names[self.weight_offsets[layer] + k] = f"W{weight_number}"
            for k in range(n_out):
                bias_number += 1
                names[self.bias_offsets[layer] + k] = f"b{bias_number}"
        return names, {name: index for index, name in enumerate(names)}

    def ordered_names(self):
        """Return the names W1.., then b1.., in numbering order."""
        weights = [n for n in self.names if n[0] == "W"]
        biases = [n for n in self.names if n[0] == "b"]
        return sorted(weights, key=_number) + sorted(biases, key=_number)

    def locate(self, name):
        """Return (layer, kind, node, input) of a parameter name.

        ``kind`` is "W" or "b"; ``input`` is None for biases. Layers, nodes and
        inputs count from 0.
        """
        index = self.index_of[name]
        for layer in range(self.n_layers):
            n_in, n_out = self.layer_sizes[layer], self.layer_sizes[layer + 1]
            start = self.weight_offsets[layer]
            if start <= index < start + n_in * n_out:
                node, source = divmod(index - start, n_in)
                return layer, "W", node, source
            start = self.bias_offsets[layer]
            if start <= index < start + n_out:
                return layer, "b", index - start, None
        raise AssertionError(f"index {index} of {name!r} is outside every layer")

    def weight_view(self, params, layer):
        """Return W_l of shape (n_out, n_in) as a view into ``params``."""
        n_in, n_out = self.layer_sizes[layer], self.layer_sizes[layer + 1]
        start = self.weight_offsets[layer]
        return params[start:start + n_in * n_out].reshape(n_out, n_in)

    def bias_view(self, params, layer):
        """Return b_l of shape (n_out,) as a view into ``params``."""
        start = self.bias_offsets[layer]
        return params[start:start + self.layer_sizes[layer + 1]]

    def value_offsets(self, n_rows):
        """Return the offset of z_l in the values buffer for ``n_rows`` rows.

        Each layer stores z_l and then a_l, both of shape (n_rows, n_out).
        """
        offsets = np.empty(self.n_layers, dtype=np.intp)
        offset = 0
        for layer in range(self.n_layers):
            offsets[layer] = offset
            offset += 2 * n_rows * self.layer_sizes[layer + 1]
        return offsets

    def values_size(self, n_rows):
        return 2 * n_rows * int(sum(self.layer_sizes[1:]))

    def delta_half_size(self, n_rows):
        return n_rows * max(self.layer_sizes[1:])


def _number(name):
    return int(name[1:])


def check_parameter_name(name, layout):
    """Raise a ValueError naming the valid range unless ``name`` is a parameter."""
    if isinstance(name, str) and name in layout.index_of:
        return
    n_weights = sum(1 for n in layout.names if n[0] == "W")
    n_biases = layout.n_params - n_weights
    raise ValueError(
        f"unknown parameter name {name!r}; this network has weights W1..W{n_weights} "
        f"and biases b1..b{n_biases}"
    )
