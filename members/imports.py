"""Roster imports: preview every row, write nothing until a co-lead confirms, then
write all rows in one transaction (a failure writes nothing). Matched by email,
so importing the same file again changes nothing."""

from datetime import date

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_countries import countries
from redis.exceptions import RedisError

from members import roster
from members.audit import audit_record, diff, snapshot
from members.models import AuditEntry, ImportJob, Member, Program, Role, Specialty, User

# Up to this many rows a file is checked and imported during the request;
# larger files go to a Celery task and the page shows progress.
INLINE_ROWS = 200
MEMBER_FIELDS = [
    "visa_status",
    "training_stage",
    "specialty_id",
    "program_id",
    "home_country",
    "training_start",
    "expected_completion",
]
USER_FIELDS = ["first_name", "last_name"]


def progress_key(job_id: int, phase: str = "importing") -> str:
    """Rows done so far in a job's phase ("previewing" or "importing"): kept in
    the cache, as the import's transaction hides its rows until it commits."""
    return f"members:import:{job_id}:{phase}"


def _progress(job_id: int, phase: str, done: int) -> None:
    try:
        cache.set(progress_key(job_id, phase), done, timeout=3600)
    except (RedisError, OSError):
        pass  # Redis down: the page shows less progress, the import goes on


def rows_done(job: ImportJob) -> int:
    """Rows checked or written so far by the job's running phase (0 if unknown)."""
    try:
        return cache.get(progress_key(job.pk, job.status), 0)
    except (RedisError, OSError):
        return 0


def lookups() -> roster.Lookups:
    def by_label(choices) -> dict[str, str]:
        table = {}
        for value, label in choices:
            table[str(value).lower()] = value
            table[str(label).lower()] = value
            table[str(label).lower().replace("-", "")] = value
        return table

    programs: dict[str, int | None] = {}
    for pk, name in Program.objects.values_list("pk", "name"):
        key = name.lower()
        programs[key] = None if key in programs else pk
    country_table = {}
    for code, name in countries:
        country_table[code.lower()] = code
        country_table[str(name).lower()] = code
    return roster.Lookups(
        visa_statuses=by_label(Member.VisaStatus.choices),
        stages=by_label(Member.TrainingStage.choices),
        specialties={
            n.lower(): pk for pk, n in Specialty.objects.values_list("pk", "name")
        },
        programs=programs,
        countries=country_table,
    )


def import_job_create(*, uploaded_by: User, filename: str, raw: bytes) -> ImportJob:
    """Store an uploaded roster; a file that can't be read is recorded as such."""
    job = ImportJob(
        uploaded_by=uploaded_by, filename=filename.replace("\x00", "")[:255]
    )
    try:
        job.content = roster.decode(raw)
    except ValidationError as exc:
        job.content = ""
        job.file_errors = exc.messages
        job.status = ImportJob.Status.PREVIEWED
    job.total_rows = roster.line_count(job.content)
    job.save()
    return job


def _compare(row: roster.RosterRow, existing: Member | None) -> dict:
    if row.errors:
        return {
            "row": row.number,
            "email": row.email,
            "action": "reject",
            "reasons": row.errors,
            "changes": {},
        }
    if existing is None:
        return {
            "row": row.number,
            "email": row.email,
            "action": "create",
            "reasons": [],
            "changes": {},
        }
    changes, shown = {}, []
    for name, value in row.values.items():
        target = existing.user if name in USER_FIELDS else existing
        current = getattr(target, name)
        current = getattr(current, "code", current)  # CountryField
        if current != value:
            hidden = name == "visa_status"
            changes[name] = "(hidden)" if hidden else [str(current), str(value)]
            label, old, new = _in_words(target, name, current, value)
            shown.append([label, "(hidden)", ""] if hidden else [label, old, new])
    return {
        "row": row.number,
        "email": row.email,
        "action": "update" if changes else "unchanged",
        "reasons": [],
        "changes": changes,
        "shown": shown,
    }


def _in_words(target, name: str, old, new) -> tuple[str, str, str]:
    """A change as a co-lead reads it: "Training stage: PGY-1 → PGY-2"."""
    field = target._meta.get_field(name.removesuffix("_id"))
    label = str(field.verbose_name)
    label = label[:1].upper() + label[1:]

    def word(value) -> str:
        if value in (None, ""):
            return ""
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if field.is_relation:
            found = field.related_model.objects.filter(pk=value).first()
            return str(found) if found else str(value)
        if name == "home_country":
            return str(countries.name(value))
        if isinstance(value, date):
            return f"{value:%-d %b %Y}"
        return str(value)

    return label, word(old), word(new)


