"""The output folder of one run: what is written there, atomically, and how write errors read.

A run owns two names in its folder, ``result.json`` and ``recordings/``. It writes into a
private staging folder beside them (``.bxmlsim-stage-*``) and, when it ends (passed, failed,
crashed or refused), :func:`staged_output` swaps the staged pair in under a lock on the folder
(a folder that does not exist yet, the usual case in a fresh ``--out``, is the staging folder
itself, made beside it and renamed to it: no folder to remove, which costs a millisecond an
``rmdir`` on some disks):

* re-running into a folder leaves none of the previous run's recordings beside the new
  result.json (the old ``recordings/`` goes as a whole);
* two runs into the same folder never mix files: each swap is done under an exclusive
  ``flock`` on the folder, so the folder holds one run's result.json and recordings;
* a run that ends without a result (a setup error, a full disk) leaves no stale result.json
  of an earlier run claiming a pass; recordings it finished before the failure are kept.

:func:`write_atomic` writes a file outside a staging folder as a temporary file plus
``rename``: a reader sees the old file or the new one, never a truncated one. Inside a staging
folder, which no one reads before it is swapped in whole, :func:`write_staged` writes the file
itself and removes it if the write fails. Staging folders and a stopped run's files are removed
by one rule, :func:`_remove`. Text that UTF-8 cannot encode (a lone surrogate)
is written as a JSON ``\\uXXXX`` escape instead of failing. Every ``OSError`` of writing
becomes an :class:`~simulator.errors.OutputError` naming the errno (``ENOSPC``) and the path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from simulator.errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: swaps are not serialised
    fcntl = None

RESULT_FILE = "result.json"
RECORDINGS_DIR = "recordings"
OWNED = (RESULT_FILE, RECORDINGS_DIR)
STAGE_PREFIX = ".bxmlsim-stage-"
#: Where an earlier run's pair goes inside the staging folder, to be removed with it.
_OLD = ".old-"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def os_reason(exc: OSError) -> str:
    """``ENOSPC (No space left on device)``: the errno's name and its text."""
    name = errno.errorcode.get(exc.errno or 0)
    text = exc.strerror or str(exc)
    return f"{name} ({text})" if name else text


def output_error(exc: OSError, path: Path | str, what: str = "cannot write") -> OutputError:
    return OutputError(f"{what} {path}", got=os_reason(exc),
                       expected="a writable output folder with free space")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _usual_mode(path: Path, mode: int) -> None:
    """What ``open``/``mkdir`` would have given: tempfile makes private (0600/0700) ones."""
    os.chmod(path, mode & ~_umask())


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and a rename."""
    data = text.encode("utf-8", "backslashreplace")   # lone surrogates: JSON \\udXXX escapes
    path = Path(path)
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise output_error(exc, path) from None
    try:
        with os.fdopen(fd, "wb") as file:
            _write_all(file.fileno(), data)
        _usual_mode(Path(temporary), 0o666)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise output_error(exc, path) from None
    return path


def write_staged(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to the new file ``path`` in a staging folder of
    :func:`staged_output`: no temporary file, since no one reads the folder before it is
    swapped in whole (a mkstemp, a chmod and a rename saved). A file the write could not
    finish is removed, so a truncated one is never swapped in."""
    data = text.encode("utf-8", "backslashreplace")   # lone surrogates: JSON \\udXXX escapes
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o666)
    except OSError as exc:
        raise output_error(exc, path) from None
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise output_error(exc, path) from None
    return path


