"""Which kind of layer a file holds: cases, areas, concessions or boundaries.

Guessed from its format, geometry type, columns and name, for a file given without a kind.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from landmap.errors import DataFileError
from landmap.io._aliases import match_profile
from landmap.io._vector import (
    gdal_notes,
    list_layers,
    resolve,
)
from landmap.schema import (
    LayerKind,
)

PathLike = str | os.PathLike[str]


_CONCESSION_WORDS = ("elc", "concession", "slc", "mining", "company")
_BOUNDARY_WORDS = (
    "adm0",
    "adm1",
    "adm2",
    "adm3",
    "admin",
    "boundar",
    "province",
    "district",
    "commune",
    "bnd",
)


def infer_kind(source: PathLike | pd.DataFrame, *, layer: str | None = None) -> LayerKind:
    """Guess the layer kind of a source from its format, geometry type, columns and name.

    Tables and point files are ``cases``; polygon files are ``boundaries`` or ``concessions``
    when their columns or name say so (a known dataset profile, ``shapeName``, ``Adm1_Name``,
    "elc" in the name), else ``areas``.

    Examples
    --------
    >>> import pandas as pd
    >>> infer_kind(pd.DataFrame({"lat": [11.5], "lon": [104.9]}))
    'cases'

    """
    src = resolve(source, layer=layer)
    if src.fmt in ("csv", "xlsx"):
        return "cases"
    if src.fmt == "frame":
        frame = source
        if isinstance(frame, gpd.GeoDataFrame):
            types = set(frame.geom_type.dropna())
            cols = [str(c) for c in frame.columns]
            return _kind_from(types, cols, "")
        return "cases"
    if src.fmt == "parquet":
        frame = gpd.read_parquet(src.gdal_path)
        return _kind_from(set(frame.geom_type.dropna()), list(map(str, frame.columns)), src.display)
    layers = list_layers(src)
    import pyogrio

    name = src.layer or (layers[0][0] if layers else None)
    try:
        info = pyogrio.read_info(src.gdal_path, layer=name)
    except Exception as err:  # noqa: BLE001
        raise DataFileError(f"GDAL could not read it ({err})", path=src.display) from err
    if info.get("driver") == "GPX":
        return "cases"
    gtypes = {str(g) for _, g in layers if g}
    types = (
        {"Point"}
        if any("Point" in g for g in gtypes) and not any("Polygon" in g for g in gtypes)
        else ({"Polygon"} if any("Polygon" in g for g in gtypes) else set())
    )
    if not types:
        try:
            with gdal_notes(src):  # a guess from a sample: what cannot be read is left out
                sample = pyogrio.read_dataframe(
                    src.gdal_path, layer=name, max_features=50, on_invalid="ignore"
                )
        except Exception as err:  # noqa: BLE001 - every GDAL failure becomes one clear error
            raise DataFileError(f"GDAL could not read it ({err})", path=src.display) from err
        types = set(sample.geom_type.dropna())
    return _kind_from(types, [str(f) for f in info.get("fields", [])], src.display)


def _kind_from(types: set[str], cols: list[str], display: str) -> LayerKind:
    profile = match_profile(cols)
    if types and all("Point" in t for t in types):
        return "concessions" if profile and profile["kind"] == "concessions" else "cases"
    if profile is not None:
        return profile["kind"]  # type: ignore[return-value]
    lower = {c.lower() for c in cols}
    name = Path(display).name.lower()
    if lower & {
        "shapename",
        "adm1_name",
        "adm2_name",
        "adm3_name",
        "adm1_en",
        "adm2_en",
        "adm3_en",
        "shapetype",
    } or any(w in name for w in _BOUNDARY_WORDS):
        return "boundaries"
    if lower & {"company", "concession_id", "concessionaire", "investor_country"} or any(
        w in name for w in _CONCESSION_WORDS
    ):
        return "concessions"
    return "areas"


__all__ = ["infer_kind"]
