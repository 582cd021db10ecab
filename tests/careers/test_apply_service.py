"""Applications from the careers site: one service behind the form and the public API (R-PIPE-8, R-PIPE-5,
R-HOSP-1, R-SEC-2, R-SEC-5). Every refusal names its field and leaves no row and no file behind."""

import pytest
from django.core.exceptions import ValidationError

from candidates.consent import STANDARD_VERSION
from candidates.models import Application, Candidate, ConsentRecord, Credential, Resume
from careers import services
from hrsys.audit.models import AuditEvent
from notifications.models import Notification
from tests.candidates.factories import ApplicationFactory, CandidateFactory, CredentialFactory, JobFactory
from tests.careers.conftest import submit_kwargs
from tests.careers.helpers import snapshot, stored_files

PRIVACY_NOTICE_VERSION = str(STANDARD_VERSION)  # the standard notice: no organisation has published its own

pytestmark = pytest.mark.django_db


def _refused(job, resume, **overrides) -> dict:
    """The field messages of a refused submission; asserts nothing was stored."""
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.application_submit(**submit_kwargs(job, resume, **overrides))
    assert snapshot() == before, "a refused application must leave nothing behind"
    return exc.value.message_dict


def test_r_pipe_8_a_new_person_becomes_a_candidate_with_an_application_from_the_careers_website(nurse_job,
                                                                                              resume_pdf):
    result = services.application_submit(**submit_kwargs(nurse_job, resume_pdf))

    assert result.outcome == "new_candidate"
    candidate = Candidate.objects.get(pk=result.candidate_id)
    assert (candidate.name, candidate.phone, candidate.email) == ("李晓红", "+8613912345678", "xiaohong.li@example.cn")
    assert candidate.source == "website" and candidate.preferred_language == "zh-hans"
    assert candidate.consent_version == PRIVACY_NOTICE_VERSION and candidate.consent_at is not None
    app = Application.objects.get(pk=result.application_id)
    assert (app.candidate_id, app.job_id, app.state, app.source) == (candidate.pk, nurse_job.pk, "new", "website")
    assert app.get_source_display() == "官网招聘"  # "Careers website"
    # the résumé: kept encrypted like every résumé, parsed for HR to confirm (R-PIPE-5, R-SEC-2)
    resume = Resume.objects.get(candidate=candidate)
    assert resume.kind == "pdf" and resume.original_name == "李晓红简历.pdf"
    assert resume.proposed["name"]["value"] == "李晓红"
    with resume.file.open("rb") as fh:
        assert fh.read()[:5] == b"%PDF-"
    on_disk = [p.read_bytes() for p in stored_files()]
    assert len(on_disk) == 1 and b"%PDF-" not in on_disk[0]
    # the licence number as a credential (R-HOSP-1); the optional BLS certificate was not given
    assert [(c.type, c.number) for c in candidate.credentials.all()] == [("nurse_licence", "202312345678")]
    # consent to processing the application only (R-SEC-5): the optional purposes were not ticked
    consent = ConsentRecord.objects.get(candidate=candidate)
    assert (consent.purpose, consent.given, consent.channel) == ("recruitment", True, "careers")
    assert str(consent.notice_version) == PRIVACY_NOTICE_VERSION and consent.ip == "203.0.113.9"
    assert consent.organization_id == nurse_job.department.organization_pk
    assert AuditEvent.objects.filter(action="careers.apply", object_id=str(app.pk), actor_label="careers").exists()
    sent = Notification.objects.filter(recipient_id=str(candidate.pk))
    assert sorted(sent.values_list("channel", "template_key")) == [
        ("email", "careers_application_received"), ("sms", "careers_application_received")]


def test_r_pipe_8_a_word_resume_is_accepted_too(office_job, resume_docx):
    result = services.application_submit(**submit_kwargs(office_job, resume_docx, resume_name="cv.docx",
                                                         licences={}))
    assert Resume.objects.get(candidate_id=result.candidate_id).kind == "docx"


