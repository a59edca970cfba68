"""``bpkit plugins``: list every activation and loss and the package behind it."""

import json

HELP = "list every registered activation and loss with its formula and package"


def add_arguments(parser):
    parser.add_argument(
        "--kind", choices=["activation", "loss"],
        help="list only activations or only losses (default: both)",
    )
    parser.add_argument(
        "--model", metavar="PATH",
        help="instead, list the activations and the loss of the model saved at PATH, "
             "with the plugin and package recorded in the file and whether they "
             "are installed",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args):
    rows = _model_rows(args.model) if args.model else _registry_rows(args.kind)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    columns = ["kind", "name", "package", "plugin", "formula"]
    if args.model:
        columns = ["role", "name", "package", "plugin", "installed"]
    print(_table(rows, columns))
    return 0


def _registry_rows(kind):
    from bpkit._registry import REGISTRY

    symbol = {"activation": "f(z) =", "loss": "L ="}
    rows = []
    for current in ("activation", "loss"):
        if kind not in (None, current):
            continue
        for name, cls, plugin, package in REGISTRY.entries(current):
            rows.append({
                "kind": current,
                "name": name,
                "package": package if package is not None else "(run time)",
                "plugin": plugin,
                "formula": f"{symbol[current]} {cls.latex}",
                "derivative": cls.latex_derivative,
            })
    return rows


def _model_rows(path):
    from bpkit._persistence import read_header
    from bpkit._registry import REGISTRY

    header = read_header(path)
    rows = []
    for role, kind in (("activation", "activation"), ("output_activation", "activation"),
                       ("loss", "loss")):
        record = header.get(role)
        if record is None:
            continue
        installed = record["name"] in REGISTRY.names(kind)
        rows.append({
            "role": role,
            "name": record["name"],
            "params": record["params"],
            "package": record.get("package"),
            "plugin": record.get("plugin"),
            "installed": "yes" if installed else f"no: pip install {record.get('package')}",
        })
    return rows


def _table(rows, columns):
    cells = [[str(row.get(column, "")) for column in columns] for row in rows]
    widths = [
        max([len(column)] + [len(line[i]) for line in cells])
        for i, column in enumerate(columns)
    ]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for line in cells:
        lines.append("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())
    return "\n".join(lines)
