"""`pip install .` must install what ada_t5 imports: every third-party import under ada_t5/ is declared in
pyproject.toml (found through the installed distributions, so `yaml` is PyYAML and `Levenshtein` levenshtein)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

REPO = Path(__file__).resolve().parents[1]
# needed on the default path without being imported by name
INDIRECT = {"protobuf": "a freshly trained SentencePiece tokenizer is converted through sentencepiece_model_pb2"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


# packages whose imports may come from an optional extra instead of the core dependencies
EXTRAS = {"app": "demo"}


def _declared(extra: str | None = None) -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return {_name(r): r for r in requirements}


def _imported_top_level_modules(package: str | None = None) -> set[str]:
    """Third-party modules imported under ada_t5/ (outside the EXTRAS packages), or under ada_t5/<package>."""
    modules = set()
    root = REPO / "ada_t5"
    for path in root.rglob("*.py"):
        top = path.relative_to(root).parts[0]
        if (top != package) if package else (top in EXTRAS):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m != "ada_t5"}


@pytest.mark.parametrize("package", [None, *EXTRAS])
def test_every_third_party_import_is_a_declared_dependency(package):
    declared = _declared(EXTRAS.get(package))
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for module in sorted(_imported_top_level_modules(package)):
        names = {_name(d) for d in distributions.get(module, [module])}
        if not names & set(declared):
            missing[module] = sorted(names)
    where = f"ada_t5/{package}/ (extra [{EXTRAS[package]}])" if package else "ada_t5/"
    assert not missing, f"imported under {where} but not in pyproject.toml: {missing}"
    for name, why in INDIRECT.items():
        assert name in declared, f"{name} is needed ({why})"


def test_the_floors_the_code_relies_on():
    declared = _declared()
    assert "<1.18" in declared["scipy"]  # fcd 1.2.2 needs sqrtm(disp=...)
    assert re.search(r">=\s*4", declared["datasets"])  # datasets.List
    assert re.search(r"<\s*3\.11", declared["nltk"])  # METEOR/BLEU copy nltk 3.10's arithmetic
