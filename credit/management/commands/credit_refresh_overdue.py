from datetime import date

from django.core.management.base import BaseCommand

from credit.services import loan_status_refresh
from credit.tasks import CHUNK, id_ranges


class Command(BaseCommand):
    help = "Recompute the overdue / frozen / extended status of every loan being repaid, from the ledger (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="as of this day (YYYY-MM-DD; today)")
        parser.add_argument("--chunk", type=int, default=CHUNK, help="loans per transaction")

    def handle(self, *args, on, chunk, **options):
        checked = changed = 0
        for start, stop in id_ranges(chunk):
            result = loan_status_refresh(id_from=start, id_to=stop, on=on)
            checked += result["checked"]
            changed += result["changed"]
        self.stdout.write(f"{checked} loans checked, {changed} changed")
