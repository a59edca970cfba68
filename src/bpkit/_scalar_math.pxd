# Scalar functions behind the activation kernels of ``_kernels.pxd``.
#
# Each takes and returns double and mirrors a NumPy formula in
# ``_smooth_activations.py`` or ``_stable.py``, where the stability tricks
# (split exponentials, double-double products, erfcx for the Gaussian tail)
# are explained. None of them can fail.

from libc.math cimport exp, fabs, fma, log1p
from scipy.special.cython_special cimport erf, erfcx

cdef enum:
    # Beyond |z| = 40 the normal cdf tail and pdf underflow to 0.
    GAUSSIAN_CLAMP = 40
    # gelu's tanh form at |z| >= 30 has |v| > 1900, so sigmoid(v) is 0 or 1.
    GELU_TANH_CLAMP = 30

# Constants, correctly rounded; the gelu ones as double-doubles (hi + lo):
# 2 sqrt(2 / pi) and 0.044715. A verbatim C block, because a .pxd cannot hold
# initialised module variables without becoming a module of its own.
cdef extern from *:
    """
    static const double BPKIT_INV_SQRT2 = 0.7071067811865476;
    static const double BPKIT_INV_SQRT_2PI = 0.3989422804014327;
    static const double BPKIT_GELU_K_HI = 1.5957691216057308;
    static const double BPKIT_GELU_K_LO = -9.96930880911092e-17;
    static const double BPKIT_GELU_C_HI = 0.044715;
    static const double BPKIT_GELU_C_LO = 2.1960211427085595e-18;
    """
    const double INV_SQRT2 "BPKIT_INV_SQRT2"
    const double INV_SQRT_2PI "BPKIT_INV_SQRT_2PI"
    const double GELU_K_HI "BPKIT_GELU_K_HI"
    const double GELU_K_LO "BPKIT_GELU_K_LO"
    const double GELU_C_HI "BPKIT_GELU_C_HI"
    const double GELU_C_LO "BPKIT_GELU_C_LO"


cdef inline double two_product(double a, double b, double* lo) noexcept nogil:
    # hi + lo == a * b exactly; fma rounds a * b - hi only once.
    cdef double hi = a * b
    lo[0] = fma(a, b, -hi)
    return hi


cdef inline double two_sum(double a, double b, double* err) noexcept nogil:
    # s + err == a + b exactly (Knuth).
    cdef double s = a + b
    cdef double b_virtual = s - a
    err[0] = (a - (s - b_virtual)) + (b - b_virtual)
    return s


cdef inline double sigmoid(double z) noexcept nogil:
    # exp of a non-positive number only, so no overflow for any finite z.
    cdef double e = exp(-fabs(z))
    if z >= 0:
        return 1.0 / (1.0 + e)
    return e / (1.0 + e)


cdef inline double sigmoid_derivative(double z) noexcept nogil:
    # s * (1 - s) rounds 1 - s to 0 for z > 37; e / (1 + e)^2 with
    # e = exp(-|z|) keeps full relative accuracy in both tails.
    cdef double e = exp(-fabs(z))
    return e / ((1.0 + e) * (1.0 + e))


cdef inline double tanh_derivative(double z) noexcept nogil:
    # 1 - tanh(z)^2 cancels for |z| > 19; sech^2 = 4 e1^2 / (1 + e1^2)^2
    # with e1 = exp(-|z|), the last e1 applied last (split exponential).
    cdef double e1 = exp(-fabs(z))
    cdef double one_plus_e = 1.0 + e1 * e1
    return (4.0 * e1 / (one_plus_e * one_plus_e)) * e1


cdef inline double softplus(double z) noexcept nogil:
    # log(1 + exp(z)) overflows for z > 709; max(z, 0) + log1p(exp(-|z|))
    # is the same function without overflow.
    return (z if z > 0 else 0.0) + log1p(exp(-fabs(z)))


cdef inline double sigmoid_half(double v_hi, double v_lo) noexcept nogil:
    # exp(-|v| / 2) for v = v_hi + v_lo, |v_lo| <= ulp(v_hi)
    cdef double sign = -1.0 if v_hi < 0 else 1.0
    return exp(-0.5 * fabs(v_hi)) * (1.0 - 0.5 * sign * v_lo)


