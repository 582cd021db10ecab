"""Demo organisation and one user per role. Idempotent: existing rows are kept.

The demo users whose roles must sign in with two factors (R-SEC-9, ``STAFF_2FA_REQUIRED_ROLES``: by default
admin, HR director, HR staff) get an authenticator with one published key, ``DEMO_TOTP_KEY`` (README): add it to any authenticator app, or print the current code
with ``manage.py demo_totp``. A demo key is public by design; real users enrol their own.
"""

import base64

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Department, Role, User
from .services import department_create, user_create

DEMO_PASSWORD = "hrsys-demo-2026"
#: The demo authenticator key, base32 as an app takes it typed in (README "Demo logins").
DEMO_TOTP_KEY = "HRSYSDEMOTOTPKEYFORLOCALUSE23456"
ACTOR = "seed_demo"

DEPARTMENTS = [
    # code, name, parent code, kind
    ("hospital", "市第一人民医院", None, Department.Kind.ORGANIZATION),
    ("emergency", "急诊科", "hospital", Department.Kind.DEPARTMENT),
    ("nursing", "护理部", "hospital", Department.Kind.DEPARTMENT),
    ("it", "信息科", "hospital", Department.Kind.DEPARTMENT),
    ("hr", "人力资源部", "hospital", Department.Kind.DEPARTMENT),
    ("company", "星辰科技有限公司", None, Department.Kind.ORGANIZATION),
    ("rnd", "研发中心", "company", Department.Kind.DEPARTMENT),
]

USERS = [
    # username, full name, role, department codes, phone
    ("admin", "系统管理员", Role.SYSADMIN, [], "+8613800000001"),
    ("director", "王主任", Role.HR_DIRECTOR, ["hospital", "company"], "+8613800000002"),
    ("hr", "李敏", Role.HR_STAFF, ["hospital"], "+8613800000003"),
    ("hr_company", "陈静", Role.HR_STAFF, ["company"], "+8613800000004"),
    ("er_manager", "张伟", Role.MANAGER, ["emergency"], "+8613800000005"),
    ("nursing_manager", "刘芳", Role.MANAGER, ["nursing"], "+8613800000006"),
    ("it_manager", "赵强", Role.MANAGER, ["it"], "+8613800000007"),
    ("rnd_manager", "孙磊", Role.MANAGER, ["rnd"], "+8613800000008"),
    ("interviewer", "周医生", Role.INTERVIEWER, ["emergency"], "+8613800000009"),
]


def seed(stdout=None, **options) -> dict:
    created = {"departments": 0, "users": 0}
    by_code = {d.code: d for d in Department.objects.all()}
    for code, name, parent, kind in DEPARTMENTS:
        if code not in by_code:
            by_code[code] = department_create(actor=ACTOR, name=name, code=code, kind=kind,
                                               parent_id=by_code[parent].pk if parent else None)
            created["departments"] += 1
    existing = set(User.objects.values_list("username", flat=True))
    for username, full_name, role, codes, phone in USERS:
        if username in existing:
            continue
        user = user_create(actor=ACTOR, username=username, password=DEMO_PASSWORD, role=role, full_name=full_name,
                           email=f"{username}@hrsys.local", phone=phone,
                           departments=[by_code[c] for c in codes])
        if role == Role.SYSADMIN:
            User.objects.filter(pk=user.pk).update(is_superuser=True)
        created["users"] += 1
    demo_key = base64.b32decode(DEMO_TOTP_KEY).hex()
    for user in User.objects.filter(username__in=[u for u, _n, r, _d, _p in USERS if _needs_code(r)]):
        if not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name="demo", key=demo_key, confirmed=True)
            created["authenticators"] = created.get("authenticators", 0) + 1
    return created


def _needs_code(role: str) -> bool:
    return role in settings.STAFF_2FA_REQUIRED_ROLES


def logins() -> list[tuple[str, str, str]]:
    return [(u, DEMO_PASSWORD, str(Role(r).label) + (" + code" if _needs_code(r) else ""))
            for u, _, r, _, _ in USERS]
