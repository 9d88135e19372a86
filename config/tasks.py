"""Project-wide tasks that belong to no app."""

from celery import shared_task
from django.db import connection
from django.utils import timezone


@shared_task(name="config.tasks.heartbeat")
def heartbeat() -> dict:
    """Proves a worker can reach the database; beat runs it every 15 minutes, the integration test on demand."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"db": one == 1, "at": timezone.now().isoformat()}
