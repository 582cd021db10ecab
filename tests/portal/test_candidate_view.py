"""The portal as the candidate reads it (issue 15 point 6; R-PORTAL-2, R-PORTAL-3, R-PORTAL-4): statuses in the
candidate's words, a language switch on every page, onboarding data asked only after an offer is accepted, a
consent banner that follows the recorded version, a decline control that looks like one."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone, translation

from candidates.models import State, TransitionLog
from interviews.models import Interview
from interviews.models import State as InterviewState
from onboarding.models import CandidateDocument, OfferState, OnboardingInfo
from portal import labels
from tests.candidates.factories import ApplicationFactory
from tests.onboarding.factories import PNG, band, interviewing_app, sent_offer
from tests.portal.test_access import signed_in
from tests.portal.test_pages import accept_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(org):
    band(org.emergency)
    return interviewing_app(org.emergency)


def _interview(app, state="scheduled"):
    start = timezone.now() + datetime.timedelta(days=3)
    return Interview.objects.create(application=app, starts_at=start, ends_at=start + datetime.timedelta(hours=1),
                                    state=state)


def _staff_label(choices, value, language):
    with translation.override(language):
        return str(dict(choices)[value])


# -- statuses written for the candidate ------------------------------------------------------------------------

@pytest.mark.parametrize(("language", "offer_words", "interview_words", "ai_words"), [
    ("zh-hans", "待您答复", "待您确认", "AI 面试已完成，评估中"),
    ("en", "Waiting for your answer", "Please confirm", "AI interview done, being assessed"),
])
def test_r_portal_4_statuses_in_the_candidates_words(users, org, language, offer_words, interview_words, ai_words):
    """HR's words ("Sent to the candidate", "AI result under HR review") never reach the candidate: the offer
    waits for *their* answer, the interview for *their* confirmation, the AI step is one "being assessed"."""
    band(org.emergency)
    offered = interviewing_app(org.emergency)
    offer = sent_offer(users, offered)
    candidate = offered.candidate
    candidate.preferred_language = language
    candidate.save()
    _interview(offered)
    in_review = ApplicationFactory(candidate=candidate, state=State.AI_REVIEW)
    t0 = timezone.now() - datetime.timedelta(days=3)
    for i, (a, b, move) in enumerate([("new", "screening", "screen"), ("screening", "ai_invited", "invite_ai"),
                                      ("ai_invited", "ai_completed", "ai_complete"),
                                      ("ai_completed", "ai_review", "ai_review")]):
        TransitionLog.objects.create(application=in_review, from_state=a, to_state=b, transition=move,
                                     at=t0 + datetime.timedelta(hours=i))
    client = signed_in(candidate)
    home = client.get("/portal/").content.decode()
    assert offer_words in home and interview_words in home and ai_words in home
    for hr_words in (_staff_label(OfferState.choices, "sent", language),
                     _staff_label(State.choices, "ai_review", language),
                     _staff_label(InterviewState.choices, "scheduled", language)):
        assert hr_words not in home, hr_words
    # the two AI steps read as one step in the timeline (badge + one timeline entry)
    assert home.count(ai_words) == 2
    # the offer and interview pages say it the same way
    assert offer_words in client.get(f"/portal/offers/{offer.pk}/").content.decode()
    iv = Interview.objects.get(application=offered)
    assert interview_words in client.get(f"/portal/interviews/{iv.pk}/").content.decode()


def test_r_portal_2_every_state_has_candidate_words():
    """No state of an application, interview or offer falls through to the model's staff label."""
    assert set(labels.APPLICATION) == set(State.values)
    assert set(labels.INTERVIEW) == set(InterviewState.values)
    assert {"sent", "accepted", "declined", "expired"} <= set(labels.OFFER)
    with translation.override("zh-hans"):
        assert labels.offer_status("sent") == "待您答复"
        assert labels.application_status("ai_review") == labels.application_status("ai_completed")


# -- a language switch on every page ------------------------------------------------------------------------

def test_r_portal_4_language_switch_on_every_page_signed_in_or_not(users, app):
    offer = sent_offer(users, app)
    iv = _interview(app)
    anonymous = Client()
    for url in ("/portal/", "/portal/login/"):
        html = anonymous.get(url).content.decode()
        assert 'action="/portal/language/"' in html and 'name="language" value="en"' in html, url
    client = signed_in(app.candidate)
    for url in ("/portal/", f"/portal/interviews/{iv.pk}/", f"/portal/interviews/{iv.pk}/reschedule/",
                f"/portal/offers/{offer.pk}/", f"/portal/applications/{app.pk}/withdraw/", "/portal/onboarding/",
                "/portal/privacy/"):
        html = client.get(url).content.decode()
        assert 'action="/portal/language/"' in html, url
        assert 'type="submit" class="link" name="language" value="en"' in html, url
        assert "onchange" not in html, url  # choosing a language never reloads the page by itself


