"""Backups that restore: pg_dump's custom format, optionally encrypted with Fernet.

`manage.py backup` and `manage.py restore` are thin wrappers around `dump()` and
`restore()`. A plain backup is exactly what `pg_dump -Fc` writes, so `pg_restore`
reads it without the portal. An encrypted backup is streamed in chunks, so a large
database never sits in memory or unencrypted on disk:

    MAGIC, then records of a 4-byte big-endian length and a Fernet token;
    each token's plaintext is an 8-byte chunk number, 1 byte (1 on the last
    chunk) and up to CHUNK_SIZE bytes of the dump.

The numbers and the last-chunk flag make a file with chunks dropped, repeated,
reordered or cut off fail to decrypt instead of restoring part of a database.

Uploaded files (handbook images and PDFs) kept on disk (FileSystemStorage) go
into a tar of MEDIA_ROOT beside the dump, `<name>.media.tar` (`.media.tar.enc`,
encrypted the same way, when the dump is): a plain dump stays exactly what
pg_dump wrote. The tar is written after the dump, so a file uploaded in between
is an orphan in it, never a row without its file. A restore unpacks it into a
folder inside MEDIA_ROOT first and moves the files into place only once the
database is restored, so a damaged archive changes neither. Files in S3-compatible
storage are not copied: the bucket's versioning or replication keeps them.
"""

import io
import os
import shutil
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import psycopg
from cryptography.fernet import Fernet, InvalidToken
from django.core.files.storage import FileSystemStorage
from psycopg.conninfo import make_conninfo

MAGIC = b"IMGPORTAL-BACKUP-FERNET-1\n"
# The uploaded files' archive, encrypted: told apart from a dump at a glance.
MEDIA_MAGIC = b"IMGPORTAL-MEDIA-FERNET-1\n"
# A restore unpacks into a folder of this name inside MEDIA_ROOT; a backup skips it.
MEDIA_STAGING_PREFIX = ".restore-"
# The archive's last member: how many files came before it. A tar cut off between
# two files reads as a shorter archive; without this it would restore part.
MEDIA_MANIFEST = ".imgportal-backup-complete"
PG_CUSTOM_MAGIC = b"PGDMP"
CHUNK_SIZE = 1 << 20
_HEADER = struct.Struct(">QB")
_LENGTH = struct.Struct(">I")
# Connection options (DATABASE_URL's query string) that libpq's programs accept.
_LIBPQ_OPTIONS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
    "gssencmode",
    "service",
    "passfile",
}
GENERATE_KEY_HINT = "make one with `python manage.py backup --generate-key`"


class BackupError(Exception):
    """A refusal or failure, worded for the operator (no traceback)."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


def fernet_for(key: str) -> Fernet:
    try:
        return Fernet(key.strip().encode())
    except ValueError:
        raise BackupError(
            "BACKUP_ENCRYPTION_KEY is not a valid key (44 characters of URL-safe "
            f"base64): {GENERATE_KEY_HINT}."
        ) from None


def connection(db: dict) -> tuple[str, dict[str, str]]:
    """libpq's conninfo for a Django DATABASES entry, and an environment that
    carries the password (never on a command line, where `ps` shows it)."""
    params = {
        "dbname": db.get("NAME"),
        "host": db.get("HOST"),
        "port": str(db["PORT"]) if db.get("PORT") else None,
        "user": db.get("USER"),
    }
    for name, value in (db.get("OPTIONS") or {}).items():
        if name in _LIBPQ_OPTIONS:
            params[name] = str(value)
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return make_conninfo(**{k: v for k, v in params.items() if v}), env


def _program(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"{name} is not installed. Install PostgreSQL's client programs "
            "(Debian: postgresql-client-16, the server's major version or newer); "
            "the portal's Docker image has them."
        )
    return path


def _stderr_text(handle: BinaryIO) -> str:
    handle.seek(0)
    lines = handle.read().decode(errors="replace").strip().splitlines()
    return "\n".join(lines[-10:]) or "(no message)"


def encrypt_stream(
    source: BinaryIO, sink: BinaryIO, key: Fernet, *, magic: bytes = MAGIC
) -> None:
    """Copy source to sink as numbered, encrypted chunks (see the module doc)."""
    sink.write(magic)
    index = 0
    chunk = source.read(CHUNK_SIZE)
    while True:
        following = source.read(CHUNK_SIZE) if chunk else b""
        last = not following
        token = key.encrypt(_HEADER.pack(index, int(last)) + chunk)
        sink.write(_LENGTH.pack(len(token)) + token)
        if last:
            return
        chunk, index = following, index + 1


class EncryptingWriter:
    """A file to write to whose bytes reach `sink` as encrypt_stream writes them
    (for tarfile, which writes rather than being read); `close()` seals the last
    chunk and leaves sink open."""

    def __init__(self, sink: BinaryIO, key: Fernet, *, magic: bytes = MAGIC):
        self._sink, self._key = sink, key
        self._buffer = bytearray()
        self._index = 0
        sink.write(magic)

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        token = self._key.encrypt(_HEADER.pack(self._index, int(last)) + chunk)
        self._sink.write(_LENGTH.pack(len(token)) + token)
        self._index += 1

    def write(self, data: bytes) -> int:
        self._buffer += data
        # Strictly more than a chunk: the last chunk is only known at close().
        while len(self._buffer) > CHUNK_SIZE:
            self._emit(bytes(self._buffer[:CHUNK_SIZE]), last=False)
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def close(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()


class ChunksReader(io.RawIOBase):
    """decrypted_chunks() as a file to read (for tarfile)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._view = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._view:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._view = memoryview(chunk)
        count = min(len(target), len(self._view))
        target[:count] = self._view[:count]
        self._view = self._view[count:]
        return count


