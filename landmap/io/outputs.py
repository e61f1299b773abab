"""Sets of output files that never lose a file: staged beside, checked, swapped in together.

``landmap build`` and ``landmap export`` write many files into a folder the user names. An
:class:`OutputSet` makes that safe:

- **Staging on the destination's filesystem.** Every file is first written into a hidden
  staging folder inside the destination (``.landmap-staging-*``), so moving it into place is a
  rename, even when the destination is on another disk or behind a symlink.
- **Only our own files.** A ledger in the destination (``manifest.json`` for the build) lists
  every file a previous set wrote, with its SHA-256. A new set replaces or removes only those;
  a file it did not write (or one changed since it was written) that stands in the way is
  refused with a clear error, never overwritten, and every other file is left alone.
- **Together or not at all.** Before the swap a journal (``.landmap-swap.json``) lists every
  move; each replaced file is first renamed beside itself (under a short name of landmap's own,
  so that a long file name does not become too long), then the new one is renamed in, then
  the ledger is replaced (the commit point), then the old copies go. If a move fails (a file
  open in Excel on Windows) the moves made so far are undone and the previous set stays whole.
  If the process is killed, the next set rolls the journal back (or, past the commit point,
  forward) before it starts, and removes the leftovers of the killed run: its staging folder,
  temporary files and the folders it had created.
- **Names stay inside.** :meth:`OutputSet.path` refuses a relative name that would leave the
  destination (``..``, an absolute path, a drive), and :func:`safe_name` checks a name from a
  project file or the command line before it becomes part of a file name.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import secrets
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from landmap.errors import ExportError
from landmap.provenance import file_sha256

log = logging.getLogger(__name__)

#: Prefix of the staging folder inside a destination.
STAGING_PREFIX = ".landmap-staging-"
#: The journal written just before a swap; its presence means a swap did not finish.
JOURNAL = ".landmap-swap.json"
#: Marker file inside a staging folder: only folders holding it are ever removed.
STAGING_MARKER = ".landmap-staging"
#: Suffix of the copy a replaced file keeps (beside itself) until the new set is committed.
PREVIOUS_SUFFIX = ".previous"
#: Prefix of landmap's temporary files (a ledger or journal being written, a file being copied
#: across filesystems): a killed run's are removed by the next.
TMP_PREFIX = ".landmap-tmp-"
#: Longest name (in UTF-8 bytes) :func:`safe_name` accepts: two of them and the longest
#: suffix landmap adds stay well under the 255-byte limit of common filesystems.
MAX_NAME_BYTES = 100
#: What every ledger says it was written by.
WRITTEN_BY = "landmap"

_NAME_PUNCTUATION = frozenset(" .-_()+,")


def safe_name(name: str, *, what: str = "name") -> str:
    """Return ``name`` if it can be part of a file name without leaving its folder.

    Letters in any script, digits, spaces and ``. - _ ( ) + ,`` are allowed; the name must not
    start with a dot or a space, contain ``..``, a slash or a backslash, or be longer than
    :data:`MAX_NAME_BYTES` bytes in UTF-8 (100 Latin letters, 33 Khmer ones).

    Raises
    ------
    ExportError
        Naming the value and how to fix it.

    Examples
    --------
    >>> safe_name("synthetic_cases"), safe_name("ករណី 2024")
    ('synthetic_cases', 'ករណី 2024')
    >>> safe_name("../../x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    landmap.errors.ExportError: the name '../../x' cannot be used in a file name...

    """
    text = unicodedata.normalize("NFC", str(name))
    ok = (
        0 < len(text.encode("utf-8")) <= MAX_NAME_BYTES
        and ".." not in text
        and unicodedata.category(text[0])[0] in "LN"
        and all(unicodedata.category(c)[0] in "LMN" or c in _NAME_PUNCTUATION for c in text)
    )
    if not ok:
        raise ExportError(
            f"the {what} {name!r} cannot be used in a file name (it could leave the output "
            "folder, is not a plain name or is too long)",
            fix="use letters, digits, spaces, '-', '_' and '.', without slashes or '..', "
            f"at most {MAX_NAME_BYTES} bytes (33 Khmer letters)",
        )
    return text


def _relative(name: str | os.PathLike[str]) -> PurePosixPath:
    """Return a relative path that stays inside its root, or raise."""
    text = str(name)
    windows = PureWindowsPath(text)
    posix = PurePosixPath(text.replace("\\", "/"))
    if (
        not text
        or posix.is_absolute()
        or windows.is_absolute()
        or windows.drive
        or any(part in ("..", "") for part in posix.parts)
        or "\0" in text
    ):
        raise ExportError(
            f"the output name {text!r} would leave the output folder",
            fix="use a plain file name, with sub-folders only below the output folder",
        )
    return posix


def _move(src: Path, dst: Path) -> None:
    """Rename ``src`` onto ``dst``; across filesystems, copy beside ``dst`` then rename."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dst)
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise
        tmp = dst.with_name(f"{TMP_PREFIX}{secrets.token_hex(6)}")
        try:
            shutil.copy2(src, tmp)
            os.replace(tmp, dst)
        finally:
            if tmp.exists():
                tmp.unlink()
        src.unlink()


def read_ledger(root: Path, ledger: str) -> dict[str, Any] | None:
    """Return the ledger of ``root`` (what landmap wrote there), or ``None`` if there is none.

    Raises
    ------
    ExportError
        When a file of that name exists but was not written by landmap.
    """
    path = root / ledger
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise ExportError(
            f"{ledger} in the output folder is not a landmap manifest ({err})",
            path=path,
            fix="choose another output folder, or move that file away",
        ) from err
    if not isinstance(record, dict) or not isinstance(record.get("outputs"), list):
        raise ExportError(
            f"{ledger} in the output folder was not written by landmap",
            path=path,
            fix="choose another output folder, or move that file away",
        )
    return record


def _owned(record: dict[str, Any] | None) -> dict[str, str | None]:
    if record is None:
        return {}
    out: dict[str, str | None] = {}
    for item in record["outputs"]:
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            out[str(_relative(item["path"]))] = item.get("sha256")
    return out


def recover(root: str | os.PathLike[str]) -> list[str]:
    """Finish or undo a swap that a killed run left behind, and remove its leftovers.

    Returns one line per thing done (for the log). Only landmap's own staging folders (with
    their marker), journal, temporary files and previous copies are touched, and the folders
    the killed swap had created if they are empty. The journal names its set's ledger, so this
    works for any set written into ``root`` (the build's or an export's).
    """
    root = Path(root)
    done: list[str] = []
    journal = root / JOURNAL
    entry = _read_journal(journal)
    if entry is not None:
        record = read_ledger(root, entry["ledger"])
        committed = record is not None and record.get("set") == entry["set"]
        _finish(root, entry, committed=committed)
        done.append(
            ("completed" if committed else "undid") + " an interrupted swap of "
            f"{len(entry['moves']) + len(entry['removes'])} file(s)"
        )
        journal.unlink()
    for tmp in root.glob(TMP_PREFIX + "*"):
        if tmp.is_file():
            tmp.unlink()
    for staging in root.glob(STAGING_PREFIX + "*"):
        if (
            staging.is_dir()
            and not staging.is_symlink()
            and ((staging / STAGING_MARKER).is_file() or not any(staging.iterdir()))
        ):
            shutil.rmtree(staging)
            done.append(f"removed the leftovers of an interrupted run ({staging.name})")
    real = root.resolve()
    for staging in real.parent.glob(STAGING_PREFIX + "*"):  # staged beside this folder
        marker = staging / STAGING_MARKER
        if (
            staging.is_dir()
            and not staging.is_symlink()
            and marker.is_file()
            and f"for: {real}\n" in marker.read_text("utf-8", errors="replace")
        ):
            shutil.rmtree(staging)
            done.append(f"removed the leftovers of an interrupted run ({staging.name})")
    return done


def _staging_place(root: Path, token: str, *, beside: bool) -> Path:
    """Where a set is staged: beside ``root`` when asked and possible, else inside it.

    Beside (in the parent of the real folder, on the same filesystem) keeps an interrupted
    run's files out of a folder that may be copied or zipped whole; inside is the fallback that
    is always on the same filesystem.
    """
    name = f"{STAGING_PREFIX}{token}"
    if beside:
        real = root.resolve()
        parent = real.parent
        try:
            same = parent != real and parent.stat().st_dev == real.stat().st_dev
        except OSError:
            same = False
        if same and os.access(parent, os.W_OK | os.X_OK):
            return parent / name
    return root / name


def _read_journal(journal: Path) -> dict[str, Any] | None:
    """Return a journal a landmap swap left, checked; ``None`` when there is none."""
    if not journal.is_file():
        return None
    try:
        entry = json.loads(journal.read_text("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise ExportError(
            f"{JOURNAL} in the output folder cannot be read ({err})",
            path=journal,
            fix="move that file away and run again",
        ) from err
    lists = ("moves", "removes", "new", "folders")
    if (
        not isinstance(entry, dict)
        or not isinstance(entry.get("ledger"), str)
        or not isinstance(entry.get("set"), str)
        or not all(isinstance(entry.get(k, []), list) for k in lists)
    ):
        raise ExportError(
            f"{JOURNAL} in the output folder was not written by landmap",
            path=journal,
            fix="move that file away and run again",
        )
    _relative(entry["ledger"])
    for key in lists:
        entry[key] = [str(_relative(rel)) for rel in entry.get(key, [])]
    return entry


def _previous(root: Path, rel: str, token: str, index: int) -> Path:
    """Where the swap ``token`` keeps the old version of output ``rel`` (move ``index``)."""
    target = root / rel
    return target.with_name(f".landmap-{token}-{index}{PREVIOUS_SUFFIX}")


def _finish(root: Path, entry: dict[str, Any], *, committed: bool) -> None:
    """Roll a journal forward (drop the old copies) or back (restore them)."""
    token = entry["set"]
    for index, rel in enumerate([*entry["moves"], *entry["removes"]]):
        target = root / rel
        previous = _previous(root, rel, token, index)
        for tmp in target.parent.glob(TMP_PREFIX + "*"):  # a copy across filesystems
            tmp.unlink()
        if committed:
            previous.unlink(missing_ok=True)
        elif previous.exists():
            os.replace(previous, target)
        elif rel in entry["new"] and target.exists():
            target.unlink()  # a file the swap had just moved in; it had no old version
    if committed:
        _prune(root, [root / rel for rel in entry["removes"]])
    else:
        for rel in entry["folders"]:  # deepest first: the folders the swap had created
            folder = root / rel
            if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
                folder.rmdir()


def _prune(root: Path, removed: list[Path]) -> None:
    """Remove folders left empty by removed outputs (never a folder with anything in it)."""
    for path in removed:
        folder = path.parent
        while (
            folder != root
            and folder.is_dir()
            and not folder.is_symlink()
            and not any(folder.iterdir())
        ):
            folder.rmdir()
            folder = folder.parent


class OutputSet:
    r"""Files written together into ``root``: staged inside it, swapped in by :meth:`commit`.

    Parameters
    ----------
    root
        The destination folder (created if needed).
    ledger
        File name of the ledger in ``root`` listing what landmap wrote there.
    stage_beside
        Stage in the folder's parent (same filesystem only), so that files of a run that is
        interrupted never sit inside a folder meant to be shared whole; inside it otherwise.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "mine.txt").write_text("a user's file")
    13
    >>> with OutputSet(root, ledger="outputs.json") as out:
    ...     _ = out.path("public/table.csv").write_text("a,b\\n")
    ...     written = out.commit()
    >>> sorted(p.name for p in root.rglob("*") if p.is_file())
    ['mine.txt', 'outputs.json', 'table.csv']

    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        ledger: str = "manifest.json",
        stage_beside: bool = False,
    ) -> None:
        self.root = Path(root)
        self.ledger = ledger
        self.stage_beside = stage_beside
        self.token = secrets.token_hex(6)
        self.staging = self.root / f"{STAGING_PREFIX}{self.token}"
        self.committed = False
        self.created: Path | None = None  # the first folder this set had to create
        self.notes: list[str] = []

    def __enter__(self) -> OutputSet:
        try:
            missing = [p for p in (self.root, *self.root.parents) if not p.exists()]
            self.created = missing[-1] if missing else None
            self.root.mkdir(parents=True, exist_ok=True)
            read_ledger(self.root, self.ledger)  # refuse a foreign file under the ledger's name
            self.notes = recover(self.root)
            self.staging = _staging_place(self.root, self.token, beside=self.stage_beside)
            self.staging.mkdir()
            (self.staging / STAGING_MARKER).write_text(
                "landmap writes here first; this folder is removed when the run ends\n"
                f"for: {self.root.resolve()}\n",
                "utf-8",
            )
        except OSError as err:
            self.__exit__()
            raise ExportError(
                f"cannot write into the output folder ({err.strerror or err})",
                path=self.root,
                fix="check that the folder is writable and the disk not full",
            ) from err
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)
        if not self.committed and self.created is not None:
            # a set that wrote nothing leaves no folder behind either (empty ones only)
            folder = self.root
            while folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                if folder == self.created:
                    break
                folder = folder.parent

    def path(self, name: str | os.PathLike[str]) -> Path:
        """Return where to write output ``name`` (relative to the destination) in the staging."""
        target = self.staging / _relative(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def files(self) -> list[PurePosixPath]:
        """Every staged file, relative to the destination."""
        return sorted(
            PurePosixPath(p.relative_to(self.staging).as_posix())
            for p in self.staging.rglob("*")
            if p.is_file() and p.name != STAGING_MARKER
        )

    def keep_aside(self, folder: str | os.PathLike[str]) -> Path:
        """Move the staged files to ``folder`` (inside the destination) instead of committing.

        Used for a set the leak check rejected: the files stay for inspection. ``folder`` is
        replaced only if it was kept aside by landmap before.
        """
        target = self.root / _relative(folder)
        if target.exists():
            if not (target / STAGING_MARKER).is_file():
                raise ExportError(
                    "the folder for rejected outputs exists and was not written by landmap",
                    path=target,
                    fix="move it away and run again",
                )
            shutil.rmtree(target)
        os.replace(self.staging, target)
        return target

    def commit(self, record: dict[str, Any] | None = None) -> list[Path]:
        """Swap the staged files in; write the ledger (with ``record``'s other fields) last.

        Returns the final path of every file of the set, the ledger included.

        Raises
        ------
        ExportError
            When a file landmap did not write (or that changed since) is in the way, or a move
            fails (a file open in another program); the destination is then as it was.
        """
        new = [str(p) for p in self.files() if str(p) != self.ledger]
        owned = _owned(read_ledger(self.root, self.ledger))
        self._refuse_foreign(new, owned)
        existing = {rel for rel in owned if (self.root / rel).is_file()}
        changed = {
            rel
            for rel in existing - set(new)
            if owned[rel] is not None and file_sha256(self.root / rel, cache=False) != owned[rel]
        }
        for rel in sorted(changed):
            self.notes.append(f"{rel} was changed since landmap wrote it: kept as it is")
        existing -= changed
        removes = sorted(existing - set(new))
        moves = sorted(new)
        record = dict(record or {})
        record.update(
            written_by=WRITTEN_BY,
            set=self.token,
            outputs=[
                {"path": rel, "sha256": file_sha256(self.staging / rel, cache=False)}
                for rel in moves
            ],
        )
        entry = {
            "ledger": self.ledger,
            "set": self.token,
            "moves": moves,
            "removes": removes,
            "new": sorted(set(moves) - existing),
            "folders": self._new_folders(moves),
        }
        try:
            self._write(self.root / JOURNAL, entry)
            for index, rel in enumerate([*moves, *removes]):
                target = self.root / rel
                if rel in existing:
                    os.replace(target, _previous(self.root, rel, self.token, index))
                if rel in moves:
                    _move(self.staging / rel, target)
            self._write(self.root / self.ledger, record)
        except OSError as err:
            raise self._undo(entry, err) from err
        self.committed = True
        try:
            _finish(self.root, entry, committed=True)
            (self.root / JOURNAL).unlink(missing_ok=True)
        except OSError as err:  # the new set is in place; the next run removes the old copies
            self.notes.append(
                f"could not remove the previous copies yet ({err}); the next run "
                "into this folder removes them"
            )
        return [self.root / rel for rel in moves] + [self.root / self.ledger]

    def _refuse_foreign(self, new: list[str], owned: dict[str, str | None]) -> None:
        for rel in new:
            target = self.root / rel
            for parent in PurePosixPath(rel).parents:
                folder = self.root / parent
                if str(parent) != "." and folder.exists() and not folder.is_dir():
                    raise ExportError(
                        f"{parent} is in the way: landmap writes a folder there",
                        path=folder,
                        fix="move it away, or choose another output folder",
                    )
            if target.is_dir() or (target.exists() and not target.is_file()):
                raise ExportError(
                    f"{rel} is in the way: it is a folder",
                    path=target,
                    fix="move it away, or choose another output folder",
                )
            if not target.exists():
                continue
            if rel not in owned:
                raise ExportError(
                    f"{rel} exists and was not written by landmap, so it is left alone",
                    path=target,
                    fix="move it away (or rename it), or choose another output "
                    "folder; nothing was changed",
                )
            if owned[rel] is not None and file_sha256(target, cache=False) != owned[rel]:
                raise ExportError(
                    f"{rel} was changed since landmap wrote it, so it is left alone",
                    path=target,
                    fix="save your changes under another name (or move the file "
                    "away) and run again; nothing was changed",
                )

    def _new_folders(self, moves: list[str]) -> list[str]:
        """Folders the swap will create for ``moves``, deepest first."""
        folders = {
            parent
            for rel in moves
            for parent in PurePosixPath(rel).parents
            if str(parent) != "." and not (self.root / parent).exists()
        }
        return sorted((str(f) for f in folders), key=lambda f: (-f.count("/"), f))

    def _undo(self, entry: dict[str, Any], err: OSError) -> ExportError:
        """Put the previous set back after a failed move; return the error to raise."""
        name = str(getattr(err, "filename", None) or "a file")
        if Path(name).is_relative_to(self.root):
            name = Path(name).relative_to(self.root).as_posix()
        try:
            _finish(self.root, entry, committed=False)
        except OSError as again:
            return ExportError(
                f"could not replace {name} in the output folder ({err.strerror or err}), nor "
                f"put the previous outputs back ({again.strerror or again}); the next run "
                "of landmap into this folder puts them back",
                path=self.root,
                fix="close the file if another program has it open (e.g. "
                "Excel), check the disk is not full and the folder writable, and run again",
            )
        (self.root / JOURNAL).unlink(missing_ok=True)
        return ExportError(
            f"could not replace {name} in the output folder ({err.strerror or err}); "
            "the previous outputs are unchanged",
            path=self.root,
            fix="close the file if another program has it open (e.g. Excel), check the disk "
            "is not full and the folder writable, and run again",
        )

    @staticmethod
    def _write(path: Path, record: dict[str, Any]) -> None:
        tmp = path.with_name(f"{TMP_PREFIX}{secrets.token_hex(6)}")
        try:
            tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str), "utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


def staged_files(root: Path) -> Iterator[Path]:
    """Yield every file of a staging or output folder, our own markers left out."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name not in (STAGING_MARKER, JOURNAL):
            yield path


__all__ = ["JOURNAL", "OutputSet", "read_ledger", "recover", "safe_name", "staged_files"]
