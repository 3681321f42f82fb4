"""The one place otelgen writes files: a whole directory (``render -o``,
``kustomize -o``) or one file (``import -o``, ``lint --fix``), atomically.

Directories: the new content is staged in a sibling ``.<name>.otelgen-<pid>-<tag>``
and swapped in with ``renameat2(RENAME_EXCHANGE)`` (Linux ≥3.15 on ext4, xfs,
btrfs, tmpfs, overlayfs …): one system call exchanges the two names, so at every
instant ``<name>`` is either the complete old or the complete new directory, and
it stays a plain directory (no symlink).  The old content, now under the staging
name, is then removed.  Where the kernel or file system has no exchange
(other platforms, EINVAL/ENOSYS), the fallback is two renames (old away, new in)
with a short window without ``<name>``; docs/errors.md (E049) and the README say so.

A lock file ``.<name>.otelgen.lock`` beside the target (``fcntl.flock``)
serialises writers: a second writer gets E049 at once instead of a crash.  The
holder unlinks it before releasing it, and a writer that got the lock checks
that the path still names the file it locked (else it retries), so removing
it is race-free; a killed run leaves it behind, and the next run takes it over.  Holding the lock proves
every ``.<name>.otelgen-*`` staging directory is debris of a killed run (writers
stage only under the lock), so it is removed before staging.

Files: written to ``.<name>.otelgen-<pid>-<tag>`` in the same directory, fsynced
and renamed over the target (``os.replace``).  A symlink is written through
(the target file is replaced, the link stays); dangling links and loops are
refused.

Every OSError becomes a one-line SpecError with its own ID: E044–E049, E053
(docs/errors.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Iterator

from otelgen.errors import SpecError, error

OUTPUT_MARKER = ".otelgen-output"
MARKER_TEXT = "written by otelgen; the directory is replaced on every run\n"
STAGING_INFIX = ".otelgen-"
LOCK_SUFFIX = ".otelgen.lock"
#: errno values that mean "no room": the disk, a quota, a file size limit
NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
NOT_ALLOWED = (errno.EACCES, errno.EPERM, errno.EROFS)

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_libc = None


def _fail(id: str, message: str, hint: str) -> SpecError:
    return SpecError([error(id, [], message, hint)])


def os_error(exc: OSError, what: str, flag: str = "-o") -> SpecError:
    """One line for an OSError while writing ``what``."""
    reason = exc.strerror or str(exc)
    if exc.errno in NO_SPACE:
        return _fail("E048", f"{flag} {what}: no space left while writing ({reason}); nothing was changed", "free space on that file system or write elsewhere")
    if exc.errno in NOT_ALLOWED:
        return _fail("E053", f"{flag} {what}: not writable ({reason}); nothing was changed", "check the permissions of the file and of its directory")
    if exc.errno == errno.ELOOP:
        return _fail("E046", f"{flag} {what}: a symlink loop in the path", "fix or remove the looping symlink")
    return _fail("E008", f"{flag} {what}: cannot write ({reason}); nothing was changed", "check the path and permissions")


# ---------------------------------------------------------------- helpers


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange ``a`` and ``b`` (renameat2 RENAME_EXCHANGE); False
    where the platform or file system cannot."""
    global _libc
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return False
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _staging_name(name: str) -> str:
    return f".{name}{STAGING_INFIX}{os.getpid()}-{secrets.token_hex(4)}"


_STAGING_TAIL = re.compile(r"(\d+)-[0-9a-f]{8}(-old)?")


def _is_staging(entry: str, name: str) -> bool:
    prefix = f".{name}{STAGING_INFIX}"
    return entry.startswith(prefix) and _STAGING_TAIL.fullmatch(entry[len(prefix):]) is not None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def remove_dead_temp_files(parent: Path, name: str) -> None:
    """Remove temp files of ``name`` whose writer (pid in the name) is dead."""
    prefix = f".{name}{STAGING_INFIX}"
    try:
        entries = os.listdir(parent)
    except OSError:
        return
    for entry in entries:
        match = _STAGING_TAIL.fullmatch(entry[len(prefix):]) if entry.startswith(prefix) else None
        if match and int(match[1]) != os.getpid() and not _pid_alive(int(match[1])):
            _remove(parent / entry)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def remove_debris(parent: Path, name: str) -> list[str]:
    """Remove staging entries of ``name`` left by killed runs. Call only while
    holding the lock: writers stage only under it, so none of them is live."""
    removed = []
    try:
        entries = os.listdir(parent)
    except OSError:
        return removed
    for entry in entries:
        if _is_staging(entry, name):
            _remove(parent / entry)
            removed.append(entry)
    return removed