def test_r_portal_4_switching_language_signed_in_sets_the_preferred_language(app):
    client = signed_in(app.candidate)
    assert 'lang="zh-hans"' in client.get("/portal/").content.decode()
    response = client.post("/portal/language/", {"language": "en", "next": "/portal/privacy/"})
    assert response.status_code == 302 and response["Location"] == "/portal/privacy/"
    app.candidate.refresh_from_db()
    assert app.candidate.preferred_language == "en"  # the portal and our messages follow it
    html = client.get("/portal/privacy/").content.decode()
    assert 'lang="en"' in html and "Privacy notice" in html
    assert 'name="language" value="zh-hans"' in html  # the way back
    # only languages we offer, only portal paths as the next page
    assert client.post("/portal/language/", {"language": "de"}).status_code == 400
    evil = client.post("/portal/language/", {"language": "zh-hans", "next": "https://evil.example/"})
    assert evil["Location"] == "/portal/"


def test_r_portal_4_switching_language_before_sign_in_uses_the_cookie(db):
    client = Client()
    response = client.post("/portal/language/", {"language": "en", "next": "/portal/login/"})
    assert response.status_code == 302 and response["Location"] == "/portal/login/"
    html = client.get("/portal/login/").content.decode()
    assert 'lang="en"' in html and "Send me a code" in html


# -- onboarding data only after an accepted offer (data minimisation) -------------------------------------------

def test_r_portal_3_interviewing_candidate_is_not_asked_for_bank_or_insurance_numbers(users, app):
    sent_offer(users, app)  # an offer that is only sent is not accepted: still nothing is asked
    client = signed_in(app.candidate)
    page = client.get("/portal/onboarding/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="onboarding-later"' in html
    for field in ("bank_account", "social_insurance_number", "housing_fund_number", 'type="file"'):
        assert field not in html, field
    # the form's endpoint and the upload refuse too, and nothing is stored
    refused = client.post("/portal/onboarding/", {"bank_account": "6222020200112233445",
                                                  "social_insurance_number": "SI-1"})
    assert refused.status_code == 409
    assert "accepted an offer" in refused.content.decode() or "接受录用" in refused.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post("/portal/onboarding/upload/", {"kind": "id_card",
                                               "file": SimpleUploadedFile("id.png", PNG, content_type="image/png")})
    assert not OnboardingInfo.objects.filter(candidate=app.candidate).exists()
    assert not CandidateDocument.objects.filter(candidate=app.candidate).exists()


def test_r_portal_3_the_service_refuses_before_acceptance(users, app):
    from hrsys.api.errors import Conflict
    from onboarding import services

    with pytest.raises(Conflict):
        services.onboarding_info_save(candidate_id=app.candidate_id, bank_account="6222020200112233445")
    with pytest.raises(Conflict):
        services.candidate_document_upload(candidate_id=app.candidate_id, kind="id_card", data=PNG, filename="a.png")
    accept_offer(users, app)
    info = services.onboarding_info_save(candidate_id=app.candidate_id, bank_account="6222020200112233445")
    assert info.bank_account == "6222020200112233445"


def test_r_portal_3_after_acceptance_the_form_is_there(users, app):
    accept_offer(users, app)
    html = signed_in(app.candidate).get("/portal/onboarding/").content.decode()
    assert 'id="onboarding-form"' in html and 'name="bank_account"' in html and 'id="onboarding-later"' not in html




# -- a decline control with a visible marker -----------------------------------------------------------------

def test_r_portal_2_decline_control_has_a_visible_marker(users, app):
    from pathlib import Path

    iv = _interview(app)
    html = signed_in(app.candidate).get(f"/portal/interviews/{iv.pk}/").content.decode()
    assert '<details class="card decline"><summary>' in html
    css = (Path(__file__).resolve().parents[2] / "static" / "portal" / "portal.css").read_text()
    # the summary is display:flex (which drops the browser's triangle): it draws its own, open and closed
    assert 'details summary::before{content:"\\25B8"' in css and 'details[open] summary::before{content:"\\25BE"' in css
    assert "details.decline summary{" in css
