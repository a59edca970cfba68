"""``bpkit explain``: the chain rule for one parameter, and gradient-descent lessons.

The data and network come from the same options as ``bpkit train``: the
worked example, the dosage lesson (``--example dosage``) or a CSV file
(``--data FILE.csv --target COLUMN``). The network is explained at its
initial parameters, the ones ``bpkit train`` starts from.
"""

import sys

from bpkit._commands._data_options import add_data_arguments, build_network, load_data

HELP = "explain why the gradient of one parameter has its value"

FORMATS = ("text", "markdown", "latex")


def add_arguments(parser):
    parser.add_argument(
        "name", metavar="NAME", help="parameter to explain, for example W1, W5 or b3"
    )
    add_data_arguments(parser)
    lesson = parser.add_argument_group("explanation")
    lesson.add_argument(
        "--steps",
        type=int,
        default=0,
        metavar="N",
        help="run N gradient-descent steps on NAME alone, printing each step "
        "(default: 0, only the explanation)",
    )
    lesson.add_argument(
        "--learning-rate",
        type=float,
        default=None,
        metavar="RATE",
        help="learning rate of the steps (default: the example's, 0.1 for dosage)",
    )
    lesson.add_argument(
        "--format",
        default="text",
        choices=FORMATS,
        help="output format of the explanation (default: text)",
    )
    lesson.add_argument(
        "--max-rows",
        type=int,
        default=20,
        metavar="N",
        help="data rows shown; all rows enter the sum (default: 20)",
    )
    lesson.add_argument(
        "--history-csv",
        metavar="PATH",
        help="with --steps, write every step to this CSV file",
    )
    lesson.add_argument(
        "--plot",
        metavar="PATH",
        help="with --steps, save the loss against NAME with the tangent at each "
        "step, and the loss curve, as an image (needs matplotlib)",
    )


def _render(explanation, args):
    if args.format == "markdown":
        return explanation.to_markdown(max_rows=args.max_rows)
    if args.format == "latex":
        return explanation.to_latex(max_rows=args.max_rows) + "\n"
    return explanation.to_text(max_rows=args.max_rows)


def _step_line(number, explanation):
    """Format one lesson step: slope as a sum over rows, step size, new value."""
    name = explanation.name
    terms = " + ".join(
        f"({term:.4g})" if term < 0 else f"{term:.4g}" for term in explanation.row_terms
    )
    step = explanation.step
    slope = f"({step.slope:.6g})" if step.slope < 0 else f"{step.slope:.6g}"
    size = f"({step.step_size:.6g})" if step.step_size < 0 else f"{step.step_size:.6g}"
    return [
        f"Step {number}: {name} = {step.old:.6g}",
        f"  slope ∂L/∂{name} = {terms} = {step.slope:.6g}",
        f"  step size = {step.learning_rate:g} × {slope} = {step.step_size:.6g}",
        f"  new {name} = {step.old:.6g} − {size} = {step.new:.6g}",
    ]


def run(args):
    import bpkit

    # validate
    if args.steps < 0:
        raise ValueError(f"--steps must be 0 or more, got {args.steps}")
    if args.max_rows < 1:
        raise ValueError(f"--max-rows must be at least 1, got {args.max_rows}")
    if (args.history_csv or args.plot) and not args.steps:
        raise ValueError("--history-csv and --plot need --steps N with N >= 1")
    X, y, setup = load_data(args)
    network = build_network(args, X, setup)
    rate = setup.learning_rate if args.learning_rate is None else args.learning_rate

    # explain at the starting point
    learning_rate = rate if args.steps else None
    explanation = bpkit.explain(network, X, y, args.name, learning_rate=learning_rate)
    sys.stdout.write(_render(explanation, args))
    if not args.steps:
        return 0

    # walk gradient descent on NAME alone
    history = network.fit(
        X, y, learning_rate=rate, epochs=args.steps, trainable=[args.name]
    )
    lines = [
        "",
        f"Gradient descent on {args.name} alone, learning rate {rate:g}:",
    ]
    # explain each step again at the value the fit recorded, then restore
    current = network.parameter(args.name)
    for step in range(len(history)):
        network.set_parameter(args.name, float(history.values[step, 0]))
        step_explanation = bpkit.explain(network, X, y, args.name, learning_rate=rate)
        lines += _step_line(step + 1, step_explanation)
    network.set_parameter(args.name, current)
    lines.append(
        f"After {len(history)} steps: {args.name} = {current:.6g}, "
        f"loss {network.loss(X, y):.6g}"
    )
    print("\n".join(lines))

    # export
    if args.history_csv:
        history.to_csv(args.history_csv)
        print(f"wrote {len(history)} steps to {args.history_csv}")
    if args.plot:
        _save_plot(network, X, y, args.name, history, args.plot)
        print(f"wrote the plot to {args.plot}")
    return 0


def _save_plot(network, X, y, name, history, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise OSError(
            "--plot needs matplotlib; install it with pip install matplotlib"
        ) from None
    from bpkit.plots import plot_loss_curve, plot_loss_slice

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    plot_loss_slice(network, X, y, name, history=history, ax=left)
    plot_loss_curve(history, ax=right)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
