"""The action plan's status by strategy priority, for the Performance page
(a small section; the Action plan page has the plan itself and "did it
work?"). Not on the public site: the plan names people."""

from __future__ import annotations

import streamlit as st

from swp_data.actions import plan
from ui import furniture, gateway


def render(public: bool) -> None:
    if public:
        return
    summary = gateway.q(plan.priority_summary)
    st.subheader("Action plan")
    if summary.empty:
        st.caption("No actions in the plan yet (Action plan page).")
        return
    table = gateway.q(plan.status_table)
    counts = table.attrs.get("counts", {})
    attention = counts.get("at risk", 0) + counts.get("off track", 0)
    st.markdown(
        f"**{len(table):,} action{'s' if len(table) != 1 else ''} across {len(summary):,} "
        f"priorit{'ies' if len(summary) != 1 else 'y'}: "
        + ", ".join(f"{n:,} {s}" for s, n in counts.items() if n)
        + (f"; {attention:,} at risk or off track." if attention else ".")
        + "**"
    )
    st.dataframe(summary, hide_index=True, width="stretch", key="perf_plan_summary")
    with st.expander("Each action and its status"):
        st.dataframe(table, hide_index=True, width="stretch", key="perf_plan_table")
        furniture.download(
            table,
            label="Download CSV",
            filename="swp-action-plan-status",
            title="Action plan: status of each action",
            is_demo=False,
            key="perf_plan_dl",
        )
    st.page_link("pages/actions.py", label="Open the action plan", icon=":material/checklist:")
