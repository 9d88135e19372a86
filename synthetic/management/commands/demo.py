from django.core.management import call_command
from django.core.management.base import BaseCommand

from synthetic.demo import DEMO_HOUSEHOLDS, DEMO_SEED, build_demo, reference_data_ensure


class Command(BaseCommand):
    help = (
        "Build the demo: a synthetic province (about 20,000 households with five years of recognised reviews) and "
        "one account per role. Idempotent: a finished synthetic province already there is reused; --reset starts over."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="empty the database first, then build anew")
        parser.add_argument("--households", type=int, default=None, help=f"households (default {DEMO_HOUSEHOLDS:,})")
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help=f"the seed (default {DEMO_SEED})")

    def handle(self, *args, reset: bool, households: int | None, seed: int, **options):
        if reset:
            self.stdout.write("Emptying the database…")
            call_command("flush", interactive=False, verbosity=0)
            reference_data_ensure()
        build_demo(stdout=self.stdout, households=households, seed=seed)
