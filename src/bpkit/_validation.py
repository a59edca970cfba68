"""Input checks that run before any state changes or compiled code runs."""

import math
import numbers

import numpy as np

SUPPORTED_DTYPES = ("float64", "float32")


def check_dtype(dtype):
    """Return the NumPy dtype for ``dtype`` or raise naming the choices."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.name not in SUPPORTED_DTYPES:
        raise ValueError(
            f"dtype must be one of {', '.join(SUPPORTED_DTYPES)}, got {dtype!r}"
        )
    return resolved


def check_layer_sizes(layer_sizes):
    """Return layer sizes as a tuple of positive ints, inputs first."""
    try:
        sizes = tuple(layer_sizes)
    except TypeError:
        raise TypeError(
            "layer_sizes must be a sequence of ints such as (2, 2, 1), "
            f"got {layer_sizes!r}"
        ) from None
    if len(sizes) < 2:
        raise ValueError(
            "layer_sizes needs at least an input and an output width, such as "
            f"(2, 1), got {layer_sizes!r}"
        )
    for size in sizes:
        if not isinstance(size, numbers.Integral) or isinstance(size, bool) or size < 1:
            raise ValueError(
                f"every layer size must be a positive int, got {size!r} in "
                f"layer_sizes={layer_sizes!r}"
            )
    return tuple(int(size) for size in sizes)


def _as_float_matrix(values, argument, dtype):
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{argument} must be a numeric array, got {type(values).__name__}")
    try:
        array = np.asarray(values)
    except Exception as exc:
        raise TypeError(f"{argument} could not be read as an array: {exc}") from exc
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(
            f"{argument} must hold numbers, got an array of dtype {array.dtype}; "
            "convert it with np.asarray(..., dtype=float)"
        )
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{argument} must be real, got dtype {array.dtype}")
    with np.errstate(over="ignore"):
        converted = np.ascontiguousarray(array, dtype=dtype)
    if np.any(np.isinf(converted)):
        # a finite value too large for float32 would otherwise be reported as
        # infinity, a value the caller never passed
        overflow = np.isinf(converted.reshape(array.shape)) & np.isfinite(array)
        if np.any(overflow):
            index = tuple(int(i) for i in np.argwhere(overflow)[0])
            raise ValueError(
                f"{argument} value {array[index].item()!r} at index {index} is out of "
                f"the {converted.dtype.name} range; scale the data or use "
                "dtype='float64'"
            )
    return converted


def _check_finite(array, argument):
    if not np.all(np.isfinite(array)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(
            f"{argument} contains NaN or infinity (first at index {bad}, "
            f"value {array[bad].item()!r}); remove or impute those entries"
        )


def check_X(X, n_inputs, dtype):
    """Return X as a C-contiguous (n_samples, n_inputs) array of ``dtype``."""
    array = _as_float_matrix(X, "X", dtype)
    if array.ndim != 2:
        raise ValueError(
            f"X must have shape (n_samples, {n_inputs}), got shape {array.shape}; "
            "use X.reshape(-1, 1) for a single input"
            if array.ndim == 1
            else f"X must have shape (n_samples, {n_inputs}), got shape {array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError("X is empty: it needs at least one row")
    if array.shape[1] != n_inputs:
        raise ValueError(
            f"X has {array.shape[1]} columns but the network has {n_inputs} "
            f"input(s); X must have shape (n_samples, {n_inputs})"
        )
    _check_finite(array, "X")
    return array


def check_y(y, n_samples, n_outputs, dtype):
    """Return y as a C-contiguous (n_samples, n_outputs) array of ``dtype``."""
    array = _as_float_matrix(y, "y", dtype)
    if array.ndim == 1 and n_outputs == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or array.shape[1] != n_outputs:
        raise ValueError(
            f"y must have shape (n_samples,) or (n_samples, {n_outputs}) for a "
            f"network with {n_outputs} output(s), got shape {array.shape}"
            if n_outputs == 1
            else f"y must have shape (n_samples, {n_outputs}), got shape {array.shape}"
        )
    if array.shape[0] != n_samples:
        raise ValueError(
            f"y has {array.shape[0]} rows but X has {n_samples}; they must match"
        )
    _check_finite(array, "y")
    return array


def check_positive_finite(value, argument):
    """Return ``value`` as a float if it is a positive finite number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{argument} must be a positive finite number, got {value!r} of type "
            f"{type(value).__name__}"
        )
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(
            f"{argument} must be a positive finite number such as 0.01, got {value!r}"
        )
    return value


def check_count(value, argument, minimum=1):
    """Return ``value`` as an int if it is an integer of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{argument} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{argument} must be at least {minimum}, got {value!r}")
    return int(value)


def check_parameter(value, argument, owner, *, positive=False):
    """Return ``value`` as a float if it is finite and >= 0 (> 0 if ``positive``).

    Raises TypeError for a non-number and ValueError for a number out of range,
    naming the parameter and the activation or loss ``owner``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{owner}: {argument} must be a real number, got {value!r} of type "
            f"{type(value).__name__}"
        )
    value = float(value)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(
            f"{owner}: {argument} must be a finite number {bound}, got {value!r}"
        )
    return value
