from celery import shared_task

from handbook import services


@shared_task
def watchers_notify_task(revision_id: int) -> int:
    """Email the watchers of a page that was just published (once each)."""
    return services.watchers_notify(revision_id=revision_id)


@shared_task
def reviewers_notify_task(revision_id: int) -> int:
    """Tell editors a draft waits for review (once each; none if already reviewed)."""
    return services.reviewers_notify(revision_id=revision_id)


@shared_task
def review_due_task() -> int:
    """Weekly list of pages due for review, to each editor (once per week)."""
    return services.review_due_send()
