"""``bpkit check-plugin NAME``: run the conformance kit and print its report."""

import json

HELP = "check a registered activation or loss with the conformance kit"


def add_arguments(parser):
    parser.add_argument("name", help="registered name of the activation or loss")
    parser.add_argument(
        "--kind", choices=["activation", "loss"],
        help="which kind to check when NAME is both an activation and a loss",
    )
    parser.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE",
        help="parameter passed to the constructor, for example alpha=0.1; VALUE is "
             "read as JSON (numbers, true, false, null) or else as a string; repeatable",
    )


def run(args):
    from bpkit._registry import REGISTRY, get_activation, get_loss
    from bpkit.testing import check_activation, check_loss

    params = dict(_parse_param(text) for text in args.param)
    kinds = [kind for kind in ("activation", "loss")
             if args.kind in (None, kind) and args.name in REGISTRY.names(kind)]
    if not kinds:
        choices = REGISTRY.names(args.kind) if args.kind else (
            REGISTRY.names("activation") + REGISTRY.names("loss")
        )
        raise ValueError(
            f"no {args.kind or 'activation or loss'} is registered as {args.name!r}; "
            f"registered names are: {', '.join(sorted(choices))}. Run 'bpkit plugins' "
            "to see them with their packages."
        )
    passed = True
    for kind in kinds:
        factory, check = (
            (get_activation, check_activation) if kind == "activation"
            else (get_loss, check_loss)
        )
        report = check(factory(args.name, **params), raise_on_failure=False)
        print(report.to_text())
        passed = passed and report.passed
    return 0 if passed else 1


def _parse_param(text):
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise ValueError(f"--param must look like KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value