def import_job_preview(*, job: ImportJob) -> ImportJob:
    """Work out what each row would do; writes only the preview, never members."""
    file_errors, rows = roster.parse(job.content, lookups())
    job.file_errors = job.file_errors or file_errors
    existing = {
        m.user.email: m
        for m in Member.objects.select_related("user").filter(
            user__email__in=[r.email for r in rows]
        )
    }
    _progress(job.pk, ImportJob.Status.PREVIEWING, 0)  # a preview worked out again
    job.preview = []
    for index, row in enumerate(rows, start=1):
        job.preview.append(_compare(row, existing.get(row.email)))
        if index % 50 == 0:
            _progress(job.pk, ImportJob.Status.PREVIEWING, index)
    job.total_rows = len(rows)
    job.status = ImportJob.Status.PREVIEWED
    job.save(update_fields=["file_errors", "preview", "total_rows", "status"])
    return job


def import_job_start(*, job: ImportJob) -> ImportJob:
    """Confirming: only a clean preview may be imported."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not job.can_confirm:
            raise ValidationError("This file can't be imported: fix the rows listed.")
        job.status = ImportJob.Status.IMPORTING
        job.save(update_fields=["status"])
    return job


def import_job_apply(*, job_id: int) -> ImportJob | None:
    """Write every row in one transaction; any failure leaves the database as it was."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.IMPORTING).first()
    if job is None:
        return None  # already done, failed, or never confirmed: safe on retry
    file_errors, rows = roster.parse(job.content, lookups())
    try:
        if file_errors or any(r.errors for r in rows):
            raise ValidationError(
                "The roster no longer checks out; nothing was written."
            )
        with transaction.atomic():
            result = _write_rows(job, rows)
    except ValidationError as exc:
        job.status = ImportJob.Status.FAILED
        job.file_errors = exc.messages
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "file_errors", "finished_at"])
        return job
    job.status = ImportJob.Status.DONE
    job.result = result
    job.processed_rows = len(rows)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "processed_rows", "finished_at"])
    return job


def _write_rows(job: ImportJob, rows: list[roster.RosterRow]) -> dict[str, int]:
    resident = Group.objects.get(name=Role.RESIDENT)
    existing = {
        m.user.email: m
        for m in Member.objects.select_for_update()
        .select_related("user")
        .filter(user__email__in=[r.email for r in rows])
    }
    result = {"created": 0, "updated": 0, "unchanged": 0}
    for index, row in enumerate(rows, start=1):
        member_values = {k: v for k, v in row.values.items() if k in MEMBER_FIELDS}
        user_values = {k: v for k, v in row.values.items() if k in USER_FIELDS}
        member = existing.get(row.email)
        if member is None:
            user = User.objects.create_user(
                email=row.email, password=None, **user_values
            )
            EmailAddress.objects.create(user=user, email=row.email, primary=True)
            member = Member(
                user=user,
                status=Member.Status.ACTIVE,
                approved_at=timezone.now(),
                approved_by=job.uploaded_by,
                **member_values,
            )
            member.full_clean(exclude=["user", "approved_by"])
            member.save()
            user.groups.add(resident)
            audit_record(
                member=member,
                actor=job.uploaded_by,
                action=AuditEntry.Action.IMPORTED,
                changes={"file": ("", job.filename)},
            )
            result["created"] += 1
        else:
            fields = [f.removesuffix("_id") for f in member_values]
            before = snapshot(member, fields)
            before.update({f: getattr(member.user, f) for f in user_values})
            for name, value in member_values.items():
                setattr(member, name, value)
            for name, value in user_values.items():
                setattr(member.user, name, value)
            after = snapshot(member, fields)
            after.update({f: getattr(member.user, f) for f in user_values})
            changes = diff(before, after)
            if changes:
                member.full_clean(exclude=["user", "approved_by"])
                member.save(update_fields=list(member_values))
                if user_values:
                    member.user.save(update_fields=list(user_values))
                audit_record(
                    member=member,
                    actor=job.uploaded_by,
                    action=AuditEntry.Action.IMPORTED,
                    changes=changes,
                )
                result["updated"] += 1
            else:
                result["unchanged"] += 1
        if index % 50 == 0:
            _progress(job.pk, ImportJob.Status.IMPORTING, index)
    return result