def test_r_pipe_8_the_same_phone_links_to_the_existing_candidate_and_changes_none_of_their_data(nurse_job,
                                                                                               resume_pdf):
    known = CandidateFactory(name="李晓红", phone="+8613912345678", email="old@example.org", source="referral")
    before = Candidate.objects.count()

    result = services.application_submit(**submit_kwargs(nurse_job, resume_pdf, name="李小红"))

    assert result.outcome == "known_candidate" and result.candidate_id == known.pk
    assert Candidate.objects.count() == before
    known.refresh_from_db()
    assert (known.name, known.email, known.source) == ("李晓红", "old@example.org", "referral")  # never overwritten
    app = Application.objects.get(pk=result.application_id)
    assert (app.candidate_id, app.source) == (known.pk, "website")
    assert Resume.objects.filter(candidate=known).count() == 1
    assert ConsentRecord.objects.filter(candidate=known, notice_version=int(PRIVACY_NOTICE_VERSION)).exists()
    # the confirmation (with its portal link) goes to the contact data on record, not to what was typed
    email = Notification.objects.get(recipient_id=str(known.pk), channel="email")
    assert email.recipient_email == "old@example.org"
    event = AuditEvent.objects.get(action="careers.apply", object_id=str(app.pk))
    assert event.changes["typed_differently"] == [None, ["name", "email"]]


def test_r_pipe_8_the_same_email_links_to_the_existing_candidate(nurse_job, resume_pdf):
    known = CandidateFactory(phone="+8613700000001", email="xiaohong.li@example.cn")
    result = services.application_submit(**submit_kwargs(nurse_job, resume_pdf))
    assert result.outcome == "known_candidate" and result.candidate_id == known.pk
    assert Application.objects.filter(candidate=known, job=nurse_job, source="website").count() == 1


def test_r_pipe_8_phone_wins_when_phone_and_email_belong_to_two_records(nurse_job, resume_pdf):
    by_email = CandidateFactory(phone="+8613700000002", email="xiaohong.li@example.cn")
    by_phone = CandidateFactory(phone="+8613912345678", email="someone@example.org")
    result = services.application_submit(**submit_kwargs(nurse_job, resume_pdf))
    assert result.candidate_id == by_phone.pk != by_email.pk


def test_r_pipe_8_an_active_application_for_the_job_gets_no_second_one_and_a_message_to_the_stored_contact(
        nurse_job, resume_pdf):
    known = CandidateFactory(phone="+8613912345678", email="old@example.org", preferred_language="en")
    active = ApplicationFactory(candidate=known, job=nurse_job, state="screening")
    before = snapshot()

    result = services.application_submit(**submit_kwargs(nurse_job, resume_pdf))
    again = services.application_submit(**submit_kwargs(nurse_job, resume_pdf, ip="198.51.100.4"))

    assert result.outcome == again.outcome == "already_applied"
    assert result.application_id == active.pk
    assert Application.objects.filter(candidate=known).count() == 1
    after = snapshot()
    for label in ("candidates.Candidate", "candidates.Application", "candidates.Resume", "candidates.Credential",
                  "candidates.ConsentRecord", "files"):
        assert after[label] == before[label], label
    notes = Notification.objects.filter(recipient_id=str(known.pk))
    assert sorted(notes.values_list("channel", "template_key")) == [
        ("email", "careers_application_exists"), ("sms", "careers_application_exists")]  # once a day, not twice
    assert notes.get(channel="email").recipient_email == "old@example.org" and notes.first().language == "en"
    assert AuditEvent.objects.filter(action="careers.apply_again", object_id=str(active.pk)).count() == 2


def test_r_pipe_8_after_a_closed_application_the_same_person_may_apply_again(nurse_job, resume_pdf):
    known = CandidateFactory(phone="+8613912345678")
    ApplicationFactory(candidate=known, job=nurse_job, state="rejected")
    result = services.application_submit(**submit_kwargs(nurse_job, resume_pdf))
    assert result.outcome == "known_candidate"
    assert Application.objects.filter(candidate=known, job=nurse_job).count() == 2


