import time

from django.core.management.base import BaseCommand, CommandError

from synthetic import rates as R
from synthetic.progress import TextProgress
from synthetic.report import stored_rates
from synthetic.service import synthetic_province_build


class Command(BaseCommand):
    help = (
        "Generate the synthetic province (Tỉnh Lâm Sơn, code 90) and write it into the database, replacing the "
        "synthetic households already there; --report prints the stored rates by list year and ethnicity."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, help="number of households (e.g. 20000, 1000000)")
        parser.add_argument("--seed", type=int, default=1, help="the seed (the same seed gives the same province)")
        parser.add_argument("--report", action="store_true", help="print the rates of the stored synthetic province")
        parser.add_argument(
            "--workers", type=int, default=1, help="processes generating the communes (same result; default 1)"
        )
        parser.add_argument(
            "--max-loans",
            type=int,
            default=None,
            help="write at most this many of the planned loans (default: all, about 290,000 for a million "
            "households, written by the credit app's bulk writer; 0: none)",
        )

    def handle(
        self, *args, households: int | None, seed: int, report: bool, workers: int, max_loans: int | None, **options
    ):
        if households is None and not report:
            raise CommandError("give --households N (and --seed S), or --report")
        if households is not None:
            if households < 1:
                raise CommandError("--households must be at least 1")
            started = time.perf_counter()
            progress = TextProgress(self.stdout)
            try:
                result = synthetic_province_build(
                    households=households, seed=seed, progress=progress, workers=max(workers, 1), max_loans=max_loans
                )
            except RuntimeError as exc:
                raise CommandError(str(exc)) from exc
            seconds = time.perf_counter() - started
            rows = result.households + result.members + result.reviews
            planned = result.run.counts.get("loans_planned", 0)
            loans = f"{planned:,} planned, " + ("none written" if result.loans is None else f"{result.loans:,} written")
            self.stdout.write(
                f"[synth] {result.households:,} households, {result.members:,} members, {result.reviews:,} "
                f"recognised reviews; loans: {loans}.\n"
                f"[synth] {seconds:.1f} s in all ({rows / max(seconds, 1e-9):,.0f} rows/s); steps: {result.seconds}\n"
                f"[synth] seed {seed}, digest {result.run.digest[:16]}…"
            )
        if report:
            table = stored_rates()
            if not table:
                self.stdout.write("[synth] no synthetic province in the database: run synth --households N first")
                return
            self.stdout.write(R.format_table(table))
            years = sorted(table["all"])[2:]
            pooled = ", ".join(
                f"{group} {R.pooled_fell_back_rate(table[group], years) * 100:.2f} %" for group in R.GROUPS
            )
            self.stdout.write(f"fell back over the escaped pool, list years {years[0]}-{years[-1]} pooled: {pooled}")
