from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from areas.services import areas_import_csv


class Command(BaseCommand):
    help = (
        "Import provinces, communes and villages from a CSV file with the header "
        "level,code,name,parent_code,area_type,valid_from,valid_to,merged_into_code. "
        "A file with any bad row writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        result = areas_import_csv(data=file.read_bytes(), dry_run=dry_run)
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(result.errors)} error(s); nothing was written.")
        created, updated = ("would create", "would update") if dry_run else ("created", "updated")
        for level in ("province", "commune", "village"):
            self.stdout.write(f"{level}: {created} {result.created[level]}, {updated} {result.updated[level]}")
