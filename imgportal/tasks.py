from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions_task() -> None:
    """Delete expired sessions (Django keeps them until told)."""
    call_command("clearsessions")
