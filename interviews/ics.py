"""iCalendar (RFC 5545 / 5546) invitations, cancellations, feeds and busy-time import (R-SCHED-1, R-SCHED-4).

A REQUEST carries UID, DTSTAMP, DTSTART/DTEND (with the Asia/Shanghai VTIMEZONE),
ORGANIZER, ATTENDEEs, SUMMARY, LOCATION / URL and SEQUENCE; a reschedule keeps
the UID and raises SEQUENCE; a CANCEL keeps the UID with a higher SEQUENCE.
"""

from datetime import UTC, date, datetime, time, timedelta
from email.utils import parseaddr

from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from .availability import LOCAL_TZ
from .models import BOOKED_STATES, State

PRODID = "-//hrsys//interviews//EN"


def _organizer() -> tuple[str, str]:
    """(address, display name) of the organizer. The settings hold a mail header ("hrsys <no-reply@...>");
    RFC 5545 wants the bare address in the mailto: URI and the name in CN."""
    name, address = parseaddr(getattr(settings, "INTERVIEWS_ORGANIZER_EMAIL", None) or settings.DEFAULT_FROM_EMAIL)
    return address, name


def _address(email: str, name: str = "", *, role: str | None = "REQ-PARTICIPANT", rsvp: bool = False) -> vCalAddress:
    addr = vCalAddress(f"mailto:{email}")
    if name:
        addr.params["CN"] = vText(name)
    if role:  # ATTENDEE only: RFC 5545 gives ORGANIZER no ROLE
        addr.params["ROLE"] = vText(role)
    if rsvp:
        addr.params["RSVP"] = vText("TRUE")
    return addr


