from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from hrsys.core.admin_mixins import ScopedAdmin

from .models import Department, User


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin):
    log_access = False  # the tree of units, no personal data; scoped so no one browses another organisation
    list_display = ("indented_name", "code", "kind")
    search_fields = ("name", "code")
    list_filter = ("kind",)

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
