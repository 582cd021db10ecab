"""Demo set-up for offers and onboarding (R-OFFER-1..3, R-ONB-1, R-ONB-2, R-HOSP-1): an offer template and a
pay band per organization and a clinical checklist with the licence registration. The offers themselves -- drafts,
offers waiting for the hiring manager, sent, accepted, declined -- are made by the demo story
(``hrsys.core.demo_story``) through the services, as HR, the approvers and the candidates would. Idempotent.
"""

import struct
import zlib
from decimal import Decimal

from hrsys.accounts.models import Department

from .models import ChecklistTemplate, ChecklistTemplateItem, OfferTemplate, OwnerRole, PayBand

ACTOR = "seed_demo"
HR_USERNAME = "director"  # the HR director drafts: every organization's applications are in scope
#: organization code -> (offer template name, job level, band minimum, midpoint, maximum)
ORGANIZATIONS = {
    "hospital": ("医院标准录用模板", "N1", 8000, 10000, 13000),
    "company": ("公司标准录用模板", "P5", 15000, 20000, 26000),
}
STAGES = ["draft", "pending_approval", "sent", "accepted"]
MAX_OFFERS = 12
DEMO_NOTE = "演示数据"


def signature_png(width: int = 120, height: int = 40) -> bytes:
    """A plain handwritten-signature stand-in: a valid RGB PNG (the letter embeds it)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = []
    for y in range(height):
        line = bytearray(b"\xff\xff\xff" * width)
        for x in range(8, width - 8):
            if abs((y - height // 2) - int(6 * ((x // 7) % 3 - 1))) < 2:  # a zig-zag stroke
                line[3 * x:3 * x + 3] = b"\x10\x20\x60"
        rows.append(b"\x00" + bytes(line))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def _setup() -> dict:
    made = {"templates": 0, "bands": 0, "checklists": 0}
    for code, (name, level, low, mid, high) in ORGANIZATIONS.items():
        org = Department.objects.filter(code=code).first()
        if org is None:
            continue
        _tpl, created = OfferTemplate.objects.get_or_create(
            name=name, defaults={"department": org, "job_level": level, "probation_months": 3, "validity_days": 7})
        made["templates"] += created
        _band, created = PayBand.objects.get_or_create(department=org, job_level=level, defaults={
            "minimum": Decimal(low), "midpoint": Decimal(mid), "maximum": Decimal(high)})
        made["bands"] += created
    hospital = Department.objects.filter(code="hospital").first()
    if hospital is not None and not ChecklistTemplate.objects.filter(department=hospital).exists():
        template = ChecklistTemplate.objects.create(name="医院新员工入职", department=hospital)
        for order, (category, title, owner, due_days, clinical) in enumerate([
                ("documents", "学历、学位证书原件及复印件", OwnerRole.CANDIDATE, -3, False),
                ("documents", "入职体检报告", OwnerRole.CANDIDATE, -3, False),
                ("accounts", "开通 HIS 与电子病历账号", OwnerRole.IT, -1, False),
                ("equipment", "工牌、工作服与更衣柜", OwnerRole.MANAGER, 0, False),
                ("training", "院感与消防安全岗前培训", OwnerRole.HR, 5, False),
                ("licence", "护士/医师执业注册变更至本院", OwnerRole.HR, 30, True)], start=1):
            ChecklistTemplateItem.objects.create(template=template, category=category, title=title,
                                                 owner_role=owner, due_days=due_days, clinical_only=clinical,
                                                 order=order)
        made["checklists"] += 1
    return made


def seed(stdout=None, **options) -> dict:
    return _setup()
