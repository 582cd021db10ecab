"""``manage.py demo_totp``: the current sign-in code of the demo authenticator (R-SEC-9), for the demo users
admin, director, hr and hr_company. It knows only the published demo key (``hrsys.accounts.demo``), so it
tells nothing about a real user's authenticator."""

import base64

from django.core.management.base import BaseCommand
from django_otp.oath import totp

from hrsys.accounts.demo import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current 6-digit code of the demo authenticator (demo users admin, director, hr, hr_company)."

    def handle(self, *args, **options):
        self.stdout.write(f"{totp(base64.b32decode(DEMO_TOTP_KEY)):06d}")
