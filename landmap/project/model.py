"""The Project: a validated project file, and loading every layer it names."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landmap.errors import LandmapError, ProjectError
from landmap.schema import LayerKind

if TYPE_CHECKING:
    from landmap.io.load import Loaded

from landmap.project.layers import (
    DEFAULT_METRIC_CRS,
    DEFAULT_STUDY_AREA,
    LayerSpec,
    RasterSpec,
    check_columns,
    fill_defaults,
    load_register_layer,
)
from landmap.project.locate import _Locator
from landmap.project.spec import _NOT_PROFILE


@dataclasses.dataclass(frozen=True)
class Project:
    """A validated project file. Build it with :meth:`from_toml`.

    Attributes
    ----------
    path
        The TOML file.
    name, title, title_km, description
        What the project is called (``title_km``: the Khmer title for maps).
    study_area
        ``"Cambodia"``, another name the loaders know, a polygon file, or a
        ``(west, south, east, north)`` box in degrees: case points outside it are rejected.
    metric_crs
        The CRS every length and area is computed in.
    output
        Folder the main job writes into.
    layers
        The layers, in file order.
    privacy, analysis, rasters, map, export
        The settings tables (``rasters`` as :class:`RasterSpec` by name).
    profiles
        User-defined privacy profiles (``[profiles.NAME]`` tables), as raw settings.

    """

    path: Path
    name: str
    layers: tuple[LayerSpec, ...]
    title: str | None = None
    title_km: str | None = None
    description: str | None = None
    study_area: str | Path | tuple[float, float, float, float] = DEFAULT_STUDY_AREA
    metric_crs: str = DEFAULT_METRIC_CRS
    output: Path = Path("maps")
    privacy: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    analysis: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    rasters: Mapping[str, RasterSpec] = dataclasses.field(default_factory=dict)
    map: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    export: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    profiles: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: str | PathLike[str]) -> Project:
        """Read and validate a project file.

        Parameters
        ----------
        path
            The TOML file. Relative paths inside it are resolved against its folder.

        Returns
        -------
        Project

        Raises
        ------
        ProjectError
            When the file is missing or not valid TOML, or a table or key is unknown, has the
            wrong type, names a missing file, an unknown layer kind or an unknown canonical
            column. The message names the file, the line and the key, and the fix.

        Examples
        --------
        >>> from pathlib import Path
        >>> demo = Project.from_toml(Path(__file__).parents[2] / "data" / "demo.toml")
        >>> demo.layer("synthetic_cases").kind
        'cases'

        """
        file = Path(path).expanduser()
        if not file.is_file():
            raise ProjectError(
                "project file not found",
                path=file,
                fix="give the path of a .toml project file (the demo is data/demo.toml)",
            )
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as err:
            raise ProjectError(
                f"is not UTF-8 text ({err.reason} at byte {err.start}); a TOML file must be UTF-8",
                path=file,
                fix="save it again as UTF-8 (in Notepad: Save as, Encoding UTF-8)",
            ) from err
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ProjectError(
                f"not valid TOML: {err}",
                path=file,
                fix="check the quotes, brackets and '=' on that line (https://toml.io)",
            ) from err
        from landmap.project.reader import _Builder  # it builds Projects: imported when used

        return _Builder(file, raw, _Locator(text)).build()

    # -- queries -----------------------------------------------------------------------------
    def layer(self, name: str) -> LayerSpec:
        """Return the layer called ``name``.

        Raises
        ------
        ProjectError
            If the project has no such layer (the message lists the layers it has).

        """
        for spec in self.layers:
            if spec.name == name:
                return spec
        raise ProjectError(
            f"no layer named {name!r}",
            path=self.path,
            fix=f"use one of {', '.join(repr(s.name) for s in self.layers)}",
        )

    def layers_of(self, kind: LayerKind) -> list[LayerSpec]:
        """Return the layers of one kind, in file order."""
        return [s for s in self.layers if s.kind == kind]

    def privacy_profile(self) -> Any:
        """Return the :class:`~landmap.privacy.PrivacyProfile` the project asks for.

        The base profile (``[privacy] profile``, default ``"public"``; or a ``[profiles.NAME]``
        table) with the other ``[privacy]`` settings applied.
        """
        from landmap.privacy.profiles import PrivacyProfile, get_profile

        settings = {k: v for k, v in self.privacy.items() if k not in _NOT_PROFILE}
        base = str(self.privacy.get("profile", "public"))
        if base in self.profiles:
            profile = PrivacyProfile(name=base, **dict(self.profiles[base]))
            return profile.replace(**settings) if settings else profile
        return get_profile(base, **settings)

    def masking_key(self) -> bytes | None:
        """Return the office's secret masking key when the profile is keyed, else ``None``.

        ``[privacy] key_file`` (relative to the project file) holds it; it is created on first
        use. Keep it with the internal data, never beside public outputs.

        Raises
        ------
        ProjectError
            When the profile is keyed and no ``key_file`` is set.
        """
        if self.privacy_profile().seed_policy != "keyed":
            return None
        if "key_file" not in self.privacy:
            raise ProjectError(
                "the privacy profile masks with the office's secret key (seed_policy = "
                '"keyed"), and no key file is set',
                path=self.path,
                fix='add key_file = "masking.key" (a file kept in the office) to [privacy]',
            )
        from landmap.privacy import load_or_create_key

        key_file = Path(str(self.privacy["key_file"]))
        return load_or_create_key(
            key_file if key_file.is_absolute() else self.path.parent / key_file
        )

    # -- loading -----------------------------------------------------------------------------
    def load(self, names: Iterable[str] | None = None) -> dict[str, Loaded]:
        """Load the project's layers.

        Parameters
        ----------
        names
            Layer names to load (default: all, in file order).

        Returns
        -------
        dict
            Layer name -> :class:`~landmap.io.load.Loaded` (``data``, ``report``). Empty
            canonical values are filled from the layer's ``defaults``.

        Raises
        ------
        SchemaError
            A column mapping names a column the file does not have.
        LandmapError
            Whatever the loader raises for an unreadable file, with the layer named.

        """
        from landmap.io import load as loaders  # the loaders import GDAL: only when needed
        from landmap.progress import current

        wanted = [self.layer(n) for n in names] if names is not None else list(self.layers)
        out: dict[str, Loaded] = {}
        for spec in wanted:
            if spec.register is not None:
                out[spec.name] = load_register_layer(spec, project=self.path)
                continue
            check_columns(spec, project=self.path)
            kwargs = dict(spec.options)
            if spec.columns:
                kwargs["columns"] = dict(spec.columns)
            if spec.kind == "cases":
                study = self.study_area_for_loader()
                if study is not None:
                    kwargs["study_area"] = study
            loader = getattr(loaders, f"load_{spec.kind}")
            try:
                with current().step(f"load {spec.name}"):
                    loaded = loader(spec.source, **kwargs)
            except LandmapError as err:
                err.add_note(f"while loading layer {spec.name!r} of project {self.path}")
                raise
            out[spec.name] = fill_defaults(loaded, spec)
        return out

    def study_area_for_loader(self) -> Any:
        """Return the ``study_area`` argument for the case loader (``None``: Cambodia)."""
        area = self.study_area
        if isinstance(area, str) and area.strip().lower() == DEFAULT_STUDY_AREA.lower():
            return None
        return area  # a country name, a (west, south, east, north) box or a polygon file
