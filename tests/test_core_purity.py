"""The core package stays sans-I/O: no asyncio, websockets or textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import vccsched

FORBIDDEN = ("asyncio", "websockets", "textual")


def all_core_modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.walk_packages(vccsched.__path__, prefix="vccsched.")
    )


def test_core_has_modules_to_check():
    # Guards against the walk silently finding nothing (which would make the
    # purity test below pass vacuously).
    assert "vccsched.models" in all_core_modules()


def test_importing_the_core_loads_no_io_framework():
    modules = ["vccsched", *all_core_modules()]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "", f"vccsched imports I/O frameworks: {result.stdout.strip()}"


def test_the_check_detects_a_forbidden_import(tmp_path):
    # The same check on a module that does import asyncio must see it.
    (tmp_path / "impure.py").write_text("import asyncio\n")
    code = (
        "import sys; sys.path.insert(0, %r); import impure\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in %r)))\n"
    ) % (str(tmp_path), FORBIDDEN)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert "asyncio" in result.stdout
