"""One allowed direction of the apps, checked on every import (issue 16 item 3).

The order (docs/CONVENTIONS.md, "Layout and import direction"): the platform first, then the stages in the
order a person moves through them, the pages that join stages on top. A module may import from its own layer
and from the layers below it, never from a layer above; an earlier stage tells a later one about an event
only through a Django signal (the later stage's receiver imports the earlier stage's signal, not the other
way round).

Every non-test, non-migration ``.py`` file of the project is parsed with ``ast``; every ``import`` and
``from ... import`` counts, at module level and inside functions alike (a function-level import is still an
import: it only moves the moment it happens). The test fails listing each ``file:line imported <- importer``
against the order. The allow-list is empty on purpose: an exception is a change to the order, written down in
the conventions, not a line here.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps as django_apps

ROOT = Path(__file__).resolve().parents[2]

#: The layers, lowest first. A module is in the layer of the longest dotted prefix listed here.
PLATFORM, CANDIDATES, INTERVIEWS, ONBOARDING, EMPLOYEES, ATTENDANCE, TOP, DEMO, ROOT_LAYER = range(9)
LAYER_NAMES = {
    PLATFORM: "platform", CANDIDATES: "candidates", INTERVIEWS: "interviews", ONBOARDING: "onboarding",
    EMPLOYEES: "employees", ATTENDANCE: "attendance", TOP: "top (workspace, portal, dashboard, careers)", DEMO: "demo",
    ROOT_LAYER: "composition root",
}
LAYERS = {
    # 1. platform: the cross-cutting apps and the outbox every stage sends through
    "hrsys": PLATFORM,  # hrsys.events (outgoing events, R-INT-2) included: the stages publish through it
    "notifications": PLATFORM,
    # 2.-6. the stages, in the order a person moves through them
    "candidates": CANDIDATES,
    "interviews": INTERVIEWS,  # interviews.ai included
    "onboarding": ONBOARDING,  # offers and onboarding
    "employees": EMPLOYEES,  # before attendance: attendance records time for employees
    "attendance": ATTENDANCE,
    # 7. on top: pages that join several stages; they may import each other, never the demo
    "workspace": TOP,
    "portal": TOP,
    "dashboard": TOP,
    "careers": TOP,  # the public careers site (R-PIPE-8): candidates' pages like the portal's
    # the demo story drives every stage's services; nothing imports it but the composition root
    "demo": DEMO,
    # the composition root wires everything together: settings, URLs, the Celery and WSGI entry points
    "hrsys.urls": ROOT_LAYER,
    "hrsys.settings": ROOT_LAYER,
    "hrsys.celery": ROOT_LAYER,
    "hrsys.wsgi": ROOT_LAYER,
    "manage": ROOT_LAYER,
    "gunicorn.conf": ROOT_LAYER,  # gunicorn.conf.py, the web server's settings
    # tools run from the command line over the whole system (benchmarks seed the demo)
    "benchmarks": ROOT_LAYER,
    # docs/example_client.py: an API client of a running server; it imports nothing of the project
    "docs": ROOT_LAYER,
}
#: Modules placed by their exact name, not as a prefix of the modules below them.
EXACT = {
    # hrsys/__init__.py loads the Celery app when Django starts (Celery's standard wiring): composition root,
    # while hrsys.accounts, hrsys.core ... are the platform
    "hrsys": ROOT_LAYER,
}
#: Folders not checked: tests exercise every layer; migrations are frozen history; the rest is not code of ours.
SKIP_PARTS = {"tests", "migrations", "node_modules", "var", "staticfiles", "static", "locale", "templates"}

#: Deliberately empty (see the module docstring).
ALLOWED: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    importer: str
    imported: str

    def __str__(self):
        return (f"{self.path}:{self.line} {self.imported} ({layer_name(self.imported)}) <- {self.importer} "
                f"({layer_name(self.importer)})")


def layer_of(module: str) -> int | None:
    """The layer of a dotted module name, or None for a module outside the project (Django, the stdlib...)."""
    if module in EXACT:
        return EXACT[module]
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        layer = LAYERS.get(".".join(parts[:n]))
        if layer is not None:
            return layer
    return None


def layer_name(module: str) -> str:
    layer = layer_of(module)
    return LAYER_NAMES[layer] if layer is not None else "outside"


def allowed(importer: str, imported: str) -> bool:
    mine, theirs = layer_of(importer), layer_of(imported)
    if mine is None or theirs is None:
        return True
    if theirs in (DEMO, ROOT_LAYER):
        # the demo and the composition root are imported by nobody but themselves
        return mine == theirs or mine == ROOT_LAYER
    return theirs <= mine


def module_name(path: Path, root: Path = ROOT) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str, root: Path) -> bool:
    path = root.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(source: str, module: str, *, is_package: bool = False, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, imported module) for every import in ``source``, at any depth, relative ones resolved against
    ``module``. ``from pkg import name`` counts as ``pkg.name`` where that is a module of the project (as
    ``import pkg.name`` would), else as ``pkg``."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names = {f"{target}.{alias.name}" if _is_module(f"{target}.{alias.name}", root) else target
                     for alias in node.names}
            found.extend((node.lineno, name) for name in sorted(names))
    return found


def violations_in(source: str, module: str, path: str, *, is_package: bool = False,
                  root: Path = ROOT) -> list[Violation]:
    return [Violation(path, line, module, imported)
            for line, imported in imports_of(source, module, is_package=is_package, root=root)
            if not allowed(module, imported) and (module, imported) not in ALLOWED]


def project_files(root: Path = ROOT):
    """Every ``.py`` file of the project but the tests, the migrations and what is not ours (.venv ...)."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_PARTS and not d.startswith((".", "__")))
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(folder) / name