class _Lock:
    """``fcntl.flock`` on ``.<name>.otelgen.lock`` beside the target."""

    def __init__(self, parent: Path, name: str, what: str, flag: str) -> None:
        self.path = parent / f".{name}{LOCK_SUFFIX}"
        self.what, self.flag = what, flag
        self.fd: int | None = None

    def __enter__(self) -> "_Lock":
        for _ in range(10):
            try:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
            except OSError as exc:
                raise os_error(exc, self.what, self.flag) from None
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = self._holder()
                os.close(self.fd)
                self.fd = None
                raise _fail("E049", f"{self.flag} {self.what}: another otelgen run{holder} is writing it right now; nothing was changed", "wait for it to finish, or write elsewhere") from None
            # the holder before us unlinks the file when done: make sure we locked the file at the path now
            try:
                same = os.path.samestat(os.fstat(self.fd), os.stat(self.path, follow_symlinks=False))
            except OSError:
                same = False
            if same:
                break
            os.close(self.fd)
            self.fd = None
        else:
            raise _fail("E049", f"{self.flag} {self.what}: the lock file {self.path.name} keeps changing; another otelgen run is writing it", "wait for it to finish, or write elsewhere")
        try:
            os.ftruncate(self.fd, 0)
            os.write(self.fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass  # the pid is only for the message of a concurrent writer
        return self

    def _holder(self) -> str:
        try:
            pid = os.pread(self.fd, 32, 0).decode().strip() if self.fd is not None else ""
        except OSError:
            pid = ""
        return f" (pid {pid})" if pid.isdigit() else ""

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            try:
                os.unlink(self.path)  # while still holding it; a waiter re-checks the path (above)
            except OSError:
                pass
            os.close(self.fd)  # closing releases the flock
            self.fd = None


def _write_file(path: Path, text: str, mode: int = 0o644) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, mode)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------- directories


def check_directory_target(out_dir: str, flag: str = "-o") -> tuple[Path, Path]:
    """(parent, target) for an output directory, or a SpecError saying why not."""
    if not out_dir or "\x00" in out_dir:
        raise _fail("E008", f"{flag} {out_dir!r} is not a path", "name a directory, e.g. -o out/")
    target = Path(os.path.abspath(out_dir))
    try:
        cwd = Path(os.getcwd()).resolve()
    except OSError:
        cwd = None
    resolved_parent_ok = True
    try:
        resolved = target.resolve(strict=False)
    except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError on a loop
        resolved_parent_ok = False
        resolved = target
    if target.parent == target or (cwd is not None and resolved_parent_ok and (resolved == cwd or resolved in cwd.parents)):
        raise _fail("E044", f"{flag} {out_dir} is the current directory, one of its parents or the root; otelgen replaces the whole -o directory", "name a subdirectory, e.g. -o out/")
    if target.is_symlink():
        try:
            target.resolve(strict=True)
        except (RuntimeError, OSError) as exc:
            if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
                raise _fail("E046", f"{flag} {out_dir} is a symlink loop", "remove the symlink or name a directory") from None
            raise _fail("E045", f"{flag} {out_dir} is a symlink to {os.readlink(target)!r}, which does not exist", "remove the dangling symlink, or name the real directory") from None
        raise _fail("E047", f"{flag} {out_dir} is a symlink; otelgen replaces the directory itself and would replace the link", f"name the directory it points to: -o {resolved}")
    if not resolved_parent_ok:
        raise _fail("E046", f"{flag} {out_dir}: a symlink loop in the path", "fix or remove the looping symlink")
    parent = target.parent
    # a symlinked parent is fine (the exchange happens inside the real directory)
    return parent, target


@contextlib.contextmanager
def _removed_on_failure(staging: Path, what: str, flag: str) -> Iterator[None]:
    """Remove the staging file or directory when the block fails (interrupts too); an
    OSError becomes the clear one-line error about ``what`` (os_error)."""
    try:
        yield
    except OSError as exc:
        _remove(staging)
        raise os_error(exc, what, flag) from None
    except BaseException:
        _remove(staging)
        raise


