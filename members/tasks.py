from celery import shared_task
from django.utils import timezone

from members import handoff, imports, rules, services
from members.models import ImportJob


@shared_task
def import_preview_task(job_id: int) -> None:
    """Check a large roster file row by row (writes only the preview)."""
    job = ImportJob.objects.filter(
        pk=job_id, status=ImportJob.Status.PREVIEWING
    ).first()
    if job is not None:
        imports.import_job_preview(job=job)


@shared_task
def import_apply_task(job_id: int) -> None:
    """Write a confirmed roster in one transaction (a retry finds it done)."""
    imports.import_job_apply(job_id=job_id)


@shared_task
def co_lead_terms_apply_task() -> None:
    """Give and take the Co-lead role as terms begin and end."""
    handoff.co_lead_terms_apply()


@shared_task
def rollover_propose_task() -> None:
    """Before 1 July: ask the co-leads to preview and confirm the rollover."""
    today = timezone.localdate()
    services.rollover_propose(academic_year=rules.academic_year_of(today) + 1)
