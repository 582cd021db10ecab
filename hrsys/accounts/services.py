"""Writes on users and departments (R-SEC-1, R-SEC-3)."""

from django.db import transaction

from hrsys.audit.services import audit_record, diff_fields, snapshot

from .models import Department, User

USER_AUDITED_FIELDS = ("username", "full_name", "email", "role", "phone", "is_active", "preferred_language")


@transaction.atomic
def department_create(*, actor, name: str, code: str, parent: Department | None = None,
                      kind: str = Department.Kind.DEPARTMENT) -> Department:
    dept = Department.objects.create(name=name, code=code, parent=parent, kind=kind)
    audit_record(actor=actor, action="department.create", obj=dept,
                 changes={"name": [None, name], "parent": [None, parent.pk if parent else None]})
    return dept


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

