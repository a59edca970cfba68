"""Conformance checks of an activation: value f(z) and derivative f'(z).

Each check takes the activation and returns a list of failure sentences, each
naming the input point and the size of the error.
"""

import numpy as np

from bpkit.testing._common import (
    DERIVATIVE_RTOL,
    DTYPES,
    FLOAT32_ATOL,
    FLOAT32_RTOL,
    PluginCallError,
    array_problem,
    call,
    describe_number,
    difference_step,
    layout_variants,
    latex_check,
    name_check,
    rounding_tolerance,
)

# Points where the derivative is compared with central differences: a fine
# grid over the region where activations bend, and points far out where a
# naive formula loses its accuracy.
_GRID = np.concatenate([
    np.linspace(-8.0, 8.0, 321),
    [-1000.0, -100.0, -40.0, -20.0, -12.0, 12.0, 20.0, 40.0, 100.0, 1000.0],
])

# Inputs where a naive formula overflows (exp beyond 709.78 in float64 and
# 88.7 in float32), underflows or divides zero by zero.
_EXTREMES = {
    np.dtype(np.float64): [
        -1e300, -1e20, -1000.0, -746.0, -710.0, -100.0, -1e-300, -5e-324,
        -0.0, 0.0, 5e-324, 1e-300, 100.0, 710.0, 746.0, 1000.0, 1e20, 1e300,
    ],
    np.dtype(np.float32): [
        -3e38, -1e10, -105.0, -89.0, -1e-38, -1e-45, 0.0, 1e-45, 1e-38, 89.0,
        105.0, 1e10, 3e38,
    ],
}


def check_metadata(activation):
    failures = name_check(activation)
    if not isinstance(getattr(activation, "elementwise", None), bool):
        failures.append(
            f"elementwise is {getattr(activation, 'elementwise', None)!r}, "
            "expected True or False"
        )
    kinks = getattr(activation, "kinks", None)
    try:
        kinks_ok = all(np.isfinite(float(k)) for k in kinks)
    except (TypeError, ValueError):
        kinks_ok = False
    if not kinks_ok:
        failures.append(f"kinks is {kinks!r}, expected a sequence of finite numbers")
    return failures


def check_latex(activation):
    return latex_check(activation)


def check_shape_and_dtype(activation):
    failures = []
    rng = np.random.default_rng(0)
    for dtype in DTYPES:
        for shape in ((1, 1), (3, 4), (2, 7)):
            base = rng.uniform(-3.0, 3.0, size=shape).astype(dtype)
            for layout, z in layout_variants(base):
                before = z.copy()
                for method in ("value", "derivative"):
                    problem = array_problem(call(activation, method, z), z, method)
                    if problem is not None:
                        failures.append(f"{problem} ({layout} {dtype} input)")
                if not np.array_equal(z, before):
                    failures.append(
                        f"value() or derivative() modified its {layout} {dtype} input "
                        f"of shape {shape}; they must not write to z"
                    )
    return failures


def check_elementwise(activation):
    if not activation.elementwise:
        return []
    failures = []
    z = np.random.default_rng(1).uniform(-4.0, 4.0, size=(5, 4))
    for method in ("value", "derivative"):
        whole = call(activation, method, z)
        transposed = call(activation, method, np.ascontiguousarray(z.T)).T
        if not np.all(np.isfinite(whole)):
            # NaN != NaN, so the comparison below would blame elementwise
            failures.append(
                f"{method}() returns NaN or infinity for finite z in [-4, 4]; "
                "it must be finite there"
            )
            continue
        for (i, j), expected in np.ndenumerate(whole):
            single = call(activation, method, z[i:i + 1, j:j + 1])[0, 0]
            tolerance = 4 * np.finfo(np.float64).eps * max(abs(single), abs(expected))
            if abs(single - expected) > tolerance or transposed[i, j] != expected:
                failures.append(
                    f"{method}() at z = {describe_number(z[i, j])} gives "
                    f"{describe_number(expected)} inside a (5, 4) array but "
                    f"{describe_number(single)} alone or {describe_number(transposed[i, j])}"
                    " transposed, so it is not elementwise; set elementwise = False"
                )
    return failures


