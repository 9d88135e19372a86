"""Celery tasks of households: they take ids, call a service, and are safe to run twice (acks_late)."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, acks_late=True, name="households.tasks.import_reviews_job")
def import_reviews_job(self, job_id: str) -> str:
    """Run a stored import of review files (routed to the ``imports`` queue by ``CELERY_TASK_ROUTES``).

    Idempotent: the import writes in one transaction and a finished job is not run again, so a message redelivered
    after a worker died gives the same result, never a second copy of the rows.
    """
    from .imports import import_job_run

    return import_job_run(job_id=job_id, task_id=self.request.id or "")
