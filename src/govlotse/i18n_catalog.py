"""Find every German source string marked for translation (templates and Python).

Used by the test that keeps ``locales/en.json`` complete, and by ``python -m govlotse.i18n_catalog``
which prints the strings still missing an English entry.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from importlib import resources
from pathlib import Path

_TEMPLATE_CALL = re.compile(r"""_\(\s*(?P<q>["'])(?P<text>.+?)(?P=q)\s*[,)]""", re.S)
_PY_CALLS = {"translate": 0, "on": 1, "_": 0, "_t": 1, "N_": 0}


def package_root() -> Path:
    return Path(str(resources.files("govlotse")))


def template_strings(root: Path) -> set[str]:
    found: set[str] = set()
    for path in (root / "web" / "templates").rglob("*.html"):
        found.update(m.group("text") for m in _TEMPLATE_CALL.finditer(path.read_text(encoding="utf-8")))
    return found


def python_strings(root: Path) -> set[str]:
    found: set[str] = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                index = _PY_CALLS.get(name)
                if index is not None and len(node.args) > index:
                    arg = node.args[index]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
                    elif isinstance(arg, ast.JoinedStr):
                        pass  # f-strings are not translatable by design
    return found


def registry_strings() -> set[str]:
    from govlotse.app import PAGE_TEXT
    from govlotse.core.validation import BUILTIN, CUSTOM
    from govlotse.web.labels import LABELS

    found = set(BUILTIN.values()) | set(CUSTOM.values())
    for group in LABELS.values():
        found.update(group.values())
    for title, text in PAGE_TEXT.values():
        found.update((title, text))
    return found


def all_strings() -> set[str]:
    root = package_root()
    return {s for s in template_strings(root) | python_strings(root) | registry_strings() if s.strip()}


def missing(lang: str = "en") -> list[str]:
    catalog = json.loads((package_root() / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
    return sorted(s for s in all_strings() if s not in catalog)


if __name__ == "__main__":
    json.dump(dict.fromkeys(missing(), ""), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