def test_r_pipe_8_a_licence_already_on_record_is_not_added_twice(nurse_job, resume_pdf):
    known = CandidateFactory(phone="+8613912345678")
    CredentialFactory(candidate=known, type="nurse_licence", number="202312345678")
    services.application_submit(**submit_kwargs(nurse_job, resume_pdf))
    assert Credential.objects.filter(candidate=known).count() == 1


def test_r_pipe_8_a_clinical_job_without_the_licence_number_is_refused_naming_the_field(nurse_job, resume_pdf):
    errors = _refused(nurse_job, resume_pdf, licences={})
    assert list(errors) == ["licence_nurse_licence"]
    assert "护士执业证书" in errors["licence_nurse_licence"][0]


def test_r_pipe_8_optional_certificates_are_kept_when_given(nurse_job, resume_pdf):
    result = services.application_submit(**submit_kwargs(
        nurse_job, resume_pdf, licences={"licence_nurse_licence": "202312345678", "licence_bls": "BLS-2024-0091",
                                         "licence_acls": "not asked by this job"}))
    assert sorted(Credential.objects.filter(candidate_id=result.candidate_id).values_list("type", flat=True)) == [
        "bls", "nurse_licence"]


def test_r_pipe_8_a_licence_keeps_the_date_it_is_valid_until_and_the_credential_gate_reads_it(nurse_job,
                                                                                              resume_pdf):
    """R-HOSP-1: a licence given as expired is recorded as such, so the job's credential checkpoints block it."""
    result = services.application_submit(**submit_kwargs(
        nurse_job, resume_pdf, licences={"licence_nurse_licence": "202312345678",
                                         "licence_nurse_licence_expires": "2020-06-30"}))
    licence = Credential.objects.get(candidate_id=result.candidate_id)
    assert licence.expires_on.isoformat() == "2020-06-30"
    app = Application.objects.get(pk=result.application_id)
    assert {p["type"]: p["problem"] for p in app.credential_problems()} == {"nurse_licence": "expired",
                                                                         "bls": "missing"}


@pytest.mark.parametrize(("licences", "field"), [
    ({"licence_nurse_licence": "202312345678", "licence_nurse_licence_expires": "30.06.2030"},
     "licence_nurse_licence_expires"),
    ({"licence_nurse_licence": "202312345678", "licence_bls_expires": "2030-01-01"}, "licence_bls"),
])
def test_r_pipe_8_a_bad_date_or_a_date_without_its_number_is_refused(nurse_job, resume_pdf, licences, field):
    assert list(_refused(nurse_job, resume_pdf, licences=licences)) == [field]


def test_r_pipe_8_a_licence_number_with_other_characters_is_refused(nurse_job, resume_pdf):
    errors = _refused(nurse_job, resume_pdf, licences={"licence_nurse_licence": "2023<script>"})
    assert list(errors) == ["licence_nurse_licence"]


@pytest.mark.parametrize(("data", "name"), [
    (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "photo.png"),
    (b"just some text", "cv.txt"),
    (b"", "empty.pdf"),
])
def test_r_pipe_8_a_resume_that_is_not_pdf_or_docx_is_refused(nurse_job, data, name):
    errors = _refused(nurse_job, data, resume_name=name)
    assert list(errors) == ["resume"]


def test_r_pipe_8_a_damaged_pdf_found_while_parsing_leaves_no_candidate_and_no_file(nurse_job):
    """The file passes the type check; parsing fails inside the transaction, after the candidate was written."""
    errors = _refused(nurse_job, b"%PDF-1.4 garbage that is not really a pdf")
    assert errors == {"resume": ["无法读取该文件：文件似乎已损坏。"]}  # "The file could not be read: it looks damaged."


def test_r_pipe_8_no_resume_is_refused(nurse_job):
    assert list(_refused(nurse_job, None)) == ["resume"]


def test_r_pipe_8_without_consent_nothing_is_stored(nurse_job, resume_pdf):
    errors = _refused(nurse_job, resume_pdf, consent=False)
    assert list(errors) == ["consent"]


def test_r_pipe_8_consent_to_an_older_notice_is_refused_with_the_current_version(nurse_job, resume_pdf):
    errors = _refused(nurse_job, resume_pdf, consent_version="2024-01")
    assert list(errors) == ["consent"] and PRIVACY_NOTICE_VERSION in errors["consent"][0]


