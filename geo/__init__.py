"""Geography: boundaries, spatial joins, maps and spatial statistics. No Streamlit here."""
