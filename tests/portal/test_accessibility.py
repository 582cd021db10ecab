"""The portal's pages for people who use a keyboard, a screen reader or a small phone (issue 15 point 10, WCAG 2.1 AA;
R-PORTAL-4). The same pages are checked by axe-core and by hand in tests/browser/test_portal_accessibility.py."""

import datetime
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from interviews.models import Interview
from portal import access
from tests.candidates.factories import CandidateFactory
from tests.onboarding.factories import band, interviewing_app, sent_offer
from tests.portal.test_access import signed_in
from tests.portal.test_pages import accept_offer

pytestmark = pytest.mark.django_db
CSS = (Path(__file__).resolve().parents[2] / "static" / "portal" / "portal.css").read_text()


@pytest.fixture
def app(org):
    band(org.emergency)
    return interviewing_app(org.emergency)


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def test_r_portal_4_every_signed_in_page_has_its_own_title(users, app):
    """WCAG 2.4.2: the title names the page first (tabs, history, screen readers), then the portal."""
    offer = sent_offer(users, app)
    start = timezone.now() + datetime.timedelta(days=3)
    iv = Interview.objects.create(application=app, starts_at=start, ends_at=start + datetime.timedelta(hours=1),
                                  state="scheduled")
    client = signed_in(app.candidate)
    urls = ["/portal/", f"/portal/interviews/{iv.pk}/", f"/portal/interviews/{iv.pk}/reschedule/",
            f"/portal/offers/{offer.pk}/", f"/portal/applications/{app.pk}/withdraw/", "/portal/onboarding/",
            "/portal/privacy/"]
    titles = {url: _title(client.get(url).content.decode()) for url in urls}
    assert len(set(titles.values())) == len(urls), titles
    assert all(t.endswith("候选人门户") and t != "候选人门户" for t in titles.values()), titles
    assert app.job.title in titles[f"/portal/offers/{offer.pk}/"]


def test_r_portal_4_a_refused_form_says_so_in_the_title(users, app):
    offer = sent_offer(users, app)
    client = signed_in(app.candidate)
    html = client.post(f"/portal/offers/{offer.pk}/sign/", {"typed_name": ""}).content.decode()
    assert _title(html).startswith("请检查")


def test_r_portal_4_send_code_lands_in_the_code_field(db):
    CandidateFactory(phone="+8613800007777")
    html = Client().post("/portal/login/", {"step": "request", "identifier": "13800007777"}).content.decode()
    field = re.search(r"<input id=\"code\"[^>]*>", html).group(0)
    assert "autofocus" in field and 'aria-describedby="code-sent"' in field and 'id="code-sent"' in html


def test_r_portal_4_a_wrong_code_stays_in_the_field_marked_invalid(db):
    CandidateFactory(phone="+8613800008888")
    client = Client()
    code = access.code_request(identifier="13800008888")
    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/portal/login/", {"step": "verify", "identifier": "13800008888", "code": wrong})
    assert response.status_code == 400
    html = response.content.decode()
    field = re.search(r"<input id=\"code\"[^>]*>", html).group(0)
    assert f'value="{wrong}"' in field  # kept, to be corrected
    assert 'aria-invalid="true"' in field and 'aria-describedby="code-error"' in field and "autofocus" in field
    message = re.search(r'<p class="field-error" id="code-error"[^>]*>(.*?)</p>', html).group(1)
    assert "4" in message  # "The code is not right. 4 tries left." beside the field it is about


def test_r_portal_4_a_refused_identifier_is_marked_beside_the_field(db):
    html = Client().post("/portal/login/", {"step": "request", "identifier": ""}).content.decode()
    field = re.search(r"<input id=\"identifier\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="identifier-error"' in field
    assert 'id="identifier-error"' in html


def test_r_portal_4_onboarding_form_lets_the_browser_fill_what_it_may(users, app):
    """WCAG 1.3.5: the address is a street-address, the emergency contact a name and tel of its own section;
    only the numbers without an autofill purpose (bank account, social insurance, housing fund) stay off."""
    accept_offer(users, app)
    html = signed_in(app.candidate).get("/portal/onboarding/").content.decode()
    tokens = dict(re.findall(r'<input id="id_(\w+)"[^>]*autocomplete="([^"]+)"', html))
    assert tokens["address"] == "street-address"
    assert tokens["emergency_contact_name"] == "section-emergency name"
    assert tokens["emergency_contact_phone"] == "section-emergency tel"
    assert {n for n, t in tokens.items() if t == "off"} == {"social_insurance_number", "housing_fund_number",
                                                            "bank_name", "bank_account"}
    assert re.search(r'<input id="id_bank_account"[^>]*inputmode="numeric"', html)


def test_r_portal_4_signature_box_explains_its_keyboard_alternative(users, app):
    offer = sent_offer(users, app)
    html = signed_in(app.candidate).get(f"/portal/offers/{offer.pk}/").content.decode()
    fieldset = re.search(r'<fieldset class="signature-field[^>]*>', html).group(0)
    assert 'aria-describedby="signature-hint"' in fieldset
    hint = re.search(r'<p class="hint" id="signature-hint">(.*?)</p>', html).group(1)
    assert "键盘" in hint and "用输入的姓名签名" in hint
    assert 'id="signature-typed"' in html and ">用输入的姓名签名</button>" in html  # the alternative itself
    canvas = re.search(r"<canvas[^>]*>", html).group(0)
    assert 'role="img"' in canvas and 'aria-label="签名框：空白"' in canvas and "tabindex" not in canvas
    assert re.search(r'<button type="button" class="secondary" id="signature-clear">清除签名</button>', html)


def test_r_portal_4_an_offer_sent_without_signature_says_so_beside_the_box(users, app):
    """Without JavaScript (or past it) the server's answer names the missing signature beside the box and keeps
    the typed name."""
    offer = sent_offer(users, app)
    client = signed_in(app.candidate)
    response = client.post(f"/portal/offers/{offer.pk}/sign/", {"typed_name": app.candidate.name,
                                                                "accept_terms": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(r'<p class="field-error" id="signature-error"([^>]*)>(.*?)</p>', html)
    assert "hidden" not in error.group(1) and "请签名" in error.group(2)
    assert 'aria-describedby="signature-hint signature-error"' in html
    assert re.search(r'<input id="typed_name"[^>]*value="' + re.escape(app.candidate.name) + '"', html)
    offer.refresh_from_db()
    assert offer.state == "sent"


def test_r_portal_4_small_targets_are_44_px():
    """WCAG 2.5.5 (AAA, asked for here): Back links and the signature buttons are at least 44 x 44 CSS px and
    the buttons stand apart from the box."""
    assert re.search(r"a\.back\{[^}]*min-height:44px;min-width:44px", CSS)
    assert re.search(r"button,\.button\{[^}]*min-height:44px", CSS)
    assert re.search(r"\.signature-actions\{[^}]*gap:8px 12px;margin-top:16px", CSS)


def test_r_portal_4_back_links_use_the_target_class(users, app):
    offer = sent_offer(users, app)
    client = signed_in(app.candidate)
    for url in (f"/portal/offers/{offer.pk}/", f"/portal/applications/{app.pk}/withdraw/"):
        html = client.get(url).content.decode()
        assert '<a class="back" href="/portal/">' in html, url
