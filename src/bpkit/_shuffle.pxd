# The random number generator that shuffles mini-batches inside the compiled
# training loop.
#
# xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number
# generators", ACM TOMS 2021) gives 64-bit outputs; its 256-bit state is
# seeded from one 64-bit seed by four outputs of splitmix64, as its authors
# recommend. Both are a few integer operations, run without the GIL, and give
# the same stream on every platform, so a seed reproduces a fit bit for bit.
# ``_core.shuffled_orders`` exposes the resulting row orders to Python.

from libc.stdint cimport uint64_t


cdef inline uint64_t splitmix64_next(uint64_t* state) noexcept nogil:
    """Advance a splitmix64 state and return its next output."""
    cdef uint64_t z
    state[0] += 0x9E3779B97F4A7C15ULL
    z = state[0]
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline void seed_xoshiro(uint64_t* state, uint64_t seed) noexcept nogil:
    """Fill the four words of a xoshiro256** state from one 64-bit seed."""
    cdef uint64_t mixer = seed
    cdef int k
    for k in range(4):
        state[k] = splitmix64_next(&mixer)


cdef inline uint64_t rotate_left(uint64_t x, int k) noexcept nogil:
    return (x << k) | (x >> (64 - k))


cdef inline uint64_t xoshiro_next(uint64_t* state) noexcept nogil:
    """Advance a xoshiro256** state (four words) and return its next output."""
    cdef uint64_t result = rotate_left(state[1] * 5, 7) * 9
    cdef uint64_t t = state[1] << 17
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    state[3] = rotate_left(state[3], 45)
    return result


cdef inline uint64_t uniform_below(uint64_t* state, uint64_t n) noexcept nogil:
    """Return an integer uniform on [0, n) for n >= 1, without modulo bias.

    Outputs below (2**64 - n) % n are rejected, so the accepted range holds a
    whole number of copies of [0, n).
    """
    cdef uint64_t threshold = (0 - n) % n
    cdef uint64_t r = xoshiro_next(state)
    while r < threshold:
        r = xoshiro_next(state)
    return r % n


cdef inline void shuffle_order(
    uint64_t* state,        # INOUT (4,) generator state
    Py_ssize_t* order,      # OUT (n,) a permutation of 0..n-1
    Py_ssize_t n,
) noexcept nogil:
    """Write a uniformly random permutation of 0..n-1 (Fisher-Yates)."""
    cdef Py_ssize_t i, j, swap
    for i in range(n):
        order[i] = i
    for i in range(n - 1, 0, -1):
        j = <Py_ssize_t>uniform_below(state, <uint64_t>(i + 1))
        swap = order[i]
        order[i] = order[j]
        order[j] = swap
