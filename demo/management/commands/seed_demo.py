"""Load the demo data of every app, in dependency order, then the demo story: a year and a half of hiring
written through the services at the time it happened (``demo.story``). Idempotent.

Each app that has demo set-up provides ``<app>/demo.py`` with ``seed(stdout=..., **options)``.
``--scale N`` is passed on: the pipeline generates N extra applications for benchmarks.
"""

import importlib
import time

from django.core.management.base import BaseCommand

from hrsys.accounts.demo import DEMO_TOTP_KEY, logins

SEED_ORDER = [
    "hrsys.accounts", "candidates", "notifications", "interviews.ai", "onboarding", "attendance", "story", "dashboard",
    "careers",
]


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=0, help="also generate N applications (benchmarks)")
        parser.add_argument("--quiet-logins", action="store_true")
        parser.add_argument("--story", choices=["full", "small"], default="full",
                            help="small: a few dozen candidates (a world for tests), not a year of figures")

    def handle(self, *args, scale, quiet_logins, story, **options):
        started = time.monotonic()
        for module_name in SEED_ORDER:
            if module_name == "story":
                # the apps' set-up above runs without time-machine, as it always has
                from demo import story as demo_story  # noqa: PLC0415 - optional: the story needs time-machine ([dev])

                self.stdout.write(f"demo story: {demo_story.seed(stdout=self.stdout, size=story)}")
                continue
            try:
                module = importlib.import_module(f"{module_name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{module_name}.demo":
                    raise
                continue
            result = module.seed(stdout=self.stdout, scale=scale)
            self.stdout.write(f"demo {module_name}: {result}")
        self.stdout.write(f"demo data ready in {time.monotonic() - started:.0f} s")
        if not quiet_logins:
            self.stdout.write("\nDemo logins (http://127.0.0.1:8000/admin/):")
            for username, password, role in logins():
                self.stdout.write(f"  {username:<16} {password:<18} {role}")
            self.stdout.write(f"  code: the 6 digits of `manage.py demo_totp`, or an authenticator app with the key "
                              f"{DEMO_TOTP_KEY}")
