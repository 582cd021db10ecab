from django.urls import path

from . import api, config_api

urlpatterns = [
    path("offers/", api.OfferListApi.as_view(), name="offer-list"),
    path("offers/create/", api.OfferCreateApi.as_view(), name="offer-create"),
    path("offers/<int:pk>/", api.OfferDetailApi.as_view(), name="offer-detail"),
    path("offers/<int:pk>/verify/", api.OfferVerifyApi.as_view(), name="offer-verify"),
    path("offers/<int:pk>/<str:name>/", api.OfferTransitionApi.as_view(), name="offer-transition"),
    path("offer-approvals/<int:pk>/decide/", api.OfferApprovalDecideApi.as_view(), name="offer-approval-decide"),
    # configuration (R-INT-4)
    path("onboarding/pay-bands/", config_api.PayBandListApi.as_view(), name="pay-band-list"),
    path("onboarding/pay-bands/<int:pk>/", config_api.PayBandDetailApi.as_view(), name="pay-band-detail"),
    path("onboarding/offer-templates/", config_api.OfferTemplateListApi.as_view(), name="offer-template-list"),
    path("onboarding/offer-templates/<int:pk>/", config_api.OfferTemplateDetailApi.as_view(),
         name="offer-template-detail"),
    path("onboarding/checklist-templates/", config_api.ChecklistTemplateListApi.as_view(),
         name="checklist-template-list"),
    path("onboarding/checklist-templates/<int:pk>/", config_api.ChecklistTemplateDetailApi.as_view(),
         name="checklist-template-detail"),
    path("onboarding/cases/", api.CaseListApi.as_view(), name="onboarding-case-list"),
    path("onboarding/cases/<int:pk>/", api.CaseDetailApi.as_view(), name="onboarding-case-detail"),
    path("onboarding/cases/<int:pk>/reschedule/", api.CaseRescheduleApi.as_view(),
         name="onboarding-case-reschedule"),
    path("onboarding/cases/<int:pk>/cancel/", api.CaseCancelApi.as_view(), name="onboarding-case-cancel"),
    path("onboarding/checklist-items/<int:pk>/complete/", api.ChecklistItemCompleteApi.as_view(),
         name="onboarding-checklist-item-complete"),
]
