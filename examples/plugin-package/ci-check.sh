#!/usr/bin/env bash
# Install the example plugin into a venv that already has bpkit, run its
# tests, and use it by name from the command line and from Python.
#
# Usage: examples/plugin-package/ci-check.sh PATH/TO/venv/bin/python
# Run from anywhere; paths are taken relative to this script.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 PYTHON (the python of a venv with bpkit[test] installed)" >&2
    exit 2
fi
python=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

echo "== install bpkit-smooth"
# Build isolation fetches the setuptools version that the package's pyproject
# requires, because a fresh venv's own setuptools may be too old for its metadata.
"$python" -m pip install --quiet "$here"

echo "== the plugin's own tests"
"$python" -m pytest -q "$here/tests"

echo "== bpkit plugins lists the plugin's functions and package"
listing=$("$python" -m bpkit plugins)
echo "$listing"
for name in mish softsign log_cosh; do
    if ! grep -Eq "^(activation|loss) +$name +bpkit-smooth " <<<"$listing"; then
        echo "bpkit plugins does not list $name from bpkit-smooth" >&2
        exit 1
    fi
done

echo "== bpkit check-plugin"
for name in mish softsign log_cosh; do
    "$python" -m bpkit check-plugin "$name"
done

echo "== train a network that uses the plugin by name"
"$python" - <<'PYTHON'
import numpy as np

import bpkit

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = np.array([0.0, 1.0, 1.0, 0.0])
network = bpkit.Network((2, 4, 1), activation="mish", loss="log_cosh", seed=3)
before = network.loss(X, y)
history = network.fit(X, y, learning_rate=0.5, epochs=300)
print(network)
print(f"loss {before:.6g} -> {history.loss[-1]:.6g}")
assert history.loss[-1] < 0.5 * before, "training with mish and log_cosh did not learn"
assert "[bpkit-smooth]" in repr(network)
PYTHON

# The two checks below need `bpkit explain`, the Sphinx derivation pages and
# Sphinx itself in the venv; a missing one fails the check.
work=$(mktemp -d "${TMPDIR:-/tmp}/bpkit-smooth-ci.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf 'x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n' >"$work/xor.csv"

echo "== bpkit explain shows the plugin's formulas"
if "$python" -m bpkit explain --help >/dev/null 2>&1; then
    "$python" -m bpkit explain W1 --data "$work/xor.csv" --target y --hidden 4 \
        --activation mish --loss log_cosh --format latex >"$work/explain.tex"
    "$python" - "$work/explain.tex" <<'PYTHON'
import sys

import bpkit

text = open(sys.argv[1]).read()
formulas = [
    bpkit.get_activation("mish").latex,
    bpkit.get_activation("mish").latex_derivative,
    bpkit.get_loss("log_cosh").latex,
    bpkit.get_loss("log_cosh").latex_derivative,
]
missing = [formula for formula in formulas if formula not in text]
if missing:
    sys.exit(f"bpkit explain --format latex does not show: {missing}")
print("bpkit explain shows all", len(formulas), "formulas")
PYTHON
else
    echo "this bpkit has no 'bpkit explain' command" >&2
    exit 1
fi

echo "== the docs' derivation page shows the plugin's formulas"
docs=$(cd "$here/../.." && pwd)/docs
if [[ -f "$docs/derivations.rst" ]] && "$python" -c "import sphinx" 2>/dev/null; then
    "$python" -m sphinx -W -q -b html "$docs" "$work/html"
    "$python" - "$work/html/derivations.html" <<'PYTHON'
import html
import sys

import bpkit

page = open(sys.argv[1]).read()
objects = [bpkit.get_activation(name) for name in ("mish", "softsign")]
objects.append(bpkit.get_loss("log_cosh"))
missing = [
    f"{obj.name}: {formula}"
    for obj in objects
    for formula in (obj.latex, obj.latex_derivative)
    if html.escape(formula, quote=False) not in page
]
if missing:
    sys.exit(f"derivations.html does not show: {missing}")
print("derivations.html shows the formulas of", ", ".join(obj.name for obj in objects))
PYTHON
else
    echo "no docs/derivations.rst, or Sphinx is not installed in this venv" >&2
    exit 1
fi
echo "== ok"