def test_r_pipe_8_every_bad_field_is_named_at_once(nurse_job):
    errors = _refused(nurse_job, None, name="", phone="12", email="not-an-email", licences={}, consent=False)
    assert set(errors) == {"name", "phone", "email", "resume", "licence_nurse_licence", "consent"}


@pytest.mark.parametrize(("phone", "words"), [("", "手机号码"), ("010 6512 3456", "手机号码")])
def test_r_pipe_8_a_mobile_number_is_required(nurse_job, resume_pdf, phone, words):
    errors = _refused(nurse_job, resume_pdf, phone=phone)
    assert list(errors) == ["phone"] and words in errors["phone"][0]


@pytest.mark.parametrize("state", ["draft", "filled", "closed", "on_hold"])
def test_r_pipe_8_a_job_that_is_not_open_takes_no_application(nurse_job, resume_pdf, state):
    nurse_job.status = state
    nurse_job.save()
    assert list(_refused(nurse_job, resume_pdf)) == ["job"]


def test_r_pipe_8_an_open_job_not_shown_on_the_site_takes_no_application(org, resume_pdf):
    internal = JobFactory(department=org.it, published=False)
    assert list(_refused(internal, resume_pdf, licences={})) == ["job"]


def test_r_pipe_8_the_spam_trap_filled_stores_and_sends_nothing(nurse_job, resume_pdf):
    before = snapshot()
    result = services.application_submit(**submit_kwargs(nurse_job, resume_pdf, honeypot="http://spam.example"))
    assert result.outcome == "discarded" and result.application_id is None
    assert snapshot() == before


def test_r_pipe_8_too_many_tries_from_one_address_are_refused(nurse_job, resume_pdf, settings):
    settings.CAREERS_APPLY_PER_IP = 2
    with pytest.raises(ValidationError):  # a refused try counts too
        services.application_submit(**submit_kwargs(nurse_job, resume_pdf, consent=False))
    services.application_submit(**submit_kwargs(nurse_job, resume_pdf))
    before = snapshot()
    with pytest.raises(services.TooManyApplications) as exc:
        services.application_submit(**submit_kwargs(nurse_job, resume_pdf, phone="13700000009", email=""))
    assert "稍后" in str(exc.value)  # "please wait a while and try again"
    assert snapshot() == before
    services.application_submit(**submit_kwargs(nurse_job, resume_pdf, phone="13700000009", email="",
                                                ip="198.51.100.7"))  # another address is not affected


def test_r_pipe_8_too_many_applications_for_one_phone_are_refused(nurse_job, office_job, resume_pdf, settings):
    settings.CAREERS_APPLY_PER_CONTACT = 1
    services.application_submit(**submit_kwargs(nurse_job, resume_pdf))
    before = snapshot()
    with pytest.raises(services.TooManyApplications):
        services.application_submit(**submit_kwargs(office_job, resume_pdf, licences={}, email="",
                                                    ip="198.51.100.8"))
    assert snapshot() == before


def test_r_pipe_8_the_resume_is_read_before_the_job_row_is_locked(nurse_job, resume_pdf, monkeypatch):
    """Parsing a PDF can take seconds: it happens before the transaction that locks the job's row (so other
    applicants to the job do not wait for it), and the résumé service does not parse it a second time."""
    from django.db import connection

    from candidates import resumes

    depth_when_read, real_extract = [], resumes.extract_text

    def extract_outside(data, kind):
        depth_when_read.append(len(connection.savepoint_ids))  # the test's own transaction has none open
        return real_extract(data, kind)

    monkeypatch.setattr(services, "extract_text", extract_outside)
    monkeypatch.setattr(resumes, "extract_text", lambda *a: pytest.fail("the résumé was parsed inside the lock"))
    result = services.application_submit(**submit_kwargs(nurse_job, resume_pdf))

    assert depth_when_read == [0]
    assert Resume.objects.get(candidate_id=result.candidate_id).proposed["name"]["value"] == "李晓红"