def _calendar(method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    tz = Timezone.from_tzid(str(LOCAL_TZ)) if hasattr(Timezone, "from_tzid") else None
    if tz is not None:
        cal.add_component(tz)
    return cal


def _event(interview, *, sequence: int, status: str, attendees) -> Event:
    ev = Event()
    ev.add("uid", interview.ical_uid)
    ev.add("dtstamp", timezone.now().astimezone(UTC))
    ev.add("dtstart", interview.starts_at.astimezone(LOCAL_TZ))
    ev.add("dtend", interview.ends_at.astimezone(LOCAL_TZ))
    ev.add("sequence", sequence)
    ev.add("status", status)
    job = interview.application.job
    ev.add("summary", _("%(title)s: %(job)s - %(candidate)s")
           % {"title": interview.title, "job": job.title, "candidate": interview.application.candidate.name})
    names = ", ".join(str(u) for u in interview.interviewers.all())
    description = [_("Interviewers: %(names)s") % {"names": names or "-"}]
    if interview.meeting_url:
        ev.add("url", interview.meeting_url)
        description.append(interview.meeting_url)
    location = interview.room.location or interview.room.name if interview.room_id else ""
    if location or interview.meeting_url:
        ev.add("location", location or interview.meeting_url)
    ev.add("description", "\n".join(description))
    address, sender = _organizer()
    # CN: who the invitation is from as the attendee knows it (the department), else the sender's name
    ev.add("organizer", _address(address, str(job.department) or sender, role=None))
    for email, name in attendees:
        if email:
            ev.add("attendee", _address(email, name, rsvp=True), encode=0)
    return ev


def attendees_of(interview) -> list[tuple[str, str]]:
    people = [(u.email, str(u)) for u in interview.interviewers.all()]
    candidate = interview.application.candidate
    people.append((candidate.email, candidate.name))
    return people


def invitation(interview) -> bytes:
    """METHOD:REQUEST for an interview at its current SEQUENCE."""
    cal = _calendar("REQUEST")
    cal.add_component(_event(interview, sequence=interview.sequence, status="CONFIRMED",
                             attendees=attendees_of(interview)))
    return cal.to_ical()


def cancellation(interview, *, sequence: int | None = None) -> bytes:
    """METHOD:CANCEL: same UID, higher SEQUENCE than any request sent."""
    cal = _calendar("CANCEL")
    cal.add_component(_event(interview, sequence=interview.sequence + 1 if sequence is None else sequence,
                             status="CANCELLED", attendees=attendees_of(interview)))
    return cal.to_ical()


def feed(interviews, *, name: str) -> bytes:
    """A subscribable calendar (webcal) of one interviewer's interviews; no METHOD (RFC 5545 publish)."""

    cal = _calendar(None)
    cal.add("x-wr-calname", name)
    for interview in interviews:
        status = "CONFIRMED" if interview.state in (*BOOKED_STATES, State.COMPLETED) else "CANCELLED"
        if interview.state == State.PROPOSED:
            status = "TENTATIVE"
        cal.add_component(_event(interview, sequence=interview.sequence, status=status,
                                 attendees=[(u.email, str(u)) for u in interview.interviewers.all()]))
    return cal.to_ical()


# -- import ------------------------------------------------------------------------------------------

MAX_ICS_BYTES = 2 * 1024 * 1024


def _as_aware(value, *, end: bool = False) -> datetime:
    if isinstance(value, datetime):
        if timezone.is_naive(value):  # floating time: the interviewer's local time
            value = value.replace(tzinfo=LOCAL_TZ)
        return value.astimezone(UTC)
    if isinstance(value, date):  # all-day event
        return datetime.combine(value, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)
    raise ValueError(value)


def parse_busy(data: bytes, *, start: datetime | None = None, end: datetime | None = None) -> list[dict]:
    """Busy intervals from an uploaded .ics (VEVENTs that are not TRANSPARENT or CANCELLED).

    Recurring events are expanded inside [start, end) when given (default: the next 90 days).
    Raises ValidationError({"file": [...]}) on anything that is not a calendar.
    """
    if not data:
        raise ValidationError({"file": [_("The file is empty.")]})
    if len(data) > MAX_ICS_BYTES:
        raise ValidationError({"file": [_("The calendar file is larger than 2 MB.")]})
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError({"file": [_("The calendar file is not UTF-8 text.")]})
    if "BEGIN:VCALENDAR" not in text.upper():
        raise ValidationError({"file": [_("This is not an iCalendar (.ics) file: BEGIN:VCALENDAR is missing.")]})
    try:
        cal = Calendar.from_ical(text)
    except Exception as exc:  # noqa: BLE001 - icalendar raises ValueError and friends on bad input
        raise ValidationError({"file": [_("The calendar file could not be read: %(error)s")
                                        % {"error": str(exc)[:200]}]})
    start = start or timezone.now()
    end = end or start + timedelta(days=90)
    out = []
    for n, ev in enumerate(cal.walk("VEVENT"), start=1):
        if str(ev.get("TRANSP", "")).upper() == "TRANSPARENT" or str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue
        try:
            s = _as_aware(ev.decoded("DTSTART"))
            if ev.get("DTEND") is not None:
                e = _as_aware(ev.decoded("DTEND"))
            elif ev.get("DURATION") is not None:
                e = s + ev.decoded("DURATION")
            else:
                e = s + (timedelta(days=1) if not isinstance(ev.decoded("DTSTART"), datetime) else timedelta(0))
        except (KeyError, ValueError, TypeError) as exc:
            raise ValidationError({"file": [_("Event %(n)s has no valid start or end (%(error)s).")
                                            % {"n": n, "error": str(exc)[:100]}]})
        if e <= s:
            if e < s:
                raise ValidationError({"file": [_("Event %(n)s ends before it starts.") % {"n": n}]})
            continue
        summary = str(ev.get("SUMMARY", ""))[:200]
        for occ_s, occ_e in _occurrences(ev, s, e, start, end):
            out.append({"starts_at": occ_s, "ends_at": occ_e, "note": summary})
    return out


def _occurrences(ev, s, e, start, end):
    rrule = ev.get("RRULE")
    if not rrule:
        if s < end and e > start:
            yield s, e
        return

    length = e - s
    rule = rrulestr(rrule.to_ical().decode(), dtstart=s)
    exdates = set()
    for ex in ev.get("EXDATE", []) if isinstance(ev.get("EXDATE"), list) else [ev.get("EXDATE")] if ev.get(
            "EXDATE") else []:
        for d in ex.dts:
            exdates.add(_as_aware(d.dt))
    for occ in rule.between(start - length, end, inc=True):
        if occ in exdates:
            continue
        yield occ, occ + length
