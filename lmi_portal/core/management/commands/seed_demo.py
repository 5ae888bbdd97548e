from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from lmi_portal.core.registry import demo_seeders


class Command(BaseCommand):
    help = "Load the demo network (idempotent: running it twice changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        data: dict[str, Any] = {}
        with transaction.atomic():
            for key, seeder in demo_seeders.items():
                seeder(data)
                self.stdout.write(f"  demo data: {key}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        if options["verbosity"] >= 1 and data.get("logins"):
            self.stdout.write(f"\nDemo logins (password: {data.get('password', '?')}):")
            for email, role in data["logins"]:
                self.stdout.write(f"  {email:34} {role}")
            self.stdout.write(
                "Admin and programme manager use TOTP; secret for your authenticator app: "
                f"{data.get('totp_secret', '?')}"
            )
