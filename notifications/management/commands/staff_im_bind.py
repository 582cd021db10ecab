"""``manage.py staff_im_bind [--provider wecom|dingtalk] [--user USERNAME ...]``: bind active staff users to their
WeCom / DingTalk accounts by mobile number (R-CN-2). One line per user: bound, not found, no mobile number or
failed -- by username, never the phone number."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hrsys.accounts.models import User
from notifications import staff_im


class Command(BaseCommand):
    help = "Bind staff users to WeCom / DingTalk by their mobile number."

    def add_arguments(self, parser):
        parser.add_argument("--provider", choices=staff_im.PROVIDERS, action="append",
                            help="wecom or dingtalk (default: every provider that is configured)")
        parser.add_argument("--user", action="append", default=[], help="only this username (repeatable)")

    def handle(self, *args, provider=None, user=(), **options):
        providers = provider or staff_im.configured_providers()
        missing = [p for p in providers if not staff_im.configured(p)]
        if missing or not providers:
            raise CommandError(f"not configured: {', '.join(missing) or 'WeCom and DingTalk'} "
                               "(set WECOM_* / DINGTALK_*)")
        users = User.objects.filter(is_active=True).order_by("username")
        if user:
            users = users.filter(username__in=user)
        totals: dict[str, int] = {}
        for person in users:
            for name in providers:
                try:
                    outcome = staff_im.staff_im_bind(user=person, provider=name, actor="staff_im_bind")
                except ValidationError as exc:
                    outcome = "failed"
                    self.stderr.write(f"{person.username} {name}: {' '.join(exc.messages)}")
                totals[outcome] = totals.get(outcome, 0) + 1
                self.stdout.write(f"{person.username} {name}: {outcome.replace('_', ' ')}")
        self.stdout.write(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in sorted(totals.items())) or "no users")
