"""The fuzzing harness: random and mutated input files, real ``landmap`` runs, and the rules
every run must keep.

Strategies (hypothesis) make the files a researcher's tools make, and then break them the way
files get broken: CSV in any delimiter and encoding, with odd, duplicate and empty headers;
GeoJSON with every geometry type, 2 to 5 coordinates, nested properties; KML and KMZ with
folders, CDATA and entities; XLSX workbooks with title rows and formulas; project TOML files
with wrong types, missing files and syntax errors. Values are drawn from the awkward cases:
huge and tiny numbers, DMS text, Khmer digits, control characters, formula and script
payloads, very long text. A mutation then truncates, cuts, splices, re-encodes or flips bytes.

Every run (:func:`run`) is the installed command in its own process, and must:

1. exit 0, or exit 2 with one line on stderr (never a traceback, a raw control character or a
   library warning);
2. account for every row it read: ``loaded + repaired + rejected == rows`` in every load
   summary it prints, and as many rows as the file holds when the harness knows it;
3. leave no half-written file and no temporary file behind;
4. finish within its budget (:data:`BUDGET_S` plus :data:`BUDGET_S_PER_MB` per megabyte of
   input): a benchmark-style limit that catches hangs and quadratic blow-ups, not a timing of
   a fast path.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import re
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from _cli import landmap, problems
from hypothesis import currently_in_test_context, event
from hypothesis import strategies as st

CORPUS = Path(__file__).resolve().parent / "corpus"
FOUND = Path(tempfile.gettempdir()) / "landmap-fuzz-found"

#: Seconds a run may take whatever its input, by command, and per megabyte of input.
BUDGET_S = {"check": 60, "map": 90, "export": 240, "build": 360}
BUDGET_S_PER_MB = 15

# -- values ------------------------------------------------------------------------------------
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
PAYLOADS = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x.example")',
    "@SUM(1+1)",
    "+cmd|' /C",
    "\x1b[2J\x1b[H0 rejected",
    "line\nbreak",
    "carriage\rreturn",
    "tab\there",
    "nul\x00byte",
    "\u202etxt.exe",
    "$500 to $1000",
    "$\\frac{a}{b}$",
    "{{ 7*7 }}",
    "]]><x>",
    "&amp;&lt;",
    "url(//x.example/a.css)",
    "@import 'y'",
    "NaN",
    "inf",
    "-0",
    "None",
    "null",
    "NA",
    "#N/A",
    "ភូមិថ្មី ឃុំ",
    "ករណី ០០៧",
    "\ufeffbom",
    "\u200bzero width",
    "é" * 3,
    "   ",
]
HEADERS = [
    "case_id",
    "Case No",
    "case/case_number",
    "_uuid",
    "_id",
    "id",
    "lat",
    "latitude",
    "Latitude",
    "lon",
    "long",
    "longitude",
    "x",
    "y",
    "easting",
    "northing",
    "utm_zone",
    "zone",
    "geopoint",
    "gps",
    "group/_gps_latitude",
    "group/_gps_longitude",
    "date",
    "Date of incident",
    "type",
    "case_type",
    "status",
    "households",
    "province",
    "district",
    "commune",
    "village",
    "description",
    "source",
    "location_precision",
    "name",
    "phone",
    "ឈ្មោះ",
    "ភូមិ",
    "កាលបរិច្ឆេទ",
    "",
    " ",
    "Unnamed: 0",
    "a,b",
    'q"uote',
    "x" * 300,
    "\x1b[31mred",
]


def numbers() -> st.SearchStrategy[str]:
    """Numbers as text: near Cambodia, huge, tiny, negative zero, in odd notations."""
    return st.one_of(
        st.floats(10.0, 15.0).map(lambda v: f"{v:.6f}"),
        st.floats(102.0, 108.0).map(lambda v: f"{v:.5f}"),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-(10**30), 10**30).map(str),
        st.sampled_from(
            [
                "1e308",
                "-1e-320",
                "1e400",
                "0x1F",
                "1_000",
                "12,5",
                "11.5.3",
                "٫5",
                "11°33'12.5\"N",
                "104° 55' E",
                "N 11 33.2",
                "11 33 12 N",
                "-0.0",
            ]
        ),
        st.floats(10.0, 15.0).map(lambda v: f"{v:.4f}".translate(KHMER_DIGITS)),
        st.integers(100_000, 2_000_000).map(str),  # UTM metres
    )


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(PAYLOADS),
        st.text(max_size=20),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
        st.sampled_from(
            [
                "2024-01-31",
                "31/02/2015",
                "13/13/2013",
                "2013",
                "Jan 5 2020",
                "៣១/០១/២០២៤",
                "1899-12-30",
                "9999-12-31",
                "0000-00-00",
            ]
        ),
        st.integers(0, 20).map(lambda n: "long text " * (50 * n)),
    )


def cells() -> st.SearchStrategy[str]:
    return st.one_of(numbers(), texts(), st.just(""))


# -- files -------------------------------------------------------------------------------------
@dataclasses.dataclass
class FuzzFile:
    """A generated input: its file name, bytes, and how many records it holds (if known)."""

    name: str
    data: bytes
    rows: int | None = None
    kind: str | None = None

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        path.write_bytes(self.data)
        return path


@st.composite
def tables(draw) -> tuple[list[str], list[list[str]]]:
    """A header and rows of cells; usually with a coordinate pair, sometimes without."""
    coords = draw(
        st.sampled_from(
            [
                ["lat", "lon"],
                ["latitude", "longitude"],
                ["y", "x"],
                ["easting", "northing", "utm_zone"],
                ["geopoint"],
                ["group/_gps_latitude", "group/_gps_longitude"],
                [],
            ]
        )
    )
    extra = draw(st.lists(st.sampled_from(HEADERS), max_size=6))
    header = draw(st.permutations(coords + extra))
    wide = draw(st.sampled_from([0] * 12 + [1_999, 5_200]))  # past GeoPackage's, past the limit
    header = header + [f"q{i}" for i in range(wide)]
    rows = draw(
        st.lists(st.lists(cells(), min_size=len(header), max_size=len(header)), max_size=12)
    )
    if wide:
        rows = [row[:-wide] + ["1"] * wide for row in rows]
    ragged = draw(st.sampled_from([False] * 6 + [True]))
    if ragged and rows:
        rows[0] = rows[0] + ["extra"] if draw(st.booleans()) else rows[0][:-1]
    return header, rows


@st.composite
def csv_files(draw) -> FuzzFile:
    """A CSV with any delimiter, quoting, line ending, encoding and byte-order mark."""
    header, rows = draw(tables())
    delimiter = draw(st.sampled_from([",", ",", ";", "\t", "|", ":", " "]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=ending)
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    if draw(st.sampled_from([False] * 8 + [True])):
        text = "sep=" + delimiter + ending + text
    if draw(st.sampled_from([False] * 10 + [True])):
        text = text.replace("1", "x" * 1_100_000, 1)  # one line past the length limit
    encoding = draw(st.sampled_from(["utf-8"] * 5 + ["utf-8-sig", "utf-16", "cp1252", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    # the number of records is known when the file is plain enough to count them
    plain = (
        encoding.startswith("utf-8")
        and "\r" not in "".join(map("".join, rows))
        and "\n" not in "".join(map("".join, rows))
        and not text.startswith("sep=")
        and all(len(r) == len(header) for r in rows)
        and len(header) > 1
    )
    return FuzzFile("cases.csv", data, len(rows) if plain else None, "cases")


GEOMETRIES = [
    "Point",
    "MultiPoint",
    "LineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
    None,
]


@st.composite
def positions(draw, n: int | None = None) -> list:
    dims = draw(st.sampled_from([2, 2, 2, 3, 4, 5, 1, 0]))
    number = st.one_of(
        st.floats(104.0, 106.0),
        st.floats(11.0, 13.0),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([1e308, -1e308, 0.0, 5e-324]),
    )
    count = n if n is not None else draw(st.integers(0, 6))
    return [[draw(number) for _ in range(dims)] for _ in range(count)]


@st.composite
def geometries(draw) -> dict | None:
    kind = draw(st.sampled_from(GEOMETRIES))
    if kind is None:
        return None
    if kind == "Point":
        coords = (draw(positions(1)) or [[]])[0]
    elif kind in ("MultiPoint", "LineString"):
        coords = draw(positions())
    elif kind == "Polygon":
        ring = draw(positions())
        closed = draw(st.booleans())
        coords = [ring + ring[:1] if closed and ring else ring]
    elif kind == "MultiPolygon":
        coords = [[draw(positions())] for _ in range(draw(st.integers(0, 2)))]
    else:
        return {"type": kind, "geometries": [g for g in [draw(geometries())] if g]}
    if draw(st.sampled_from([False] * 12 + [True])):
        coords = draw(st.sampled_from(["abc", None, {"a": 1}, [[["x"]]]]))
    return {"type": kind, "coordinates": coords}


def properties() -> st.SearchStrategy[dict]:
    value = st.one_of(
        cells(),
        st.integers(),
        st.floats(),
        st.booleans(),
        st.none(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    )
    return st.dictionaries(st.sampled_from(HEADERS), value, max_size=6)


@st.composite
def geojson_files(draw) -> FuzzFile:
    features = draw(
        st.lists(
            st.builds(
                lambda g, p: {"type": "Feature", "geometry": g, "properties": p},
                geometries(),
                properties(),
            ),
            max_size=10,
        )
    )
    doc: dict = {"type": "FeatureCollection", "features": features}
    crs = draw(
        st.sampled_from(
            [
                None,
                None,
                "EPSG:4326",
                "EPSG:32648",
                "urn:ogc:def:crs:EPSG::4979",
                "EPSG:999999",
                "nonsense",
            ]
        )
    )
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()), allow_nan=True)
    kind = draw(st.sampled_from(["cases", "areas", "concessions", "boundaries", None]))
    return FuzzFile("layer.geojson", text.encode("utf-8"), None, kind)


def _kml_coords(points: list) -> str:
    return " ".join(",".join(repr(v) for v in p) for p in points)


@st.composite
def kml_texts(draw) -> str:
    placemarks = []
    for _ in range(draw(st.integers(0, 6))):
        name = draw(
            st.one_of(texts(), st.just("<![CDATA[<b>bold</b> ]]>"), st.just("&amp;&#x1b;&#0;"))
        )
        name = name.replace("]]>", "") if "CDATA" not in name else name
        shape = draw(st.sampled_from(["Point", "Polygon", "LineString", "MultiGeometry", "none"]))
        pts = draw(positions())
        inner = {
            "Point": f"<Point><coordinates>{_kml_coords(pts[:1])}</coordinates></Point>",
            "LineString": f"<LineString><coordinates>{_kml_coords(pts)}</coordinates></LineString>",
            "Polygon": (
                "<Polygon><outerBoundaryIs><LinearRing><coordinates>"
                f"{_kml_coords(pts + pts[:1])}</coordinates></LinearRing>"
                "</outerBoundaryIs></Polygon>"
            ),
            "MultiGeometry": (
                f"<MultiGeometry><Point><coordinates>{_kml_coords(pts[:1])}"
                "</coordinates></Point></MultiGeometry>"
            ),
            "none": "",
        }[shape]
        data = "".join(
            f'<Data name="{k}"><value>{v}</value></Data>'
            for k, v in draw(
                st.dictionaries(
                    st.sampled_from(["case_id", "date", "type", "name"]), texts(), max_size=3
                )
            ).items()
        )
        escape = draw(st.booleans())
        if escape:
            name = name.replace("&", "&amp;").replace("<", "&lt;")
        placemarks.append(
            f"<Placemark><name>{name}</name><ExtendedData>{data}</ExtendedData>{inner}</Placemark>"
        )
    folders = draw(st.integers(0, 2))
    body = "".join(placemarks)
    for i in range(folders):
        body = f"<Folder><name>folder {i}</name>{body}</Folder>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document><name>fuzz</name>{body}</Document></kml>"
    )


@st.composite
def kml_files(draw) -> FuzzFile:
    return FuzzFile(
        "layer.kml",
        draw(kml_texts()).encode("utf-8"),
        None,
        draw(st.sampled_from(["cases", "areas", None])),
    )


@st.composite
def kmz_files(draw) -> FuzzFile:
    members = {}
    for name in draw(
        st.lists(
            st.sampled_from(
                ["doc.kml", "files/other.kml", "a.png", "../evil.kml", "__MACOSX/._doc.kml"]
            ),
            min_size=0,
            max_size=3,
            unique=True,
        )
    ):
        members[name] = draw(kml_texts()).encode() if name.endswith(".kml") else b"\x89PNG"
    return FuzzFile("layer.kmz", zip_bytes(members), None, draw(st.sampled_from(["cases", None])))


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip of ``members`` with fixed timestamps: the same files give the same bytes.

    Hypothesis replays an example by drawing the same choices again; a zip stamped with the
    time of day would differ on each replay, and so would every mutation drawn from its length.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(
                zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)),
                data,
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return buffer.getvalue()


@st.composite
def xlsx_files(draw) -> FuzzFile:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def legal(text: str) -> str:  # openpyxl refuses control characters (Excel has none)
        return ILLEGAL_CHARACTERS_RE.sub("", text)

    header, rows = draw(tables())
    book = Workbook()
    sheet = book.active
    sheet.title = draw(st.sampled_from(["Sheet1", "ករណី", "data", "x" * 31]))
    for _ in range(draw(st.integers(0, 2))):  # title rows above the header
        sheet.append([legal(draw(texts()))])
    sheet.append([legal(h) for h in header])
    for row in rows:
        values = []
        for cell in row:
            cell = legal(cell)
            try:
                values.append(float(cell) if draw(st.booleans()) else cell)
            except ValueError:
                values.append(cell)
        sheet.append(values)
    if draw(st.booleans()):
        book.create_sheet("second").append(["lat", "lon"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as saved:  # without the time of saving (see zip_bytes)
        members = {
            n: re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", saved.read(n))
            for n in saved.namelist()
        }
    return FuzzFile("cases.xlsx", zip_bytes(members), None, "cases")


# -- project files -----------------------------------------------------------------------------
def _toml_value(value: object) -> str:
    return (
        json.dumps(value, ensure_ascii=False) if not isinstance(value, bool) else str(value).lower()
    )


@st.composite
def project_files(draw) -> FuzzFile:
    """A project TOML over ``cases.csv`` and ``concessions.geojson``, with odd settings."""
    lines = ["[project]"]
    if draw(st.sampled_from([True] * 9 + [False])):
        lines.append(f"name = {_toml_value(draw(st.sampled_from(['fuzz', 'ករណី', '', '../x'])))}")
    lines.append('output = "out"')
    if draw(st.booleans()):
        lines.append(f"title = {_toml_value(draw(texts()).replace(chr(0), ''))}")
    if draw(st.sampled_from([False] * 4 + [True])):
        area = draw(st.sampled_from(["Cambodia", "Mars", [1, 2, 3, 4], 7]))
        lines.append(f"study_area = {_toml_value(area)}")
    layers = draw(
        st.lists(
            st.sampled_from(["cases", "concessions", "missing", "cases-bad"]),
            min_size=0,
            max_size=3,
        )
    )
    for i, which in enumerate(layers):
        path = {
            "cases": "cases.csv",
            "concessions": "concessions.geojson",
            "missing": "missing.csv",
            "cases-bad": "cases.csv",
        }[which]
        kind = {
            "cases": "cases",
            "concessions": "concessions",
            "missing": "cases",
            "cases-bad": draw(st.sampled_from(["areas", "boundaries", "bogus"])),
        }[which]
        lines += ["", "[[layers]]", f'name = "{which}{i}"', f'kind = "{kind}"', f'path = "{path}"']
        if draw(st.sampled_from([False] * 3 + [True])):
            key = draw(st.sampled_from(["case_id", "date", "lat", "name", "bogus"]))
            column = draw(st.sampled_from(["case_id", "lat", "nope", ""]))
            lines.append(f"columns = {{ {key} = {_toml_value(column)} }}")
    if draw(st.booleans()):
        lines += [
            "",
            "[privacy]",
            f"profile = {_toml_value(draw(st.sampled_from(['public', 'internal', 'x'])))}",
            f"k = {_toml_value(draw(st.sampled_from([3, 0, -1, 10**6, 'three'])))}",
            f"max_radius_m = {_toml_value(draw(st.sampled_from([2000, 0, -5, 1e9])))}",
        ]
    if draw(st.booleans()):
        lines += [
            "",
            "[analysis]",
            f"within_m = {_toml_value(draw(st.sampled_from([0, 2000, -1, 1e12, 'far'])))}",
        ]
    formats = draw(st.lists(st.sampled_from(["gpkg", "kml", "csv", "xlsx", "doc"]), max_size=2))
    lines += [
        "",
        "[export]",
        f"paper = {_toml_value(draw(st.sampled_from(['A4', 'A3', 'A0', 3])))}",
        f"formats = {_toml_value(formats)}",
    ]
    return FuzzFile("project.toml", "\n".join(lines).encode("utf-8") + b"\n")


# -- mutations ---------------------------------------------------------------------------------
SPLICES = [
    b"\x00",
    b"\xff\xfe",
    b"\r",
    b"\n",
    b'"',
    b",",
    b"<",
    b"{",
    b"]]>",
    b"\x1b[2J",
    b"\xe1\x9e",
    b"PK\x03\x04",
    b"[[layers]]\n",
    b"=",
    b"\\",
]


@st.composite
def mutated(draw, files: st.SearchStrategy[FuzzFile]) -> FuzzFile:
    """A file from ``files``, often broken by one to three byte-level mutations."""
    item = draw(files)
    data = bytearray(item.data)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["truncate", "cut", "splice", "duplicate", "flip", "encode"]))
        if op == "truncate":
            del data[at:]
        elif op == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "splice":
            data[at:at] = draw(st.sampled_from(SPLICES))
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 256))]
        elif op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        else:
            data = bytearray(
                bytes(data)
                .decode("utf-8", "replace")
                .encode(draw(st.sampled_from(["utf-16", "utf-32", "cp1252"])), "replace")
            )
        item = dataclasses.replace(item, rows=None)
    return dataclasses.replace(item, data=bytes(data))


# -- running and judging -----------------------------------------------------------------------
_SUMMARY = re.compile(r"as (\w+): (\d+) rows -> (\d+) loaded, (\d+) repaired, (\d+) rejected")


def budget(command: str, inputs: list[Path]) -> float:
    size = sum(p.stat().st_size for p in inputs if p.is_file()) / 1e6
    return BUDGET_S[command] + BUDGET_S_PER_MB * size


def run(
    command: str,
    args: list[object],
    *,
    cwd: Path,
    inputs: list[Path],
    outputs: list[Path] = (),
    rows: int | None = None,
    after: Callable[[subprocess.CompletedProcess[str]], list[str]] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``landmap COMMAND ARGS`` in ``cwd`` and assert the rules of the harness.

    ``outputs`` are the files the command is asked to write: after a failure none may exist.
    ``rows`` is the number of records of the (single) input, when known. ``after`` looks at
    what the run wrote and returns what is wrong with it.
    """
    limit = budget(command, inputs)
    start = time.perf_counter()
    try:
        proc = landmap(command, *args, cwd=cwd, timeout=limit)
    except subprocess.TimeoutExpired:
        fail(f"did not finish within its budget of {limit:.0f} s", command, args, inputs)
    seconds = time.perf_counter() - start
    if currently_in_test_context():  # the corpus runs outside of hypothesis
        event(f"exit status {proc.returncode}")
    found = problems(proc, command)
    summaries = _SUMMARY.findall(proc.stdout)
    for _, total, *counts in summaries:
        if sum(map(int, counts)) != int(total):
            found.append(f"rows not accounted for: {total} rows but {counts}")
    if rows is not None and proc.returncode == 0 and summaries:
        if int(summaries[0][1]) != rows:
            found.append(f"the file holds {rows} records but {summaries[0][1]} were counted")
    if proc.returncode != 0:
        left = [p for p in outputs if p.exists()]
        if left:
            found.append(f"a failed run left {', '.join(map(str, left))}")
    leftovers = [
        p
        for p in cwd.rglob(".*")
        if not p.name.startswith(".landmap-staging") and p.name not in (".landmap-staging",)
    ]
    if leftovers:
        found.append(f"temporary files were left behind: {', '.join(map(str, leftovers))}")
    if not found and after is not None:
        found += after(proc)
    if found:
        fail("; ".join(found), command, args, inputs, proc)
    proc.seconds = seconds  # type: ignore[attr-defined]
    return proc


def fail(
    what: str,
    command: str,
    args: list[object],
    inputs: list[Path],
    proc: subprocess.CompletedProcess[str] | None = None,
) -> None:
    """Keep the inputs where they can be copied into the corpus, and fail the example."""
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in inputs if p.is_file())).hexdigest()
    folder = FOUND / digest[:12]
    folder.mkdir(parents=True, exist_ok=True)
    for path in inputs:
        if path.is_file():
            (folder / path.name).write_bytes(path.read_bytes())
    (folder / "case.json").write_text(
        json.dumps(
            {
                "command": [
                    command,
                    *[str(a).replace(str(inputs[0].parent), "{dir}") for a in args],
                ],
                "problem": what,
            },
            ensure_ascii=False,
            indent=1,
        ),
        "utf-8",
    )
    output = (
        ""
        if proc is None
        else (f"\n--- stdout ---\n{proc.stdout[-2000:]}\n--- stderr ---\n{proc.stderr[-3000:]}")
    )
    raise AssertionError(
        f"landmap {command}: {what}\ninputs kept in {folder} (copy the folder "
        f"into tests/corpus/ to keep the case){output}"
    )
