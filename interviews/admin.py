"""HR back office for interviews: read-mostly lists; every change goes through the API / services."""

from django.contrib import admin

from hrsys.core.admin_mixins import ReadOnlyAdmin, ScopedAdmin

from .models import (
    BatchRun,
    BusyBlock,
    Interview,
    InterviewerProfile,
    InterviewFeedback,
    JoinProblem,
    RebookingOffer,
    Room,
)


# State changes need the services (locks, audit, calendars, reminders): the admin only shows them.
@admin.register(Interview)
class InterviewAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("id", "application", "kind", "round", "state", "starts_at", "deadline", "sequence")
    list_filter = ("state", "kind")
    date_hierarchy = "starts_at"
    list_select_related = ("application__candidate", "application__job", "round")
    export_columns = [("id", lambda i: i.pk), ("state", lambda i: i.state), ("starts_at", lambda i: i.starts_at)]


@admin.register(RebookingOffer)
class RebookingOfferAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("id", "interview", "status", "expires_at", "used_at")
    list_filter = ("status",)
    exclude = ("nonce",)


@admin.register(JoinProblem)
class JoinProblemAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("id", "interview", "reason", "reported_at", "resolution")
    list_filter = ("reason", "resolution")


@admin.register(InterviewFeedback)
class InterviewFeedbackAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("id", "interview", "interviewer", "recommendation", "submitted_at")


@admin.register(BatchRun)
class BatchRunAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("id", "job", "round", "status", "total", "done", "placed", "created_at")


@admin.register(BusyBlock)
class BusyBlockAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("user", "starts_at", "ends_at", "source", "note")


@admin.register(InterviewerProfile)
class InterviewerProfileAdmin(ScopedAdmin):
    list_display = ("user", "work_start", "work_end", "daily_limit", "buffer_minutes")
    exclude = ("feed_token",)


@admin.register(Room)
class RoomAdmin(ScopedAdmin):
    list_display = ("name", "department", "location")
