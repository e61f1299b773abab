"""``landmap raster-stats``: what a raster holds inside each polygon, as a CSV table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd

from landmap.errors import DataFileError, LandmapError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``raster-stats`` subcommand."""
    p = subparsers.add_parser(
        "raster-stats",
        help="zonal statistics of a raster inside each polygon (CSV)",
        description=(
            "One row per polygon with its id and name. For a classified raster (--classes): "
            "hectares and share of each class (class_<value>_ha, class_<value>_pct); for a "
            "continuous one: mean, min, max, sum, count; with --after, the hectares of each "
            "class change between the two dates. nodata_ha and outside_ha account for the rest "
            "of each polygon's area."
        ),
    )
    p.add_argument("raster", help="raster file (GeoTIFF or any format GDAL reads)")
    p.add_argument("polygons", help="polygon layer (GeoJSON, GPKG, SHP, KML...)")
    p.add_argument("-o", "--output", help="CSV to write (default: print to standard output)")
    p.add_argument("--classes", action="store_true", help="the raster holds classes, not values")
    p.add_argument(
        "--method",
        choices=("center", "exact"),
        default="exact",
        help="pixel coverage: exact fraction (default) or pixel centre inside",
    )
    p.add_argument("--nodata", type=float, help="value to treat as nodata if the file sets none")
    p.add_argument("--band", type=int, default=1, help="band number (default 1)")
    p.add_argument("--layer", help="layer of a multi-layer polygon file")
    p.add_argument(
        "--kind",
        choices=("areas", "concessions", "boundaries"),
        help="what the polygons are (default: inferred from the file)",
    )
    p.add_argument("--id-column", help="column identifying each polygon")
    p.add_argument("--name-column", help="column naming each polygon")
    p.add_argument(
        "--after",
        metavar="RASTER2",
        help="a later classified raster on the same grid: write the class changes "
        "per polygon instead (change_<from>_to_<to>_ha, e.g. forest lost)",
    )
    p.set_defaults(func=run)


def load_polygons(
    path: str, *, layer: str | None = None, kind: str | None = None
) -> gpd.GeoDataFrame:
    """Load a polygon layer through landmap's loaders; say on stderr if rows were rejected."""
    from landmap.io.load import load

    if not path.startswith("/vsi") and not Path(path).exists():
        raise DataFileError("no such file", path=path, fix="check the path of the polygon layer.")
    loaded = load(path, kind, layer=layer)
    if loaded.report.rejected:
        print(f"landmap raster-stats: {loaded.report.summary()}", file=sys.stderr)  # noqa: T201
    return loaded.data


def run(args: argparse.Namespace) -> int:
    """Compute the table and write it."""
    from landmap.io.atomic import atomic_path, write_provenance
    from landmap.raster import zonal_change, zonal_stats

    polygons = load_polygons(args.polygons, layer=args.layer, kind=args.kind)
    options = {
        "method": args.method,
        "band": args.band,
        "nodata": args.nodata,
        "id_column": args.id_column,
        "name_column": args.name_column,
    }
    if args.after:
        table = zonal_change(args.raster, args.after, polygons, **options)
    else:
        table = zonal_stats(
            args.raster, polygons, classes=True if args.classes else None, **options
        )
    numeric = table.select_dtypes("number").columns
    rounded = table.copy()
    rounded[numeric] = rounded[numeric].round(4)
    if not args.output:
        try:
            rounded.to_csv(sys.stdout, index=False)
        except BrokenPipeError:  # e.g. piped into `head`
            sys.stderr.close()
        return 0
    out = Path(args.output)
    try:
        with atomic_path(out) as tmp:
            rounded.to_csv(tmp, index=False, encoding="utf-8")
    except OSError as err:
        if isinstance(err, LandmapError):
            raise
        raise DataFileError(
            f"cannot write the table ({err})",
            path=out,
            fix="check the folder exists and is writable.",
        ) from err
    write_provenance(table.attrs["provenance"], out, public=False)  # no case data
    print(f"wrote {out}: {len(table)} polygon(s)", file=sys.stderr)  # noqa: T201
    return 0