cdef inline double z_times_sigmoid(double z, double v_hi, double half) noexcept nogil:
    # z sigmoid(v); for v < 0, z e / (1 + e) with e = half^2, half applied last
    cdef double one_plus_e = 1.0 + half * half
    if v_hi < 0:
        return (z * half / one_plus_e) * half
    return z / one_plus_e


cdef inline double z_times_sigmoid_derivative(
    double z, double slope, double v_hi, double half,
) noexcept nogil:
    # s (1 + z v'(z) (1 - s)) with s = sigmoid(v) and slope = v'(z)
    cdef double one_plus_e = 1.0 + half * half
    if v_hi < 0:
        return (half * (1.0 + z * slope / one_plus_e) / one_plus_e) * half
    return (1.0 + z * slope * ((half / one_plus_e) * half)) / one_plus_e


cdef inline void gaussian_tail(
    double t, double* tail, double* pdf, double* quarter,
) noexcept nogil:
    # Phi(-t) = (tail * quarter) * quarter and phi(t) = (pdf * quarter) * quarter
    # for 0 <= t <= 40, with t^2 exact as hi + lo (see _stable.gaussian_tail).
    cdef double lo
    cdef double hi = two_product(t, t, &lo)
    cdef double correction = 1.0 - 0.5 * lo
    quarter[0] = exp(-0.25 * hi)
    tail[0] = 0.5 * correction * erfcx(t * INV_SQRT2)
    pdf[0] = INV_SQRT_2PI * correction


cdef inline double gelu(double z, bint want_derivative) noexcept nogil:
    # z Phi(z), or its derivative Phi(z) + z phi(z)
    cdef double t = fabs(z), tail, pdf, quarter, upper, cdf
    if t < 1.0:
        # (1 + erf(z / sqrt 2)) / 2 rounds fewer times than the tail form
        cdf = 0.5 * (1.0 + erf(z * INV_SQRT2))
        if want_derivative:
            return cdf + z * (INV_SQRT_2PI * exp(-0.5 * z * z))
        return z * cdf
    if t > GAUSSIAN_CLAMP:
        t = GAUSSIAN_CLAMP
    gaussian_tail(t, &tail, &pdf, &quarter)
    if z < 0:
        if want_derivative:
            return ((tail - t * pdf) * quarter) * quarter
        return (-t * tail * quarter) * quarter
    upper = 1.0 - (tail * quarter) * quarter
    if want_derivative:
        return upper + (t * pdf * quarter) * quarter
    return z * upper


cdef inline double gelu_tanh(double z, bint want_derivative) noexcept nogil:
    # z sigmoid(v) with v = K (z + C z^3) as a double-double, or its derivative
    cdef double zc = z, square_lo, cube_lo, term_lo, w_lo, v_lo
    cdef double square_hi, cube_hi, term_hi, w_hi, v_hi, half, slope
    if zc > GELU_TANH_CLAMP:
        zc = GELU_TANH_CLAMP
    elif zc < -GELU_TANH_CLAMP:
        zc = -GELU_TANH_CLAMP
    square_hi = two_product(zc, zc, &square_lo)
    cube_hi = two_product(zc, square_hi, &cube_lo)
    cube_lo = cube_lo + zc * square_lo
    term_hi = two_product(GELU_C_HI, cube_hi, &term_lo)
    term_lo = term_lo + (GELU_C_HI * cube_lo + GELU_C_LO * cube_hi)
    w_hi = two_sum(zc, term_hi, &w_lo)
    w_lo = w_lo + term_lo
    v_hi = two_product(GELU_K_HI, w_hi, &v_lo)
    v_lo = v_lo + (GELU_K_HI * w_lo + GELU_K_LO * w_hi)
    v_hi = two_sum(v_hi, v_lo, &v_lo)
    half = sigmoid_half(v_hi, v_lo)
    if want_derivative:
        slope = GELU_K_HI * (1.0 + 3.0 * GELU_C_HI * zc * zc)
        return z_times_sigmoid_derivative(zc, slope, v_hi, half)
    return z_times_sigmoid(z, v_hi, half)
