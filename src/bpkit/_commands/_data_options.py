"""Data and network options shared by the subcommands that need a trained setup.

``add_data_arguments(parser)`` adds the options that choose the data (a
built-in example or a CSV file) and the network (hidden widths, activation,
loss, seed). ``load_data(args)`` reads the data and returns it with an
:class:`ExampleSetup` of defaults, and ``build_network(args, setup)`` builds
the network those options describe.
"""

import csv
import math
import os
from dataclasses import dataclass, field

import numpy as np

from bpkit._datasets import dosage_parameters, load_dosage, load_worked_example

EXAMPLES = ("worked", "dosage")


@dataclass
class ExampleSetup:
    """Defaults for one data source: the network and how to train it.

    ``initial_parameters`` are set after the network is built, and
    ``trainable`` (None for all) names the parameters that training moves.
    """

    description: str
    input_names: list
    target_name: str
    hidden: tuple
    activation: str
    output_activation: str
    loss: str
    learning_rate: float
    epochs: int
    seed: int
    initial_parameters: dict = field(default_factory=dict)
    trainable: list = None


def add_data_arguments(parser):
    """Add the data and network options to an argparse ``parser``."""
    data = parser.add_argument_group("data")
    data.add_argument(
        "--example",
        choices=EXAMPLES,
        default=None,
        help=(
            "built-in example: 'worked' is the 2-2-1 ReLU network on two iris "
            "petal measurements scaled to [0, 1] (the default when --data is not "
            "given); 'dosage' is the 1-2-1 softplus network on dosages 0, 0.5, 1 "
            "with efficacy 0, 1, 0 and fixed parameters except b3"
        ),
    )
    data.add_argument(
        "--data",
        metavar="FILE.csv",
        help=(
            "CSV file with a header row; the --target column is the output and "
            "every other column is an input. All values must be numbers."
        ),
    )
    data.add_argument(
        "--target",
        metavar="COLUMN",
        help="name of the CSV column to predict (required with --data)",
    )

    network = parser.add_argument_group("network")
    network.add_argument(
        "--hidden",
        metavar="WIDTHS",
        help=(
            "comma-separated widths of the hidden layers, for example 4,4 "
            "(default: 2 for the examples, 4 for --data)"
        ),
    )
    network.add_argument(
        "--activation",
        metavar="NAME",
        help=(
            "activation of the hidden layers, a registered name "
            "(default: relu; softplus for the dosage example)"
        ),
    )
    network.add_argument(
        "--loss",
        metavar="NAME",
        help="loss to minimise, a registered name (default: ssr; mse for --data)",
    )
    network.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the random initial weights (default: 0)",
    )


def load_data(args):
    """Read the data chosen by the options.

    Returns
    -------
    X : ndarray of shape (n_samples, n_inputs)
    y : ndarray of shape (n_samples,)
    setup : ExampleSetup
        The defaults for this data.
    """
    if args.data is not None:
        if args.example is not None:
            raise ValueError(
                f"--example {args.example} and --data {args.data} both choose the "
                "data; give only one of them"
            )
        if args.target is None:
            raise ValueError(
                "--data needs --target COLUMN, the name of the column to predict"
            )
        X, y, input_names = read_csv(args.data, args.target)
        setup = ExampleSetup(
            description=(
                f"{os.path.basename(args.data)}: {X.shape[0]} rows, "
                f"inputs {', '.join(input_names)}, target {args.target}"
            ),
            input_names=input_names,
            target_name=args.target,
            hidden=(4,),
            activation="relu",
            output_activation="identity",
            loss="mse",
            learning_rate=0.1,
            epochs=1000,
            seed=0,
        )
        return X, y, setup

    if args.target is not None:
        raise ValueError("--target only applies to --data FILE.csv")
    if args.example == "dosage":
        return _dosage_setup(args)
    return _worked_setup()


def _worked_setup():
    X, y = load_worked_example()
    setup = ExampleSetup(
        description=(
            "worked example: 150 irises, inputs petal length and petal width "
            "scaled to [0, 1], target 1 for Iris virginica, else 0"
        ),
        input_names=["petal_length", "petal_width"],
        target_name="virginica",
        hidden=(2,),
        activation="relu",
        output_activation="identity",
        loss="ssr",
        # With seed 0 both hidden ReLUs are active on part of the data before
        # and after training, and the loss falls from about 37 to about 6.3.
        learning_rate=0.001,
        epochs=1000,
        seed=0,
    )
    return X, y, setup


