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
# --no-build-isolation: build with the venv's setuptools, without a download.
"$python" -m pip install --quiet --no-build-isolation "$here"

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

# TODO: once `bpkit explain` and the derivation pages exist, check here that
# they show the mish and log_cosh formulas (their latex strings).
echo "== ok"