def decrypted_chunks(
    source: BinaryIO, key: Fernet, *, magic: bytes = MAGIC
) -> Iterator[bytes]:
    """The dump inside an encrypted backup, chunk by chunk; BackupError at the
    first chunk that the key does not open or that is out of place."""
    if source.read(len(magic)) != magic:
        raise BackupError("This file is not an encrypted portal backup.")
    index = 0
    while True:
        length_bytes = source.read(_LENGTH.size)
        token = source.read(_LENGTH.unpack(length_bytes)[0]) if length_bytes else b""
        if len(length_bytes) < _LENGTH.size or not token:
            raise BackupError("The backup is cut off: its last part is missing.")
        try:
            plain = key.decrypt(token)
        except InvalidToken:
            if index == 0:
                raise BackupError(
                    "BACKUP_ENCRYPTION_KEY does not open this backup: it was made "
                    "with another key (or the file is damaged)."
                ) from None
            raise BackupError(f"The backup is damaged (part {index + 1}).") from None
        number, last = _HEADER.unpack_from(plain)
        if number != index:
            raise BackupError(f"The backup is damaged (part {index + 1} misplaced).")
        if last and source.read(1):
            raise BackupError("The backup has data after its last part.")
        yield plain[_HEADER.size :]
        if last:
            return
        index += 1


def _open_partial(destination: Path) -> tuple[int, Path]:
    """A new file beside destination, readable by its owner only, to be renamed
    to destination once complete."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{partial} exists: is another backup running?") from None
    except OSError as error:
        raise BackupError(f"Cannot write {partial}: {error.strerror}.") from None
    return fd, partial


def dump(db: dict, destination: Path, *, key: str = "") -> int:
    """Write a pg_dump custom-format backup of db to destination (mode 0600,
    written under a .partial name and renamed when complete); its size."""
    pg_dump = _program("pg_dump")
    cipher = fernet_for(key) if key else None
    conninfo, env = connection(db)
    fd, partial = _open_partial(destination)
    command = [pg_dump, "--format=custom", "--no-password", "--dbname", conninfo]
    try:
        with os.fdopen(fd, "wb") as out, tempfile.TemporaryFile() as errors:
            if cipher is None:
                result = subprocess.run(  # noqa: S603 — fixed program, no shell
                    command, stdout=out, stderr=errors, env=env, check=False
                )
                returncode = result.returncode
            else:
                with subprocess.Popen(  # noqa: S603 — fixed program, no shell
                    command, stdout=subprocess.PIPE, stderr=errors, env=env
                ) as process:
                    encrypt_stream(process.stdout, out, cipher)
                returncode = process.returncode
            if returncode != 0:
                raise BackupError(f"pg_dump failed:\n{_stderr_text(errors)}")
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination.stat().st_size


def user_relations(db: dict) -> int:
    """How many tables, views and sequences db holds outside PostgreSQL's own."""
    conninfo, env = connection(db)
    try:
        with psycopg.connect(conninfo, password=env.get("PGPASSWORD")) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                "AND n.nspname NOT LIKE 'pg\\_toast%%' "
                "AND n.nspname NOT LIKE 'pg\\_temp%%'"
            ).fetchone()
    except psycopg.Error as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise BackupError(
            f"Cannot connect to the database {db.get('NAME')!r}: {message}"
        ) from None
    return row[0]


