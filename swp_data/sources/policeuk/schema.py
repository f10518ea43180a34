"""What police.uk street files look like: the CSV columns, the forces, the
dataset keys and the row classes the stages share."""

from __future__ import annotations

import re

from swp_data import config

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
OGL = config.OGL
DEMO_LICENCE = config.DEMO_LICENCE
# The API has no force column (see the package docstring).
API_FORCE = "West Midlands Police"
API_BTP_FORCE = "British Transport Police"
# Archive members that are street files: ``YYYY-MM/YYYY-MM-<force>-street.csv``
# (matched on the file name, so an extra top folder is fine). Outcomes and
# stop-and-search members are skipped.
STREET_MEMBER = re.compile(r"^(\d{4})-(\d{2})-([a-z0-9][a-z0-9-]*)-street\.csv$", re.IGNORECASE)
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# police.uk street data starts in December 2010.
FIRST_MONTH = (2010, 12)

# The forces police.uk publishes: the 43 territorial forces of England and
# Wales, British Transport Police and the Police Service of Northern Ireland,
# by the slug of data.police.uk's file names (2025-06-west-midlands-street.csv)
# with the names its "Reported by" / "Falls within" columns use (a renamed
# force keeps both names).
FORCES: dict[str, tuple[str, ...]] = {
    "avon-and-somerset": ("Avon and Somerset Constabulary",),
    "bedfordshire": ("Bedfordshire Police",),
    "btp": ("British Transport Police",),
    "cambridgeshire": ("Cambridgeshire Constabulary",),
    "cheshire": ("Cheshire Constabulary",),
    "city-of-london": ("City of London Police",),
    "cleveland": ("Cleveland Police",),
    "cumbria": ("Cumbria Constabulary",),
    "derbyshire": ("Derbyshire Constabulary",),
    "devon-and-cornwall": ("Devon & Cornwall Police", "Devon and Cornwall Police"),
    "dorset": ("Dorset Police",),
    "durham": ("Durham Constabulary",),
    "dyfed-powys": ("Dyfed-Powys Police",),
    "essex": ("Essex Police",),
    "gloucestershire": ("Gloucestershire Constabulary",),
    "greater-manchester": ("Greater Manchester Police",),
    "gwent": ("Gwent Police",),
    "hampshire": ("Hampshire Constabulary", "Hampshire and Isle of Wight Constabulary"),
    "hertfordshire": ("Hertfordshire Constabulary",),
    "humberside": ("Humberside Police",),
    "kent": ("Kent Police",),
    "lancashire": ("Lancashire Constabulary",),
    "leicestershire": ("Leicestershire Police",),
    "lincolnshire": ("Lincolnshire Police",),
    "merseyside": ("Merseyside Police",),
    "metropolitan": ("Metropolitan Police Service",),
    "norfolk": ("Norfolk Constabulary",),
    "north-wales": ("North Wales Police",),
    "north-yorkshire": ("North Yorkshire Police",),
    "northamptonshire": ("Northamptonshire Police",),
    "northern-ireland": ("Police Service of Northern Ireland",),
    "northumbria": ("Northumbria Police",),
    "nottinghamshire": ("Nottinghamshire Police",),
    "south-wales": ("South Wales Police",),
    "south-yorkshire": ("South Yorkshire Police",),
    "staffordshire": ("Staffordshire Police",),
    "suffolk": ("Suffolk Constabulary",),
    "surrey": ("Surrey Police",),
    "sussex": ("Sussex Police",),
    "thames-valley": ("Thames Valley Police",),
    "warwickshire": ("Warwickshire Police",),
    "west-mercia": ("West Mercia Police",),
    "west-midlands": ("West Midlands Police",),
    "west-yorkshire": ("West Yorkshire Police",),
    "wiltshire": ("Wiltshire Police",),
}
FORCE_NAMES: frozenset[str] = frozenset(n.lower() for names in FORCES.values() for n in names)


def is_force(name: str | None) -> bool:
    """Whether ``name`` is how police.uk names one of its forces (case and spaces ignored)."""
    return " ".join(str(name or "").split()).lower() in FORCE_NAMES


# Row classes while reading (``_g.cls``): see :mod:`.classifying`.
CAND, NO_LOCATION, OUTSIDE, BAD_COORDS, NO_TYPE, API_DUPLICATE = 0, 1, 2, 3, 4, 5


def force_slug(force: str) -> str:
    """'West Midlands Police' -> 'west-midlands' (the data.police.uk style)."""
    s = re.sub(r"[^a-z0-9]+", "-", force.strip().lower()).strip("-")
    s = re.sub(r"-police$", "", s)
    return s or "unknown"


def dataset_id(force: str, is_demo: bool) -> str:
    return ("demo:" if is_demo else "") + f"{KIND}:{force_slug(force)}"


# Outcomes files (``YYYY-MM/YYYY-MM-<force>-outcomes.csv``): every outcome
# recorded that month for crimes of earlier months (see :mod:`.outcomes`).
OUTCOMES_MEMBER = re.compile(r"^(\d{4})-(\d{2})-([a-z0-9][a-z0-9-]*)-outcomes\.csv$", re.IGNORECASE)