def make_out_dir(out: Path) -> None:
    """Create an output folder; an unusable path is an OutputError saying why."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        got = "a file" if isinstance(exc, FileExistsError) else exc.strerror or str(exc)
        blocker = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(out) else ""
        raise OutputError("cannot create the output folder", where=str(out),
                          expected="a folder that can be created and written",
                          got=got + blocker) from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` itself (no lock file is left behind)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)   # releases the lock


def _swap_in(stage: Path, out: Path) -> None:
    """Replace ``out``'s result.json and recordings/ with ``stage``'s (absent ones removed).

    The earlier run's pair is moved into ``stage``, which is removed afterwards with it (one
    folder removed a re-run; on this repository's CI disk an ``rmdir`` costs a millisecond).
    The old result.json goes first, so no failure on the way leaves it claiming the new run's
    recordings. A ``recordings/`` folder without a result.json beside it is not an earlier
    run's output (it may be the user's own files): the new recordings are moved into it,
    nothing removed."""
    try:
        with _locked(out):
            ours = os.path.lexists(out / RESULT_FILE)
            for name in OWNED:
                if os.path.lexists(out / name) and (ours or name == RESULT_FILE):
                    os.replace(out / name, stage / (_OLD + name))
            for name in OWNED:
                if not os.path.lexists(stage / name):
                    continue
                if (out / name).is_dir():   # the user's recordings/ folder: add to it
                    for item in (stage / name).iterdir():
                        os.replace(item, out / name / item.name)
                else:
                    os.replace(stage / name, out / name)
    except OSError as exc:
        raise output_error(exc, out, "cannot update the output folder") from None


def _remove(folder: str) -> None:
    """``rm -r folder`` for a staging folder, going on past what cannot be removed (what
    ``shutil.rmtree(ignore_errors=True)`` does, without its per-folder descriptor dance:
    symlinks are removed, never followed: ``folder`` itself a symlink is unlinked)."""
    if os.path.islink(folder):
        with contextlib.suppress(OSError):
            os.unlink(folder)
        return
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    _remove(entry.path)
                else:
                    os.unlink(entry.path)
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def _new_folder(parent: Path, prefix: str) -> Path:
    """A folder of a name no one else uses, with the mode a plain mkdir gives (umask)."""
    for _ in range(100):
        path = f"{parent}{os.sep}{prefix}{secrets.token_hex(6)}"
        try:
            os.mkdir(path)
            return Path(path)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free staging folder name", str(parent))


def _stage(out: Path, fresh: bool) -> Path:
    """The staging folder of a run into ``out``: beside it when ``out`` is to be made (it
    becomes ``out``), inside it otherwise. Its parent is made only when the folder cannot be
    (the usual parent, a batch's ``--out``, exists: a mkdir saved a run)."""
    parent, prefix = (out.parent, f"{STAGE_PREFIX}{out.name}-") if fresh else (out, STAGE_PREFIX)
    try:
        return _new_folder(parent, prefix)
    except OSError:
        make_out_dir(parent)   # an OutputError saying why, when it cannot be a folder
    try:
        return _new_folder(parent, prefix)
    except OSError as exc:
        raise output_error(exc, out) from None


def _move_into_place(stage: Path, out: Path) -> bool:
    """A run into a folder that did not exist: the staging folder becomes it (one rename).
    False when ``out`` appeared meanwhile (another run): then the pair is swapped in."""
    try:
        os.rename(stage, out)
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
            return False
        raise output_error(exc, out, "cannot update the output folder") from None
    return True


@contextlib.contextmanager
def staged_output(out: Path | None) -> Iterator[Path | None]:
    """A private folder to write one run's result.json and recordings/ into; swapped into
    ``out`` when the block ends, however it ends. ``None`` in, ``None`` out (nothing written).

    When ``out`` does not exist yet (a fresh ``--out``), the staging folder is made beside it
    and renamed to it at the end; otherwise it is made inside ``out`` and its pair swapped in."""
    if out is None:
        yield None
        return
    out = out if isinstance(out, Path) else Path(out)
    fresh = not os.path.lexists(out)
    stage = _stage(out, fresh)
    placed = renamed = False
    try:
        try:
            yield stage
        except OutputError as exc:   # name the file where it would have been
            exc.message = exc.message.replace(str(stage), str(out))
            raise
        except Exception:
            raise
        except BaseException:   # a signal stopped the run: it did not finish, nothing is kept
            placed = True
            raise
        renamed, placed = _finish(stage, out, fresh), True
    finally:
        if not placed:   # the run failed: what it finished still replaces the old output
            with contextlib.suppress(OutputError):
                renamed = _finish(stage, out, fresh)
        if not renamed:
            _remove(str(stage))


def _finish(stage: Path, out: Path, fresh: bool) -> bool:
    """Put the staged pair in place; True when ``stage`` itself became ``out``."""
    if fresh and _move_into_place(stage, out):
        return True
    make_out_dir(out)
    _swap_in(stage, out)
    return False


def discard(out: Path) -> None:
    """Forget a run that did not finish in ``out`` (a stopped batch): the staging folders it
    left (inside ``out``, or beside it for a fresh folder), and an earlier run's result.json
    and recordings/, which would be taken for its own."""
    stages = list(out.parent.glob(f"{STAGE_PREFIX}{out.name}-*")) if out.parent.is_dir() else []
    if out.is_dir():
        stages += out.glob(STAGE_PREFIX + "*")
    for stale in stages:
        _remove(str(stale))
    if os.path.lexists(out / RESULT_FILE):
        with contextlib.suppress(OSError):
            os.unlink(out / RESULT_FILE)
        _remove(str(out / RECORDINGS_DIR))
