"""Data: import files with progress and a report, the provenance of every
dataset, delete a dataset, load the demo, download the provenance table."""

import tempfile
from pathlib import Path

import streamlit as st

from swp_data import fmt, periods
from swp_data.analysis import crime
from swp_data.errors import InputError
from swp_data.sources import imports, uploads
from swp_data.store import datasets
from ui import auth, fetch_panel, furniture, gateway, urlstate

ss = st.session_state
CONFIRM_REPLACE = "Replace months even when the new file has far fewer records"


furniture.page_header(
    "Data",
    "Load this month's data.police.uk download and the partners' returns, check what was loaded, and remove "
    "what should not be there. Every import is all or nothing: a problem leaves the store as it was.",
)
urlstate.page("data")
furniture.demo_banner(
    advice="Demo datasets are marked DEMO in the list below; importing real records of a "
    "force and month replaces the demo records of that month."
)

# ----------------------------------------------------------------- results of the last action
result = ss.get("data_result")
if result:
    kind = result["kind"]
    if kind == "error":
        st.error(f"Nothing was loaded. {fmt.md(result['message'])}", icon=":material/error:")
        if result.get("confirm"):
            # A replacement that removes far more records than it brings: the
            # analyst may confirm it and import again.
            st.checkbox(CONFIRM_REPLACE, key="data_confirm_replace")
    elif kind == "import":
        rep = result["report"]
        st.success(
            f"Imported {rep['files']:,} file(s): {fmt.md(', '.join(result['names']))}.", icon=":material/check_circle:"
        )
        m = st.columns(5)
        m[0].metric("Files read", f"{rep['files']:,}")
        m[1].metric("Rows read", f"{rep['rows_read']:,}")
        m[2].metric("Rows kept", f"{rep['rows_kept']:,}")
        m[3].metric("Outside the city", f"{rep['outside_city']:,}")
        m[4].metric("Duplicates dropped", f"{rep['duplicates_dropped']:,}")
        with st.expander("Import report", expanded=True):
            st.code(result["text"], language=None)
    elif kind == "deleted":
        st.success(fmt.md(result["message"]), icon=":material/delete:")
    elif kind == "demo":
        st.success(result["message"], icon=":material/science:")
        with st.expander("Import report"):
            st.code(result["text"], language=None)

# ----------------------------------------------------------------- import
st.subheader("Import files")
st.markdown(
    "- **police.uk street-level crime**: monthly CSVs or whole archives (`.zip`) from data.police.uk, or API "
    "`crimes-street` responses (`.json`). Only records in Wolverhampton are kept. A month loaded again "
    "replaces what was loaded for it before.\n"
    "- **Partner series** (domestic abuse, hate crime...) and **engagement** returns (meetings, surveys, "
    "consultations): CSVs in the formats of `docs/import_formats.md`."
)
files = st.file_uploader(
    "Files to import",
    type=["csv", "zip", "json"],
    accept_multiple_files=True,
    key="data_upload",
    help="Several files at once are imported together in one step.",
)
# Buttons only record a request (on_click runs before the script): the work is
# done below, in the page, where the progress bar can be drawn.
st.button(
    "Import",
    type="primary",
    disabled=not files,
    key="data_import",
    icon=":material/upload:",
    on_click=lambda: ss.update(
        data_action="import", data_result=None, data_confirm=bool(ss.get("data_confirm_replace"))
    ),
)
action = ss.pop("data_action", None)
confirm_replace = ss.pop("data_confirm", False)
if action == "import" and files:
    bar = st.progress(0.0, text="Starting")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

    with tempfile.TemporaryDirectory(prefix="swp-upload-") as tmp:
        try:
            # written to disk in chunks, not copied whole in memory
            paths = uploads.save_uploads([(u.name, u) for u in files], Path(tmp))
            report = imports.import_paths(paths, progress=progress, confirm_replace=confirm_replace)
        except OSError:
            ss["data_result"] = {"kind": "error", "message": "the upload could not be saved on the server"}
        except InputError as e:
            # name the file as the user knows it, not by its temporary folder
            ss["data_result"] = {
                "kind": "error",
                "message": str(e).replace(tmp + "/", ""),
                "confirm": isinstance(e, imports.ReplaceRefused),
            }
        else:
            ss["data_result"] = {
                "kind": "import",
                "report": report.to_dict(),
                "text": report.to_text(),
                "names": [p.name for p in paths],
            }
    st.rerun()

fetch_panel.render()  # "Update from police.uk" (ui/fetch_panel.py)

