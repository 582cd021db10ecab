from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hrsys.core.admin_mixins import ScopedAdmin

from . import services
from .models import Department, User


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
