"""The ``bpkit`` command line.

Each subcommand lives in its own module ``bpkit._commands.<module>``, which
defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args)``
returning the exit status. Building the parser imports every subcommand
module, so those modules import heavy dependencies inside ``run``.
"""

import argparse
import importlib
import logging
import sys

# subcommand name -> module in bpkit._commands
COMMANDS = {
    "explain": "explain",
    "gradcheck": "gradcheck",
    "check-plugin": "check_plugin",
    "plugins": "plugins",
    "train": "train",
}


def build_parser():
    """Return the argument parser with every subcommand."""
    from bpkit import __version__

    parser = argparse.ArgumentParser(
        prog="bpkit",
        description=(
            "Train small dense networks with a compiled backpropagation core and "
            "see why every weight moved."
        ),
    )
    parser.add_argument("--version", action="version", version=f"bpkit {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also print bpkit's debug log"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"bpkit._commands.{module_name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from bpkit import PluginError

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, OSError, PluginError) as exc:
        print(f"bpkit {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
