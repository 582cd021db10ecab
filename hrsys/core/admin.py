from django.contrib import admin

from .admin_mixins import ReadOnlyAdmin
from .models import TickRun


@admin.register(TickRun)
class TickRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "moment", "source", "results")
    list_filter = ("source",)
