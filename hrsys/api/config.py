"""The configuration API (R-INT-4): one shape for every configurable resource (departments, clock-in devices,
pay bands, offer and checklist templates, shift templates, reminder policies, door groups, rooms).

* Who: the role table (``hrsys.accounts.permissions``), nothing per resource. Configuration is read by those
  who may change it: listing and reading need ``<app>.change_<model>``, creating ``<app>.add_<model>``; the
  roles without them (managers, interviewers) get 403, whatever they may view elsewhere.
* Which rows: the data scope (``Model.objects.for_user``); a row of another organisation is 404, never 403.
  The role is checked first, so a role without the permission gets 403 for every id, existing or not.
* Writes: each resource's own services (``<entity>_create`` / ``<entity>_update``), audited; bad input is a
  400 naming the fields; secrets are write-only and a device's credential is shown once.

A resource subclasses :class:`ConfigListApi` and :class:`ConfigDetailApi` with its model, serializers and
services; its OpenAPI description is made from those (:func:`config_schema`), not written again.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from hrsys.core.config import config_rows

from .pagination import Pagination
from .schema import paginated


def require_config_perm(user, model, action: str) -> None:
    """403 unless the role grants ``<app>.<action>_<model>`` (``change`` for reading: see the module docstring)."""
    perm = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
    if not user.has_perm(perm):
        raise PermissionDenied(perm)


def config_queryset(model, user):
    """The rows the user may configure: the data scope when the model declares one, else every row (the same
    rule the configuration services write by, ``hrsys.core.config.config_rows``)."""
    return config_rows(model, user)


def config_object_or_404(model, user, pk: int):
    """One row to configure: within the data scope (404 outside it, never 403) when the model declares one."""
    row = config_rows(model, user).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


class AllOptional:
    """Mixin for an update serializer: every field of the create serializer, each optional (PATCH)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class ConfigListApi(APIView):
    """GET lists (paginated, in scope); POST creates through ``create_service``."""

    model = None
    output_serializer = None
    input_serializer = None
    create_service = None
    created_serializer = None  # the answer to a create, when it says more than a read (a device's credential)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.model is not None:
            config_schema(output=cls.output_serializer, input=cls.input_serializer,
                          created=cls.created_serializer)(cls)

    def get_queryset(self, request):
        return config_queryset(self.model, request.user)

    def get(self, request):
        require_config_perm(request.user, self.model, "change")
        paginator = Pagination()
        page = paginator.paginate_queryset(self.get_queryset(request).order_by("pk"), request, view=self)
        return paginator.get_paginated_response(self.output_serializer(page, many=True).data)

    def post(self, request):
        require_config_perm(request.user, self.model, "add")
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = type(self).create_service(actor=request.user, **data.validated_data)
        return Response(self.created(result), status=status.HTTP_201_CREATED)

    def created(self, result):
        return self.output_serializer(result).data


class ConfigDetailApi(APIView):
    """GET one (in scope); PATCH changes it through ``update_service`` (every field optional)."""

    model = None
    output_serializer = None
    update_serializer = None
    update_service = None
    id_argument = ""  # the service's keyword for the row's id, e.g. "pay_band_id"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.model is not None:
            config_schema(output=cls.output_serializer, update=cls.update_serializer)(cls)

    def get(self, request, pk: int):
        require_config_perm(request.user, self.model, "change")
        return Response(self.output_serializer(config_object_or_404(self.model, request.user, pk)).data)

    def patch(self, request, pk: int):
        require_config_perm(request.user, self.model, "change")
        config_object_or_404(self.model, request.user, pk)
        data = self.update_serializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        obj = type(self).update_service(actor=request.user, **{self.id_argument: pk}, **data.validated_data)
        return Response(self.output_serializer(obj).data)


def config_schema(*, output, input=None, update=None, created=None):  # noqa: A002 - the request body
    """``extend_schema_view`` for a list (``input`` given) or a detail view (``update`` given)."""
    if input is not None:
        return extend_schema_view(
            get=extend_schema(responses=paginated(output)),
            post=extend_schema(request=input, responses={201: created or output}),
        )
    return extend_schema_view(
        get=extend_schema(responses=output),
        patch=extend_schema(request=update, responses=output),
    )
