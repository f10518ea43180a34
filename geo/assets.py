"""Map scripts served by the app itself, so maps draw with no internet.

streamlit-folium loads every script a folium map names and draws nothing if
one fails; folium names CDN copies of Leaflet, jQuery, Bootstrap and more.
The maps here need only Leaflet (and Leaflet.heat for heat layers), so
:func:`ensure_static` copies them from installed packages
(``django-js-lib-leaflet``, a plain repackaging of Leaflet 1.9.4, and folium's
own ``leaflet_heat.min.js``) into ``static/vendor/`` of the project, which
Streamlit serves at ``/app/static/vendor/`` (``server.enableStaticServing``).
The folder is generated and git-ignored.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

URL = "/app/static/vendor"
LEAFLET_JS = f"{URL}/leaflet/leaflet.js"
LEAFLET_CSS = f"{URL}/leaflet/leaflet.css"
LEAFLET_HEAT_JS = f"{URL}/leaflet_heat.min.js"


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{name} is not installed (see pyproject.toml)")
    return Path(list(spec.submodule_search_locations)[0])


def ensure_static(project_root: Path) -> Path:
    """Copy the map scripts into ``project_root/static/vendor`` if missing."""
    dest = project_root / "static" / "vendor"
    if (dest / "leaflet" / "leaflet.js").exists() and (dest / "leaflet_heat.min.js").exists():
        return dest
    leaflet = _package_dir("js_lib_leaflet") / "static" / "js_lib_leaflet"
    (dest / "leaflet").mkdir(parents=True, exist_ok=True)
    for f in ("leaflet.js", "leaflet.css"):
        shutil.copy(leaflet / f, dest / "leaflet" / f)
    shutil.copytree(leaflet / "images", dest / "leaflet" / "images", dirs_exist_ok=True)
    shutil.copy(_package_dir("folium") / "templates" / "leaflet_heat.min.js", dest / "leaflet_heat.min.js")
    return dest
