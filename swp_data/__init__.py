"""Data layer of Safer Wolverhampton Insight: bundle readers, validation, the
DuckDB store, imports, demo data, metrics and clustering. No Streamlit here."""