def check_derivative(activation):
    """Compare f'(z) with the central difference (f(z + h) - f(z - h)) / 2h.

    Points that fail are tried again with h / 10 and h / 100 and fail only if
    all three steps fail. A jump in a higher derivative, such as softsign's
    f'' at 0, makes the error at the first step of order h, but an exact
    derivative passes at a smaller one.
    """
    kinks = np.asarray(activation.kinks, dtype=np.float64)
    points = np.concatenate([_GRID, *[(k - 1e-3, k + 1e-3, k - 0.1, k + 0.1) for k in kinks]])
    step = difference_step(points)
    near_kink = np.zeros(points.shape, dtype=bool)
    for kink in kinks:
        near_kink |= np.abs(points - kink) <= 2 * step
    points, step = points[~near_kink], step[~near_kink]
    derivative, difference, tolerance = _compare(activation, points, step)
    error = np.abs(derivative - difference)
    bad = np.flatnonzero(~(error <= tolerance))
    for factor in (10.0, 100.0):
        if bad.size == 0:
            break
        retried = _compare(activation, points[bad], step[bad] / factor)
        bad = bad[~(np.abs(retried[0] - retried[1]) <= retried[2])]
    failures = []
    for index in bad[np.argsort(-error[bad], kind="stable")]:
        failures.append(
            f"at z = {describe_number(points[index])} derivative() returned "
            f"{describe_number(derivative[index])} but the central difference with "
            f"h = {step[index]:.2g} is {describe_number(difference[index])}: error "
            f"{error[index]:.3g}, tolerance {tolerance[index]:.3g} (it fails with "
            "h / 10 and h / 100 too)"
        )
    if failures:
        failures.insert(0, f"{len(bad)} of {len(points)} points fail; worst first")
    return failures


def _compare(activation, points, step):
    """Return f'(z), the central difference and its tolerance at ``points``."""
    plus, minus = points + step, points - step
    if activation.elementwise:
        derivative = call(activation, "derivative", points.reshape(-1, 1))[:, 0]
        f_plus = call(activation, "value", plus.reshape(-1, 1))[:, 0]
        f_minus = call(activation, "value", minus.reshape(-1, 1))[:, 0]
    else:
        derivative, f_plus, f_minus = _jacobian_diagonal(activation, points, step)
    difference = (f_plus - f_minus) / (plus - minus)
    tolerance = DERIVATIVE_RTOL * np.maximum(1.0, np.abs(derivative)) + rounding_tolerance(
        f_plus, f_minus, plus - minus
    )
    return derivative, difference, tolerance


