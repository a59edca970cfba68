"""Mini-batches, shuffling, optimizers and allocation of ``Network.fit``.

Each compiled fit is checked against a NumPy re-implementation that uses
``bpkit.reference`` for the gradients and writes each update rule out by
hand, on the same row order that the compiled generator draws.
"""

import tracemalloc
import warnings

import numpy as np
import pytest

import bpkit
from bpkit import _core, reference
from bpkit._activations import Tanh
from bpkit._elementwise import PLUGIN_KERNEL

MASK64 = (1 << 64) - 1


# ----------------------------------------------------------------------
# Helpers: the generator and the training step written out in Python
# ----------------------------------------------------------------------

def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK64


class Xoshiro256:
    """xoshiro256** as published by Blackman and Vigna, in plain Python ints."""

    def __init__(self, seed):
        self.s = []
        mixer = seed
        for _ in range(4):
            mixer, word = splitmix64(mixer)
            self.s.append(word)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n):
        threshold = (2**64 - n) % n
        r = self.next()
        while r < threshold:
            r = self.next()
        return r % n

    def permutation(self, n):
        order = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.below(i + 1)
            order[i], order[j] = order[j], order[i]
        return order


def unpack(network):
    n_layers = len(network.layer_sizes) - 1
    weights = [network.weights(layer) for layer in range(n_layers)]
    biases = [network.biases(layer) for layer in range(n_layers)]
    return weights, biases


def batch_gradient(network, weights, biases, X, Y):
    """Return (loss, weight gradients, bias gradients) of one batch, in NumPy."""
    zs, outputs = reference.forward(weights, biases, network.activations, X)
    return reference.backward(weights, network.activations, network.loss_function,
                              X, Y, zs, outputs)


def numpy_fit(network, X, Y, orders, batch_size, update):
    """Train copies of the network's parameters on the given row orders.

    ``update(parameter_list, gradient_list, step)`` changes the arrays in
    place. Returns (weights, biases, epoch losses).
    """
    weights, biases = unpack(network)
    epoch_losses = []
    step = 0
    for order in orders:
        batch_losses = []
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            loss, grad_w, grad_b = batch_gradient(network, weights, biases, X[rows], Y[rows])
            batch_losses.append(loss)
            step += 1
            update(weights + biases, grad_w + grad_b, step)
        epoch_losses.append(np.mean(batch_losses))
    return weights, biases, np.array(epoch_losses)


def sgd(learning_rate):
    def update(params, grads, step):
        for p, g in zip(params, grads):
            p -= learning_rate * g
    return update


def assert_parameters_close(network, weights, biases, rtol=1e-12, atol=1e-14):
    got_weights, got_biases = unpack(network)
    for layer, (got, expected) in enumerate(zip(got_weights, weights)):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol,
                                   err_msg=f"weights of layer {layer}")
    for layer, (got, expected) in enumerate(zip(got_biases, biases)):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol,
                                   err_msg=f"biases of layer {layer}")


@pytest.fixture
def data():
    rng = np.random.default_rng(42)
    X = rng.normal(size=(10, 3))
    Y = np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]])
    return X, Y


def make_network(seed=5, dtype="float64", activation="tanh", loss="mse"):
    return bpkit.Network((3, 4, 2), activation=activation, loss=loss, seed=seed,
                         dtype=dtype)


# ----------------------------------------------------------------------
# The generator and the row orders
# ----------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2**64 - 1], ids=["zero", "one", "max"])
def test_row_orders_match_python_xoshiro(seed):
    generator = Xoshiro256(seed)
    expected = [generator.permutation(37) for _ in range(3)]
    got = _core.shuffled_orders(seed, 37, 3)
    assert got.tolist() == expected


def test_seed_zero_state_is_splitmix64_outputs():
    # The first four outputs of splitmix64 from state 0, the values that
    # independent implementations of it are checked against.
    expected = [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F,
                0xF88BB8A8724C81EC]
    state = np.zeros(4, dtype=np.uint64)
    _core.seed_state(0, state)
    assert [int(word) for word in state] == expected
    assert Xoshiro256(0).s == expected


def test_row_orders_are_permutations():
    orders = _core.shuffled_orders(123, 50, 20)
    for order in orders:
        assert sorted(order.tolist()) == list(range(50))
    assert len({tuple(order) for order in orders}) == 20


def test_row_orders_are_roughly_uniform():
    # Where row 0 lands over 6000 shuffles of 6 rows: each position expects
    # 1000; a chi-square statistic above 20.5 (p = 0.001, 5 dof) would
    # flag a biased shuffle.
    orders = _core.shuffled_orders(9, 6, 6000)
    counts = np.bincount(np.argmax(orders == 0, axis=1), minlength=6)
    chi_square = float(((counts - 1000.0) ** 2 / 1000.0).sum())
    assert chi_square < 20.5


