"""Saving and loading networks in a safe, versioned file format.

A model file is an uncompressed NumPy ``.npz`` archive (a zip file) with
exactly two members:

``header``
    A uint8 array of UTF-8 JSON. It contains the format name
    ``"bpkit-model"``, the format version, the layer sizes, the dtype and the
    parameter names in storage order. It also records the hidden activation,
    the output activation and the loss, each with its name, parameters,
    plugin and package.
``parameters``
    The flat parameter vector in the network's dtype, in storage order.

The zip archive's comment contains ``bpkit-sha256:`` and the SHA-256 of the
whole file as written with an empty comment, so a change to any byte, or a
truncation, is detected before anything is read.

Nothing in the file is ever unpickled: :func:`load` reads it with
``allow_pickle=False`` and checks every field before it builds a network.
"""

import hashlib
import io
import json
import logging
import os
import tempfile
import warnings
import zipfile
import zlib

import numpy as np

from bpkit._exceptions import MissingPluginError, ModelFileError, ProvenanceWarning
from bpkit._registry import DISABLE_ENV_VAR, REGISTRY
from bpkit._validation import check_layer_sizes

logger = logging.getLogger("bpkit")

FORMAT_NAME = "bpkit-model"
FORMAT_VERSION = 1
_MEMBERS = ("header", "parameters")
_CHECKSUM_PREFIX = b"bpkit-sha256:"
_CHECKSUM_LENGTH = len(_CHECKSUM_PREFIX) + 64
# The end-of-central-directory record closes every zip file: a 4-byte
# signature, 16 bytes of counts and offsets, then the comment length and
# the comment.
_END_SIGNATURE = b"PK\x05\x06"
_END_SIZE = 22
_ROLES = (("activation", "activation"), ("output_activation", "activation"),
          ("loss", "loss"))


# ---------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------


def save_network(network, path):
    """Write ``network`` to ``path``: a temporary file beside it, then a rename.

    ``path`` is either the complete new file or left as it was.
    """
    from bpkit import __version__

    path = _check_path(path)

    # describe the network; fails before anything is written
    provenance = network.provenance()
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "bpkit_version": __version__,
        "layer_sizes": list(network.layer_sizes),
        "dtype": network.dtype.name,
        "seed": network.seed if isinstance(network.seed, int) else None,
        "parameter_names": list(network._layout.names),
    }
    for role, _ in _ROLES:
        record = provenance[role]
        # A network without hidden layers has no hidden activation (None).
        if record is not None:
            record["params"] = {
                key: value.item() if isinstance(value, np.generic) else value
                for key, value in record["params"].items()
            }
            _check_json_params(record, role)
        header[role] = record
    parameters = np.ascontiguousarray(network._params)
    header_bytes = np.frombuffer(
        json.dumps(header, allow_nan=False, sort_keys=True).encode("utf-8"), dtype=np.uint8
    )
    data = _with_checksum(header_bytes, parameters)

    # write to a temporary file in the same directory, then rename over path
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"cannot save to {path}: the directory {directory} does not exist; "
            "create it first"
        )
    handle, temporary = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates the file readable by its owner only; give the model
        # the mode of the file it replaces, or rw-r--r-- for a new file.
        mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    logger.debug("saved %r to %s", network, path)


def _with_checksum(header_bytes, parameters):
    """Return the bytes of the archive, its SHA-256 stored as the zip comment."""
    buffer = io.BytesIO()
    np.savez(buffer, header=header_bytes, parameters=parameters)
    plain = buffer.getvalue()
    if plain[-_END_SIZE:-_END_SIZE + 4] != _END_SIGNATURE or plain[-2:] != b"\x00\x00":
        raise AssertionError("numpy.savez wrote an archive without a plain end record")
    comment = _CHECKSUM_PREFIX + hashlib.sha256(plain).hexdigest().encode("ascii")
    return plain[:-2] + len(comment).to_bytes(2, "little") + comment