def _jacobian_diagonal(activation, points, step):
    """Return f'(z), f(z + h e_i)_i and f(z - h e_i)_i for a non-elementwise f.

    The points are laid out in rows of 4 and each entry is moved alone, so
    the difference quotient is the diagonal entry d f_i / d z_i of the
    Jacobian along the last axis.
    """
    n_columns = 4
    n_rows = -(-points.size // n_columns)
    z = np.resize(points, (n_rows, n_columns))
    h = np.resize(step, (n_rows, n_columns))
    derivative = call(activation, "derivative", z)
    f_plus = np.empty_like(z)
    f_minus = np.empty_like(z)
    for (i, j), _ in np.ndenumerate(z):
        moved = z.copy()
        moved[i, j] = z[i, j] + h[i, j]
        f_plus[i, j] = call(activation, "value", moved)[i, j]
        moved[i, j] = z[i, j] - h[i, j]
        f_minus[i, j] = call(activation, "value", moved)[i, j]
    count = points.size
    return derivative.ravel()[:count], f_plus.ravel()[:count], f_minus.ravel()[:count]


def check_vjp(activation):
    """Compare vjp(z, g) with central differences of sum(g * f(z)) for a non-elementwise f.

    The backward pass of an activation that works along the last axis, such
    as softmax, calls ``vjp(z, grad_output)``, the row-by-row product of
    ``grad_output`` and the Jacobian of f. An elementwise activation passes.
    """
    if activation.elementwise:
        return []
    missing = [
        "elementwise is False but the class has no vjp(z, grad_output); the "
        "backward pass needs it"
    ]
    if not callable(getattr(activation, "vjp", None)):
        return missing
    rng = np.random.default_rng(9)
    z = rng.uniform(-3.0, 3.0, size=(3, 4))
    grad_output = rng.uniform(-1.0, 1.0, size=(3, 4))
    try:
        product = call(activation, "vjp", z, grad_output.copy())
    except PluginCallError as exc:
        # an inherited vjp that only raises NotImplementedError
        if isinstance(exc.__cause__, NotImplementedError):
            return missing
        raise
    problem = array_problem(product, z, "vjp")
    if problem is not None:
        return [problem]
    failures = []
    for index in np.ndindex(z.shape):
        step = float(difference_step(z[index]))
        moved = z.copy()
        moved[index] = z[index] + step
        f_plus = float(np.sum(grad_output * call(activation, "value", moved)))
        moved[index] = z[index] - step
        f_minus = float(np.sum(grad_output * call(activation, "value", moved)))
        difference = (f_plus - f_minus) / (2 * step)
        tolerance = DERIVATIVE_RTOL * max(1.0, abs(product[index])) + float(
            rounding_tolerance(f_plus, f_minus, 2 * step)
        )
        error = abs(product[index] - difference)
        if not error <= tolerance:
            failures.append(
                f"vjp() entry {index} at z = {describe_number(z[index])} is "
                f"{describe_number(product[index])} but the central difference of "
                f"sum(g * f(z)) is {describe_number(difference)}: error {error:.3g}, "
                f"tolerance {tolerance:.3g}"
            )
    return failures


def check_extremes(activation):
    """Check finite results at huge and tiny inputs, and continuity at 0."""
    failures = []
    for dtype, values in _EXTREMES.items():
        z = np.asarray(values, dtype=dtype).reshape(-1, 1)
        for method in ("value", "derivative"):
            result = call(activation, method, z)
            problem = array_problem(result, z, method)
            if problem is not None:
                failures.append(problem)
                continue
            for index in np.flatnonzero(~np.isfinite(result[:, 0])):
                failures.append(
                    f"{method}() returned {float(result[index, 0])!r} at z = "
                    f"{float(z[index, 0])!r} ({dtype}); it must be finite for every finite z"
                )
    # f is continuous, so f(+-tiny) must equal f(0) to rounding; f' too
    # unless 0 is a kink.
    tiny = np.array([[0.0], [5e-324], [-5e-324], [1e-300], [-1e-300]])
    methods = ["value"] + ([] if 0.0 in activation.kinks else ["derivative"])
    for method in methods:
        result = call(activation, method, tiny)[:, 0]
        tolerance = 1e-12 * max(1.0, abs(result[0]))
        for index in range(1, len(tiny)):
            if not abs(result[index] - result[0]) <= tolerance:
                failures.append(
                    f"{method}() at z = {float(tiny[index, 0])!r} returned "
                    f"{describe_number(result[index])}, but "
                    f"{describe_number(result[0])} at z = 0; a tiny input must "
                    "give the same result to rounding"
                )
    return failures


def check_float32(activation):
    """Compare float32 results with the float64 results at the same inputs."""
    failures = []
    points = np.concatenate([_GRID, [-50.0, 50.0]])
    # rows of 4 so that a non-elementwise activation receives more than one entry
    points = np.resize(points, 4 * -(-points.size // 4))
    z32 = points.astype(np.float32).reshape(-1, 4)
    z64 = z32.astype(np.float64)
    for method in ("value", "derivative"):
        single = call(activation, method, z32)
        double = call(activation, method, z64)
        problem = array_problem(single, z32, method)
        if problem is not None:
            failures.append(problem)
            continue
        error = np.abs(single.astype(np.float64) - double)
        tolerance = FLOAT32_ATOL + FLOAT32_RTOL * np.abs(double)
        bad = np.argwhere(~(error <= tolerance))
        for i, j in bad[:5]:
            failures.append(
                f"{method}() at z = {describe_number(z64[i, j])} returned "
                f"{describe_number(single[i, j])} in float32 but "
                f"{describe_number(double[i, j])} in float64: error "
                f"{error[i, j]:.3g}, tolerance {tolerance[i, j]:.3g}"
            )
        if len(bad) > 5:
            failures.append(f"... {len(bad)} float32 points fail in {method}() in all")
    return failures


#: (check name, function), in the order they run and are reported.
ACTIVATION_CHECKS = [
    ("metadata: name, elementwise, kinks", check_metadata),
    ("LaTeX of f and f' parses", check_latex),
    ("shape and dtype preserved, input untouched", check_shape_and_dtype),
    ("elementwise as declared", check_elementwise),
    ("derivative matches central differences (float64)", check_derivative),
    ("vjp matches central differences if not elementwise", check_vjp),
    ("finite at huge and tiny inputs", check_extremes),
    ("float32 matches float64", check_float32),
]