# ----------------------------------------------------------------------
# Mini-batch SGD against NumPy
# ----------------------------------------------------------------------

@pytest.mark.parametrize("batch_size", [1, 4, 5, 9], ids=lambda b: f"batch{b}")
def test_minibatch_sgd_epoch_matches_numpy(data, batch_size):
    X, Y = data
    network = make_network()
    orders = _core.shuffled_orders(77, len(X), 1)
    weights, biases, losses = numpy_fit(network, X, Y, orders, batch_size, sgd(0.05))

    history = network.fit(X, Y, learning_rate=0.05, epochs=1, batch_size=batch_size,
                          seed=77)

    assert_parameters_close(network, weights, biases)
    np.testing.assert_allclose(history.loss, losses, rtol=1e-12)


def test_minibatch_sgd_several_epochs_match_numpy(data):
    X, Y = data
    network = make_network(activation="relu", loss="ssr")
    orders = _core.shuffled_orders(3, len(X), 4)
    weights, biases, losses = numpy_fit(network, X, Y, orders, 3, sgd(0.01))

    history = network.fit(X, Y, learning_rate=0.01, epochs=4, batch_size=3, seed=3)

    assert_parameters_close(network, weights, biases)
    np.testing.assert_allclose(history.loss, losses, rtol=1e-12)


def test_unshuffled_batches_keep_row_order(data):
    X, Y = data
    network = make_network()
    orders = [np.arange(len(X))] * 2
    weights, biases, losses = numpy_fit(network, X, Y, orders, 4, sgd(0.1))

    history = network.fit(X, Y, learning_rate=0.1, epochs=2, batch_size=4,
                          shuffle=False)

    assert_parameters_close(network, weights, biases)
    np.testing.assert_allclose(history.loss, losses, rtol=1e-12)


@pytest.mark.parametrize("batch_size", [None, 10, 50], ids=["none", "n_samples", "larger"])
def test_full_batch_is_plain_gradient_descent(data, batch_size):
    X, Y = data
    network = make_network()
    orders = [np.arange(len(X))] * 3
    weights, biases, losses = numpy_fit(network, X, Y, orders, len(X), sgd(0.1))

    history = network.fit(X, Y, learning_rate=0.1, epochs=3, batch_size=batch_size)

    assert_parameters_close(network, weights, biases)
    np.testing.assert_allclose(history.loss, losses, rtol=1e-12)


# ----------------------------------------------------------------------
# Momentum and Adam against their formulas
# ----------------------------------------------------------------------

def test_momentum_first_step_is_sgd_step(data):
    # v starts at 0, so the first step is v = g and p <- p - lr g.
    X, Y = data
    network = make_network()
    weights, biases = unpack(network)
    _, grad_w, grad_b = batch_gradient(network, weights, biases, X, Y)

    network.fit(X, Y, learning_rate=0.1, epochs=1, optimizer="momentum", momentum=0.5)

    expected_w = [w - 0.1 * g for w, g in zip(weights, grad_w)]
    expected_b = [b - 0.1 * g for b, g in zip(biases, grad_b)]
    assert_parameters_close(network, expected_w, expected_b)


def test_momentum_several_steps_match_formula(data):
    X, Y = data
    network = make_network()
    velocity = {}

    def update(params, grads, step):
        for k, (p, g) in enumerate(zip(params, grads)):
            velocity[k] = 0.8 * velocity.get(k, 0.0) + g
            p -= 0.05 * velocity[k]

    orders = _core.shuffled_orders(11, len(X), 3)
    weights, biases, losses = numpy_fit(network, X, Y, orders, 4, update)

    history = network.fit(X, Y, learning_rate=0.05, epochs=3, batch_size=4, seed=11,
                          optimizer="momentum", momentum=0.8)

    assert_parameters_close(network, weights, biases)
    np.testing.assert_allclose(history.loss, losses, rtol=1e-12)


def test_adam_first_step_moves_by_learning_rate(data):
    # After one step m_hat = g and s_hat = g**2, so every parameter moves by
    # lr * g / (|g| + eps): almost exactly lr against the sign of g.
    X, Y = data
    network = make_network()
    weights, biases = unpack(network)
    _, grad_w, grad_b = batch_gradient(network, weights, biases, X, Y)

    network.fit(X, Y, learning_rate=0.01, epochs=1, optimizer="adam", epsilon=1e-8)

    expected_w = [w - 0.01 * g / (np.abs(g) + 1e-8) for w, g in zip(weights, grad_w)]
    expected_b = [b - 0.01 * g / (np.abs(g) + 1e-8) for b, g in zip(biases, grad_b)]
    assert_parameters_close(network, expected_w, expected_b)