def _dosage_setup(args):
    changed = [
        option
        for option, value in (("--hidden", args.hidden), ("--activation", args.activation))
        if value is not None
    ]
    if changed:
        raise ValueError(
            f"the dosage example has fixed parameters for a 1-2-1 softplus network, "
            f"so {' and '.join(changed)} cannot change it; drop {' and '.join(changed)}"
        )
    X, y = load_dosage()
    setup = ExampleSetup(
        description=(
            "dosage example: dosages 0, 0.5, 1 with efficacy 0, 1, 0; every "
            "parameter fixed except the output bias b3"
        ),
        input_names=["dosage"],
        target_name="efficacy",
        hidden=(2,),
        activation="softplus",
        output_activation="identity",
        loss="ssr",
        learning_rate=0.1,
        epochs=100,
        seed=0,
        initial_parameters=dosage_parameters(),
        trainable=["b3"],
    )
    return X, y, setup


def parse_hidden(text):
    """Return the hidden widths in ``text`` such as ``"4,4"`` as a tuple of ints."""
    widths = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise ValueError(
                f"--hidden must be comma-separated positive ints such as 4,4, "
                f"got {text!r}"
            )
        widths.append(int(part))
    return tuple(widths)


def build_network(args, X, setup):
    """Build the Network described by the options, falling back to ``setup``."""
    from bpkit._network import Network

    hidden = setup.hidden if args.hidden is None else parse_hidden(args.hidden)
    seed = setup.seed if args.seed is None else args.seed
    network = Network(
        (X.shape[1], *hidden, 1),
        activation=args.activation or setup.activation,
        output_activation=setup.output_activation,
        loss=args.loss or setup.loss,
        seed=seed,
    )
    for name, value in setup.initial_parameters.items():
        network.set_parameter(name, value)
    return network


def read_csv(path, target):
    """Read a numeric CSV file with a header row.

    Returns
    -------
    X : ndarray of shape (n_rows, n_columns - 1)
        Every column except ``target``, in file order.
    y : ndarray of shape (n_rows,)
    input_names : list of str
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--data file {path!r} not found")
    # utf-8-sig drops the byte order mark that spreadsheet programs write,
    # which would otherwise become part of the first column name
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            rows = [row for row in csv.reader(stream) if any(cell.strip() for cell in row)]
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path} is not valid UTF-8 ({exc}); save it as UTF-8 CSV"
        ) from None
    if not rows:
        raise ValueError(f"{path} is empty; it needs a header row and data rows")
    header = [name.strip() for name in rows[0]]
    body = rows[1:]
    if not body:
        raise ValueError(f"{path} has a header row but no data rows")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ValueError(f"{path} repeats column name(s) {', '.join(duplicates)}")
    if target not in header:
        raise ValueError(
            f"--target column {target!r} not found in {path}; its columns are "
            f"{', '.join(header)}"
        )
    if len(header) < 2:
        raise ValueError(
            f"{path} has only the column {target!r}; it needs at least one input column"
        )

    # parse every cell, collecting rows with missing values and text columns
    values = np.empty((len(body), len(header)), dtype=np.float64)
    missing_rows = []
    text_columns = {}
    for row_index, row in enumerate(body):
        line = row_index + 2
        if len(row) != len(header):
            raise ValueError(
                f"{path} line {line} has {len(row)} fields but the header has "
                f"{len(header)}"
            )
        for column, cell in enumerate(row):
            value = _parse_number(cell)
            if value is None:
                text_columns.setdefault(header[column], (line, cell))
                value = math.nan
            elif math.isnan(value) or math.isinf(value):
                missing_rows.append(line)
            values[row_index, column] = value
    if text_columns:
        details = "; ".join(
            f"{name!r} (line {line}: {cell!r})" for name, (line, cell) in text_columns.items()
        )
        raise ValueError(
            f"{path} has non-numeric values in column(s) {details}; bpkit trains on "
            "numbers only, so encode or drop those columns"
        )
    if missing_rows:
        line_numbers = sorted(set(missing_rows))
        listed = ", ".join(str(line) for line in line_numbers[:10])
        more = f" and {len(line_numbers) - 10} more" if len(line_numbers) > 10 else ""
        raise ValueError(
            f"{path} has empty, NaN or infinite values on line(s) {listed}{more}; "
            "remove or fill those rows"
        )

    target_index = header.index(target)
    input_indices = [i for i in range(len(header)) if i != target_index]
    return (
        values[:, input_indices].copy(),
        values[:, target_index].copy(),
        [header[i] for i in input_indices],
    )


def _parse_number(cell):
    """Return the float in ``cell``, NaN for an empty cell, or None for text."""
    text = cell.strip()
    if text == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        return None
