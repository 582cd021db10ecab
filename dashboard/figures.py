"""Every dashboard figure as one definition: title, chart, table columns and rows. The page renders it
and the export streams the very same rows, so a table and its CSV / Excel never disagree (R-DASH-4)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.models import Channel

from . import attrition, charts, selectors
from .selectors import Filters


@dataclass
class Figure:
    name: str
    title: str
    columns: list[tuple[str, str, str]]  # (key, header, kind: text|int|pct|days|money|date|num)
    rows: list[dict]
    chart: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)
    computed_at: datetime | None = None  # set when the figure comes from the cache (dashboard.cache)


def _period_label(d, period):
    return f"{d:%Y-%m}" if period == "month" else f"{d:%m-%d}"


def funnel(user, f: Filters) -> Figure:
    rows = selectors.funnel_stages(user=user, filters=f)
    return Figure("funnel", _("Funnel: applications reaching each stage"),
                  [("label", _("Stage"), "text"), ("count", _("Applications"), "int"),
                   ("of_previous", _("Of the stage before"), "pct"), ("of_applied", _("Of all applied"), "pct")],
                  rows, charts.bar_chart([(r["label"], r["count"]) for r in rows], title=_("Funnel"), show_title=False)
                  if rows[0]["count"] else "",
                  note=_("Applications received in the period; AI interview stages are optional."))


def rounds(user, f: Filters) -> Figure:
    rows = selectors.round_pass_rates(user=user, filters=f)
    return Figure("rounds", _("Pass rate per interview round"),
                  [("round", _("Round"), "int"), ("kind", _("Kind"), "text"), ("held", _("Held"), "int"),
                   ("no_show", _("No-shows"), "int"), ("passed", _("Passed"), "int"), ("failed", _("Failed"), "int"),
                   ("waiting", _("Waiting for feedback"), "int"), ("pass_rate", _("Pass rate"), "pct")],
                  rows, charts.bar_chart([(f"{r['round']}. {r['kind']}", r["pass_rate"]) for r in rows],
                                         title=_("Pass rate per interview round"), percent=True,
                                         show_title=False),
                  note=_("Passed: more recommending than rejecting feedback."))


def feedback_rate(user, f: Filters) -> Figure:
    rows = selectors.feedback_rates(user=user, filters=f)
    return Figure("feedback_rate", _("Interview feedback rate per interviewer"),
                  [("interviewer", _("Interviewer"), "text"), ("interviews", _("Interviews held"), "int"),
                   ("submitted", _("Feedback submitted"), "int"), ("rate", _("Feedback rate"), "pct"),
                   ("waiting", _("Still waiting"), "int"), ("median_hours", _("Median hours to submit"), "num")],
                  rows, charts.bar_chart([(r["interviewer"], r["rate"]) for r in rows],
                                         title=_("Feedback rate per interviewer"), percent=True, show_title=False)
                  if rows else "",
                  note=_("Interview rounds that ended in the period and took place; hours counted from the end of "
                         "the interview. Interviewers are reminded 2 hours after the end."))


def dropoff(user, f: Filters) -> Figure:
    rows = selectors.drop_off_reasons(user=user, filters=f)
    return Figure("dropoff", _("Drop-off reasons"),
                  [("from_stage", _("Left from"), "text"), ("outcome", _("Outcome"), "text"),
                   ("reason", _("Reason"), "text"), ("count", _("Applications"), "int")], rows)


def time_in_stage(user, f: Filters) -> Figure:
    rows = selectors.time_in_stage(user=user, filters=f)
    return Figure("time_in_stage", _("Time in stage (days)"),
                  [("stage", _("Stage"), "text"), ("moves", _("Moves out"), "int"),
                   ("median_days", _("Median"), "days"), ("p90_days", _("90th percentile"), "days")],
                  rows, charts.bar_chart([(r["stage"], r["median_days"]) for r in rows],
                                         title=_("Median days in stage")))


def stuck(user, f: Filters) -> Figure:
    rows = selectors.stuck_by_stage(user=user, filters=f)
    return Figure("stuck", _("Where applications wait now"),
                  [("stage", _("Stage"), "text"), ("open", _("Open"), "int"), ("limit_days", _("Limit (days)"), "int"),
                   ("stuck", _("Beyond the limit"), "int"), ("oldest_days", _("Oldest waits (days)"), "int")],
                  rows, charts.bar_chart([(r["stage"], r["stuck"]) for r in rows], title=_("Stuck applications")))


def _trend(name, title, data, f, columns, lines, percent):
    rows = [{**r, "period_label": _period_label(r["period"], f.period)} for r in data["series"]]
    labels = [r["period_label"] for r in rows]
    chart = charts.line_chart(labels, [(label, [r.get(key) for r in rows]) for key, label in lines],
                              title=title, percent=percent, show_title=False)
    return Figure(name, title, [("period_label", _("Period"), "text"), *columns], rows, chart,
                  extra={"total": data.get("total", {})})


def _no_show_trend(name: str, title, counted, data: dict, f: Filters) -> Figure:
    """A no-show rate over time (AI interviews or rounds held by people): the same columns and series."""
    return _trend(name, title, data, f,
                  [("n", counted, "int"), ("no_show", _("No-shows"), "int"), ("rate", _("Rate"), "pct"),
                   ("reminded_n", _("With a delivered reminder"), "int"),
                   ("reminded_rate", _("Rate after reminders"), "pct"),
                   ("rebooked_n", _("Re-booked after a no-show"), "int"),
                   ("rebooked_rate", _("Rate after re-booking"), "pct")],
                  [("rate", _("all")), ("reminded_rate", _("after reminders")),
                   ("rebooked_rate", _("after re-booking"))], True)


def no_show(user, f: Filters) -> Figure:
    data = selectors.ai_no_show_trend(user=user, filters=f)
    return _no_show_trend("no_show", _("AI interview no-show rate"), _("AI interviews"), data, f)


def human_no_show(user, f: Filters) -> Figure:
    data = selectors.human_no_show_trend(user=user, filters=f)
    return _no_show_trend("human_no_show", _("Interview no-show rate (rounds held by people)"), _("Interviews"),
                          data, f)


def time_to_hire(user, f: Filters) -> Figure:
    data = selectors.time_to_hire(user=user, filters=f)
    return _trend("time_to_hire", _("Time to hire (median days)"), data, f,
                  [("n", _("Hires"), "int"), ("median_days", _("Median days"), "days")],
                  [("median_days", _("time to hire"))], False)


def time_to_offer(user, f: Filters) -> Figure:
    data = selectors.time_to_offer(user=user, filters=f)
    return _trend("time_to_offer", _("Time to offer (median days)"), data, f,
                  [("n", _("Offers"), "int"), ("median_days", _("Median days"), "days")],
                  [("median_days", _("time to offer"))], False)


def offers(user, f: Filters) -> Figure:
    data = selectors.offer_acceptance(user=user, filters=f)
    return _trend("offers", _("Offer acceptance rate"), data, f,
                  [("answered", _("Answered"), "int"), ("accepted", _("Accepted"), "int"),
                   ("declined", _("Declined"), "int"), ("expired", _("Expired"), "int"),
                   ("rate", _("Acceptance rate"), "pct")],
                  [("rate", _("acceptance"))], True)


def _channel_label(channel: str) -> str:
    return str(Channel(channel).label) if channel in Channel.values else channel


def reminders(user, f: Filters) -> Figure:
    data = selectors.reminder_rates(user=user, filters=f)
    rows = [{**r, "period_label": _period_label(r["period"], f.period), "channel": _channel_label(r["channel"])}
            for r in data["series"]]
    periods = sorted({r["period_label"] for r in rows})
    by = {(r["period_label"], r["channel"]): r for r in rows}
    channels = sorted({r["channel"] for r in rows})
    chart = charts.line_chart(periods, [(f"{c}: " + _("delivered"), [by.get((p, c), {}).get("delivery_rate")
                                                                      for p in periods]) for c in channels]
                              + [(f"{c}: " + _("opened"), [by.get((p, c), {}).get("open_rate") for p in periods])
                                 for c in channels], title=_("Reminder delivery and open rates"), percent=True)
    refreshed = data["refreshed_at"]
    return Figure("reminders", _("Interview reminders per channel"),
                  [("period_label", _("Period"), "text"), ("channel", _("Channel"), "text"),
                   ("sent", _("Sent"), "int"), ("delivered", _("Delivered"), "int"),
                   ("delivery_rate", _("Delivery rate"), "pct"), ("opened", _("Opened / answered"), "int"),
                   ("open_rate", _("Open rate"), "pct"), ("failed", _("Failed"), "int")], rows, chart,
                  note=_("Summary refreshed %(at)s (Asia/Shanghai); department filter only.") % {
                      "at": f"{timezone.localtime(refreshed):%Y-%m-%d %H:%M}" if refreshed else _("never")},
                  extra={"by_channel": data["by_channel"]})


def sources(user, f: Filters) -> Figure:
    rows = selectors.source_effectiveness(user=user, filters=f)
    return Figure("sources", _("Sources: applications, hires, probation, cost"),
                  [("label", _("Source"), "text"), ("applications", _("Applications"), "int"),
                   ("hires", _("Hires"), "int"), ("conversion", _("Hired of applied"), "pct"),
                   ("probation_decided", _("Probation decided"), "int"),
                   ("probation_rate", _("Probation passed"), "pct"), ("cost", _("Recorded cost"), "money"),
                   ("cost_per_hire", _("Cost per hire"), "money")],
                  rows, charts.bar_chart([(r["label"], r["conversion"], _("%(hires)s of %(n)s") % {
                                             "hires": r["hires"], "n": r["applications"]})
                                          for r in rows], title=_("Hired of applied per source"), percent=True))


def costs(user, f: Filters) -> Figure:
    data = selectors.cost_per_hire(user=user, filters=f)
    return Figure("costs", _("Cost per hire per job"),
                  [("job", _("Job"), "text"), ("cost", _("Recorded cost"), "money"), ("hires", _("Hires"), "int"),
                   ("cost_per_hire", _("Cost per hire"), "money")], data["per_job"],
                  charts.bar_chart([(r["kind"], float(r["total"])) for r in data["by_kind"]],
                                   title=_("Cost by kind")), extra=data)


def correlations(user, f: Filters) -> Figure:
    data = selectors.ai_insights(user=user, filters=f)
    rows = [{**c, "warning": _("small sample") if c["small_sample"] else ""} for c in data["correlations"]]
    return Figure("correlations", _("AI interview scores versus later outcomes"),
                  [("dimension_label", _("Dimension"), "text"), ("outcome_label", _("Outcome"), "text"),
                   ("n", _("Sample size"), "int"), ("r", _("Correlation (r)"), "num"),
                   ("warning", _("Warning"), "text")], rows,
                  charts.bar_chart([(f"{c['dimension_label']} / {c['outcome_label']}", abs(c["r"]))
                                    for c in rows if c["r"] is not None and not c["small_sample"]],
                                   title=_("Strength of relation (|r|), samples of 30 or more")),
                  note=_("Pearson correlation; under %(n)s pairs a figure is marked as a small sample.")
                  % {"n": selectors.MIN_SAMPLE}, extra=data)


def risks(user, f: Filters) -> Figure:
    data = attrition.attrition_risks(user=user)
    rows = [{**r, "risk_pct": r["risk"], "factor_text": "; ".join(
        f"{x['label']} (+{x['contribution']})" for x in r["factors"])} for r in data["rows"]]
    return Figure("risks", _("Attrition risk of new hires"),
                  [("candidate", _("New hire"), "text"), ("job", _("Job"), "text"), ("hired_at", _("Hired"), "date"),
                   ("risk_pct", _("Estimated risk"), "pct"), ("factor_text", _("Main contributing factors"), "text")],
                  rows, note=data["message"], extra=data)


def todo(user, f: Filters) -> Figure:
    sections = selectors.todo(user=user)
    rows = [{"section": s["title"], "count": s["count"], "item": i["label"], "detail": i["detail"],
             "when": i["when"]} for s in sections for i in s["items"]]
    return Figure("todo", _("Today"), [("section", _("To do"), "text"), ("item", _("Item"), "text"),
                                       ("detail", _("Detail"), "text"), ("when", _("Since / due"), "date")],
                  rows, extra={"sections": sections})


FIGURES: dict[str, Callable] = {
    "todo": todo, "funnel": funnel, "rounds": rounds, "feedback_rate": feedback_rate, "dropoff": dropoff,
    "time_in_stage": time_in_stage,
    "stuck": stuck, "no_show": no_show, "human_no_show": human_no_show, "time_to_hire": time_to_hire, "time_to_offer": time_to_offer,
    "offers": offers, "reminders": reminders, "sources": sources, "costs": costs, "correlations": correlations,
    "risks": risks,
}

PAGES = {
    "home": (gettext_lazy("Today"), []),
    "funnel": (gettext_lazy("Funnel"), ["funnel", "rounds", "feedback_rate", "time_in_stage", "stuck", "dropoff"]),
    "figures": (gettext_lazy("Headline figures"), ["no_show", "human_no_show", "time_to_hire",
                                                   "time_to_offer", "offers", "reminders"]),
    "sources": (gettext_lazy("Sources and cost"), ["sources", "costs"]),
    "insights": (gettext_lazy("AI interview insights"), ["correlations"]),
    "attrition": (gettext_lazy("Attrition risk"), ["risks"]),
}
