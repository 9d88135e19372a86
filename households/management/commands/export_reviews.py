from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from areas.models import Commune
from households.exports import FORMATS, reviews_export
from households.imports import MEMBERS_SHEET, REVIEWS_SHEET


class Command(BaseCommand):
    help = (
        "Export a commune's households, reviews and members in the import format: an XLSX with the sheets reviews "
        "and members, or a CSV of the reviews (and, with --members-output, a CSV of the members)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--commune", required=True, help="the commune's official code")
        parser.add_argument("--format", choices=FORMATS, default="xlsx")
        parser.add_argument("--output", type=Path, help="where to write (default: the export's own file name)")
        parser.add_argument("--members-output", type=Path, help="CSV only: where to write the members")
        parser.add_argument("--user", help="export what this user may see (default: everything)")

    def handle(self, *args, commune: str, format: str, output, members_output, user, **options):  # noqa: A002
        found = Commune.objects.filter(code=commune).first()
        if found is None:
            raise CommandError(f"no commune with code {commune!r}")
        by = None
        if user:
            by = get_user_model().objects.filter(username=user, is_active=True).first()
            if by is None:
                raise CommandError(f"no active user {user!r}")
        file = reviews_export(user=by, commune=found, fmt=format, part=REVIEWS_SHEET)
        target = output or Path(file.filename)
        target.write_bytes(file.content)
        self.stdout.write(f"written {target}")
        if format == "csv" and members_output:
            members = reviews_export(user=by, commune=found, fmt="csv", part=MEMBERS_SHEET)
            members_output.write_bytes(members.content)
            self.stdout.write(f"written {members_output}")
