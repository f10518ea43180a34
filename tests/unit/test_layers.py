"""The layer rule (swp_data/__init__.py): the domain (swp_data, geo) never
imports Streamlit or the UI; swp_data's subpackages import only downward;
geo imports nothing of swp_data; page scripts import no other page script.
Read from the code's own import statements (ast), so a new module is
checked the moment it exists."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from swp_data import LAYERS

ROOT = Path(__file__).resolve().parents[2]
UI_LIBS = ("streamlit", "streamlit_folium", "ui", "pages")
BASE = ("config", "errors", "periods", "taxonomy", "fmt")  # swp_data's top-level modules any layer may use
TOP = ("cli", "__main__", "__init__")  # may import any layer


def _module(rel: str) -> str:
    parts = rel.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(rel: str, source: str) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in a file at ``rel`` (a path
    from the project root), relative imports resolved."""
    tree = ast.parse(source)
    pkg = _module(rel).split(".")
    if not rel.endswith("__init__.py"):
        pkg = pkg[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = pkg[: len(pkg) - node.level + 1] if node.level else []
            mod = ".".join([*base, *([node.module] if node.module else [])])
            # "from swp_data import store" names a module: check it, not the package
            out += [(node.lineno, f"{mod}.{a.name}") for a in node.names]
    return out


def _layer(module: str) -> tuple[str, int] | None:
    """('subpackage', rank) of a swp_data module; rank -1 for the base modules,
    len(LAYERS) for the top (cli)."""
    parts = module.split(".")
    if parts[0] != "swp_data" or len(parts) == 1:
        return None
    head = parts[1]
    if head in LAYERS:
        return head, LAYERS.index(head)
    if head in BASE:
        return head, -1
    if head in TOP:
        return head, len(LAYERS)
    return None  # a name imported from the package itself


def violations(files: dict[str, str]) -> list[str]:
    """Every import in ``files`` (path from the root -> source) that breaks the rule."""
    found = []
    for rel, source in files.items():
        me = _module(rel)
        for line, target in imports_of(rel, source):
            where = f"{rel}:{line} imports {target}"
            top = target.split(".")[0]
            if me.startswith(("swp_data", "geo")) and top in UI_LIBS:
                found.append(f"{where}: the domain never imports Streamlit or the UI")
            elif me.startswith("geo") and top == "swp_data":
                found.append(f"{where}: geo imports nothing of swp_data")
            elif me.startswith("pages.") and top == "pages":
                found.append(f"{where}: a page script imports no other page")
            elif me.startswith("ui") and top == "pages":
                found.append(f"{where}: the UI helpers import no page script")
            elif me.startswith("swp_data") and top == "swp_data":
                mine, theirs = _layer(me), _layer(target)
                if mine is None or theirs is None or mine[0] == theirs[0]:
                    continue
                if mine[1] == -1 and theirs[1] != -1:
                    found.append(f"{where}: a top-level module of swp_data imports no subpackage")
                elif theirs[1] > mine[1]:
                    found.append(f"{where}: {mine[0]} may import only lower layers ({', '.join(LAYERS[: mine[1]])})")
    return found


def project_files() -> dict[str, str]:
    paths = [*ROOT.glob("swp_data/**/*.py"), *ROOT.glob("geo/**/*.py"), *ROOT.glob("ui/**/*.py")]
    paths += [*ROOT.glob("pages/*.py"), ROOT / "app.py"]
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in paths}


def test_the_project_keeps_the_layer_rule():
    assert violations(project_files()) == []


def test_every_subpackage_of_swp_data_has_a_layer():
    subpackages = {p.parent.name for p in (ROOT / "swp_data").glob("*/__init__.py")}
    policeuk_and_pack = {"policeuk", "pack"}  # nested inside sources and report
    assert subpackages - policeuk_and_pack <= set(LAYERS) | set(BASE)
    top = {p.stem for p in (ROOT / "swp_data").glob("*.py")}
    assert top <= set(BASE) | set(TOP)


@pytest.mark.parametrize(
    ("rel", "source", "says"),
    [
        ("swp_data/analysis/x.py", "import streamlit as st\n", "never imports Streamlit"),
        ("swp_data/places/x.py", "from streamlit import session_state\n", "never imports Streamlit"),
        ("geo/x.py", "from ui import gateway\n", "never imports Streamlit or the UI"),
        ("geo/x.py", "from swp_data import store\n", "geo imports nothing of swp_data"),
        ("swp_data/store/x.py", "from swp_data.analysis import crime\n", "store may import only lower layers"),
        ("swp_data/sources/x.py", "from ..report import performance\n", "sources may import only lower layers"),
        ("swp_data/periods.py", "from swp_data.store import audit\n", "imports no subpackage"),
        ("pages/x.py", "from pages import trends\n", "imports no other page"),
        ("ui/x.py", "import pages.trends\n", "import no page script"),
    ],
)
def test_a_broken_rule_is_found(rel, source, says):
    found = violations({rel: source})
    assert len(found) == 1 and says in found[0], found


@pytest.mark.parametrize(
    ("rel", "source"),
    [
        ("swp_data/report/x.py", "from swp_data.analysis import crime\nfrom swp_data import store, fmt\n"),
        ("swp_data/sources/policeuk/x.py", "from ..tables import clean_text\nfrom . import schema\n"),
        ("swp_data/cli.py", "from swp_data.demo import areas\n"),
        ("ui/x.py", "import streamlit as st\nfrom swp_data.report import performance\n"),
    ],
)
def test_a_kept_rule_is_not_reported(rel, source):
    assert violations({rel: source}) == []
