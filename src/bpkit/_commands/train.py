"""``bpkit train``: train a network on a built-in example or a CSV file.

With several trainable parameters the command runs the fit in ten chunks and
prints the loss after each. With one trainable parameter, as in the dosage
example, it prints every step: the slope dLoss/dp, the step size
``learning_rate * slope`` and the new value.
"""

import math
import sys
import warnings

import numpy as np

from bpkit._commands._data_options import add_data_arguments, build_network, load_data
from bpkit._exceptions import DivergenceWarning
from bpkit._history import History

HELP = "train a network by gradient descent and print the loss and the parameters"

N_PROGRESS_LINES = 10


def add_arguments(parser):
    add_data_arguments(parser)
    training = parser.add_argument_group("training")
    training.add_argument(
        "--epochs",
        type=int,
        default=None,
        help=(
            "maximum number of full-batch gradient-descent steps "
            "(default: 1000; 100 for the dosage example)"
        ),
    )
    training.add_argument(
        "--learning-rate",
        type=float,
        default=None,
        metavar="RATE",
        help=(
            "step size: each step moves a parameter by -RATE times its derivative "
            "(default: 0.001 for the worked example, 0.1 for dosage and --data)"
        ),
    )
    training.add_argument(
        "--trainable",
        metavar="NAMES",
        default=None,
        help=(
            "comma-separated parameters to train, such as b3 or W5,W6; the others "
            "keep their values (default: all; b3 for the dosage example)"
        ),
    )
    training.add_argument(
        "--min-step",
        type=float,
        default=0.001,
        metavar="SIZE",
        help=(
            "with one trainable parameter, stop once a step moves it by less than "
            "SIZE (default: 0.001; 0 runs every epoch)"
        ),
    )
    training.add_argument(
        "--history-csv",
        metavar="PATH",
        help="write the loss after 0, 1, 2, ... steps to PATH as CSV (columns step, loss)",
    )


def run(args):
    # validate and build
    X, y, setup = load_data(args)
    network = build_network(args, X, setup)
    epochs = setup.epochs if args.epochs is None else args.epochs
    learning_rate = setup.learning_rate if args.learning_rate is None else args.learning_rate
    if epochs < 1:
        raise ValueError(f"--epochs must be at least 1, got {epochs}")
    if not (math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(
            f"--learning-rate must be a positive finite number such as 0.01, "
            f"got {learning_rate!r}"
        )
    if not (math.isfinite(args.min_step) and args.min_step >= 0):
        raise ValueError(f"--min-step must be 0 or a positive number, got {args.min_step!r}")
    if args.trainable is not None:
        trainable = [name.strip() for name in args.trainable.split(",") if name.strip()]
    else:
        trainable = setup.trainable
    names = network._check_trainable(trainable)
    initial = network.parameters()

    # describe
    print(f"data: {setup.description}")
    print(f"network: {network!r}")
    print(
        f"training {', '.join(names) if len(names) <= 3 else f'{len(names)} parameters'} "
        f"by full-batch gradient descent: learning rate {learning_rate:g}, "
        f"at most {epochs} epochs"
    )
    for note in _inactive_nodes(network, X):
        print(f"note: {note}")
    print()

    # train
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DivergenceWarning)
        if len(names) == 1:
            losses = _train_one_parameter(
                network, X, y, names[0], learning_rate, epochs, args.min_step
            )
        else:
            losses = _train_in_chunks(network, X, y, names, learning_rate, epochs)
    diverged = False
    for warning in caught:
        if issubclass(warning.category, DivergenceWarning):
            diverged = True
            print(f"warning: {warning.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )

    # report
    print()
    print(_parameter_table(initial, network.parameters(), names))
    if args.history_csv:
        History(losses, learning_rate, names, diverged=diverged).to_csv(args.history_csv)
        print(f"\nloss history written to {args.history_csv}")
    return 1 if diverged else 0


def _inactive_nodes(network, X):
    """Return a note for each hidden node whose activation slope is 0 on every row.

    Such a node passes no gradient back, so neither it nor the weights into it
    can change during training; ReLU nodes with a negative input on every row
    are the usual case.
    """
    notes = []
    hidden_layers = network.forward_values(X)[:-1]
    for layer, (z, _) in enumerate(hidden_layers):
        slopes = network.activations[layer].derivative(z)
        for node in np.flatnonzero(np.all(slopes == 0, axis=0)):
            notes.append(
                f"hidden node {node + 1} of hidden layer {layer + 1} has slope 0 on "
                "every row, so it will not train; try another --seed"
            )
    return notes


def _train_in_chunks(network, X, y, names, learning_rate, epochs):
    """Fit in up to ten chunks, printing the loss after each; return all losses."""
    chunk = max(1, math.ceil(epochs / N_PROGRESS_LINES))
    width = len(str(epochs))
    losses = [network.loss(X, y)]
    print(f"{'step':>{width + 5}}  loss")
    print(f"{0:>{width + 5}}  {losses[0]:.6g}")
    done = 0
    while done < epochs:
        count = min(chunk, epochs - done)
        # The warning of one chunk would count only that chunk's steps, so
        # this loop reports divergence itself, with the total.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            history = network.fit(
                X, y, learning_rate=learning_rate, epochs=count, trainable=names
            )
        # history.loss[0] is the loss before this chunk, already in losses
        losses.extend(history.loss[1:])
        done += len(history)
        if history.diverged:
            print(f"{done:>{width + 5}}  diverged; keeping the last finite parameters")
            warnings.warn(
                f"training diverged after {done} step(s) with learning rate "
                f"{learning_rate:g}; the network keeps the parameters of the last "
                "finite loss. Try a smaller --learning-rate",
                DivergenceWarning,
                stacklevel=2,
            )
            break
        losses.append(network.loss(X, y))
        print(f"{done:>{width + 5}}  {losses[-1]:.6g}")
    return np.array(losses)


def _train_one_parameter(network, X, y, name, learning_rate, epochs, min_step):
    """Fit one parameter step by step, printing slope, step size and new value."""
    columns = ("step", f"{name} before", f"slope dLoss/d{name}", "step size",
               f"{name} after", "loss after")
    widths = [max(len(column), 12) for column in columns]
    widths[0] = max(4, len(str(epochs)))
    print("  ".join(column.rjust(width) for column, width in zip(columns, widths)))
    losses = [network.loss(X, y)]
    for step in range(1, epochs + 1):
        before = network.parameter(name)
        slope = network.gradients(X, y)[name]
        step_size = learning_rate * slope
        history = network.fit(X, y, learning_rate=learning_rate, epochs=1, trainable=[name])
        if history.diverged:
            break
        losses.append(network.loss(X, y))
        cells = (str(step), f"{before:.6g}", f"{slope:.6g}", f"{step_size:.6g}",
                 f"{network.parameter(name):.6g}", f"{losses[-1]:.6g}")
        print("  ".join(cell.rjust(width) for cell, width in zip(cells, widths)))
        if abs(step_size) < min_step:
            print(f"\nstopped: the step size fell below --min-step {min_step:g}")
            break
    return np.array(losses)


def _parameter_table(initial, final, trained):
    """Return the aligned table of initial and final values of every parameter."""
    header = ("parameter", "initial", "final", "change")
    rows = []
    for name, value in final.items():
        change = f"{value - initial[name]:+.6g}" if name in trained else "fixed"
        rows.append((name, f"{initial[name]:.6g}", f"{value:.6g}", change))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].rjust(widths[2])]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    return "\n".join(lines)
