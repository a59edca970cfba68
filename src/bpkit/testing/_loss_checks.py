"""Conformance checks of a loss: value L(y_true, y_pred) and gradient dL/dy_pred.

Each check takes the loss and returns a list of failure sentences, each
naming the input point and the size of the error. Test points lie inside the
loss's declared ``y_true_domain`` and ``y_pred_domain``.
"""

import math

import numpy as np

from bpkit.testing._common import (
    DERIVATIVE_RTOL,
    DTYPES,
    FLOAT32_ATOL,
    FLOAT32_RTOL,
    array_problem,
    call,
    describe_number,
    difference_step,
    latex_check,
    layout_variants,
    name_check,
    rounding_tolerance,
)

REDUCTIONS = ("sum", "mean")


def _domain(loss, attribute):
    low, high = getattr(loss, attribute)
    return float(low), float(high)


def sample(domain, shape, rng, closed):
    """Draw points of ``shape`` inside ``domain``; include the finite bounds if ``closed``."""
    low, high = domain
    if math.isfinite(low) and math.isfinite(high):
        margin = 0.0 if closed else 0.05 * (high - low)
        points = rng.uniform(low + margin, high - margin, size=shape)
        if closed and points.size >= 2:
            points.flat[0], points.flat[-1] = low, high
        return points
    if math.isfinite(low):
        return low + rng.exponential(2.0, size=shape) + (0.0 if closed else 0.05)
    if math.isfinite(high):
        return high - rng.exponential(2.0, size=shape) - (0.0 if closed else 0.05)
    return rng.normal(0.0, 2.0, size=shape)


