"""Build hook: compile Tadoru's matching core (server/tadoru/fastcore/_scan.pyx) into the wheel.

The core is optional by design (issue 20): without a C compiler the build still succeeds, says
that the fast path is off, and the package runs on the pure-Python matcher. ``TADORU_REQUIRE_COMPILED=1``
(set by CI) turns a failed compile into a failed build, so the compiled path is what CI tests.
Editable installs compile in place, next to the ``.pyx``, because they import from the source tree.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PYX = Path("server/tadoru/fastcore/_scan.pyx")
MODULE = "tadoru.fastcore._scan"


class CompiledCoreHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        required = os.environ.get("TADORU_REQUIRE_COMPILED", "") not in ("", "0")
        try:
            built = _compile(Path(self.root), inplace=version == "editable")
        except Exception as exc:  # no compiler, no Python headers, a Cython error…
            if required:
                raise RuntimeError(f"TADORU_REQUIRE_COMPILED is set and the matching core did not build: {exc}") from exc
            self.app.display_warning(
                f"tadoru: the compiled matching core was not built ({type(exc).__name__}: {exc}). "
                "Tadoru will work on the slower pure-Python matcher; install a C compiler and reinstall "
                "to get the fast path.")
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True  # the wheel now holds a CPython extension for this platform
        if version != "editable":
            build_data["force_include"][str(built)] = f"tadoru/fastcore/{built.name}"


def _compile(root: Path, *, inplace: bool) -> Path:
    """Cythonize and compile the core; the path of the extension module it made."""
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    build_dir = Path(tempfile.mkdtemp(prefix="tadoru-core-"))
    cwd = Path.cwd()
    os.chdir(root)  # setuptools resolves sources and package_dir against the working directory
    try:
        extension = Extension(MODULE, [str(PYX)])
        modules = cythonize([extension], quiet=True, build_dir=str(build_dir / "c"))
        dist = Distribution({"ext_modules": modules, "package_dir": {"": "server"}})
        command = dist.get_command_obj("build_ext")
        command.inplace = inplace
        command.build_lib = str(build_dir / "lib")
        command.build_temp = str(build_dir / "temp")
        command.ensure_finalized()
        command.run()
        name = command.get_ext_filename(MODULE)
        built = (root / "server" / name) if inplace else (build_dir / "lib" / name)
    finally:
        os.chdir(cwd)
    if not built.is_file():
        raise RuntimeError(f"the compiler reported success but {built} is missing")
    return built
