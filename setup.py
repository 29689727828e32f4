"""Build of the C extension only; all other package metadata lives in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "childguard.media.native._pdq",
            sources=["src/childguard/media/native/_pdq.c"],
            # Float results must be IEEE-identical to the PDQ reference: no fused multiply-add,
            # never -ffast-math.
            extra_compile_args=["-O3", "-ffp-contract=off", "-std=c99"],
        ),
        Extension(
            "childguard.media.native._mih",
            sources=["src/childguard/media/native/_mih.c"],
            extra_compile_args=["-O3", "-std=c99"],
        ),
    ]
)
