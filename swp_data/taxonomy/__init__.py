"""Crime taxonomy: canonical police.uk categories, historic names, strategy
groupings and harm weights. Defined once here; everything else imports it.
"""

from __future__ import annotations

import pandas as pd

# The 14 police.uk street-level categories in use since 2013 (canonical).
CATEGORIES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)

# Historic categories that have no single modern equivalent: kept as their own
# category and labelled historic wherever shown.
HISTORIC_CATEGORIES: tuple[str, ...] = ("Public disorder and weapons",)

# Names used in police.uk files before 2013, and the API slugs, mapped to the
# canonical category. Keys are compared case-insensitively after trimming.
_ALIASES: dict[str, str] = {
    # 2010-2013 CSV names
    "violent crime": "Violence and sexual offences",
    "violence and sexual offences": "Violence and sexual offences",
    "burglary": "Burglary",
    "robbery": "Robbery",
    "vehicle crime": "Vehicle crime",
    "other crime": "Other crime",
    "anti-social behaviour": "Anti-social behaviour",
    "criminal damage and arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other theft": "Other theft",
    "shoplifting": "Shoplifting",
    "public disorder and weapons": "Public disorder and weapons",
    "public order": "Public order",
    "possession of weapons": "Possession of weapons",
    "bicycle theft": "Bicycle theft",
    "theft from the person": "Theft from the person",
    # police.uk API slugs
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "criminal-damage-arson": "Criminal damage and arson",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
    "violence-and-sexual-offences": "Violence and sexual offences",
    "other-crime": "Other crime",
    "public-disorder-weapons": "Public disorder and weapons",
}

# API slugs for the canonical categories (demo writer, tests).
API_SLUGS: dict[str, str] = {
    "Anti-social behaviour": "anti-social-behaviour",
    "Bicycle theft": "bicycle-theft",
    "Burglary": "burglary",
    "Criminal damage and arson": "criminal-damage-arson",
    "Drugs": "drugs",
    "Other crime": "other-crime",
    "Other theft": "other-theft",
    "Possession of weapons": "possession-of-weapons",
    "Public order": "public-order",
    "Robbery": "robbery",
    "Shoplifting": "shoplifting",
    "Theft from the person": "theft-from-the-person",
    "Vehicle crime": "vehicle-crime",
    "Violence and sexual offences": "violent-crime",
}


def canonical(name: str | None) -> str | None:
    """The canonical (or historic) category for a name from a file; None if unknown."""
    if name is None:
        return None
    return _ALIASES.get(str(name).strip().lower())


def canonical_series(names: pd.Series) -> pd.Series:
    """Vectorised :func:`canonical` (unknown names give NA)."""
    return names.astype("string").str.strip().str.lower().map(_ALIASES)


# Strategy groupings (docs/architecture.md, seeds/003). A category may sit in several.
GROUPINGS: dict[str, tuple[str, ...]] = {
    "Neighbourhood crime": ("Burglary", "Robbery", "Theft from the person", "Vehicle crime"),
    "Violence": ("Violence and sexual offences", "Possession of weapons", "Robbery"),
    "Anti-social behaviour": ("Anti-social behaviour",),
    "All crime (excluding ASB)": tuple(c for c in CATEGORIES if c != "Anti-social behaviour") + HISTORIC_CATEGORIES,
    "All crime and ASB": CATEGORIES + HISTORIC_CATEGORIES,
}

# Partner measures that police.uk does not carry (partner_series.measure).
PARTNER_MEASURES: dict[str, str] = {
    "domestic_abuse_incidents": "Domestic abuse incidents",
    "domestic_abuse_crimes": "Domestic abuse crimes",
    "domestic_violence_reports": "Domestic violence reports",
    "hate_crime": "Hate crime",
    "hate_crime_reports": "Hate crime reports",
}

# Harm weights per category: an editable, documented table.
# Source: approximated from the ONS Crime Severity Score (CSS) weights, which
# are the mean sentencing "days of custody equivalent" of the offences each
# police.uk category mostly holds (ONS, "Research outputs: developing a Crime
# Severity Score for England and Wales using data on crimes recorded by the
# police", 2016, and later updates). police.uk categories mix offences, so each
# weight is a rounded volume-weighted average across the offences in it; ASB is
# not a crime and has no CSS weight, so it gets a small nominal weight so that
# it counts for something in a harm index. Edit HARM_WEIGHTS (or pass your own
# table) to use the Cambridge Crime Harm Index instead.
HARM_WEIGHTS: dict[str, float] = {
    "Violence and sexual offences": 100.0,
    "Robbery": 480.0,
    "Burglary": 320.0,
    "Possession of weapons": 200.0,
    "Drugs": 70.0,
    "Vehicle crime": 50.0,
    "Theft from the person": 55.0,
    "Criminal damage and arson": 40.0,
    "Public order": 30.0,
    "Other crime": 80.0,
    "Other theft": 25.0,
    "Shoplifting": 10.0,
    "Bicycle theft": 15.0,
    "Anti-social behaviour": 2.0,
    "Public disorder and weapons": 60.0,
}


def harm_weights_frame() -> pd.DataFrame:
    return pd.DataFrame({"category": list(HARM_WEIGHTS), "harm_weight": list(HARM_WEIGHTS.values())})


def grouping_of(category: str) -> list[str]:
    return [g for g, cats in GROUPINGS.items() if category in cats]


def categories_for(selection: str) -> tuple[str, ...]:
    """Categories for a grouping name or a single category."""
    if selection in GROUPINGS:
        return GROUPINGS[selection]
    return (selection,)
