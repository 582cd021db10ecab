"""Writes on users and departments (R-SEC-1, R-SEC-3)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hrsys.audit.services import audit_record, diff_fields, snapshot
from hrsys.core.actors import require_perm, staff_user
from hrsys.core.config import apply_changes, config_save, locked_for, visible_or_invalid

from .models import Department, User
from .scope import forget_cached_scope

USER_AUDITED_FIELDS = ("username", "full_name", "email", "role", "phone", "is_active", "preferred_language")


DEPARTMENT_FIELDS = ("name", "code", "kind", "parent")


def department_tree_rules(dept: Department) -> None:
    """An organisation (hospital, company) is the top of its tree; a department hangs under a parent, never
    under itself or one of its own sub-departments."""
    if dept.kind == Department.Kind.ORGANIZATION and dept.parent_id is not None:
        raise ValidationError({"parent_id": [_("A hospital or company has no parent.")]})
    if dept.kind != Department.Kind.ORGANIZATION and dept.parent_id is None:
        raise ValidationError({"parent_id": [_("A department needs a parent.")]})
    if dept.pk is not None and dept.parent_id is not None and dept.path and \
            dept.parent.path.startswith(dept.path):
        raise ValidationError({"parent_id": [_("A department cannot move under itself or its own sub-departments.")]})


def _saved_department(dept: Department, *, actor, action: str, before: dict | None) -> Department:
    department_tree_rules(dept)
    user = staff_user(actor)
    if user is not None:
        forget_cached_scope(user)  # the new or moved department must be looked up afresh in the scope check
    return config_save(dept, actor=actor, action=action, fields=DEPARTMENT_FIELDS, before=before,
                       scope_field="parent_id", exclude=["path"])


@transaction.atomic
def department_create(*, actor, name: str, code: str, parent_id: int | None = None,
                      kind: str = Department.Kind.DEPARTMENT) -> Department:
    """A new organisation or department (R-INT-4): a staff actor only under a department they may see."""
    require_perm(actor, "accounts.add_department")
    parent = visible_or_invalid(Department, actor, parent_id, field="parent_id") if parent_id is not None else None
    dept = Department(name=name, code=code, parent=parent, kind=kind)
    return _saved_department(dept, actor=actor, action="department.create", before=None)


@transaction.atomic
def department_update(*, actor, department_id: int, **changes) -> Department:
    """Rename, re-code or move a department with its subtree (R-INT-4); the data scope follows the move."""
    require_perm(actor, "accounts.change_department")
    dept = locked_for(Department, actor, department_id)
    before = snapshot(dept, DEPARTMENT_FIELDS)
    if changes.get("parent_id") is not None:
        changes["parent"] = visible_or_invalid(Department, actor, changes.pop("parent_id"), field="parent_id")
    elif "parent_id" in changes:
        changes["parent"] = changes.pop("parent_id")
    apply_changes(dept, changes, allowed=DEPARTMENT_FIELDS)
    return _saved_department(dept, actor=actor, action="department.update", before=before)


@transaction.atomic
def user_create(*, actor, username: str, password: str | None, role: str, full_name: str = "",
                email: str = "", phone: str = "", departments=(), preferred_language: str = "zh-hans") -> User:
    user = User(username=username, role=role, full_name=full_name, email=email, phone=phone,
                is_staff=True, preferred_language=preferred_language)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.departments.set(departments)
    audit_record(actor=actor, action="user.create", obj=user,
                 changes=diff_fields({}, {**snapshot(user, USER_AUDITED_FIELDS),
                                          "departments": sorted(d.pk for d in departments)}, model=User))
    return user


@transaction.atomic
def user_update(*, actor, user_id: int, **changes) -> User:
    user = User.objects.select_for_update().get(pk=user_id)
    departments = changes.pop("departments", None)
    before = snapshot(user, USER_AUDITED_FIELDS)
    before_depts = sorted(user.departments.values_list("pk", flat=True))
    for name, value in changes.items():
        if name not in USER_AUDITED_FIELDS:
            raise ValueError(f"user_update cannot change {name!r}")
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    diff = diff_fields(before, snapshot(user, USER_AUDITED_FIELDS), model=User)
    if departments is not None:
        user.departments.set(departments)
        after_depts = sorted(d.pk for d in departments)
        if after_depts != before_depts:
            diff["departments"] = [before_depts, after_depts]
    if diff:
        audit_record(actor=actor, action="user.update", obj=user, changes=diff)
    return user

