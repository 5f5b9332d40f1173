"""Build the optional C core of the timeline sealer; everything else is in pyproject.toml.

``optional=True``: without a compiler or OpenSSL headers the install still succeeds and
evidencekit uses the pure-Python sealer (evidencekit.timeline.sealcore.IMPLEMENTATION).
The disk-image core ``_tskcore`` (libtsk, Debian libtsk-dev) is optional the same way:
without it images are read through pytsk3/pyewf (evidencekit.sources.native.AVAILABLE).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "evidencekit.timeline._sealcore",
            [
                f"evidencekit/timeline/{name}.c"
                for name in ("_sealcore", "_sortkey", "_scankey", "_shani", "_runs", "_keyline")
            ],
            depends=["evidencekit/timeline/_sealcore.h"],
            libraries=["crypto"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        Extension(
            "evidencekit.parsers._evtxcore",
            ["evidencekit/parsers/_evtxcore.c"],
            libraries=["crypto"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        Extension(
            "evidencekit.sources._rowhash",
            ["evidencekit/sources/_rowhash.c"],
            libraries=["crypto"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        Extension(
            "evidencekit.sources._tskcore",
            [f"evidencekit/sources/{name}.c" for name in ("_tskcore", "_tskhash", "_tskentry")],
            depends=["evidencekit/sources/_tskcore.h"],
            libraries=["tsk", "crypto", "pthread"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
    ]
)