def all_violations(root: Path = ROOT) -> list[Violation]:
    out = []
    for path in project_files(root):
        module = module_name(path, root)
        out.extend(violations_in(path.read_text(encoding="utf-8"), module, str(path.relative_to(root)),
                                 is_package=path.name == "__init__.py", root=root))
    return out


def test_no_import_against_the_direction_of_the_apps():
    """Issue 16 item 3: no module imports from a layer above its own (module- or function-level)."""
    found = all_violations()
    if found:
        pytest.fail("imports against the direction of the apps (docs/CONVENTIONS.md, 'Layout and import "
                    "direction'); file:line imported (its layer) <- importer (its layer):\n"
                    + "\n".join(map(str, found)), pytrace=False)


def test_every_module_has_a_layer():
    """A new app (or script) must be placed in the order, or its imports would not be checked."""
    unplaced = sorted({module_name(p).split(".")[0] for p in project_files() if layer_of(module_name(p)) is None})
    assert not unplaced, f"modules with no layer in LAYERS: {unplaced}"


def test_model_relations_follow_the_direction():
    """The schema goes the same way: a model's foreign keys and many-to-many fields point to its own layer or
    below (a relation names its model by a string, which the import check does not see)."""
    wrong = []
    for model in django_apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.related_model and not field.auto_created:
                mine, theirs = model.__module__, field.related_model.__module__
                if not allowed(mine, theirs):
                    wrong.append(f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}")
    assert not wrong, wrong


def test_the_check_catches_an_import_against_the_direction():
    """The check itself, on synthetic modules: an upward import is found at module level, inside a function, as
    a relative import and as ``from pkg import module``; downward and same-layer imports pass."""
    source = (
        "from candidates.models import Application\n"          # 1: down, fine
        "from hrsys.core.timezones import local_tz\n"          # 2: platform, fine
        "import attendance.selectors\n"                        # 3: up
        "def f():\n"
        "    from dashboard import insights\n"                 # 5: up, inside a function
        "    from ..onboarding.models import Offer\n"          # 6: relative, still up
        "    from . import services\n"                         # 7: same app
        "    import django.db\n"                               # 8: outside the project
    )
    found = violations_in(source, "interviews.selectors", "interviews/selectors.py")
    assert [(v.line, v.imported) for v in found] == [
        (3, "attendance.selectors"), (5, "dashboard.insights"), (6, "onboarding.models")]
    assert str(found[0]) == ("interviews/selectors.py:3 attendance.selectors (attendance) <- interviews.selectors "
                             "(interviews)")

    # the platform may not reach a stage; a stage may not reach the demo; the top may not reach the demo
    assert violations_in("from interviews.models import Interview\n", "notifications.selectors", "x.py")
    assert violations_in("from demo.story import seed\n", "dashboard.views", "x.py")
    assert violations_in("from workspace import board\n", "candidates.admin", "x.py")
    assert violations_in("from employees.models import Employee\n", "onboarding.services", "x.py")
    # the demo and the composition root may import everything; the top may import each other
    assert not violations_in("from attendance.services import punch_record\n", "demo.story", "x.py")
    assert not violations_in("import dashboard.urls\nimport demo.story\n", "hrsys.urls", "x.py")
    assert not violations_in("from dashboard.insights import ai_outcomes\n", "workspace.board", "x.py")
    assert not violations_in("from employees.models import Employee\n", "attendance.provisioning", "x.py")


def test_the_project_scan_sees_function_level_imports(tmp_path):
    """The scan over files finds an upward import hidden in a function of a package's module."""
    (tmp_path / "candidates").mkdir()
    (tmp_path / "candidates" / "__init__.py").write_text("")
    (tmp_path / "candidates" / "board.py").write_text("def cards():\n    from interviews.models import Interview\n")
    (tmp_path / "candidates" / "migrations").mkdir()
    (tmp_path / "candidates" / "migrations" / "0001_initial.py").write_text("import attendance.models\n")
    found = all_violations(tmp_path)
    assert [str(v) for v in found] == [
        "candidates/board.py:2 interviews.models (interviews) <- candidates.board (candidates)"]


#: ``# noqa: PLC0415 - why`` (or ``--``): the reason a function-level import is one (docs/CONVENTIONS.md)
REASONED = re.compile(r"#\s*noqa: (?:\w+, )*PLC0415\s+-{1,2}\s+\S")
#: benchmark scripts configure Django in main() (their own DATABASE_URL) and only then import the project
SCRIPTS = ("benchmarks",)


def unreasoned_function_imports(source: str, path: str) -> list[str]:
    """``path:line`` of each import inside a function whose line does not say why it is there."""
    lines = source.splitlines()
    found = []
    for function in ast.walk(ast.parse(source)):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and not REASONED.search(lines[node.lineno - 1]):
                    found.append(f"{path}:{node.lineno}")
    return sorted(set(found))


def test_every_function_level_import_says_why():
    """Issue 16 item 4: an import inside a function defers a heavy or optional library, runs where the models
    are not loaded yet, or breaks a named cycle; its line says which. Any other import is at module level."""
    found = []
    for path in project_files():
        if path.relative_to(ROOT).parts[0] in SCRIPTS:
            continue
        found.extend(unreasoned_function_imports(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))))
    assert not found, "\n".join(found)


def test_the_reason_check_catches_a_bare_function_level_import():
    source = ("def a():\n    from docx import Document  # noqa: PLC0415\n"
              "def b():\n    import pypdf  # noqa: PLC0415 - heavy (0.15 s); only for a PDF\n"
              "def c():\n    import json\n"
              "def ready():\n    from . import jobs  # noqa: F401, PLC0415 - in ready(): registers the sweeps\n")
    assert unreasoned_function_imports(source, "x.py") == ["x.py:2", "x.py:6"]
