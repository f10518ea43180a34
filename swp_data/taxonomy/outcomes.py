"""police.uk outcomes: every outcome name police.uk has written (street files'
"Last outcome category", outcomes files' "Outcome type", the API's
``outcome_status`` and ``outcomes-for-crime`` names and codes), current and
historic, mapped once into groups a meeting can read.

The groups (:data:`GROUPS`, in the order the app shows them):

* **Charged or summonsed**: a suspect was charged or summonsed, whatever the
  court then decided (convicted, not guilty, case unable to proceed, result
  unavailable), awaiting the court's outcome, or charged as part of another
  case. "Awaiting court outcome" is here, not with the cases still under
  investigation: a case reaches court only after a charge or summons.
* **Out-of-court outcome**: caution, penalty notice, community (local)
  resolution, drugs possession warning.
* **Suspect identified, no further action**: unable to prosecute the suspect
  (evidential difficulties, the victim does not support action), formal or
  further action not in the public interest.
* **No suspect identified**: investigation complete; no suspect identified.
* **Still under investigation**.
* **Other or unavailable**: action to be taken by another organisation,
  status update unavailable, and any name this table does not know (counted
  here and listed in the import report, never dropped).
* **No outcome recorded** (:data:`NO_OUTCOME`): a crime with no outcome at
  all (an empty name).

Names are compared case-insensitively after trimming and squeezing spaces.
"""

from __future__ import annotations

CHARGED = "Charged or summonsed"
OUT_OF_COURT = "Out-of-court outcome"
SUSPECT_NFA = "Suspect identified, no further action"
NO_SUSPECT = "No suspect identified"
UNDER_INVESTIGATION = "Still under investigation"
OTHER = "Other or unavailable"
NO_OUTCOME = "No outcome recorded"

GROUPS: tuple[str, ...] = (CHARGED, OUT_OF_COURT, SUSPECT_NFA, NO_SUSPECT, UNDER_INVESTIGATION, OTHER, NO_OUTCOME)
# The groups in which a suspect was identified (the "suspect identified" share).
SUSPECT_GROUPS: tuple[str, ...] = (CHARGED, OUT_OF_COURT, SUSPECT_NFA)
# Groups that are final: a crime there has reached an outcome (the others may still change).
FINAL_GROUPS: tuple[str, ...] = (CHARGED, OUT_OF_COURT, SUSPECT_NFA, NO_SUSPECT)

# name as police.uk writes it -> group; "(historic)" in the README where police.uk no longer uses it.
OUTCOMES: dict[str, str] = {
    # charged or summonsed, and what the court decided
    "Suspect charged": CHARGED,
    "Suspect charged as part of another case": CHARGED,
    "Awaiting court outcome": CHARGED,
    "Defendant sent to Crown Court": CHARGED,
    "Offender sent to prison": CHARGED,
    "Offender given suspended prison sentence": CHARGED,
    "Offender given community sentence": CHARGED,
    "Offender fined": CHARGED,
    "Offender given conditional discharge": CHARGED,
    "Offender given absolute discharge": CHARGED,
    "Offender ordered to pay compensation": CHARGED,
    "Offender deprived of property": CHARGED,
    "Offender otherwise dealt with": CHARGED,
    "Defendant found not guilty": CHARGED,
    "Court case unable to proceed": CHARGED,
    "Court result unavailable": CHARGED,
    # out of court
    "Offender given a caution": OUT_OF_COURT,
    "Offender given a youth caution": OUT_OF_COURT,
    "Offender given penalty notice": OUT_OF_COURT,
    "Offender given a penalty notice": OUT_OF_COURT,
    "Offender given a drugs possession warning": OUT_OF_COURT,
    "Local resolution": OUT_OF_COURT,
    "Community resolution": OUT_OF_COURT,
    # suspect identified, no further action
    "Unable to prosecute suspect": SUSPECT_NFA,
    "Formal action is not in the public interest": SUSPECT_NFA,
    "Further action is not in the public interest": SUSPECT_NFA,
    "Further investigation is not in the public interest": SUSPECT_NFA,
    # no suspect
    "Investigation complete; no suspect identified": NO_SUSPECT,
    # pending
    "Under investigation": UNDER_INVESTIGATION,
    # other
    "Action to be taken by another organisation": OTHER,
    "Status update unavailable": OTHER,
}

