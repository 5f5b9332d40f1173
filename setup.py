"""Build the optional C core of the timeline sealer; everything else is in pyproject.toml.

``optional=True``: without a compiler or OpenSSL headers the install still succeeds and
evidencekit uses the pure-Python sealer (evidencekit.timeline.sealcore.IMPLEMENTATION).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "evidencekit.timeline._sealcore",
            [
                f"evidencekit/timeline/{name}.c"
                for name in ("_sealcore", "_sortkey", "_scankey", "_shani", "_runs")
            ],
            depends=["evidencekit/timeline/_sealcore.h"],
            libraries=["crypto"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