def _verify_checksum(data):
    """Return True if ``data`` ends with a valid bpkit checksum, False if it has none.

    Raises ModelFileError if the checksum is present but does not match.
    """
    comment = data[-_CHECKSUM_LENGTH:]
    end = len(data) - _CHECKSUM_LENGTH - _END_SIZE
    if not comment.startswith(_CHECKSUM_PREFIX) or end < 0 or data[
        end:end + 4
    ] != _END_SIGNATURE:
        return False
    if data[-_CHECKSUM_LENGTH - 2:-_CHECKSUM_LENGTH] != _CHECKSUM_LENGTH.to_bytes(2, "little"):
        raise ModelFileError("the file is corrupted: its zip comment length is wrong")
    plain = data[:-_CHECKSUM_LENGTH - 2] + b"\x00\x00"
    if hashlib.sha256(plain).hexdigest().encode("ascii") != comment[len(_CHECKSUM_PREFIX):]:
        raise ModelFileError(
            "the file is corrupted: its SHA-256 does not match the one recorded when "
            "it was saved"
        )
    return True


def _check_path(path):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    return os.fspath(path)


def _check_json_params(record, role):
    for key, value in record["params"].items():
        if not isinstance(value, (bool, int, float, str, type(None))) or (
            isinstance(value, float) and not np.isfinite(value)
        ):
            raise TypeError(
                f"cannot save parameter {key}={value!r} of the {role} "
                f"{record['name']!r}: saved parameters must be finite numbers, "
                "strings, booleans or None"
            )


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def load(path):
    """Return the network saved at ``path`` by :meth:`bpkit.Network.save`.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    Network
        With the saved layer sizes, dtype, activations, loss and parameters.
        Its history is empty.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    bpkit.ModelFileError
        If the file is truncated, corrupted, not a bpkit model, or written in a
        newer format version than this bpkit reads.
    bpkit.MissingPluginError
        If no installed plugin provides one of the model's activations or its
        loss; the message names the package to install.

    Notes
    -----
    The file is read with ``allow_pickle=False``: loading never runs code
    stored in the file. The activations and the loss are looked up by name in
    the plugin registry. If the package that provides one differs from the
    package recorded in the file, a :class:`bpkit.ProvenanceWarning` is
    emitted.
    """
    from bpkit._network import Network

    path = _check_path(path)
    header, parameters = _read_file(path)
    parts = {}
    for role, kind in _ROLES:
        if header.get(role) is not None:
            parts[role] = _resolve(header[role], kind, path)
    _check_parameter_count(header, parameters, path)
    try:
        network = Network(
            header["layer_sizes"],
            # without hidden layers no hidden activation is used or recorded
            activation=parts.get("activation", parts["output_activation"]),
            output_activation=parts["output_activation"],
            loss=parts["loss"],
            seed=header.get("seed"),
            dtype=header["dtype"],
        )
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path} has a corrupted header: {exc}") from exc
    if network._layout.n_params != parameters.shape[0] or list(
        network._layout.names
    ) != header["parameter_names"]:
        raise ModelFileError(
            f"{path} is corrupted: its parameter names do not match layer sizes "
            f"{header['layer_sizes']}"
        )
    network._params[...] = parameters
    return network


def _check_parameter_count(header, parameters, path):
    """Raise ModelFileError unless the layer sizes give the stored parameter count.

    Checked before the network is built, so a corrupted header cannot make
    load allocate a network far larger than the file.
    """
    try:
        sizes = check_layer_sizes(header["layer_sizes"])
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path} has a corrupted header: {exc}") from exc
    expected = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes, sizes[1:]))
    if expected != parameters.shape[0]:
        raise ModelFileError(
            f"{path} is corrupted: layer sizes {list(sizes)} need {expected} "
            f"parameters, but it stores {parameters.shape[0]}"
        )


def read_header(path):
    """Return the checked header of a model file, without needing its plugins."""
    return _read_file(_check_path(path))[0]