# ----------------------------------------------------------------- demo
if not gateway.q(crime.crime_loaded):
    st.info(
        "No police.uk crime records are loaded. Import a download above, or load the demo dataset "
        "(synthetic police.uk-format records Jan 2021 to Sep 2026, partner series and engagement returns, "
        "all labelled DEMO).",
        icon=":material/info:",
    )
    st.button(
        "Load the demo dataset",
        key="data_demo",
        icon=":material/science:",
        on_click=lambda: ss.update(data_action="demo", data_result=None),
    )
    if action == "demo":
        from swp_data import demo

        bar = st.progress(0.0, text="Starting")
        try:
            report = demo.generate_and_import(
                progress=lambda fr, msg: bar.progress(min(max(float(fr), 0.0), 1.0), text=msg)
            )
        except InputError as e:
            ss["data_result"] = {"kind": "error", "message": str(e)}
        else:
            ss["data_result"] = {
                "kind": "demo",
                "text": report.to_text(),
                "message": f"Loaded the demo dataset: {report.rows_kept:,} rows.",
            }
        st.rerun()

# ----------------------------------------------------------------- datasets
st.subheader("Datasets loaded")
ds = gateway.q(datasets.dataset_table)
# newest imports first, reference data last
ds = (
    ds.assign(_ref=ds["kind"].eq("reference"))
    .sort_values(["_ref", "loaded_at", "dataset_id"], ascending=[True, False, True])
    .drop(columns="_ref")
)
view = ds.assign(status=ds["is_demo"].map({True: "DEMO", False: "Real"}))[
    [
        "name",
        "kind",
        "status",
        "period_start",
        "period_end",
        "row_count",
        "rows_now",
        "source",
        "licence",
        "loaded_at",
        "dataset_id",
    ]
].rename(columns={"row_count": "rows loaded", "rows_now": "rows now"})
st.dataframe(
    view,
    hide_index=True,
    width="stretch",
    key="data_datasets",
    column_config={
        "period_start": st.column_config.DateColumn("from", format="MMM YYYY"),
        "period_end": st.column_config.DateColumn("to", format="MMM YYYY"),
        "rows loaded": st.column_config.NumberColumn(format="localized"),
        "rows now": st.column_config.NumberColumn(format="localized"),
        "loaded_at": st.column_config.DatetimeColumn("loaded at", format="D MMM YYYY, HH:mm"),
    },
)
st.caption(
    "'rows now' can be lower than 'rows loaded' when a later import replaced some of a dataset's months "
    "(police.uk) or keys (partner and engagement returns)."
)
last = gateway.q(crime.last_month)
if last is not None:
    st.markdown(f"**Latest month of crime records: {periods.fmt_month(last)}**")
d1, d2 = st.columns(2)
with d1:
    furniture.download(
        view,
        label="Download the provenance table (CSV)",
        filename="datasets",
        title="Datasets loaded in Safer Wolverhampton Insight",
        is_demo=bool(ds["is_demo"].any()),
        source="the dataset table of the store",
        key="data_prov_csv",
    )
with d2:
    st.download_button(
        "Download the provenance table (JSON)",
        view.to_json(orient="records", date_format="iso", indent=1).encode("utf-8"),
        file_name="datasets.json",
        mime="application/json",
        key="data_prov_json",
        icon=":material/download:",
    )

# ----------------------------------------------------------------- delete
st.subheader("Delete a dataset")
deletable = ds[ds["deletable"]]
if deletable.empty:
    st.caption(
        "Nothing to delete: reference data and the partnership's published figures come with the "
        "open-data bundle and cannot be deleted."
    )
else:
    labels = {
        r.dataset_id: f"{r.name} ({'DEMO' if r.is_demo else 'real'}, {r.rows_now:,} rows)"
        for r in deletable.itertuples()
    }
    if ss.get("data_delete_pick") not in labels:
        ss["data_delete_pick"] = next(iter(labels))
    pick = st.selectbox("Dataset", list(labels), format_func=labels.get, key="data_delete_pick")
    pending = ss.get("data_delete_pending")
    if pending != pick:
        st.button(
            "Delete…",
            key="data_delete",
            icon=":material/delete:",
            on_click=lambda: ss.update(data_delete_pending=ss.get("data_delete_pick"), data_result=None),
        )
        st.caption("Reference data and the partnership's published figures cannot be deleted.")
    else:
        st.warning(
            f"Delete **{fmt.md(labels[pick])}**? Its rows are removed from the store; import the files again "
            "to bring them back.",
            icon=":material/warning:",
        )

        def _delete(dataset_id=pick, label=labels[pick]):
            try:
                removed = datasets.delete_dataset(dataset_id)
            except (KeyError, ValueError) as e:
                ss["data_result"] = {"kind": "error", "message": f"Cannot delete {dataset_id}: {e}"}
            else:
                ss["data_result"] = {
                    "kind": "deleted",
                    "message": f"Deleted {label}: {sum(removed.values()):,} row(s) removed.",
                }
            ss.pop("data_delete_pending", None)
            ss.pop("data_delete_pick", None)

        y, n, _ = st.columns([1, 1, 4])
        y.button("Yes, delete", type="primary", key="data_delete_yes", on_click=_delete)
        n.button("Cancel", key="data_delete_no", on_click=lambda: ss.pop("data_delete_pending", None))

auth.audit_block()
furniture.provenance()
