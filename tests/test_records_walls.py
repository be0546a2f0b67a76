"""The records (pynutd/records/) read the state store and their configuration only.

They import none of nut/, web/, drivers/ or sim/, and configuration never
imports them back (no circle through pynutd.config).  Every import counts,
those inside functions too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pynutd"
FORBIDDEN = ("pynutd.nut", "pynutd.web", "pynutd.drivers", "pynutd.sim")


def imported(path: Path) -> set[str]:
    """Every module named by an import statement of ``path`` (relative ones resolved)."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def below(name: str, packages: tuple[str, ...]) -> bool:
    """Whether module ``name`` is one of ``packages`` or inside one."""
    return any(name == p or name.startswith(p + ".") for p in packages)


@pytest.mark.parametrize("path", sorted((PACKAGE / "records").glob("*.py")), ids=lambda p: p.name)
def test_records_import_no_front_end_or_driver(path: Path) -> None:
    """A records module imports nothing from nut/, web/, drivers/ or sim/."""
    assert sorted(n for n in imported(path) if below(n, FORBIDDEN)) == []


def test_configuration_does_not_import_the_records() -> None:
    """pynutd.config imports no records module (the records import it)."""
    for path in sorted((PACKAGE / "config").glob("*.py")):
        assert sorted(n for n in imported(path) if below(n, ("pynutd.records",))) == [], path.name