def test_adam_several_steps_match_formula(data):
    X, Y = data
    network = make_network()
    beta1, beta2, eps, lr = 0.8, 0.99, 1e-6, 0.02
    first, second = {}, {}

    def update(params, grads, step):
        for k, (p, g) in enumerate(zip(params, grads)):
            first[k] = beta1 * first.get(k, 0.0) + (1 - beta1) * g
            second[k] = beta2 * second.get(k, 0.0) + (1 - beta2) * g * g
            m_hat = first[k] / (1 - beta1**step)
            s_hat = second[k] / (1 - beta2**step)
            p -= lr * m_hat / (np.sqrt(s_hat) + eps)

    orders = _core.shuffled_orders(5, len(X), 3)
    weights, biases, losses = numpy_fit(network, X, Y, orders, 3, update)

    history = network.fit(X, Y, learning_rate=lr, epochs=3, batch_size=3, seed=5,
                          optimizer="adam", beta1=beta1, beta2=beta2, epsilon=eps)

    assert_parameters_close(network, weights, biases, rtol=1e-10)
    np.testing.assert_allclose(history.loss, losses, rtol=1e-12)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_untrainable_parameters_stay_fixed(data, optimizer):
    X, Y = data
    network = make_network()
    before = network.parameters()

    network.fit(X, Y, learning_rate=0.01, epochs=3, batch_size=4, seed=1,
                optimizer=optimizer, trainable=["W2", "b5"])

    after = network.parameters()
    moved = {name for name in before if after[name] != before[name]}
    assert moved == {"W2", "b5"}


# ----------------------------------------------------------------------
# Reproducibility
# ----------------------------------------------------------------------

@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_same_seed_gives_identical_parameters(data, optimizer):
    X, Y = data
    first, second = make_network(), make_network()
    for network in (first, second):
        network.fit(X, Y, learning_rate=0.01, epochs=5, batch_size=3, seed=2024,
                    optimizer=optimizer)
    assert first.parameters() == second.parameters()


def test_different_seeds_give_different_parameters(data):
    X, Y = data
    first, second = make_network(), make_network()
    first.fit(X, Y, learning_rate=0.01, epochs=2, batch_size=3, seed=1)
    second.fit(X, Y, learning_rate=0.01, epochs=2, batch_size=3, seed=2)
    assert first.parameters() != second.parameters()


def test_network_seed_reproduces_fits_without_seed(data):
    X, Y = data
    first, second = make_network(seed=8), make_network(seed=8)
    for network in (first, second):
        network.fit(X, Y, learning_rate=0.01, epochs=2, batch_size=3)
        network.fit(X, Y, learning_rate=0.01, epochs=2, batch_size=3)
    assert first.parameters() == second.parameters()


def test_verbose_chunks_do_not_change_result(data, capsys):
    X, Y = data
    quiet, loud = make_network(), make_network()
    quiet_history = quiet.fit(X, Y, learning_rate=0.01, epochs=20, batch_size=3,
                              seed=4, optimizer="adam")
    loud_history = loud.fit(X, Y, learning_rate=0.01, epochs=20, batch_size=3, seed=4,
                            optimizer="adam", verbose=True)
    assert quiet.parameters() == loud.parameters()
    assert quiet_history.loss.tolist() == loud_history.loss.tolist()
    assert "epoch 20/20" in capsys.readouterr().out


# ----------------------------------------------------------------------
# float32, divergence, interruption
# ----------------------------------------------------------------------

def test_float32_minibatch_training_matches_float64(data):
    X, Y = data
    single, double = make_network(dtype="float32"), make_network(dtype="float64")
    single_history = single.fit(X, Y, learning_rate=0.05, epochs=30, batch_size=4,
                                seed=6, optimizer="adam")
    double_history = double.fit(X, Y, learning_rate=0.05, epochs=30, batch_size=4,
                                seed=6, optimizer="adam")
    assert single.weights(0).dtype == np.float32
    assert single_history.loss[-1] < 0.5 * single_history.loss[0]
    np.testing.assert_allclose(single_history.loss, double_history.loss, rtol=1e-3)


def test_minibatch_divergence_keeps_finite_parameters(data):
    X, Y = data
    network = make_network(activation="relu", loss="ssr")
    with pytest.warns(bpkit.DivergenceWarning, match="diverged"):
        history = network.fit(X * 1e100, Y * 1e100, learning_rate=1e10, epochs=50,
                              batch_size=2, seed=0)
    assert history.diverged
    assert len(history) < 50
    assert all(np.isfinite(value) for value in network.parameters().values())


class InterruptingTanh(Tanh):
    """tanh run through Python that raises KeyboardInterrupt on one call."""

    _kernel = PLUGIN_KERNEL

    def __init__(self, interrupt_at):
        super().__init__()
        self.calls = 0
        self.interrupt_at = interrupt_at

    def value(self, z):
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        return np.tanh(z)


