from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lmi_portal.core.registry import scale_seeders


class Command(BaseCommand):
    help = "Add the scale data set for benchmarks (sizes are totals; rerunning tops up)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisations", type=int, default=1000)
        parser.add_argument("--people", type=int, default=25000)
        parser.add_argument("--initiatives", type=int, default=10000)
        parser.add_argument("--ties", type=int, default=100000)
        # By default five knowledge items per initiative: 50,000.
        parser.add_argument("--knowledge", type=int, default=None)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        data: dict[str, Any] = {
            "n_organisations": options["organisations"],
            "n_people": options["people"],
            "n_initiatives": options["initiatives"],
            "n_ties": options["ties"],
            "n_knowledge": options["knowledge"],
            "seed": options["seed"],
        }
        for key, seeder in scale_seeders.items():
            started = time.monotonic()
            seeder(data)
            self.stdout.write(f"  scale data: {key} ({time.monotonic() - started:.1f}s)")
        self.stdout.write(self.style.SUCCESS("Scale data set ready."))
