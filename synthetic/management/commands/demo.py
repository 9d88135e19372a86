from django.core.management import call_command
from django.core.management.base import BaseCommand

from synthetic.demo import build_demo


class Command(BaseCommand):
    help = "Build the demo: a synthetic province and one account per role (idempotent; --reset starts over)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="empty the database first, then build anew")

    def handle(self, *args, reset: bool, **options):
        if reset:
            self.stdout.write("Emptying the database…")
            call_command("flush", interactive=False, verbosity=0)
        build_demo(stdout=self.stdout)
