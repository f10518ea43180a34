"""Shared fixtures. Tests never touch data/swp.duckdb: each gets its own copy
of a store built once per session from the real bundle."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from swp_data import config

DATA_DIR = config.data_dir()


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    if not (DATA_DIR / "MANIFEST.md").exists():
        pytest.fail(f"the open-data bundle is not at {DATA_DIR} (set SWP_DATA_DIR)")
    return DATA_DIR


@pytest.fixture(scope="session")
def ref_store(tmp_path_factory, bundle_dir) -> Path:
    """A store with the reference tables only (built once; do not modify)."""
    from swp_data.sources.build import build

    p = tmp_path_factory.mktemp("ref") / "swp.duckdb"
    build(target=p)
    return p


@pytest.fixture
def store_path(ref_store, tmp_path, monkeypatch) -> Path:
    """A private, writable copy of the reference store; SWP_STORE points at it."""
    p = tmp_path / "swp.duckdb"
    shutil.copy(ref_store, p)
    monkeypatch.setenv("SWP_STORE", str(p))
    return p


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory, ref_store) -> Path:
    """A store with the reference tables and the demo dataset (built once; do not modify)."""
    from swp_data import demo

    d = tmp_path_factory.mktemp("demo")
    p = d / "swp.duckdb"
    shutil.copy(ref_store, p)
    old = os.environ.get("SWP_STORE")
    os.environ["SWP_STORE"] = str(p)
    try:
        # without the demo targets, so the tests of targets start from none (tests/unit/test_demo_targets.py)
        demo.generate_and_import(workdir=d / "files", targets=False)
    finally:
        if old is None:
            os.environ.pop("SWP_STORE", None)
        else:
            os.environ["SWP_STORE"] = old
    return p


@pytest.fixture
def demo_store_path(demo_store, tmp_path, monkeypatch) -> Path:
    """A private, writable copy of the demo store; SWP_STORE points at it."""
    p = tmp_path / "swp.duckdb"
    shutil.copy(demo_store, p)
    monkeypatch.setenv("SWP_STORE", str(p))
    return p
