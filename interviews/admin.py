"""HR back office for interviews: read-mostly lists; every change goes through the API / services."""

from django.contrib import admin

from hrsys.core.admin_mixins import ScopedAdmin

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


class ReadOnlyFieldsMixin:
    """State changes need the services (locks, audit, calendars, reminders): the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Interview)
class InterviewAdmin(ReadOnlyFieldsMixin, ScopedAdmin):
    list_display = ("id", "application", "kind", "round", "state", "starts_at", "deadline", "sequence")
    list_filter = ("state", "kind")
    date_hierarchy = "starts_at"
    list_select_related = ("application__candidate", "application__job", "round")
    export_columns = [("id", lambda i: i.pk), ("state", lambda i: i.state), ("starts_at", lambda i: i.starts_at)]


@admin.register(RebookingOffer)
class RebookingOfferAdmin(ReadOnlyFieldsMixin, ScopedAdmin):
    list_display = ("id", "interview", "status", "expires_at", "used_at")
    list_filter = ("status",)
    exclude = ("nonce",)


@admin.register(JoinProblem)
class JoinProblemAdmin(ReadOnlyFieldsMixin, ScopedAdmin):
    list_display = ("id", "interview", "reason", "reported_at", "resolution")
    list_filter = ("reason", "resolution")


@admin.register(InterviewFeedback)
class InterviewFeedbackAdmin(ReadOnlyFieldsMixin, ScopedAdmin):
    list_display = ("id", "interview", "interviewer", "recommendation", "submitted_at")


@admin.register(BatchRun)
class BatchRunAdmin(ReadOnlyFieldsMixin, ScopedAdmin):
    list_display = ("id", "job", "round", "status", "total", "done", "placed", "created_at")


@admin.register(BusyBlock)
class BusyBlockAdmin(ReadOnlyFieldsMixin, ScopedAdmin):
    list_display = ("user", "starts_at", "ends_at", "source", "note")


@admin.register(InterviewerProfile)
class InterviewerProfileAdmin(ScopedAdmin):
    list_display = ("user", "work_start", "work_end", "daily_limit", "buffer_minutes")
    exclude = ("feed_token",)


@admin.register(Room)
class RoomAdmin(ScopedAdmin):
    list_display = ("name", "department", "location")
