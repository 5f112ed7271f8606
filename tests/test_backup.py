"""`manage.py backup` and `restore`: a seeded database comes back row for row.

Each restore goes into a fresh database made for the test on the machine's
PostgreSQL (a unique name, dropped afterwards); no other database is touched.
"""

import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from psycopg import sql

from imgportal import backups

ROOT = Path(__file__).resolve().parent.parent


def _params(name: str | None = None) -> dict:
    db = settings.DATABASES["default"]
    params = {
        "dbname": name or db["NAME"],
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    return {k: v for k, v in params.items() if v}


def _url(name: str) -> str:
    """A DATABASE_URL for another database on the test database's server."""
    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    at = "@" if user or password else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}{at}{db.get('HOST') or ''}{port}/{name}"


def _restore(dump: Path, database: str, *options: str) -> str:
    """`manage.py restore` of `dump` into `database`: what it said."""
    said = io.StringIO()
    call_command(
        "restore", str(dump), "--database-url", _url(database), *options, stdout=said
    )
    return said.getvalue()


@pytest.fixture
def fresh_database(django_db_setup):
    """An empty database of its own (dropped after the test); its name."""
    name = f"{settings.DATABASES['default']['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**_params("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(**_params("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


def _row_counts(name: str) -> dict[str, int]:
    """Rows in every table of the database (system schemas aside)."""
    with psycopg.connect(**_params(name)) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
            "ORDER BY 1, 2"
        ).fetchall()
        return {
            f"{schema}.{table}": conn.execute(
                sql.SQL("SELECT count(*) FROM {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            ).fetchone()[0]
            for schema, table in tables
        }


def _sequence_values(name: str) -> dict[str, int | None]:
    with psycopg.connect(**_params(name)) as conn:
        return dict(
            conn.execute(
                "SELECT schemaname || '.' || sequencename, last_value "
                "FROM pg_sequences ORDER BY 1"
            ).fetchall()
        )


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py as an operator runs it: a fresh process, output as shown."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_seeded_database_restores_row_for_row(
    reference_data, fresh_database, tmp_path, settings
):
    """Backup of the demo data, plain and encrypted, restored into an empty
    database: every table has the same number of rows, every sequence the same
    value (so the next member or event gets a new id)."""
    call_command("seed_demo", "--force", "--members", "20", verbosity=0)
    source = settings.DATABASES["default"]["NAME"]
    expected = _row_counts(source)
    assert expected["public.members_member"] >= 20
    assert sum(1 for count in expected.values() if count) >= 25

    settings.BACKUP_DIR = str(tmp_path / "backups")
    call_command("backup", verbosity=0)
    # The dump, and the uploaded files' archive beside it (files on disk).
    plain, media = sorted((tmp_path / "backups").iterdir())
    assert plain.name.endswith(".dump")
    assert media.name == plain.name.replace(".dump", ".media.tar")
    assert plain.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert media.stat().st_mode & 0o077 == 0

    call_command("restore", str(plain), "--database-url", _url(fresh_database))
    assert _row_counts(fresh_database) == expected
    assert _sequence_values(fresh_database) == _sequence_values(source)

    # Encrypted, restored over the first copy (--force), after a change: the
    # restore replaces what the target held.
    settings.BACKUP_ENCRYPTION_KEY = backups.generate_key()
    encrypted = tmp_path / "portal.dump.enc"
    call_command("backup", "--output", str(encrypted), verbosity=0)
    assert encrypted.read_bytes().startswith(backups.MAGIC)
    with psycopg.connect(**_params(fresh_database)) as conn:
        conn.execute("TRUNCATE members_member CASCADE")
    call_command(
        "restore", str(encrypted), "--database-url", _url(fresh_database), "--force"
    )
    assert _row_counts(fresh_database) == expected


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(tmp_path, fresh_database):
    """Restoring over tables needs --force: the database is left alone."""
    backup = tmp_path / "portal.dump"
    backups.dump(settings.DATABASES["default"], backup)
    with psycopg.connect(**_params(fresh_database)) as conn:
        conn.execute("CREATE TABLE precious (id int)")
        conn.execute("INSERT INTO precious VALUES (1)")
    with pytest.raises(CommandError, match=r"is not empty .*--force"):
        call_command("restore", str(backup), "--database-url", _url(fresh_database))
    assert _row_counts(fresh_database) == {"public.precious": 1}


@pytest.mark.django_db
def test_wrong_key_is_refused_cleanly(tmp_path, fresh_database):
    """A backup opened with another key, with no key, or with a malformed one:
    a one-line reason, no traceback, and the target database untouched."""
    encrypted = tmp_path / "portal.dump.enc"
    backups.dump(settings.DATABASES["default"], encrypted, key=backups.generate_key())
    target = _url(fresh_database)

    for key, reason in (
        (backups.generate_key(), "BACKUP_ENCRYPTION_KEY does not open this backup"),
        ("", "is encrypted: set BACKUP_ENCRYPTION_KEY"),
        ("not-a-key", "BACKUP_ENCRYPTION_KEY is not a valid key"),
    ):
        result = _manage(
            "restore", str(encrypted), "--database-url", target,
            BACKUP_ENCRYPTION_KEY=key,
        )  # fmt: skip
        assert result.returncode == 1
        assert reason in result.stderr
        assert "Traceback" not in result.stderr
    assert _row_counts(fresh_database) == {}


@pytest.mark.django_db
def test_damaged_backup_restores_nothing(tmp_path, fresh_database, monkeypatch):
    """A cut-off or altered encrypted backup is refused and the restore, in one
    transaction, leaves the target as empty as it was (small chunks, so the
    damage is found after pg_restore has started)."""
    monkeypatch.setattr(backups, "CHUNK_SIZE", 4096)
    key = backups.generate_key()
    encrypted = tmp_path / "portal.dump.enc"
    backups.dump(settings.DATABASES["default"], encrypted, key=key)
    data = encrypted.read_bytes()
    target = {"NAME": fresh_database, **_django_connection()}

    cut = tmp_path / "cut.dump.enc"
    cut.write_bytes(data[: len(data) - 100])
    with pytest.raises(backups.BackupError, match=r"cut off|damaged"):
        backups.restore(target, cut, key=key)

    altered = tmp_path / "altered.dump.enc"
    middle = len(data) // 2
    altered.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :])
    with pytest.raises(backups.BackupError, match=r"cut off|damaged"):
        backups.restore(target, altered, key=key)
    assert _row_counts(fresh_database) == {}


