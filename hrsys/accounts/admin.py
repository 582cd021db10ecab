from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from hrsys.core import context
from hrsys.core.admin_mixins import ScopedAdmin

from . import services, twofactor
from .models import Department, User

# Second factors change only through hrsys.accounts.twofactor (enrolment by the user, an audited reset by a
# system administrator): django-otp's own device admins would show the secret keys and delete unaudited.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class TwoFactorResetForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("For example: lost phone, reported on the telephone on 3 May."))


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ("name", "code", "kind", "parent")

    def clean(self):
        data = super().clean()
        probe = Department(pk=self.instance.pk, path=self.instance.path, kind=data.get("kind"),
                           parent=data.get("parent"))
        try:
            services.department_tree_rules(probe)
        except ValidationError as exc:
            self.add_error("parent", exc.message_dict["parent_id"])
        return data


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin):
    form = DepartmentForm
    log_access = False  # the tree of units, no personal data; scoped so no one browses another organisation
    list_display = ("indented_name", "code", "kind")
    search_fields = ("name", "code")
    list_filter = ("kind",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":  # a parent the user may see, as the API allows
            kwargs["queryset"] = Department.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Through the services (tree rules, scope, audit), as the API writes (R-INT-4)."""
        fields = {"name": obj.name, "code": obj.code, "kind": obj.kind, "parent_id": obj.parent_id}
        if change:
            services.department_update(actor=request.user, department_id=obj.pk, **fields)
        else:
            obj.pk = services.department_create(actor=request.user, **fields).pk

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj):
        return "\u3000" * (obj.path.count("/") - 2) + obj.name


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    list_display = ("username", "full_name", "role", "email", "is_active")
    list_filter = ("role", "is_active", "departments")
    search_fields = ("username", "full_name", "email")
    filter_horizontal = ("departments", "groups", "user_permissions")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "email", "phone", "preferred_language")}),
        (_("Role and data scope"), {"fields": ("role", "departments", "is_active", "is_staff")}),
        (_("Sign-in"), {"fields": ("two_factor",)}),
        (_("Advanced"), {"classes": ("collapse",), "fields": ("is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "full_name", "role", "password1", "password2")}),
    )
    export_columns = (
        (_("username"), lambda u: u.username),
        (_("full name"), lambda u: u.full_name),
        (_("role"), lambda u: u.get_role_display()),
        (_("email"), lambda u: u.email),
        (_("departments"), lambda u: ", ".join(d.name for d in u.departments.all())),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("departments")

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "two_factor")

    @admin.display(description=_("Two-factor sign-in"))
    def two_factor(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        state = gettext("Set up") if twofactor.enrolled(obj) else gettext("Not set up")
        ctx = context.current()
        viewer = User.objects.filter(pk=ctx.user_id).first() if ctx and ctx.user_id else None
        if viewer is None or not twofactor.may_reset(viewer) or not TOTPDevice.objects.filter(user=obj).exists():
            return state
        return format_html('{} · <a href="{}" id="two-factor-reset">{}</a>', state,
                           reverse("admin:accounts_user_two_factor_reset", args=[obj.pk]), gettext("Reset"))

    def get_urls(self):
        return [path("<int:pk>/two-factor-reset/", self.admin_site.admin_view(self.two_factor_reset_view),
                     name="accounts_user_two_factor_reset"), *super().get_urls()]

    def two_factor_reset_view(self, request, pk: int):
        """R-SEC-9: a system administrator resets a user's second factor, with a reason; audited."""
        if not twofactor.may_reset(request.user):
            raise PermissionDenied
        user = self.get_object(request, str(pk))  # scoped: 404 outside the viewer's scope
        if user is None:
            raise Http404
        form = TwoFactorResetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                twofactor.two_factor_reset(actor=request.user, user_id=user.pk, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error("reason", exc.message_dict.get("reason"))
            else:
                self.message_user(request, gettext("Two-factor sign-in of %(user)s was reset. They set it up again "
                                                   "at their next sign-in.") % {"user": user}, messages.SUCCESS)
                return redirect("admin:accounts_user_change", user.pk)
        context = {**self.admin_site.each_context(request), "title": gettext("Reset two-factor sign-in"),
                   "opts": self.opts, "original": user, "form": form}
        return TemplateResponse(request, "accounts/two_factor_reset.html", context,
                                status=400 if form.errors else 200)
