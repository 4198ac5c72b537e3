"""Put a run's outputs in place all together: staged first, then moved in, superseded ones out.

Every file is first written to a staging directory on the same filesystem as
the target: beside it when the output directory does not exist yet (it then
appears whole, by one rename), inside it otherwise (a hidden
``.wikibilan-*.tmp`` directory: a mount point or a directory whose parent is
read-only still works). Then each file replaces its old version with
``os.replace``, and outputs of an earlier run that this run does not write
(a plot no longer drawn, a report after ``extract``) are moved out. Old files
are kept in the staging directory until the end, so a failure midway puts
every one of them back: the directory holds either the old run's outputs or
the new run's, never a mix. Problems become one :class:`OutputError` naming
the path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path, PurePosixPath

from ..errors import OutputError

STAGING_PREFIX = ".wikibilan-"
FILE_MODE = 0o644  # mkstemp and mkdtemp make private files; outputs are meant to be shared
DIR_MODE = 0o755


def publish(out_dir: Path, files: Mapping[str, bytes], owned: Collection[str] = ()) -> list[Path]:
    """Write ``files`` under ``out_dir`` and remove the ``owned`` outputs not among them.

    Args:
        out_dir: the output directory, created (with its parents) if needed.
        files: relative POSIX path (``report.md``, ``plots/x.png``) -> bytes.
        owned: relative paths an earlier run may have written; those not in
            ``files`` are stale and are removed.

    Returns:
        The paths written, in the order of ``files``.

    Raises:
        OutputError: ``out_dir`` or a path in it cannot be written (a file
            where a directory is needed, no permission, a read-only or full disk).
    """
    rels = [_relative(rel) for rel in files]
    _check_targets(out_dir, rels)
    if out_dir.is_dir():
        _replace_into(out_dir, files, [r for r in owned if r not in files])
    else:
        _create(out_dir, files)
    return [out_dir / rel for rel in rels]


def check_out_dir(out_dir: Path) -> None:
    """Fail early, before any work, when ``out_dir`` cannot be an output directory.

    Raises:
        OutputError: ``out_dir`` is a file, sits under a file, or cannot be written.
    """
    _check_targets(out_dir, [])
    existing = _existing_ancestor(out_dir)
    if hasattr(os, "statvfs") and os.statvfs(existing).f_flag & os.ST_RDONLY:
        why = "read-only file system"
    elif not os.access(existing, os.W_OK | os.X_OK):
        why = "permission denied"
    else:
        return
    where = "" if existing == out_dir else f" ({existing})"
    raise OutputError(f"cannot write the outputs to {out_dir}{where}: {why}", path=existing)


def _relative(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"output {rel!r} is not a path inside the output directory")
    return path


def _existing_ancestor(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (as anything)."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(".")


def _check_targets(out_dir: Path, rels: list[PurePosixPath]) -> None:
    """Refuse, before writing anything, a file where a directory is needed or the reverse."""
    existing = _existing_ancestor(out_dir)
    if not existing.is_dir():
        where = "it is" if existing == out_dir else f"{existing} is"
        raise OutputError(
            f"cannot write the outputs to {out_dir}: {where} a file, not a directory",
            path=existing,
        )
    for rel in rels:
        for parent in reversed(rel.parents[:-1]):
            folder = out_dir / parent
            if os.path.lexists(folder) and not folder.is_dir():
                raise OutputError(
                    f"cannot write the outputs to {folder}: it is a file, not a directory",
                    path=folder,
                )
        target = out_dir / rel
        if target.is_dir():
            raise OutputError(f"cannot write {target}: it is a directory, not a file", path=target)


def _failure(path: Path, exc: OSError) -> OutputError:
    """One sentence for an OSError met while writing ``path``."""
    if exc.errno == errno.ENOTDIR:
        reason = "a part of the path is a file, not a directory"
    else:
        reason = (exc.strerror or str(exc)).lower()
    return OutputError(f"cannot write the outputs to {path}: {reason}", path=path)


def _stage(stage: Path, files: Mapping[str, bytes]) -> None:
    """Write every file under ``stage`` (a fresh directory), each flushed to disk."""
    for rel, data in files.items():
        path = stage / rel
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(path, FILE_MODE)


def _create(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """A new output directory: staged beside it, then renamed into place whole."""
    parent = out_dir.parent
    try:
        parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, suffix=".tmp", dir=parent))
    except OSError as exc:
        raise _failure(out_dir, exc) from exc
    try:
        _stage(stage, files)
        os.chmod(stage, DIR_MODE)
        os.rename(stage, out_dir)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        if out_dir.is_dir():  # another run created it meanwhile: go through it
            _replace_into(out_dir, files, ())
            return
        raise _failure(out_dir, exc) from exc


def _replace_into(out_dir: Path, files: Mapping[str, bytes], stale: Collection[str]) -> None:
    """An existing output directory: stage inside it, then swap file by file."""
    try:
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, suffix=".tmp", dir=out_dir))
    except OSError as exc:
        raise _failure(out_dir, exc) from exc
    try:
        new, old = stage / "new", stage / "old"
        try:
            _stage(new, files)
        except OSError as exc:
            raise _failure(out_dir, exc) from exc
        _swap(out_dir, new, old, list(files), stale)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _swap(out_dir: Path, new: Path, old: Path, rels: list[str], stale: Collection[str]) -> None:
    """Move the staged files in and the stale ones out; on failure, put everything back."""
    done: list[tuple[Path, Path | None]] = []  # (target, its previous version kept in old/)
    made: list[Path] = []  # directories created for new outputs
    current = out_dir
    try:
        for rel in rels:
            current = target = out_dir / rel
            for folder in reversed(target.parents):
                if folder != out_dir and out_dir in folder.parents and not folder.exists():
                    folder.mkdir(mode=DIR_MODE)
                    made.append(folder)
            keep = _keep(target, old / rel)
            os.replace(new / rel, target)
            done.append((target, keep))
        for rel in stale:
            current = target = out_dir / rel
            if target.is_file() or target.is_symlink():
                keep = old / rel
                keep.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, keep)
                done.append((target, keep))
    except OSError as exc:
        _restore(done, made)
        raise _failure(current, exc) from exc
    _remove_empty_folders(out_dir, stale, rels)


def _keep(target: Path, keep: Path) -> Path | None:
    """Hard-link the current ``target`` into the staging area, to restore it on failure."""
    if not os.path.lexists(target):
        return None
    keep.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(target, keep, follow_symlinks=False)
    except OSError:  # no hard links here (some network filesystems): copy instead
        shutil.copy2(target, keep, follow_symlinks=False)
    return keep


def _restore(done: list[tuple[Path, Path | None]], made: list[Path]) -> None:
    for target, keep in reversed(done):
        with contextlib.suppress(OSError):
            if keep is None:
                target.unlink()
            else:
                os.replace(keep, target)
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _remove_empty_folders(out_dir: Path, stale: Collection[str], rels: list[str]) -> None:
    """Remove folders (``plots``) that only held stale outputs."""
    kept = {p for rel in rels for p in PurePosixPath(rel).parents}
    folders = {p for rel in stale for p in PurePosixPath(rel).parents} - kept
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.parts:
            with contextlib.suppress(OSError):  # not empty: it holds someone else's files
                (out_dir / folder).rmdir()
