"""Turn a parsed project file into a Project, checking every table and key."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landmap.errors import ExportError, LandmapError, ProjectError
from landmap.io.outputs import safe_name
from landmap.schema import COLUMNS, LAYER_KINDS, LayerKind

if TYPE_CHECKING:
    pass

from landmap.project.layers import (
    DEFAULT_METRIC_CRS,
    DEFAULT_STUDY_AREA,
    LayerSpec,
    RasterSpec,
)
from landmap.project.locate import _Locator
from landmap.project.model import Project
from landmap.project.spec import (
    _COORDINATE_SYNONYMS,
    _NOT_PROFILE,
    COORDINATE_KEYS,
    KIND_OPTION,
    SPEC,
    _check_table,
    _privacy_keys,
)


class _Builder:
    """Turns the parsed TOML into a :class:`Project`, raising at the first problem."""

    def __init__(self, file: Path, raw: dict[str, Any], locator: _Locator) -> None:
        self.file = file
        self.base = Path(os.path.abspath(file)).parent
        self.raw = raw
        self.loc = locator

    def error(
        self,
        message: str,
        *,
        section: str,
        key: str | None = None,
        index: int | None = None,
        fix: str | None = None,
    ) -> ProjectError:
        line = self.loc.line(section, index=index, key=key)
        where = f"[[{section}]] #{index + 1}" if index is not None else f"[{section}]"
        if section == "":
            where = "top level"
        name = None
        if index is not None:
            entry = self.raw.get(section, [])[index]
            name = entry.get("name") if isinstance(entry, dict) else None
        if name:
            where += f" ({name!r})"
        prefix = f"line {line}: " if line else ""
        text = f"{prefix}{where}" + (f", key {key!r}" if key else "") + f": {message}"
        err = ProjectError(text, path=self.file, fix=fix)
        err.line = line  # type: ignore[attr-defined]
        err.key = key  # type: ignore[attr-defined]
        return err

    def check(
        self,
        section: str,
        table: Mapping[str, Any],
        spec: Mapping[str, Any],
        *,
        index: int | None = None,
    ) -> None:
        problem = _check_table(table, spec)
        if problem is not None:
            key, message, fix = problem
            raise self.error(message, section=section, key=key, index=index, fix=fix)

    def resolve(
        self,
        value: str,
        *,
        section: str,
        key: str,
        index: int | None = None,
        must_exist: bool = True,
    ) -> Path:
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = self.base / path
        path = Path(os.path.normpath(path))  # "data/../maps" -> "maps"
        if must_exist and not path.exists():
            raise self.error(
                f"file {value!r} not found (looked for {path})",
                section=section,
                key=key,
                index=index,
                fix=f"correct the path; relative paths start from {self.base}",
            )
        return path

    def build(self) -> Project:
        self.check("", self.raw, SPEC["top"])
        head = self.raw.get("project", {})
        self.check("project", head, SPEC["project"])
        layers = self.build_layers()
        names = {s.name: s for s in layers}
        privacy = dict(self.raw.get("privacy", {}))
        profiles = {k: dict(v) for k, v in self.raw.get("profiles", {}).items()}
        self.check_privacy(privacy, profiles, names)
        analysis = dict(self.raw.get("analysis", {}))
        self.check("analysis", analysis, SPEC["analysis"])
        for key, kind in (
            ("areas", "areas"),
            ("concessions", "concessions"),
            ("cases", "cases"),
            ("summary_boundaries", "boundaries"),
        ):
            for ref in analysis.get(key, []):
                self.check_ref(ref, kind, names, section="analysis", key=key)
        self.check("map", self.raw.get("map", {}), SPEC["map"])
        self.check("export", self.raw.get("export", {}), SPEC["export"])
        study = head.get("study_area", DEFAULT_STUDY_AREA)
        if isinstance(study, list):
            study = tuple(float(v) for v in study)
            w, s, e, n = study
            if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
                raise self.error(
                    f"bounding box {list(study)} is not [west, south, east, north] in degrees",
                    section="project",
                    key="study_area",
                    fix="write e.g. study_area = [102.3, 9.9, 107.7, 14.7]",
                )
        elif Path(study).suffix:
            study = self.resolve(study, section="project", key="study_area")
        metric = head.get("metric_crs", DEFAULT_METRIC_CRS)
        self.check_crs(metric, section="project", key="metric_crs", projected=True)
        return Project(
            path=self.file.resolve(),
            name=head["name"],
            layers=tuple(layers),
            title=head.get("title"),
            title_km=head.get("title_km"),
            description=head.get("description"),
            study_area=study,
            metric_crs=metric,
            output=self.resolve(
                head.get("output", "maps"), section="project", key="output", must_exist=False
            ),
            privacy=privacy,
            analysis=analysis,
            rasters=self.build_rasters(),
            map=dict(self.raw.get("map", {})),
            export=dict(self.raw.get("export", {})),
            profiles=profiles,
        )

    def check_crs(
        self,
        value: str,
        *,
        section: str,
        key: str,
        index: int | None = None,
        projected: bool = False,
    ) -> None:
        from pyproj import CRS
        from pyproj.exceptions import CRSError as PyprojCRSError

        try:
            crs = CRS.from_user_input(value)
        except PyprojCRSError as err:
            raise self.error(
                f"{value!r} is not a CRS pyproj knows",
                section=section,
                key=key,
                index=index,
                fix="write an EPSG code such as 'EPSG:32648'",
            ) from err
        if projected and not crs.is_projected:
            raise self.error(
                f"{value!r} is not a projected (metric) CRS",
                section=section,
                key=key,
                fix="use a UTM zone, e.g. 'EPSG:32648' for Cambodia",
            )

    def check_ref(
        self, ref: str, kind: str, names: Mapping[str, LayerSpec], *, section: str, key: str
    ) -> None:
        spec = names.get(ref)
        if spec is None or spec.kind != kind:
            choices = [n for n, s in names.items() if s.kind == kind]
            what = "no layer" if spec is None else f"layer of kind {spec.kind!r}, not {kind!r}"
            raise self.error(
                f"{ref!r}: {what}",
                section=section,
                key=key,
                fix=f"name a {kind} layer: {', '.join(map(repr, choices)) or 'add one first'}",
            )

    def build_layers(self) -> list[LayerSpec]:
        entries = self.raw.get("layers", [])
        if not entries:
            raise self.error(
                "the project names no layers",
                section="",
                fix="add a [[layers]] table with name, kind and path",
            )
        out: list[LayerSpec] = []
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            self.check("layers", entry, SPEC["layers"], index=i)
            if entry["name"] in seen:
                raise self.error(
                    f"layer name {entry['name']!r} used twice",
                    section="layers",
                    key="name",
                    index=i,
                    fix="give every layer its own name",
                )
            try:  # layer names become file names: none may leave an output folder
                safe_name(entry["name"], what="layer name")
            except ExportError as err:
                raise self.error(
                    err.message, section="layers", key="name", index=i, fix=err.fix
                ) from err
            seen.add(entry["name"])
            if "register" in entry:
                out.append(self.build_register_layer(entry, i))
                continue
            if "path" not in entry:
                raise self.error(
                    "required key missing",
                    section="layers",
                    key="path",
                    index=i,
                    fix='add path = "your file", or register = "register.gpkg"',
                )
            kind = entry.get("kind") or self.infer_kind(entry, i)
            if kind not in LAYER_KINDS:
                close = difflib.get_close_matches(str(kind), LAYER_KINDS, n=1)
                raise self.error(
                    f"unknown layer kind {kind!r}",
                    section="layers",
                    key="kind",
                    index=i,
                    fix=f"use {close[0]!r}" if close else f"use one of {', '.join(LAYER_KINDS)}",
                )
            out.append(self.build_layer(entry, kind, i))
        return out

    def build_register_layer(self, entry: Mapping[str, Any], i: int) -> LayerSpec:
        """Build a layer read from a case register (its merged cases, one row per event)."""
        allowed = {"name", "kind", "register", "priority", "title", "title_km"}
        extra = sorted(k for k in entry if k not in allowed)
        if extra:
            raise self.error(
                f"{extra[0]!r} does not apply to a register layer",
                section="layers",
                key=extra[0],
                index=i,
                fix="a register layer takes name, register, priority, title, title_km; column "
                "mappings are given when files are imported (landmap register import)",
            )
        if entry.get("kind", "cases") != "cases":
            raise self.error(
                "a register holds cases",
                section="layers",
                key="kind",
                index=i,
                fix='write kind = "cases" or leave kind out',
            )
        value = entry["register"]
        if "://" in value:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                url = make_url(value)
            except ArgumentError as err:
                raise self.error(
                    f"{value!r} is not a database URL",
                    section="layers",
                    key="register",
                    index=i,
                    fix="write postgresql://user@host:5432/dbname",
                ) from err
            if url.password:
                raise self.error(
                    "the register URL holds a password",
                    section="layers",
                    key="register",
                    index=i,
                    fix="remove it from the project file; put it in ~/.pgpass or the "
                    "PGPASSWORD environment variable",
                )
            register, path = value, Path(url.render_as_string(hide_password=True))
        else:
            path = self.resolve(value, section="layers", key="register", index=i)
            register = str(path)
        return LayerSpec(
            name=entry["name"],
            kind="cases",
            path=path,
            register=register,
            priority=tuple(entry.get("priority", ())),
            title=entry.get("title"),
            title_km=entry.get("title_km"),
            line=self.loc.line("layers", index=i),
        )

    def infer_kind(self, entry: Mapping[str, Any], i: int) -> str:
        from landmap.io.kinds import infer_kind

        try:
            return infer_kind(self.resolve(entry["path"], section="layers", key="path", index=i))
        except LandmapError as err:
            raise self.error(
                f"no kind given and none could be inferred ({err})",
                section="layers",
                key="kind",
                index=i,
                fix=f"add kind = one of {', '.join(LAYER_KINDS)}",
            ) from err

    def build_layer(self, entry: Mapping[str, Any], kind: LayerKind, i: int) -> LayerSpec:
        path = self.resolve(entry["path"], section="layers", key="path", index=i)
        member = entry.get("member")
        if member is not None:
            self.check_member(path, member, i)
        coordinates = {*COORDINATE_KEYS, *_COORDINATE_SYNONYMS} if kind == "cases" else set()
        allowed = set(COLUMNS[kind]) | coordinates
        for key, table in (
            ("columns", entry.get("columns", {})),
            ("defaults", entry.get("defaults", {})),
        ):
            for canon in table:
                if canon not in allowed or (key == "defaults" and canon in coordinates):
                    close = difflib.get_close_matches(canon, sorted(allowed), n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    if not close and table[canon] in allowed:  # written the wrong way round
                        hint = f"write {table[canon]} = {canon!r} (canonical name first); "
                    raise self.error(
                        f"{canon!r} is not a canonical column of {kind}",
                        section="layers",
                        key=f"{key}.{canon}",
                        index=i,
                        fix=f"{hint}the keys of '{key}' are canonical names "
                        f"({', '.join(sorted(allowed))}); the values are your file's "
                        "column names",
                    )
        options: dict[str, Any] = {}
        for key in ("crs", "layer", "encoding"):
            if key in entry:
                options[key] = entry[key]
        if "crs" in options:
            self.check_crs(options["crs"], section="layers", key="crs", index=i)
        for key in ("utm_zone", "fix_swapped"):
            if key in entry:
                if kind != "cases":
                    raise self.error(
                        f"{key!r} only applies to cases layers",
                        section="layers",
                        key=key,
                        index=i,
                        fix=f"remove {key!r} from this layer",
                    )
                options[key] = entry[key]
        option_key, loader_arg = KIND_OPTION[kind]
        for other_kind, (other_key, _) in KIND_OPTION.items():
            if other_key and other_key != option_key and other_key in entry:
                raise self.error(
                    f"{other_key!r} belongs to {other_kind} layers, this one is {kind!r}",
                    section="layers",
                    key=other_key,
                    index=i,
                    fix=f"use {option_key!r}" if option_key else f"remove {other_key!r}",
                )
        if option_key and option_key in entry:
            options[loader_arg] = entry[option_key]
        return LayerSpec(
            name=entry["name"],
            kind=kind,
            path=path,
            member=member,
            columns={
                _COORDINATE_SYNONYMS.get(k, k) if kind == "cases" else k: v
                for k, v in entry.get("columns", {}).items()
            },
            options=options,
            defaults=dict(entry.get("defaults", {})),
            title=entry.get("title"),
            title_km=entry.get("title_km"),
            line=self.loc.line("layers", index=i),
        )

    def check_member(self, path: Path, member: str, i: int) -> None:
        import zipfile

        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError) as err:
            raise self.error(
                f"{path.name} is not a readable zip archive",
                section="layers",
                key="member",
                index=i,
                fix="point 'path' at the .zip, or remove 'member'",
            ) from err
        if member not in names:
            listed = [n for n in names if not n.startswith("__MACOSX") and not n.endswith("/")]
            raise self.error(
                f"{member!r} is not in {path.name}",
                section="layers",
                key="member",
                index=i,
                fix=f"use one of {', '.join(listed)}",
            )

    def check_privacy(
        self,
        privacy: dict[str, Any],
        profiles: dict[str, dict[str, Any]],
        names: Mapping[str, LayerSpec],
    ) -> None:
        keys = _privacy_keys()
        self.check("privacy", privacy, {**SPEC["privacy"], **keys})
        for pname, table in profiles.items():
            self.check(f"profiles.{pname}", table, keys)
        for key in ("communes", "villages"):
            if key in privacy:
                kinds = ("boundaries",) if key == "communes" else ("boundaries", "cases")
                spec = names.get(privacy[key])
                if spec is None or spec.kind not in kinds:
                    self.check_ref(privacy[key], "boundaries", names, section="privacy", key=key)
        base = privacy.get("profile", "public")
        from landmap.privacy import profiles as privacy_profiles

        if base not in profiles and base not in privacy_profiles.PROFILES:
            raise self.error(
                f"unknown profile {base!r}",
                section="privacy",
                key="profile",
                fix=f"use 'public', 'internal' or define [profiles.{base}]",
            )
        settings = {k: v for k, v in privacy.items() if k not in _NOT_PROFILE}
        try:
            if base in profiles:
                profile = privacy_profiles.PrivacyProfile(name=base, **profiles[base])
                profile.replace(**settings)
            else:
                privacy_profiles.get_profile(base, **settings)
        except LandmapError as err:
            named = [k for k in settings if k in err.message] or [None]
            raise self.error(err.message, section="privacy", key=named[0], fix=err.fix) from err

    def build_rasters(self) -> dict[str, RasterSpec]:
        out = {}
        for name, value in self.raw.get("raster", {}).items():
            table = {"path": value} if isinstance(value, str) else value
            if not isinstance(table, dict):
                raise self.error(
                    f"expected a file path or a table, got {type(value).__name__}",
                    section="raster",
                    key=name,
                    fix=f'write {name} = "file.tif"',
                )
            problem = _check_table(table, SPEC["raster"])
            if problem is not None:
                key, message, fix = problem
                raise self.error(message, section="raster", key=f"{name}.{key}", fix=fix)
            classes = {}
            for k, label in table.get("classes", {}).items():
                try:
                    classes[int(k)] = str(label)
                except ValueError as err:
                    raise self.error(
                        f"class value {k!r} is not an integer",
                        section="raster",
                        key=f"{name}.classes",
                        fix='write classes = { "1" = "forest", "0" = "non_forest" }',
                    ) from err
            out[name] = RasterSpec(
                name=name,
                path=self.resolve(table["path"], section="raster", key=name),
                kind=table.get("kind", "classified" if classes else "continuous"),
                classes=classes,
                title=table.get("title"),
                title_km=table.get("title_km"),
            )
        return out
