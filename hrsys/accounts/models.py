from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from hrsys.accounts.scope import ScopedQuerySet
from hrsys.crypto.fields import BlindIndexField, EncryptedTextField, normalize_phone


class Department(models.Model):
    """An organisation unit; a tree (hospital -> department -> ward).

    ``path`` is a materialised path ("/1/4/") so "this department and everything
    under it" is one indexed prefix query, not a recursive walk.
    """

    class Kind(models.TextChoices):
        ORGANIZATION = "organization", _("Organization (hospital / company)")
        DEPARTMENT = "department", _("Department")

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    objects = ScopedQuerySet.as_manager()
    scope_path = ""  # a department is its own anchor: staff see theirs and everything below

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        expected = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if self.path != expected:
            old = self.path
            self.path = expected
            type(self).objects.filter(pk=self.pk).update(path=expected)
            if old:  # moved: re-root the subtree
                for child in type(self).objects.filter(path__startswith=old).exclude(pk=self.pk):
                    child.path = expected + child.path[len(old):]
                    type(self).objects.filter(pk=child.pk).update(path=child.path)

    @property
    def organization_pk(self) -> int:
        """The id of the top of this department's tree (the hospital or the company), read from the path."""
        return self.organization_pk_of(self.path) or self.pk

    @staticmethod
    def organization_pk_of(path: str) -> int | None:
        """The organisation's id in a materialised path ("/1/4/" -> 1); None for an empty path."""
        return int(path.strip("/").split("/")[0]) if path.strip("/") else None

    def organization(self) -> "Department":
        """The top of this department's tree: the hospital or the company (one query, from the path)."""
        root_id = self.organization_pk
        return self if root_id == self.pk else type(self).objects.get(pk=root_id)


class Role(models.TextChoices):
    HR_STAFF = "hr_staff", _("HR staff")
    HR_DIRECTOR = "hr_director", _("HR director")
    MANAGER = "manager", _("Department / hiring manager")
    INTERVIEWER = "interviewer", _("Interviewer")
    SYSADMIN = "sysadmin", _("System administrator")


class StaffManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """Staff user. Candidates never get one: they use the passwordless portal."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.INTERVIEWER)
    departments = models.ManyToManyField(
        Department,
        verbose_name=_("departments"),
        blank=True,
        related_name="members",
        help_text=_("Data scope: the user sees these departments and everything under them."),
    )
    phone = EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_index = BlindIndexField(source="phone", normalizer=normalize_phone)
    preferred_language = models.CharField(_("language"), max_length=10, default="zh-hans")

    objects = StaffManager()

    # Data scope: managers and HR staff see colleagues of their departments; everyone sees themselves.
    scope_path = "departments"
    scope_owner = "pk"

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role in (Role.HR_DIRECTOR, Role.SYSADMIN)


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords, so a new one cannot repeat them (R-SEC-9). Written by
    ``hrsys.accounts.passwords.PasswordHistoryValidator.password_changed``; only the newest few are kept."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(_("password"), max_length=128)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.user_id} @ {self.at:%Y-%m-%d}"
