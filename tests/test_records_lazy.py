"""``darwin_metrics.records`` imports its record modules lazily; its three lists must agree."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import darwin_metrics.records as records

SOURCE = Path(records.__file__)


def _type_checking_imports() -> dict[str, set[str]]:
    """Submodule → names, from the ``if TYPE_CHECKING:`` block of ``records/__init__.py``."""
    tree = ast.parse(SOURCE.read_text())
    found: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.module is not None
                module = stmt.module.removeprefix("darwin_metrics.records.")
                found.setdefault(module, set()).update(a.asname or a.name for a in stmt.names)
    return found


def test_type_checking_imports_match_the_lazy_table() -> None:
    table = {module: set(names) for module, names in records._EXPORTS.items()}
    assert _type_checking_imports() == table


def test_all_matches_the_lazy_table() -> None:
    assert sorted(records.__all__) == sorted(records._MODULE_OF)
    assert len(records.__all__) == len(set(records.__all__))


def test_every_name_resolves_from_its_module() -> None:
    for name in records.__all__:
        value = getattr(records, name)
        module = sys.modules[f"darwin_metrics.records.{records._MODULE_OF[name]}"]
        assert value is getattr(module, name), name
    assert set(records.__all__) <= set(dir(records))


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        records.NoSuchRecord  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchRecord" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_one_record_imports_only_its_module() -> None:
    code = (
        "import sys; from darwin_metrics.records import Memory; "
        "print(sorted(m for m in sys.modules if m.startswith('darwin_metrics.records.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert eval(out.stdout) == ["darwin_metrics.records.memory"]
