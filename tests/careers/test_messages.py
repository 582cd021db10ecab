"""The confirmation an applicant receives (R-PIPE-8, R-PORTAL-1, R-NS-4): by SMS and e-mail, in their language, with a
personal link that opens the candidate portal; "already applied" when an application for the job is open."""

import re

import pytest
from django.conf import settings
from django.test import Client

from careers import services
from notifications.catalog import TEMPLATE_KEYS, sample_context
from notifications.models import Notification
from notifications.rendering import render_message
from tests.candidates.factories import ApplicationFactory, CandidateFactory
from tests.careers.conftest import submit_kwargs

pytestmark = pytest.mark.django_db

KEYS = ("careers_application_received", "careers_application_exists")
#: Links in messages are tracked (``/l/<token>``, R-NS-4) and lead on to the signed portal link.
LINK = re.compile(r"https?://[^\s/]+/l/[\w-]+")
CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_r_pipe_8_the_texts_read_right_in_both_languages_with_the_portal_link(key, language, channel):
    assert key in TEMPLATE_KEYS
    context = {k: v for k, v in sample_context(language).items() if k in TEMPLATE_KEYS[key]["variables"]}
    subject, body, _html = render_message(key=key, language=language, channel=channel, context=context)
    assert context["portal_url"] in body and "市第一人民医院" in body and "急诊科护士" in f"{subject} {body}"
    if language == "en":
        rest = body.replace(context["recipient_name"], "").replace("市第一人民医院", "").replace("急诊科护士", "")
        rest = rest.replace("急诊科", "")
        assert not CJK.search(rest), body
        assert body.startswith("Dear ")
    else:
        assert "您好" in body


def _sent(candidate_id, channel) -> Notification:
    return Notification.objects.get(recipient_id=str(candidate_id), channel=channel)


def test_r_pipe_8_the_confirmation_carries_a_link_that_opens_the_portal(nurse_job, resume_pdf):
    result = services.application_submit(**submit_kwargs(nurse_job, resume_pdf))
    sms, email = _sent(result.candidate_id, "sms"), _sent(result.candidate_id, "email")
    assert sms.language == "zh-hans" and "已收到您应聘" in sms.body and "急诊科护士" in sms.body
    assert sms.recipient_phone == "+8613912345678" and email.recipient_email == "xiaohong.li@example.cn"
    sms_link, email_link = LINK.search(sms.body).group(0), LINK.search(email.body).group(0)
    assert sms_link.startswith(settings.PUBLIC_BASE_URL) and sms_link != email_link  # each link is used once
    client = Client()
    tracked = client.get(sms_link.removeprefix(settings.PUBLIC_BASE_URL))
    assert tracked.status_code == 302 and "/portal/l/" in tracked["Location"]
    opened = client.get(tracked["Location"].removeprefix(settings.PUBLIC_BASE_URL))
    assert opened.status_code == 302
    home = client.get(opened["Location"]).content.decode()
    assert "急诊科护士" in home  # the new application in the candidate's own portal


def test_r_pipe_8_an_applicant_in_english_is_answered_in_english(nurse_job, resume_pdf):
    result = services.application_submit(**submit_kwargs(nurse_job, resume_pdf, language="en"))
    email = _sent(result.candidate_id, "email")
    assert email.language == "en" and email.subject.startswith("Application received")
    assert "candidate portal" in email.body and LINK.search(email.body)


def test_r_pipe_8_already_applied_is_said_to_the_stored_contact_with_the_portal_link(nurse_job, resume_pdf):
    known = CandidateFactory(phone="+8613912345678", email="old@example.org")
    ApplicationFactory(candidate=known, job=nurse_job)
    services.application_submit(**submit_kwargs(nurse_job, resume_pdf, email="new@example.org"))
    email = _sent(known.pk, "email")
    assert email.template_key == "careers_application_exists" and email.recipient_email == "old@example.org"
    assert "无需重复提交" in email.body and LINK.search(email.body)
    assert all(n.recipient_email != "new@example.org" for n in Notification.objects.all())  # never the typed one


def test_r_pipe_8_without_an_email_address_only_the_sms_goes(office_job, resume_pdf):
    result = services.application_submit(**submit_kwargs(office_job, resume_pdf, email="", licences={}))
    assert list(Notification.objects.filter(recipient_id=str(result.candidate_id))
                .values_list("channel", flat=True)) == ["sms"]