def test_interrupt_keeps_last_completed_step(data):
    # Two batches of 5 rows per epoch; the 6th forward pass is interrupted,
    # so 5 steps (two epochs and one batch) are complete.
    X, Y = data
    activation = InterruptingTanh(6)
    network = bpkit.Network((3, 4, 2), activation=activation, loss="mse", seed=5)
    orders = _core.shuffled_orders(12, len(X), 3)
    weights, biases, _ = numpy_fit(network, X, Y, orders[:2], 5, sgd(0.1))
    first_rows = orders[2][:5]
    _, grad_w, grad_b = batch_gradient(network, weights, biases, X[first_rows],
                                       Y[first_rows])
    weights = [w - 0.1 * g for w, g in zip(weights, grad_w)]
    biases = [b - 0.1 * g for b, g in zip(biases, grad_b)]
    activation.calls = 0  # the NumPy passes above called it too

    with pytest.raises(KeyboardInterrupt):
        network.fit(X, Y, learning_rate=0.1, epochs=3, batch_size=5, seed=12)

    assert network.history_.interrupted
    assert len(network.history_) == 2
    assert_parameters_close(network, weights, biases)


# ----------------------------------------------------------------------
# No allocation per step
# ----------------------------------------------------------------------

def traced_fit(network, X, Y, epochs, **options):
    """Return (peak bytes above the start, bytes still held) of one fit."""
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        history = network.fit(X, Y, learning_rate=1e-3, epochs=epochs, **options)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - start, current - start, history


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_fit_allocates_nothing_per_step(optimizer):
    # 1000 epochs of 25 steps allocate what 10 epochs do, plus the loss
    # history of 8 bytes per extra epoch, because each fit's buffers have
    # the same size.
    # NOTE: tracemalloc reports growth and peaks, so this catches memory kept
    # per step. A block allocated and freed within one step would not show.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 8))
    Y = rng.normal(size=(100, 3))
    network = bpkit.Network((8, 16, 3), seed=0)
    options = {"batch_size": 4, "seed": 1, "optimizer": optimizer}
    traced_fit(network, X, Y, 1, **options)  # warm caches of first calls

    short_peak, short_held, short = traced_fit(network, X, Y, 10, **options)
    long_peak, long_held, long = traced_fit(network, X, Y, 1000, **options)

    history_growth = 8 * (1000 - 10)
    assert len(short) == 10
    assert len(long) == 1000
    assert long_peak - short_peak <= history_growth + 512
    assert long_held - short_held <= history_growth + 512


# ----------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "options, error, match",
    [
        ({"batch_size": 0}, ValueError, "batch_size must be at least 1"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be a positive int"),
        ({"batch_size": True}, TypeError, "batch_size must be a positive int"),
        ({"optimizer": "rmsprop"}, ValueError, "unknown optimizer 'rmsprop'"),
        ({"momentum": 0.9}, ValueError, "momentum=0.9 does not apply to optimizer='sgd'"),
        ({"optimizer": "adam", "momentum": 0.9}, ValueError, "does not apply"),
        ({"optimizer": "momentum", "momentum": 1.0}, ValueError, r"momentum must be in \[0, 1\)"),
        ({"optimizer": "adam", "beta1": -0.1}, ValueError, r"beta1 must be in \[0, 1\)"),
        ({"optimizer": "adam", "beta2": "0.9"}, TypeError, "beta2 must be a real number"),
        ({"optimizer": "adam", "epsilon": 0.0}, ValueError, "epsilon must be a positive"),
        ({"seed": -1}, ValueError, "seed must be from 0 to 2\\*\\*64 - 1"),
        ({"seed": 1.5}, TypeError, "seed must be an int"),
        ({"shuffle": "yes"}, TypeError, "shuffle must be True or False"),
    ],
    ids=[
        "batch-zero", "batch-float", "batch-bool", "unknown-optimizer",
        "momentum-with-sgd", "momentum-with-adam", "momentum-one", "beta1-negative",
        "beta2-string", "epsilon-zero", "seed-negative", "seed-float", "shuffle-string",
    ],
)
def test_invalid_training_options_rejected(data, options, error, match):
    X, Y = data
    network = make_network()
    before = network.parameters()
    with pytest.raises(error, match=match):
        network.fit(X, Y, learning_rate=0.1, epochs=1, **options)
    assert network.parameters() == before
    assert network.history_ is None


def test_failed_fit_does_not_consume_shuffle_seed(data):
    X, Y = data
    first, second = make_network(seed=3), make_network(seed=3)
    with pytest.raises(ValueError):
        first.fit(X, Y, learning_rate=0.1, epochs=1, batch_size=0)
    for network in (first, second):
        network.fit(X, Y, learning_rate=0.01, epochs=2, batch_size=3)
    assert first.parameters() == second.parameters()
