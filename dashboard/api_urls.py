from django.urls import path

from . import api

urlpatterns = [
    path("dashboard/figures/", api.FigureListApi.as_view(), name="dashboard-figure-list"),
    path("dashboard/figures/<slug:name>/", api.FigureApi.as_view(), name="dashboard-figure"),
    path("dashboard/costs/", api.CostRecordApi.as_view(), name="dashboard-costs"),
]