def backup_kind(path: Path) -> str:
    """'plain' or 'encrypted'; BackupError for a missing or foreign file."""
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    with path.open("rb") as handle:
        head = handle.read(len(MAGIC))
    if head.startswith(MAGIC):
        return "encrypted"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "plain"
    if head.startswith(MEDIA_MAGIC) or _is_tar(path):
        raise BackupError(
            f"{path} is the uploaded files' archive: give the .dump file; the "
            "archive beside it is restored with it."
        )
    raise BackupError(
        f"{path} is not a portal backup (neither pg_dump's custom format nor an "
        "encrypted backup)."
    )


def restore(
    db: dict,
    source: Path,
    *,
    key: str = "",
    force: bool = False,
    media: Path | None = None,
    media_root: Path | None = None,
) -> int | None:
    """Replace db's contents with the backup at source, in one transaction: a
    failure part-way leaves the database as it was. Given `media` (the archive
    dump_media wrote) and `media_root`, the uploaded files come back too, put in
    place only once the database is restored: how many (None without)."""
    kind = backup_kind(source)
    pg_restore = _program("pg_restore")
    chunks = None
    staging = None
    if kind == "encrypted":
        if not key:
            raise BackupError(
                f"{source} is encrypted: set BACKUP_ENCRYPTION_KEY to the key it "
                "was made with."
            )
        handle = source.open("rb")
        chunks = decrypted_chunks(handle, fernet_for(key))
        try:
            first = next(chunks)  # a wrong key stops here, before the database
        except BackupError:
            handle.close()
            raise
    try:
        existing = user_relations(db)
        if existing and not force:
            raise BackupError(
                f"The database {db.get('NAME')!r} is not empty ({existing} tables, "
                "views and sequences). Restoring replaces its contents: stop web, "
                "worker and beat, then run again with --force."
            )
        if media is not None and media_root is not None:
            staging = _unpack_media(media, media_root, key)
        conninfo, env = connection(db)
        command = [
            pg_restore,
            "--no-password",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            conninfo,
        ]
        with tempfile.TemporaryFile() as errors:
            if chunks is None:
                result = subprocess.run(  # noqa: S603 — fixed program, no shell
                    [*command, str(source)],
                    stdout=subprocess.DEVNULL,
                    stderr=errors,
                    env=env,
                    check=False,
                )
                returncode = result.returncode
            else:
                returncode = _restore_stream(command, env, errors, first, chunks)
            if returncode != 0:
                raise BackupError(
                    f"pg_restore failed; the database is unchanged:\n"
                    f"{_stderr_text(errors)}"
                )
        if staging is None:
            return None
        try:
            return _install_media(staging, media_root)
        except OSError as error:
            kept, staging = staging, None  # what is left stays for the operator
            raise BackupError(
                f"The database is restored, but the uploaded files could not all "
                f"be moved into {media_root} ({error.strerror or error}): the rest "
                f"are in {kept}."
            ) from None
    finally:
        if chunks is not None:
            chunks.close()
            handle.close()
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _restore_stream(command, env, errors, first: bytes, chunks) -> int:
    process = subprocess.Popen(  # noqa: S603 — fixed program, no shell
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=errors,
        env=env,
    )
    try:
        process.stdin.write(first)
        for chunk in chunks:
            process.stdin.write(chunk)
        process.stdin.close()
    except BrokenPipeError:
        pass  # pg_restore stopped early: its exit code and message say why
    except BackupError:
        # Damaged part-way: end pg_restore before it commits its transaction.
        process.kill()
        process.wait()
        raise
    return process.wait()


# --- Uploaded files kept on disk ------------------------------------------------


def media_root_of(storage) -> Path | None:
    """The folder uploaded files are kept in, or None when the storage is not a
    folder on this machine (S3-compatible: the bucket is backed up by its
    provider's versioning or replication)."""
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    return None


def media_archive_for(dump_path: Path, *, encrypted: bool) -> Path:
    """Where the uploaded files' archive of a dump goes: imgportal-….dump.enc
    → imgportal-….media.tar.enc, imgportal-….dump → imgportal-….media.tar."""
    name = dump_path.name
    for suffix in (".dump.enc", ".dump"):
        if name.endswith(suffix):
            name = name.removesuffix(suffix)
            break
    return dump_path.with_name(name + (".media.tar.enc" if encrypted else ".media.tar"))


