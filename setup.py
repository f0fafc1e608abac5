"""Build the optional compiled kernels, ``nonlin._kernels`` (C sources in ``csrc/``).

Everything else is declared in pyproject.toml. The extension is optional: where it
does not compile (no C compiler, an unsupported one), the install goes on and nonlin
runs every activation on its array-API path, with the same results.

On x86-64 the family files are compiled twice, for the baseline CPU and with AVX2 and
FMA; the module picks the second where the CPU has them (csrc/module.c).
"""

import os
import platform
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, CompileError

MODULE = "csrc/module.c"
FAMILIES = sorted(str(path) for path in Path("csrc").glob("*.c") if str(path) != MODULE)

# IEEE semantics are kept (no -ffast-math): errno and trapping are given up, which lets
# gcc and clang vectorise loops that hold comparisons and selections, and no a * b + c
# is fused unless the source asks (nl_fma), so a line computes what it says.
UNIX_FLAGS = [
    "-O3",
    "-std=c11",
    "-fno-math-errno",
    "-fno-trapping-math",
    "-ffp-contract=off",
]
V3_FLAGS = ["-mavx2", "-mfma"]


class BuildKernels(build_ext):
    def build_extension(self, ext: Extension) -> None:
        if self.compiler.compiler_type == "msvc":
            ext.extra_compile_args = [*ext.extra_compile_args, "/O2", "/fp:precise"]
            return super().build_extension(ext)
        ext.extra_compile_args = [*ext.extra_compile_args, *UNIX_FLAGS]
        if platform.machine().lower() in ("x86_64", "amd64"):
            try:
                objects = self.compiler.compile(
                    FAMILIES,
                    output_dir=os.path.join(self.build_temp, "v3"),
                    macros=[("NL_V3", "1")],
                    include_dirs=["csrc"],
                    extra_postargs=[*UNIX_FLAGS, *V3_FLAGS],
                    depends=ext.depends,
                )
            except (CCompilerError, CompileError):
                pass  # the baseline loops alone
            else:
                ext.extra_objects = [*ext.extra_objects, *objects]
                ext.define_macros = [*ext.define_macros, ("NL_HAVE_V3", "1")]
        return super().build_extension(ext)


kernels = Extension(
    "nonlin._kernels",
    sources=[MODULE, *FAMILIES],
    depends=[str(path) for path in Path("csrc").glob("*.h")],
    include_dirs=["csrc"],
    optional=True,
)

# NONLIN_NO_KERNELS=1 installs the pure array-API package.
wanted = os.environ.get("NONLIN_NO_KERNELS", "") in ("", "0")
setup(ext_modules=[kernels] if wanted else [], cmdclass={"build_ext": BuildKernels})
