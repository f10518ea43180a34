"""Configuration: where the open-data bundle and the store live.

One setting each, read from the environment every time (tests change them):
- ``SWP_DATA_DIR``: the open-data bundle (default ``../shared/data`` beside the project).
- ``SWP_STORE``: the DuckDB store file (default ``data/swp.duckdb`` in the project).
Relative paths are taken from the project root, so the app, the CLI and the
tests agree whatever the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _resolve(value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (PROJECT_ROOT / p)


def data_dir() -> Path:
    return _resolve(os.environ.get("SWP_DATA_DIR", "../shared/data")).resolve()


def store_path() -> Path:
    return _resolve(os.environ.get("SWP_STORE", "data/swp.duckdb"))


CITY_LAD = "E08000031"
CITY_NAME = "Wolverhampton"

ATTRIBUTION = (
    "Contains National Statistics data © Crown copyright and database right 2019–2025. "
    "Contains OS data © Crown copyright and database right. "
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Police recorded crime: data.police.uk (OGL v3)."
)

# Licences written into the provenance table (one string each, everywhere).
OGL = "Open Government Licence v3.0"
PUBLISHED_LICENCE = f"{OGL} (published by the Safer Wolverhampton Partnership)"
PARTNER_LICENCE = "Partner data (not open): used under the partnership's data sharing agreement"
DEMO_LICENCE = "Demo data (synthetic)"
