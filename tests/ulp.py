"""Distances between floating-point numbers in units in the last place."""

import numpy as np


def _ordered(values, dtype):
    """Map floats to integers whose order and spacing follow the floats."""
    values = np.ascontiguousarray(values, dtype=dtype)
    if values.dtype == np.float64:
        bits = values.view(np.int64).astype(np.int64)
        magnitude = bits & np.int64(0x7FFFFFFFFFFFFFFF)
    else:
        bits = values.view(np.int32).astype(np.int64)
        magnitude = bits & np.int64(0x7FFFFFFF)
    return np.where(bits < 0, -magnitude, magnitude)


def ulp_distance(actual, expected, dtype):
    """Return how many representable numbers of ``dtype`` lie between the two.

    Both arrays are converted to ``dtype`` first. +0 and -0 are 0 apart, and
    subnormal numbers count like any other.
    """
    return np.abs(_ordered(actual, dtype) - _ordered(expected, dtype))
