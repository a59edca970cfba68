"""``bpkit gradcheck``: compare compiled gradients with central differences."""

from bpkit._commands._data_options import add_data_arguments, build_network, load_data
from bpkit._gradcheck import gradcheck

HELP = (
    "compare the compiled gradient of every parameter with central finite "
    "differences, at the initial parameters"
)


def add_arguments(parser):
    add_data_arguments(parser)
    check = parser.add_argument_group("gradient check")
    check.add_argument(
        "--eps",
        type=float,
        default=None,
        help=(
            "relative step h of the central differences, scaled by max(1, |p|) "
            "(default: about 6.1e-6, the cube root of float64 machine epsilon)"
        ),
    )
    check.add_argument(
        "--rtol",
        type=float,
        default=None,
        help="relative tolerance of the pass test (default: 1e-5)",
    )
    check.add_argument(
        "--atol",
        type=float,
        default=None,
        help="absolute tolerance of the pass test (default: 1e-7)",
    )


def run(args):
    X, y, setup = load_data(args)
    network = build_network(args, X, setup)
    print(f"data: {setup.description}")
    print(f"network: {network!r}")
    print()
    result = gradcheck(network, X, y, eps=args.eps, rtol=args.rtol, atol=args.atol)
    print(result.to_text())
    return 0 if result.ok else 1
