"""Run the benchmarks: ``python -m bench [name ...]`` (``make bench`` starts PostgreSQL and Redis first)."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

OUT = Path(settings.VAR_DIR) / "bench"


def discover() -> list[str]:
    import bench

    return sorted(m.name[len("bench_") :] for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    names = argv or discover()
    OUT.mkdir(parents=True, exist_ok=True)
    summary = {
        "started": datetime.now(UTC).isoformat(),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "database": connection.vendor,
        "results": {},
    }
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"[bench] {name}…", flush=True)
        started = time.perf_counter()
        figures = module.run()
        record = {
            "name": name,
            "budget": getattr(module, "BUDGET", None),
            "figures": figures,
            "total_seconds": round(time.perf_counter() - started, 3),
            "database": connection.vendor,
            "at": datetime.now(UTC).isoformat(),
        }
        (OUT / f"{name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
        summary["results"][name] = record
        print(json.dumps(record, indent=2, ensure_ascii=False), flush=True)
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"[bench] written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
