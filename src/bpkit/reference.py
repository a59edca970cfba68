"""A plain NumPy forward and backward pass, to read beside the derivation.

This module computes what the compiled core computes, one equation per line,
with no buffers and no tricks; the tests hold the two equal. It uses the
activations' and loss's own ``value``, ``derivative`` and ``gradient``
methods, so it works for plugins too.

For layer l = 1..L with a_0 = X:

    z_l = a_{l-1} W_l^T + b_l                          (forward, linear)
    a_l = f_l(z_l)                                     (forward, activation)
    delta_L = dLoss/da_L * f_L'(z_L)                   (output error)
    delta_l = (delta_{l+1} W_{l+1}) * f_l'(z_l)        (backpropagated error)
    dLoss/dW_l = delta_l^T a_{l-1}                     (weight gradient)
    dLoss/db_l = sum over rows of delta_l              (bias gradient)

The product "* f'(z)" is ``f.vjp(z, ...)``: for an elementwise activation
it multiplies by ``f.derivative(z)``, and for softmax it applies the
Jacobian row by row. A sigmoid output with binary_cross_entropy, or a
softmax output with cross_entropy, is evaluated from the logits z_L (see
:func:`bpkit._cross_entropy.loss_from_logits`), exactly as the compiled
core does: the loss comes from z_L and delta_L = dLoss/dz_L directly.
"""

import numpy as np

from bpkit._cross_entropy import is_logits_pair, loss_from_logits

__all__ = ["forward", "backward", "gradients"]


def forward(weights, biases, activations, X):
    """Return the lists of pre-activations z_l and activations a_l.

    Parameters
    ----------
    weights : list of ndarray of shape (n_out, n_in)
    biases : list of ndarray of shape (n_out,)
    activations : list of Activation, one per layer
    X : ndarray of shape (n_samples, n_inputs)
    """
    zs, activations_out = [], []
    a = X
    for W, b, f in zip(weights, biases, activations):
        z = a @ W.T + b
        a = f.value(z)
        zs.append(z)
        activations_out.append(a)
    return zs, activations_out


def backward(weights, activations, loss, X, Y, zs, outputs):
    """Return (loss value, weight gradients, bias gradients).

    ``zs`` and ``outputs`` are what :func:`forward` returned.
    """
    if is_logits_pair(activations[-1], loss):
        loss_value, delta = loss_from_logits(loss, Y, zs[-1])
    else:
        loss_value = loss.value(Y, outputs[-1])
        delta = activations[-1].vjp(zs[-1], loss.gradient(Y, outputs[-1]))
    grad_weights = [None] * len(weights)
    grad_biases = [None] * len(weights)
    for layer in range(len(weights) - 1, -1, -1):
        inputs = X if layer == 0 else outputs[layer - 1]
        grad_weights[layer] = delta.T @ inputs
        grad_biases[layer] = delta.sum(axis=0)
        if layer > 0:
            delta = activations[layer - 1].vjp(zs[layer - 1], delta @ weights[layer])
    return loss_value, grad_weights, grad_biases


def gradients(network, X, y):
    """Return {name: dLoss/dname} for a :class:`bpkit.Network`, computed in NumPy."""
    X = np.asarray(X, dtype=network.dtype)
    Y = np.asarray(y, dtype=network.dtype).reshape(X.shape[0], network.n_outputs)
    n_layers = len(network.layer_sizes) - 1
    weights = [network.weights(layer) for layer in range(n_layers)]
    biases = [network.biases(layer) for layer in range(n_layers)]
    zs, outputs = forward(weights, biases, network.activations, X)
    _, grad_weights, grad_biases = backward(
        weights, network.activations, network.loss_function, X, Y, zs, outputs
    )
    result = {}
    weight_number = bias_number = 0
    for layer in range(n_layers):
        for value in grad_weights[layer].ravel():
            weight_number += 1
            result[f"W{weight_number}"] = float(value)
        for value in grad_biases[layer]:
            bias_number += 1
            result[f"b{bias_number}"] = float(value)
    return {name: result[name] for name in network.parameter_names()}