def _pair(loss, shape, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    y_true = sample(_domain(loss, "y_true_domain"), shape, rng, closed=True)
    y_pred = sample(_domain(loss, "y_pred_domain"), shape, rng, closed=False)
    return y_true.astype(dtype), y_pred.astype(dtype)


def _value(loss, y_true, y_pred):
    """Return the loss value as a float, or raise ValueError saying what it was."""
    value = call(loss, "value", y_true, y_pred)
    if np.ndim(value) != 0 or not np.isrealobj(value):
        raise ValueError(f"value() returned {value!r}, expected a real number")
    return float(value)


def check_metadata(loss):
    failures = name_check(loss)
    if getattr(loss, "reduction", None) not in REDUCTIONS:
        failures.append(
            f"reduction is {getattr(loss, 'reduction', None)!r}, expected one of "
            f"{REDUCTIONS}"
        )
    for attribute in ("y_true_domain", "y_pred_domain"):
        try:
            low, high = _domain(loss, attribute)
            valid = low < high
        except (TypeError, ValueError):
            valid = False
        if not valid:
            failures.append(
                f"{attribute} is {getattr(loss, attribute, None)!r}, expected "
                "(low, high) with low < high"
            )
    return failures


def check_latex(loss):
    return latex_check(loss)


def check_shape_and_dtype(loss):
    failures = []
    for dtype in DTYPES:
        for shape in ((1, 1), (5, 1), (4, 3)):
            y_true, y_pred = _pair(loss, shape, seed=2, dtype=dtype)
            for layout, y_pred_variant in layout_variants(y_pred):
                y_true_variant = dict(layout_variants(y_true))[layout]
                before = (y_true_variant.copy(), y_pred_variant.copy())
                try:
                    _value(loss, y_true_variant, y_pred_variant)
                except ValueError as exc:
                    failures.append(f"{exc} ({layout} {dtype} input)")
                gradient = call(loss, "gradient", y_true_variant, y_pred_variant)
                problem = array_problem(gradient, y_pred_variant, "gradient")
                if problem is not None:
                    failures.append(f"{problem} ({layout} {dtype} input)")
                if not (np.array_equal(y_true_variant, before[0])
                        and np.array_equal(y_pred_variant, before[1])):
                    failures.append(
                        f"value() or gradient() modified its {layout} {dtype} input; "
                        "they must not write to y_true or y_pred"
                    )
    return failures


def check_gradient(loss):
    """Compare dL/dy_pred with central differences of L, one element at a time.

    As for activations, an element that fails is tried again with h / 10 and
    h / 100 and fails only if all three steps fail.
    """
    failures = []
    n_points = 0
    kinks = np.asarray(getattr(loss, "kinks", ()), dtype=np.float64)
    for shape, seed in (((4, 3), 3), ((6, 1), 4), ((3, 2), 5)):
        y_true, y_pred = _pair(loss, shape, seed)
        gradient = call(loss, "gradient", y_true, y_pred)
        for index in np.ndindex(shape):
            step = _loss_step(loss, y_pred[index])
            residual = y_pred[index] - y_true[index]
            if np.any(np.abs(residual - kinks) <= 2 * step):
                continue
            n_points += 1
            for factor in (1.0, 10.0, 100.0):
                difference, tolerance = _loss_difference(
                    loss, y_true, y_pred, index, step / factor, gradient[index]
                )
                error = abs(gradient[index] - difference)
                if factor == 1.0:
                    first = (difference, tolerance, error)
                if error <= tolerance:
                    break
            else:
                difference, tolerance, error = first
                failures.append(
                    f"at y_true = {describe_number(y_true[index])}, y_pred = "
                    f"{describe_number(y_pred[index])} (element {index} of a {shape} "
                    f"batch) gradient() returned {describe_number(gradient[index])} but "
                    f"the central difference with h = {step:.2g} is "
                    f"{describe_number(difference)}: error {error:.3g}, tolerance "
                    f"{tolerance:.3g} (it fails with h / 10 and h / 100 too)"
                )
    if failures:
        failures.insert(0, f"{len(failures)} of {n_points} points fail")
    return failures


def _loss_step(loss, point):
    """Return the difference step at ``point``, kept inside ``y_pred_domain``."""
    low, high = _domain(loss, "y_pred_domain")
    step = float(difference_step(point))
    return min(step, 0.5 * (point - low), 0.5 * (high - point))


def _loss_difference(loss, y_true, y_pred, index, step, gradient):
    """Return the central difference of L in element ``index`` and its tolerance."""
    moved = y_pred.copy()
    moved[index] = y_pred[index] + step
    f_plus, plus = _value(loss, y_true, moved), moved[index]
    moved[index] = y_pred[index] - step
    f_minus, minus = _value(loss, y_true, moved), moved[index]
    difference = (f_plus - f_minus) / (plus - minus)
    tolerance = DERIVATIVE_RTOL * max(1.0, abs(gradient)) + float(
        rounding_tolerance(f_plus, f_minus, plus - minus)
    )
    return difference, tolerance


def check_reduction(loss):
    """Check that duplicating the batch doubles a sum and keeps a mean."""
    if loss.reduction not in REDUCTIONS:
        return []
    y_true, y_pred = _pair(loss, (4, 3), seed=6)
    once = _value(loss, y_true, y_pred)
    twice = _value(loss, np.concatenate([y_true, y_true]), np.concatenate([y_pred, y_pred]))
    expected = 2 * once if loss.reduction == "sum" else once
    if not abs(twice - expected) <= 1e-12 * max(1.0, abs(expected)):
        return [
            f"with reduction={loss.reduction!r} the loss of a duplicated batch must be "
            f"{describe_number(expected)}, got {describe_number(twice)} (the loss of "
            f"the batch once is {describe_number(once)})"
        ]
    return []


def _extreme_predictions(domain, dtype):
    low, high = domain
    if math.isfinite(low) and math.isfinite(high):
        # near the bounds, where log or division by the distance blows up
        fraction = 1e-12 if dtype == np.float64 else 1e-6
        width = high - low
        return [low + fraction * width, low + 1e-3 * width, high - 1e-3 * width,
                high - fraction * width]
    huge = 1e100 if dtype == np.float64 else 1e15
    tiny = 1e-300 if dtype == np.float64 else 1e-38
    points = [-huge, -1e10, -tiny, 0.0, tiny, 1e10, huge]
    return [p for p in points if low < p < high]


def check_extremes(loss):
    """Check finite results at huge, tiny and near-bound predictions."""
    failures = []
    true_low, true_high = _domain(loss, "y_true_domain")
    targets = [t for t in (0.0, 1.0) if true_low <= t <= true_high] or [
        float(sample((true_low, true_high), (1,), np.random.default_rng(7), True)[0])
    ]
    for dtype in DTYPES:
        predictions = _extreme_predictions(_domain(loss, "y_pred_domain"), dtype)
        for target in targets:
            y_pred = np.asarray(predictions, dtype=dtype).reshape(-1, 1)
            y_true = np.full_like(y_pred, target)
            value = _value(loss, y_true, y_pred)
            gradient = call(loss, "gradient", y_true, y_pred)
            where = f"y_true = {target!r}, y_pred in {predictions} ({np.dtype(dtype)})"
            if not math.isfinite(value):
                failures.append(f"value() returned {value!r} at {where}")
            problem = array_problem(gradient, y_pred, "gradient")
            if problem is not None:
                failures.append(problem)
                continue
            for index in np.flatnonzero(~np.isfinite(gradient[:, 0])):
                failures.append(
                    f"gradient() returned {float(gradient[index, 0])!r} at y_true = "
                    f"{target!r}, y_pred = {float(y_pred[index, 0])!r} ({np.dtype(dtype)})"
                )
    return failures


def check_float32(loss):
    """Compare float32 results with the float64 results at the same inputs."""
    failures = []
    y_true, y_pred = _pair(loss, (6, 3), seed=8, dtype=np.float32)
    single = _value(loss, y_true, y_pred)
    double = _value(loss, y_true.astype(np.float64), y_pred.astype(np.float64))
    tolerance = FLOAT32_ATOL + FLOAT32_RTOL * abs(double)
    if not abs(single - double) <= tolerance:
        failures.append(
            f"value() returned {describe_number(single)} for float32 input but "
            f"{describe_number(double)} for float64: error {abs(single - double):.3g}, "
            f"tolerance {tolerance:.3g}"
        )
    gradient32 = call(loss, "gradient", y_true, y_pred)
    gradient64 = call(loss, "gradient", y_true.astype(np.float64), y_pred.astype(np.float64))
    problem = array_problem(gradient32, y_pred, "gradient")
    if problem is not None:
        return failures + [problem]
    error = np.abs(gradient32.astype(np.float64) - gradient64)
    tolerance = FLOAT32_ATOL + FLOAT32_RTOL * np.abs(gradient64)
    for index in np.argwhere(~(error <= tolerance))[:5]:
        index = tuple(index)
        failures.append(
            f"gradient() at y_true = {describe_number(y_true[index])}, y_pred = "
            f"{describe_number(y_pred[index])} returned "
            f"{describe_number(gradient32[index])} in float32 but "
            f"{describe_number(gradient64[index])} in float64: error "
            f"{error[index]:.3g}, tolerance {tolerance[index]:.3g}"
        )
    return failures


#: (check name, function), in the order they run and are reported.
LOSS_CHECKS = [
    ("metadata: name, reduction, domains", check_metadata),
    ("LaTeX of L and dL/dy_pred parses", check_latex),
    ("value is a number, gradient keeps shape and dtype", check_shape_and_dtype),
    ("gradient matches central differences (float64)", check_gradient),
    ("reduction as declared (sum or mean)", check_reduction),
    ("finite at huge, tiny and near-bound inputs", check_extremes),
    ("float32 matches float64", check_float32),
]
