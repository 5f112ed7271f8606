from celery import shared_task

from mentorship import services


@shared_task
def reminders_send_task() -> int:
    """Remind mentors of proposals unanswered for 7 days (once each)."""
    return services.reminders_send()