def _django_connection() -> dict:
    db = settings.DATABASES["default"]
    return {k: db.get(k) for k in ("HOST", "PORT", "USER", "PASSWORD", "OPTIONS")}


def test_missing_file_and_missing_pg_dump_are_explained(tmp_path):
    """No traceback for the two mistakes a new server makes first."""
    missing = _manage("restore", str(tmp_path / "nope.dump"))
    assert missing.returncode == 1
    assert f"No backup file at {tmp_path / 'nope.dump'}" in missing.stderr
    assert "Traceback" not in missing.stderr

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    foreign = _manage("restore", str(not_a_backup))
    assert foreign.returncode == 1
    assert "is not a portal backup" in foreign.stderr

    no_client = _manage(
        "backup", "--output", str(tmp_path / "x.dump"), PATH=str(tmp_path)
    )
    assert no_client.returncode == 1
    assert "pg_dump is not installed" in no_client.stderr
    assert "Traceback" not in no_client.stderr
    assert not (tmp_path / "x.dump").exists()


@pytest.mark.django_db
def test_failed_pg_dump_leaves_no_file(tmp_path):
    """pg_dump's own reason is shown and no half-written backup is left."""
    output = tmp_path / "portal.dump"
    with pytest.raises(CommandError, match="pg_dump failed") as refused:
        call_command(
            "backup",
            "--output",
            str(output),
            "--database-url",
            _url(f"no_such_database_{uuid.uuid4().hex[:8]}"),
        )
    assert "does not exist" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_generated_key_encrypts_and_decrypts_in_chunks():
    """Several chunks, the last one short: what goes in comes out."""
    key = backups.fernet_for(backups.generate_key())
    payload = bytes(range(256)) * (backups.CHUNK_SIZE // 256 * 2 + 3)
    sealed = io.BytesIO()
    backups.encrypt_stream(io.BytesIO(payload), sealed, key)
    sealed.seek(0)
    assert b"".join(backups.decrypted_chunks(sealed, key)) == payload


def _attachment_file(name: str) -> str | None:
    """The stored file name of the one handbook attachment in database `name`."""
    with psycopg.connect(**_params(name)) as conn:
        row = conn.execute("SELECT file FROM handbook_attachment").fetchone()
    return row[0] if row else None


@pytest.fixture
def uploaded(reference_data, settings, tmp_path):
    """A published page with one image uploaded to it, under a MEDIA_ROOT of the
    test's own; the attachment."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from handbook import services as handbook_services
    from members.models import Role
    from tests.factories import MemberFactory, published_page

    settings.MEDIA_ROOT = str(tmp_path / "media")
    co_lead = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    page = published_page(by=co_lead.user)
    picture = io.BytesIO()
    Image.new("RGB", (30, 20), "teal").save(picture, format="PNG")
    return handbook_services.attachment_upload(
        page=page,
        upload=SimpleUploadedFile("map.png", picture.getvalue()),
        by=co_lead.user,
    )


@pytest.mark.django_db(transaction=True)
def test_uploaded_files_come_back_with_the_database(
    uploaded, fresh_database, tmp_path, settings
):
    """An attachment's file is backed up (encrypted, like the dump) beside the
    dump, and a restore puts it back where its row in the restored database
    says it is, byte for byte."""
    stored = Path(settings.MEDIA_ROOT) / uploaded.file.name
    original = stored.read_bytes()
    settings.BACKUP_ENCRYPTION_KEY = backups.generate_key()
    dump = tmp_path / "backups" / "portal.dump.enc"
    said = io.StringIO()
    call_command("backup", "--output", str(dump), stdout=said)
    archive = tmp_path / "backups" / "portal.media.tar.enc"
    assert f"Uploaded files written: {archive} (1 file from" in said.getvalue()
    assert archive.read_bytes().startswith(backups.MEDIA_MAGIC)
    assert original not in archive.read_bytes()  # encrypted, not a plain tar
    assert archive.stat().st_mode & 0o077 == 0

    # The server is lost: the files are gone too.
    stored.unlink()
    said = _restore(dump, fresh_database, "--media-root", settings.MEDIA_ROOT)
    assert "Restored 1 uploaded file from" in said
    assert _attachment_file(fresh_database) == uploaded.file.name
    assert stored.read_bytes() == original
    # Nothing of the restore's working folder is left behind.
    assert sorted(p.name for p in Path(settings.MEDIA_ROOT).iterdir()) == ["handbook"]


@pytest.mark.django_db(transaction=True)
def test_a_damaged_files_archive_restores_neither_database_nor_files(
    uploaded, fresh_database, tmp_path, settings
):
    """A cut-off archive of uploaded files is refused before the database is
    touched; without any archive (an older backup) the database alone comes
    back, and the command says the files did not; --database-url alone leaves
    the files where they are."""
    dump = tmp_path / "portal.dump"
    call_command("backup", "--output", str(dump), verbosity=0)
    archive = tmp_path / "portal.media.tar"
    data = archive.read_bytes()
    # Cut between two members: a tar that reads as a shorter, whole archive.
    archive.write_bytes(data[: data.index(backups.MEDIA_MANIFEST.encode())])
    restored = tmp_path / "restored"
    with pytest.raises(CommandError, match="is damaged"):
        call_command(
            "restore",
            str(dump),
            "--database-url",
            _url(fresh_database),
            "--media-root",
            str(restored),
        )
    assert _row_counts(fresh_database) == {}
    assert list(restored.iterdir()) == []

    archive.write_bytes(data)
    said = _restore(dump, fresh_database)
    assert "--database-url names another database" in said
    assert _attachment_file(fresh_database) == uploaded.file.name

    archive.unlink()
    said = _restore(dump, fresh_database, "--media-root", str(restored), "--force")
    assert "No uploaded files' archive beside" in said
    assert list(restored.iterdir()) == []


@pytest.mark.django_db
def test_files_in_s3_compatible_storage_are_left_to_the_bucket(
    tmp_path, settings, fresh_database
):
    """With uploads in a bucket, backup and restore say the bucket is backed up
    by its provider, and write or read no archive."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    dump = tmp_path / "portal.dump"
    said = io.StringIO()
    call_command("backup", "--output", str(dump), stdout=said)
    assert "provider's versioning or replication" in said.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["portal.dump"]
    assert "are in S3-compatible storage" in _restore(dump, fresh_database)


def test_encrypting_writer_and_stream_write_the_same_format():
    """tarfile writes; the dump is read: both produce what decrypts back."""
    key = backups.fernet_for(backups.generate_key())
    for payload in (b"", b"x" * backups.CHUNK_SIZE, bytes(range(256)) * 9000):
        sealed = io.BytesIO()
        writer = backups.EncryptingWriter(sealed, key)
        for start in range(0, len(payload), 70_000):
            writer.write(payload[start : start + 70_000])
        writer.close()
        sealed.seek(0)
        reader = backups.ChunksReader(backups.decrypted_chunks(sealed, key))
        assert reader.read() == payload