# The API's outcome category codes (outcomes-for-crime ``category.code``).
API_CODES: dict[str, str] = {
    "charged": "Suspect charged",
    "sentenced-in-another-case": "Suspect charged as part of another case",
    "awaiting-court-result": "Awaiting court outcome",
    "sent-to-crown-court": "Defendant sent to Crown Court",
    "imprisoned": "Offender sent to prison",
    "suspended-sentence": "Offender given suspended prison sentence",
    "community-penalty": "Offender given community sentence",
    "fined": "Offender fined",
    "conditional-discharge": "Offender given conditional discharge",
    "absolute-discharge": "Offender given absolute discharge",
    "compensation": "Offender ordered to pay compensation",
    "deprived-of-property": "Offender deprived of property",
    "other-court-disposal": "Offender otherwise dealt with",
    "not-guilty": "Defendant found not guilty",
    "unable-to-proceed": "Court case unable to proceed",
    "court-result-unavailable": "Court result unavailable",
    "cautioned": "Offender given a caution",
    "penalty-notice-issued": "Offender given penalty notice",
    "drugs-possession-warning": "Offender given a drugs possession warning",
    "local-resolution": "Local resolution",
    "unable-to-prosecute": "Unable to prosecute suspect",
    "formal-action-not-in-public-interest": "Formal action is not in the public interest",
    "further-action-not-in-public-interest": "Further action is not in the public interest",
    "further-investigation-not-in-public-interest": "Further investigation is not in the public interest",
    "no-further-action": "Investigation complete; no suspect identified",
    "under-investigation": "Under investigation",
    "action-taken-by-another-organisation": "Action to be taken by another organisation",
    "status-update-unavailable": "Status update unavailable",
}


def _key(name: str | None) -> str:
    return " ".join(str(name or "").split()).lower()


_BY_KEY: dict[str, str] = {_key(k): g for k, g in OUTCOMES.items()}
_BY_KEY.update({_key(code): OUTCOMES[name] for code, name in API_CODES.items()})


def group_of(name: str | None) -> str:
    """The group of an outcome name (or API code): :data:`NO_OUTCOME` for an
    empty one, :data:`OTHER` for one this table does not know."""
    k = _key(name)
    if not k:
        return NO_OUTCOME
    return _BY_KEY.get(k, OTHER)


def is_known(name: str | None) -> bool:
    """Whether a non-empty name is in the table (an unknown one counts as "other")."""
    k = _key(name)
    return not k or k in _BY_KEY


def api_name(code: str | None) -> str | None:
    """The name police.uk writes for an API category code (None when unknown)."""
    return API_CODES.get(_key(code))


def mapping_rows() -> list[tuple[str, str]]:
    """(name, group) for every name, grouped in :data:`GROUPS` order (the README's table)."""
    order = {g: i for i, g in enumerate(GROUPS)}
    return sorted(OUTCOMES.items(), key=lambda kv: (order[kv[1]], kv[0]))


def group_sql(column: str) -> str:
    """A SQL CASE expression giving the group of ``column`` (for DuckDB queries)."""
    norm = f"lower(trim(regexp_replace(coalesce({column}, ''), '\\s+', ' ', 'g')))"
    whens = " ".join(f"WHEN '{k.replace(chr(39), chr(39) * 2)}' THEN '{g}'" for k, g in sorted(_BY_KEY.items()))
    return f"(CASE {norm} WHEN '' THEN '{NO_OUTCOME}' {whens} ELSE '{OTHER}' END)"
