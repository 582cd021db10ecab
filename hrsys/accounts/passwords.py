"""Password policy for staff (R-SEC-9, MLPS level 3), as Django password validators (AUTH_PASSWORD_VALIDATORS):
length is Django's ``MinimumLengthValidator`` (PASSWORD_MIN_LENGTH); here complexity and no reuse."""

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import PasswordHistory

KINDS_REQUIRED = 3


def _kinds(password: str) -> int:
    return sum((
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() or c in string.punctuation for c in password),
    ))


class ComplexityValidator:
    """At least three of: upper-case letters, lower-case letters, digits, symbols (a space counts as a symbol)."""

    def validate(self, password, user=None):
        if _kinds(password) < KINDS_REQUIRED:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _("Your password must contain at least three of these: upper-case letters, lower-case letters, "
                 "digits, symbols.")


class PasswordHistoryValidator:
    """Not the current password nor one of the ``history`` before it. Django calls ``password_changed`` when a
    user with a new password is saved; that is where the hash is kept (and older ones dropped)."""

    def __init__(self, history: int = 5):
        self.history = history

    def _recent(self, user):
        return PasswordHistory.objects.filter(user=user).order_by("-at", "-id")[: self.history]

    def validate(self, password, user=None):
        if user is None or user.pk is None or self.history <= 0:
            return
        if any(check_password(password, row.password) for row in self._recent(user)):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password, user=None):
        if user is None or user.pk is None or self.history <= 0 or not user.has_usable_password():
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = list(self._recent(user).values_list("pk", flat=True))
        PasswordHistory.objects.filter(user=user).exclude(pk__in=keep).delete()

    def get_help_text(self):
        return ngettext("Your password must differ from your last password.",
                        "Your password must differ from your last %(count)d passwords.",
                        self.history) % {"count": self.history}
