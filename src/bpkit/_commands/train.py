"""``bpkit train``: train a network on a built-in example or a CSV file."""

HELP = "train a network and print the loss and the final parameters"


def add_arguments(parser):
    parser.add_argument("--example", default="worked", choices=["worked", "dosage"],
                        help="built-in example to train (default: worked)")


def run(args):
    # TODO: the worked example, the dosage example and CSV training.
    raise NotImplementedError("bpkit train is not built yet")
