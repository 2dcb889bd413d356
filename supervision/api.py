"""Group supervision actions through the API: your actions, and marking one as done.

The same rules as the "My actions" page: you see the actions given to you on cases you can
see; the action's owner or a manager of the family's team may complete one (``can_complete_
action``), anyone else who can see the case gets 403, and a case you cannot see answers 404.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.base import ApiGenericView, ApiView, StaffRequired, staff_actor
from cases.api.staff import INVALID_FILTER, CaseFamilySerializer, WorkerSerializer, not_found
from cases.loader import RecordContext, load_record
from cases.models import Person
from safeguarding.lib.api import STAFF_ERRORS, Conflict, error_response

from . import services
from .models import ActionStatus, SupervisionAction
from .policies import ActionPermissions, action_permissions
from .selectors import action_records_for, my_actions


class ActionSerializer(serializers.ModelSerializer[SupervisionAction]):
    family = CaseFamilySerializer(source="case.family")
    overdue = serializers.SerializerMethodField(help_text="Open and past its due date.")
    children = serializers.ManyRelatedField(
        child_relation=serializers.PrimaryKeyRelatedField[Person](read_only=True),
        read_only=True,
        help_text="The children (person ids) the action is for.",
    )
    completed_by = WorkerSerializer(allow_null=True)

    class Meta:
        model = SupervisionAction
        fields = [
            "id",
            "description",
            "case_id",
            "family",
            "supervision_id",
            "due_date",
            "status",
            "overdue",
            "children",
            "completed_at",
            "completed_by",
            "completion_note",
        ]

    def get_overdue(self, action: SupervisionAction) -> bool:
        return action.is_overdue(timezone.localdate())


class ActionCompleteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(
        max_length=500, help_text="What was done, in a sentence or two (at least 3 characters)."
    )


class ActionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)

    class Meta:
        model = SupervisionAction
        fields: list[str] = []


ACTION_EXAMPLE = {
    "id": 640,
    "description": "Refer Sam to the school's breakfast club.",
    "case_id": 210,
    "family": {"id": 123, "reference": "FS-000123", "name": "The Example family"},
    "supervision_id": 88,
    "due_date": "2026-11-30",
    "status": "open",
    "overdue": False,
    "children": [501],
    "completed_at": None,
    "completed_by": None,
    "completion_note": "",
}
DONE_EXAMPLE = {
    **ACTION_EXAMPLE,
    "status": "done",
    "completed_at": "2026-11-22T09:00:00Z",
    "completed_by": {"id": 31, "name": "Alex Worker"},
    "completion_note": "Referred on Monday; Sam starts next week.",
}


class ActionListApi(ApiGenericView):
    permission_classes = [StaffRequired]
    filterset_class = ActionFilter
    serializer_class = ActionSerializer
    # The selector's one unique sort key: open first, soonest due first, then by id.
    ordering = "list_position"

    def get_queryset(self) -> QuerySet[SupervisionAction]:
        if getattr(self, "swagger_fake_view", False):
            return SupervisionAction.objects.none()
        return my_actions(staff_actor(self.request))

    @extend_schema(
        operation_id="actions_list",
        summary="Your actions from group supervision",
        description=(
            "The actions group supervision gave you, across the families you can see: open "
            "ones first, soonest due first, then done ones, with cursor pagination "
            "(`page_size` up to 100). Filter by status."
        ),
        tags=["Staff: supervision actions"],
        responses={
            200: OpenApiResponse(ActionSerializer(many=True), description="A page of actions."),
            400: INVALID_FILTER,
            **STAFF_ERRORS,
        },
        examples=[OpenApiExample("An open action", value=ACTION_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        return self.get_paginated_response(ActionSerializer(page, many=True).data)


class ActionCompleteApi(ApiView):
    permission_classes = [StaffRequired]

    @extend_schema(
        operation_id="actions_complete",
        summary="Mark an action as done",
        description=(
            "Marks an open action as done, with a note of what was done. The action's owner "
            "or a manager of the family's team may do this; anyone else who can see the "
            "family gets 403."
        ),
        tags=["Staff: supervision actions"],
        request=ActionCompleteSerializer,
        responses={
            200: OpenApiResponse(ActionSerializer, description="The action, now done."),
            400: error_response(
                "No note, or one too short to say what was done: see `errors`.",
                400,
                "The request has errors: see errors for each field",
            ),
            403: error_response(
                "You can see the family but the action is someone else's and you do not "
                "manage the team; or a partner token.",
                403,
                "Only the action's owner or a manager of the team can complete it",
            ),
            404: not_found("action"),
            409: error_response("The action is already done.", 409, "This action is already done"),
            401: STAFF_ERRORS[401],
            429: STAFF_ERRORS[429],
        },
        examples=[
            OpenApiExample(
                "A note",
                value={"note": "Referred on Monday; Sam starts next week."},
                request_only=True,
            ),
            OpenApiExample("The action, done", value=DONE_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = staff_actor(request)
        ctx: RecordContext[SupervisionAction, ActionPermissions] = load_record(
            user,
            action_records_for(user),
            pk,
            case_path="case",
            permissions=action_permissions,
        )
        action = ctx.record
        if not ctx.can.can_complete:
            raise exceptions.PermissionDenied(
                "Only the action's owner or a manager of the team can complete it"
            )
        if action.status == ActionStatus.DONE:
            raise Conflict("This action is already done")
        serializer = ActionCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.action_complete(actor=user, action=action, note=serializer.validated_data["note"])
        return Response(ActionSerializer(action_records_for(user).get(pk=pk)).data)


urlpatterns = [
    path("actions/", ActionListApi.as_view(), name="actions"),
    path("actions/<int:pk>/complete/", ActionCompleteApi.as_view(), name="action-complete"),
]