def write_directory(files: dict[str, str], out_dir: str, flag: str = "-o") -> None:
    """Write ``files`` (relative path → text) as the whole content of ``out_dir``.

    Refuses (E008) to replace a non-empty directory otelgen did not write, and a
    target that is not a directory."""
    parent, target = check_directory_target(out_dir, flag)
    name = target.name
    try:
        if target.exists() and not target.is_dir():
            raise _fail("E008", f"{flag} {out_dir} exists and is not a directory", "name a directory")
        parent.mkdir(parents=True, exist_ok=True)
    except SpecError:
        raise
    except OSError as exc:
        raise os_error(exc, out_dir, flag) from None
    with _Lock(parent, name, out_dir, flag):
        try:
            if target.is_dir() and any(target.iterdir()) and not (target / OUTPUT_MARKER).exists():
                raise _fail("E008", f"{flag} {out_dir} is not empty and was not written by otelgen", "use an empty or new directory")
        except OSError as exc:
            raise os_error(exc, out_dir, flag) from None
        remove_debris(parent, name)
        staging = parent / _staging_name(name)
        with _removed_on_failure(staging, out_dir, flag):
            os.mkdir(staging, 0o755)
            for rel, text in files.items():
                path = staging / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                _write_file(path, text)
            _write_file(staging / OUTPUT_MARKER, MARKER_TEXT)
            _fsync_dir(staging)
            _swap_in(staging, target)
            _fsync_dir(parent)
        _remove(staging)  # the old content, after the exchange


def _swap_in(staging: Path, target: Path) -> None:
    """Make ``staging`` the content of ``target``; afterwards ``staging`` holds
    the old content (or nothing)."""
    if not target.exists():
        os.rename(staging, target)  # rename(2) fails if target appeared meanwhile and is non-empty
        return
    if _exchange(staging, target):
        return
    # fallback without an exchange: a short window without `target`
    old = staging.with_name(staging.name + "-old")
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(old, target)
        raise
    os.rename(old, staging)


# ---------------------------------------------------------------- one file


def resolve_file_target(path: str, flag: str) -> Path:
    """The real file behind ``path`` (a symlink is written through)."""
    if not path or "\x00" in path:
        raise _fail("E008", f"{flag} {path!r} is not a path", "name a file")
    p = Path(os.path.abspath(path))
    if p.is_symlink():
        try:
            real = p.resolve(strict=True)
        except (RuntimeError, OSError) as exc:
            if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
                raise _fail("E046", f"{flag} {path} is a symlink loop", "remove the symlink or name a file") from None
            raise _fail("E045", f"{flag} {path} is a symlink to {os.readlink(p)!r}, which does not exist", "remove the dangling symlink, or name the real file") from None
        return real
    try:
        parent = p.parent.resolve(strict=True)
    except (RuntimeError, OSError) as exc:
        if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
            raise _fail("E046", f"{flag} {path}: a symlink loop in the path", "fix or remove the looping symlink") from None
        raise _fail("E008", f"{flag} {path}: the directory {p.parent} does not exist", "create it first") from None
    return parent / p.name


def write_file(path: str, text: str, flag: str = "-o", keep_mode: bool = False) -> None:
    """Replace the file at ``path`` with ``text`` atomically (temp file + rename).
    ``keep_mode``: the new file gets the old one's permission bits."""
    real = resolve_file_target(path, flag)
    if real.is_dir():
        raise _fail("E008", f"{flag} {path} is a directory", "name a file")
    mode, read_only = 0o644, False
    try:
        if real.exists():
            current = real.stat().st_mode & 0o777
            mode = current if keep_mode else mode
            read_only = not current & 0o222 or not os.access(real, os.W_OK)
    except OSError as exc:
        raise os_error(exc, path, flag) from None
    if read_only:
        raise _fail("E053", f"{flag} {path}: the file is read-only; nothing was changed", "make it writable (chmod u+w) if it should be rewritten")
    remove_dead_temp_files(real.parent, real.name)
    tmp = real.with_name(_staging_name(real.name))
    with _removed_on_failure(tmp, path, flag):
        _write_file(tmp, text, mode)
        os.replace(tmp, real)
        _fsync_dir(real.parent)
