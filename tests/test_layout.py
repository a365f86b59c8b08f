"""House rules about where code lives, checked on the source with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ada_t5"


def _package_of(module: str) -> str:
    """``ada_t5.data.loader`` -> ``ada_t5.data``; a package's ``__init__`` belongs to the package itself."""
    path = PACKAGE.parent / Path(*module.split("."))
    return module if path.is_dir() else module.rpartition(".")[0]


def _private_imports() -> list[str]:
    found = []
    for file in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(file.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        own = _package_of(module)
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module or node.level:
                continue
            if not node.module.startswith("ada_t5") or _package_of(node.module) == own:
                continue
            found += [f"{file.relative_to(PACKAGE.parent)}:{node.lineno}: {node.module}.{alias.name}"
                      for alias in node.names if alias.name.startswith("_") and not alias.name.startswith("__")]
    return found


def test_no_module_imports_another_packages_private_names():
    """A leading underscore means "this package's business": another package reaching in ties the two together
    where neither says so (the pair loader's dispatch was once copied that way). Use or add a public name."""
    assert _private_imports() == []
