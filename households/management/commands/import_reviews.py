from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from households.imports import reviews_import


class Command(BaseCommand):
    help = (
        "Import household reviews from a CSV or XLSX file (and their members from --members or the XLSX sheet "
        "members). Every row is checked first; a file with any error writes nothing. See docs/import-template.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--members", type=Path, help="a second CSV/XLSX file with the household members")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--recognise", action="store_true", help="record the reviews as recognised")
        parser.add_argument(
            "--user",
            help="import as this user: their scope applies and the reviews name them (default: no scope, nobody)",
        )

    def handle(self, *args, file: Path, members: Path | None, dry_run: bool, recognise: bool, user, **options):
        for path in (file, members):
            if path is not None and not path.is_file():
                raise CommandError(f"{path}: no such file")
        by = None
        if user:
            by = get_user_model().objects.filter(username=user, is_active=True).first()
            if by is None:
                raise CommandError(f"no active user {user!r}")
        result = reviews_import(
            data=file.read_bytes(),
            filename=file.name,
            members_data=members.read_bytes() if members else None,
            members_filename=members.name if members else "members.csv",
            by=by,
            dry_run=dry_run,
            recognise=recognise,
        )
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(result.errors)} error(s); nothing was written.")
        verb = "would be" if dry_run else "were"
        c = result.counts()
        self.stdout.write(f"{c['rows']} review row(s) and {c['member_rows']} member row(s) checked.")
        self.stdout.write(f"households: {c['households_created']} {verb} created, {c['households_updated']} updated")
        self.stdout.write(
            f"reviews: {c['reviews_created']} {verb} recorded ({c['reviews_recognised']} recognised), "
            f"{c['reviews_unchanged']} already recorded"
        )
        self.stdout.write(f"members: {c['members_created']} {verb} added, {c['members_updated']} updated")