def media_archive_beside(dump_path: Path) -> Path | None:
    """The uploaded files' archive written with this dump, if it is there."""
    for encrypted in (True, False):
        archive = media_archive_for(dump_path, encrypted=encrypted)
        if archive.is_file():
            return archive
    return None


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Every regular file under root (no links, no restore in progress), with
    its name relative to root, in a stable order."""
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(
            f for f in folders if not f.startswith(MEDIA_STAGING_PREFIX)
        )
        for name in sorted(files):
            path = Path(directory) / name
            if path == root / MEDIA_MANIFEST:
                continue
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(root).as_posix()


def dump_media(root: Path, destination: Path, *, key: str = "") -> tuple[int, int]:
    """Write a tar of every file under root to destination, encrypted when key
    is given; like dump(), mode 0600 and renamed when complete. (files, size)."""
    cipher = fernet_for(key) if key else None
    fd, partial = _open_partial(destination)
    count = 0
    try:
        with os.fdopen(fd, "wb") as out:
            sink = EncryptingWriter(out, cipher, magic=MEDIA_MAGIC) if cipher else out
            with tarfile.open(
                fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT
            ) as tar:
                for path, name in _media_files(root):
                    try:
                        handle = path.open("rb")
                    except FileNotFoundError:
                        continue  # deleted since the folder was listed
                    with handle:
                        info = tar.gettarinfo(arcname=name, fileobj=handle)
                        info.uid = info.gid = 0
                        info.uname = info.gname = ""
                        tar.addfile(info, handle)
                    count += 1
                manifest = f"{count}\n".encode()
                info = tarfile.TarInfo(MEDIA_MANIFEST)
                info.size, info.mode = len(manifest), 0o600
                tar.addfile(info, io.BytesIO(manifest))
            if cipher is not None:
                sink.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, destination)
    except OSError as error:
        raise BackupError(
            f"Cannot back up the uploaded files in {root}: {error.strerror or error}."
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return count, destination.stat().st_size


def _is_tar(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(tarfile.BLOCKSIZE)
    # An archive of no files is only its end: blocks of zeros.
    empty = len(head) == tarfile.BLOCKSIZE and not any(head)
    return head[257:262] == b"ustar" or empty


def _unpack_media(archive: Path, root: Path, key: str) -> Path:
    """The archive's files in a new folder inside root (so moving them into
    place is a rename); BackupError, and nothing left behind, for a damaged
    archive or a wrong key."""
    if not archive.is_file():
        raise BackupError(f"No uploaded files' archive at {archive}.")
    with archive.open("rb") as handle:
        encrypted = handle.read(len(MEDIA_MAGIC)) == MEDIA_MAGIC
    if not encrypted and not _is_tar(archive):
        raise BackupError(f"{archive} is not an uploaded files' archive.")
    if encrypted and not key:
        raise BackupError(
            f"{archive} is encrypted: set BACKUP_ENCRYPTION_KEY to the key it was "
            "made with."
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=MEDIA_STAGING_PREFIX, dir=root))
    except OSError as error:
        raise BackupError(f"Cannot write to {root}: {error.strerror}.") from None
    unpacked = False
    try:
        with archive.open("rb") as handle:
            source = handle
            if encrypted:
                chunks = decrypted_chunks(handle, fernet_for(key), magic=MEDIA_MAGIC)
                source = ChunksReader(chunks)
            with tarfile.open(fileobj=source, mode="r|") as tar:
                tar.extractall(staging, filter="data")
        _check_complete(staging, archive)
        unpacked = True
    except tarfile.TarError as error:
        raise BackupError(
            f"The uploaded files' archive {archive} is damaged ({error}); nothing "
            "was restored."
        ) from None
    except OSError as error:
        raise BackupError(
            f"Cannot unpack the uploaded files into {root}: "
            f"{error.strerror or error}; nothing was restored."
        ) from None
    finally:
        if not unpacked:
            shutil.rmtree(staging, ignore_errors=True)
    return staging


def _check_complete(staging: Path, archive: Path) -> None:
    manifest = staging / MEDIA_MANIFEST
    try:
        expected = int(manifest.read_text().strip())
    except (FileNotFoundError, ValueError):
        expected = None
    found = sum(len(files) for _, _, files in os.walk(staging)) - 1
    if expected != found:
        raise BackupError(
            f"The uploaded files' archive {archive} is damaged (it ends before "
            "its last file); nothing was restored."
        )


def _install_media(staging: Path, root: Path) -> int:
    """Move the unpacked files into root (replacing any of the same name; files
    the backup does not hold are left alone); how many."""
    count = 0
    for directory, _folders, files in os.walk(staging):
        for name in files:
            source = Path(directory) / name
            if source.is_symlink() or source == staging / MEDIA_MANIFEST:
                continue
            target = root / source.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            count += 1
    return count