def _read_file(path):
    """Return the checked (header, parameters) of a model file."""
    with open(path, "rb") as stream:
        data = stream.read()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ModelFileError(
            f"{path} is not a bpkit model: it is not an .npz (zip) archive, or it "
            "is truncated. Save models with Network.save."
        )
    try:
        has_checksum = _verify_checksum(data)
    except ModelFileError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            if sorted(archive.files) != sorted(_MEMBERS):
                raise ModelFileError(
                    f"{path} is not a bpkit model: it contains the arrays "
                    f"{sorted(archive.files)}, expected {list(_MEMBERS)}"
                )
            if not has_checksum:
                raise ModelFileError(
                    f"{path} is not a complete bpkit model: it lacks the checksum "
                    "that Network.save writes, so it was truncated or rewritten by "
                    "another program"
                )
            header_bytes = archive["header"]
            parameters = archive["parameters"]
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError,
            NotImplementedError) as exc:
        raise ModelFileError(
            f"{path} is truncated or corrupted and cannot be read: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    header = _parse_header(header_bytes, path)
    _check_parameters(parameters, header, path)
    return header, parameters


def _parse_header(header_bytes, path):
    if header_bytes.dtype != np.uint8 or header_bytes.ndim != 1:
        raise ModelFileError(f"{path} is not a bpkit model: its header is not JSON bytes")
    try:
        header = json.loads(header_bytes.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path} has a corrupted header: {exc}") from exc

    # format and version
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ModelFileError(
            f"{path} is not a bpkit model: its header does not name the format "
            f"{FORMAT_NAME!r}"
        )
    version = header.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{path} has an invalid format version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} uses model format version {version}, written by bpkit "
            f"{header.get('bpkit_version', '(unknown)')}; this bpkit reads versions up "
            f"to {FORMAT_VERSION}. Upgrade bpkit to load it."
        )

    # fields and their types
    expected = {
        "layer_sizes": list, "dtype": str, "parameter_names": list,
        "output_activation": dict, "loss": dict,
    }
    if len(header.get("layer_sizes") or ()) != 2:
        expected["activation"] = dict
    for key, kind in expected.items():
        if not isinstance(header.get(key), kind):
            raise ModelFileError(
                f"{path} has a corrupted header: field {key!r} is missing or not a "
                f"{kind.__name__}"
            )
    for role in expected.keys() & {"activation", "output_activation", "loss"}:
        record = header[role]
        if not isinstance(record.get("name"), str) or not isinstance(
            record.get("params"), dict
        ):
            raise ModelFileError(
                f"{path} has a corrupted header: {role} needs a name and params"
            )
    if header.get("seed") is not None and not isinstance(header["seed"], int):
        raise ModelFileError(f"{path} has a corrupted header: seed {header['seed']!r}")
    return header


def _check_parameters(parameters, header, path):
    if parameters.dtype.name != header["dtype"] or parameters.ndim != 1:
        raise ModelFileError(
            f"{path} is corrupted: parameters have dtype {parameters.dtype} and shape "
            f"{parameters.shape}, the header says a flat {header['dtype']} vector"
        )
    if not np.all(np.isfinite(parameters)):
        raise ModelFileError(f"{path} is corrupted: its parameters contain NaN or infinity")


def _resolve(record, kind, path):
    """Return the activation or loss a header record names, from the registry."""
    name, params = record["name"], record["params"]
    package, plugin = record.get("package"), record.get("plugin")
    if name not in REGISTRY.names(kind):
        if package is None:
            fix = (
                f"it came from plugin {plugin!r}, registered at run time; register "
                "that plugin with bpkit.register_plugin before loading"
            )
        else:
            fix = f"install the package that provides it: pip install {package}"
        if os.environ.get(DISABLE_ENV_VAR, "") not in ("", "0"):
            fix += f", and unset {DISABLE_ENV_VAR}"
        raise MissingPluginError(
            f"{path} uses the {kind} {name!r} from plugin {plugin!r} (package "
            f"{package!r}), which no installed plugin provides; {fix}",
            kind=kind, name=name, plugin=plugin, package=package,
        )
    from bpkit._registry import get_activation, get_loss

    factory = get_activation if kind == "activation" else get_loss
    try:
        instance = factory(name, **params)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(
            f"{path} stores parameters {params!r} for the {kind} {name!r} that the "
            f"installed version rejects: {exc}"
        ) from exc
    if package is not None and instance.package != package:
        warnings.warn(
            f"{path} was saved with the {kind} {name!r} from package {package!r}, "
            f"but package {instance.package!r} provides it now; check that both "
            "define the same function",
            ProvenanceWarning,
            stacklevel=3,
        )
    return instance
