from django.urls import path

from . import api

urlpatterns = [
    path("dashboard/figures/", api.FigureListApi.as_view(), name="dashboard-figure-list"),
    path("dashboard/figures/<slug:name>/", api.FigureApi.as_view(), name="dashboard-figure"),
    path("dashboard/costs/", api.CostRecordApi.as_view(), name="dashboard-costs"),
    # the AI question bank against hires and probation: an insight joining stages (dashboard.insights)
    path("ai-interviews/questions/stats/", api.QuestionStatsApi.as_view(), name="ai-question-stats"),
]
