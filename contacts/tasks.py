from celery import shared_task

from contacts import services


@shared_task
def follow_ups_send_task() -> int:
    """Queue today's follow-up reminders from members' own contacts logs (each once)."""
    return services.follow_ups_send()


@shared_task
def contact_imports_purge_task() -> int:
    """Delete import previews nobody confirmed within a day (their rows with them)."""
    return services.contact_imports_purge()
