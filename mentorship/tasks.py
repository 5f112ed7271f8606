from celery import shared_task

from mentorship import services


@shared_task
def reminders_send_task() -> int:
    """Remind mentors of proposals unanswered for 7 days (once each)."""
    return services.reminders_send()


@shared_task
def round_notify_task(round_id: int) -> int:
    """Email the mentors of a confirmed round (once each)."""
    return services.round_notify(round_id=round_id)
