"""Build the compiled core of bpkit.

All Cython compiler directives are set here, once. Setting the environment
variable ``BPKIT_DEBUG=1`` at build time turns bounds, wraparound and
initialization checks back on, makes division by zero raise ZeroDivisionError,
compiles with ``-O0 -g`` for a debugger and writes Cython's annotated HTML
beside the generated C files under ``build/cython-debug``.
"""

import os

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("BPKIT_DEBUG", "") not in ("", "0")

directives = {
    "language_level": "3",
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": not DEBUG,
    "nonecheck": False,
    "embedsignature": True,
}

extensions = [
    Extension(
        f"bpkit.{name}",
        [f"src/bpkit/{name}.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O0", "-g"] if DEBUG else ["-O3"],
    )
    for name in ("_core", "_elementwise")
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives=directives,
        annotate=DEBUG,
        # Cython regenerates a .c file only when its .pyx is newer, not when the
        # directives change, so debug and release builds keep separate C files.
        build_dir=os.path.join("build", "cython-debug" if DEBUG else "cython-release"),
    ),
)
