"""What police.uk street files look like: the CSV columns, the forces, the
dataset keys and the row classes the stages share."""

from __future__ import annotations

import re

# The published header of data.police.uk street CSVs (2010 onwards).
POLICE_COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
KIND = "police_uk"
OGL = "Open Government Licence v3.0"
DEMO_LICENCE = "Demo data (synthetic)"
# The API has no force column (see the package docstring).
API_FORCE = "West Midlands Police"
API_BTP_FORCE = "British Transport Police"
# Archive members that are street files: ``YYYY-MM/YYYY-MM-<force>-street.csv``
# (matched on the file name, so an extra top folder is fine). Outcomes and
# stop-and-search members are skipped.
STREET_MEMBER = re.compile(r"^(\d{4})-(\d{2})-[a-z0-9][a-z0-9-]*-street\.csv$", re.IGNORECASE)
MONTH = re.compile(r"^(\d{4})-(\d{2})$")

# Row classes while reading (``_g.cls``): see :mod:`.classifying`.
CAND, NO_LOCATION, OUTSIDE, BAD_COORDS, NO_TYPE, API_DUPLICATE = 0, 1, 2, 3, 4, 5


def force_slug(force: str) -> str:
    """'West Midlands Police' -> 'west-midlands' (the data.police.uk style)."""
    s = re.sub(r"[^a-z0-9]+", "-", force.strip().lower()).strip("-")
    s = re.sub(r"-police$", "", s)
    return s or "unknown"


def dataset_id(force: str, is_demo: bool) -> str:
    return ("demo:" if is_demo else "") + f"{KIND}:{force_slug(force)}"
