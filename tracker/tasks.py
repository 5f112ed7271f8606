from celery import shared_task

from tracker import services


@shared_task
def reminders_send_task() -> int:
    """Queue today's reminders of members' own dates (each once)."""
    return services.reminders_send()
