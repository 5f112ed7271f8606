from celery import shared_task

from leadership import services


@shared_task
def deadline_reminders_send_task() -> int:
    """Queue today's reminders of saved openings' deadlines (each once)."""
    return services.deadline_reminders_send()
