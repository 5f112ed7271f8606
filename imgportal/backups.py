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
"""

import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import psycopg
from cryptography.fernet import Fernet, InvalidToken
from psycopg.conninfo import make_conninfo

MAGIC = b"IMGPORTAL-BACKUP-FERNET-1\n"
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


def encrypt_stream(source: BinaryIO, sink: BinaryIO, key: Fernet) -> None:
    """Copy source to sink as numbered, encrypted chunks (see the module doc)."""
    sink.write(MAGIC)
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


def decrypted_chunks(source: BinaryIO, key: Fernet) -> Iterator[bytes]:
    """The dump inside an encrypted backup, chunk by chunk; BackupError at the
    first chunk that the key does not open or that is out of place."""
    if source.read(len(MAGIC)) != MAGIC:
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


def dump(db: dict, destination: Path, *, key: str = "") -> int:
    """Write a pg_dump custom-format backup of db to destination (mode 0600,
    written under a .partial name and renamed when complete); its size."""
    pg_dump = _program("pg_dump")
    cipher = fernet_for(key) if key else None
    conninfo, env = connection(db)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{partial} exists: is another backup running?") from None
    except OSError as error:
        raise BackupError(f"Cannot write {partial}: {error.strerror}.") from None
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
    raise BackupError(
        f"{path} is not a portal backup (neither pg_dump's custom format nor an "
        "encrypted backup)."
    )


def restore(db: dict, source: Path, *, key: str = "", force: bool = False) -> None:
    """Replace db's contents with the backup at source, in one transaction: a
    failure part-way leaves the database as it was."""
    kind = backup_kind(source)
    pg_restore = _program("pg_restore")
    chunks = None
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
    finally:
        if chunks is not None:
            chunks.close()
            handle.close()


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
