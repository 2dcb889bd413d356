"""Partner endpoints: police domestic abuse notifications in, child protection status out.

Neither tells a partner whether the council knows a person: a notification's receipt is the
same whether it matched a family or went to triage, and the status lookup answers an unknown
NHS number exactly as it answers a known child who is on no plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases import services
from cases.api.base import (
    PARTNER_AUTHENTICATION,
    PURPOSE_PARAMETER,
    ApiView,
    PartnerScopeRequired,
    partner_client_of,
)
from cases.models import (
    AccessAction,
    AccessBasis,
    ChildStatus,
    DashRisk,
    PartnerNotification,
    Person,
    PersonRole,
    RecordType,
    StatusKind,
)
from cases.partners import services as partner_services
from cases.validators import validate_nhs_number
from safeguarding.lib.api import error_body, error_response
from teams.models import PartnerScope, Team

# --- documentation shared by the partner operations ---------------------------------------

_error = error_response


def partner_errors(scope: str) -> dict[int, OpenApiResponse]:
    """The 401, 403 and 429 every partner operation can answer, naming the scope it needs."""
    return {
        401: _error(
            "No token, or an expired or revoked one.",
            401,
            "Authentication credentials were not provided.",
        ),
        403: _error(
            f"The token lacks the `{scope}` scope, or the data-sharing agreement no longer "
            "covers it.",
            403,
            "This client's token or its organisation's data-sharing agreement does not include "
            f"the {scope} scope",
        ),
        429: _error(
            "Too many requests from this client: wait for Retry-After seconds.",
            429,
            "Request was throttled. Expected available in 12 seconds.",
        ),
    }


# --- notifications ------------------------------------------------------------------------


class NotifiedPersonSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(
        PersonRole.choices, help_text="The person's part in the incident."
    )
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    nhs_number = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=12,
        help_text="If the force knows it: ten digits (spaces allowed).",
    )
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)

    def validate_given_name(self, value: str) -> str:
        return _not_blank(value)

    def validate_family_name(self, value: str) -> str:
        return _not_blank(value)

    def validate_date_of_birth(self, value: dt.date | None) -> dt.date | None:
        if value is not None and value > timezone.localdate():
            raise serializers.ValidationError("A date of birth cannot be in the future")
        if value is not None and value.year < 1900:
            raise serializers.ValidationError("A date of birth must be after 1900")
        return value

    def validate_nhs_number(self, value: str) -> str:
        if not value.strip():
            return ""
        try:
            return validate_nhs_number(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise serializers.ValidationError("This field may not be blank.")
    return value


class NotificationSerializer(serializers.Serializer[Any]):
    reference = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9/_.:-]{0,63}$",
        max_length=64,
        help_text="The force's own reference for the incident report. Sending the same "
        "reference again returns the notification stored the first time.",
    )
    incident_at = serializers.DateTimeField(help_text="When the incident happened (ISO 8601).")
    dash_risk_level = serializers.ChoiceField(
        DashRisk.choices, help_text="The DASH risk level the police assessed."
    )
    children_present = serializers.BooleanField(
        help_text="Whether children were present at the incident."
    )
    summary = serializers.CharField(
        max_length=2000, help_text="A short factual summary of the incident."
    )
    # ListSerializer takes min_length/max_length (DRF 3.14+); the stubs do not know them yet.
    people = NotifiedPersonSerializer(many=True, min_length=1, max_length=30)  # type: ignore[call-arg]

    def validate_incident_at(self, value: dt.datetime) -> dt.datetime:
        if value > timezone.now() + dt.timedelta(minutes=5):
            raise serializers.ValidationError("The incident cannot be in the future")
        if value.year < 2000:
            raise serializers.ValidationError("The incident must be after 2000")
        return value

    def validate_summary(self, value: str) -> str:
        return _not_blank(value)


class ReceiptSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id", help_text="The council's id for it.")
    reference = serializers.CharField(help_text="The force's reference, as sent.")
    received_at = serializers.DateTimeField()
    status = serializers.SerializerMethodField(
        help_text="Always `received`: whether the council knows the people named is not disclosed."
    )

    def get_status(self, obj: PartnerNotification) -> str:
        return "received"


NOTIFICATION_EXAMPLE = {
    "reference": "WX-DA-2026-004211",
    "incident_at": "2026-11-21T22:40:00Z",
    "dash_risk_level": "high",
    "children_present": True,
    "summary": "Officers attended a verbal and physical argument between two adults. Two "
    "children were in the house; neither was hurt.",
    "people": [
        {
            "role": "victim",
            "given_name": "Alex",
            "family_name": "Example",
            "date_of_birth": "1990-04-12",
            "nhs_number": "",
            "address": "1 Example Street, Exampletown, EX1 1AA",
        },
        {
            "role": "child",
            "given_name": "Sam",
            "family_name": "Example",
            "date_of_birth": "2017-09-03",
            "nhs_number": "9991234561",
            "address": "1 Example Street, Exampletown, EX1 1AA",
        },
    ],
}
RECEIPT_EXAMPLE = {
    "id": "0b6f7f2e-8d1a-4f7c-9a53-1c2d3e4f5a6b",
    "reference": "WX-DA-2026-004211",
    "received_at": "2026-11-21T22:47:13Z",
    "status": "received",
}


class NotificationCreateApi(ApiView):
    authentication_classes = PARTNER_AUTHENTICATION
    permission_classes = [PartnerScopeRequired]
    partner_scope = PartnerScope.NOTIFICATIONS_WRITE
    operation = "notification.create"
    purpose = "Police domestic abuse notification to children's social care."

    @extend_schema(
        operation_id="partner_notification_create",
        summary="Send a police domestic abuse notification",
        description=(
            "Tells the council about a domestic abuse incident the force attended. The "
            "notification is matched to an open Family Safeguarding family (by NHS number, "
            "otherwise by a family member's name and date of birth) and appears on the "
            "family's chronology and at its next group supervision; if no single family "
            "matches, it waits for the council's team standards coordinators to triage.\n\n"
            "**Idempotent on `reference`**: sending the same reference again (for example a "
            "retry after a timeout) returns the first receipt with `200 OK` and stores "
            "nothing new. The response never says whether the people were known to the "
            "council.\n\nRequires the `notifications:write` scope."
        ),
        tags=["Partner: notifications"],
        parameters=[PURPOSE_PARAMETER],
        request=NotificationSerializer,
        responses={
            201: OpenApiResponse(ReceiptSerializer, description="Received and stored."),
            200: OpenApiResponse(
                ReceiptSerializer, description="Already received: the first receipt again."
            ),
            400: _error(
                "The notification has errors: see `errors`.",
                400,
                "The request has errors: see errors for each field",
            ),
            413: _error("The body is over 64 KB.", 413, "The request body is too large"),
            **partner_errors(PartnerScope.NOTIFICATIONS_WRITE),
        },
        examples=[
            OpenApiExample("A notification", value=NOTIFICATION_EXAMPLE, request_only=True),
            OpenApiExample("Receipt", value=RECEIPT_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        client = partner_client_of(request)
        assert client is not None  # the permission class made sure
        serializer = NotificationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        details = partner_services.NotificationDetails(
            reference=data["reference"],
            incident_at=data["incident_at"],
            dash_risk_level=data["dash_risk_level"],
            children_present=data["children_present"],
            summary=data["summary"],
            people=[partner_services.NotifiedPerson(**person) for person in data["people"]],
        )
        receipt = partner_services.partner_notification_receive(client=client, details=details)
        self._receipt = receipt
        return Response(
            ReceiptSerializer(receipt.notification).data,
            status=status.HTTP_201_CREATED if receipt.created else status.HTTP_200_OK,
        )

    def disclosed(self, request: Request, response: Response) -> dict[str, Any]:
        receipt = getattr(self, "_receipt", None)
        if receipt is None:
            return {}
        return {
            "received": str(receipt.notification.public_id),
            "reference": receipt.notification.reference,
            "new": receipt.created,
        }


# --- child protection status ----------------------------------------------------------------


class StatusPeriodSerializer(serializers.Serializer[Any]):
    active = serializers.BooleanField()
    since = serializers.DateField(
        allow_null=True, help_text="The first day of the current period; null when not active."
    )


class TeamContactSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    email = serializers.CharField(source="contact_email", allow_blank=True)
    phone = serializers.CharField(source="contact_phone", allow_blank=True)


class ChildStatusSerializer(serializers.Serializer[Any]):
    nhs_number = serializers.CharField()
    child_protection_plan = StatusPeriodSerializer()
    looked_after = StatusPeriodSerializer()
    responsible_team = TeamContactSerializer(
        allow_null=True,
        help_text="Whom to contact: the team responsible for the child, or null when the "
        "child is on no plan and not looked after.",
    )


NOT_SUBJECT = {"active": False, "since": None}


def _period_start(statuses: list[ChildStatus], current: ChildStatus) -> dt.date:
    """Where the unbroken run of this kind of status that ``current`` belongs to began
    (a looked-after child's legal status can change without a break in care)."""
    start = current.start_date
    earlier = sorted(
        (s for s in statuses if s.kind == current.kind and s.start_date < start),
        key=lambda s: s.start_date,
        reverse=True,
    )
    for status_row in earlier:
        if status_row.end_date is not None and status_row.end_date >= start - dt.timedelta(days=1):
            start = status_row.start_date
        else:
            break
    return start


def child_status_answer(
    nhs_number: str,
) -> tuple[dict[str, Any], Person | None, Team | None, int | None]:
    """The answer for one NHS number, the person (only when on a plan or looked after), the
    responsible team, and the family whose "who viewed" page records the lookup.

    One query: the person's protection and care periods plus any other current status (the
    family the lookup is recorded against), each with its person, case, family and team."""
    today = timezone.localdate()
    rows = list(
        ChildStatus.objects.filter(person__nhs_number=nhs_number)
        .filter(
            Q(kind__in=[StatusKind.CP_PLAN, StatusKind.LOOKED_AFTER])
            | Q(end_date__isnull=True)
            | Q(end_date__gt=today)
        )
        .select_related("person", "case__family__owning_team")
        .order_by("-start_date", "pk")
    )
    statuses = [s for s in rows if s.kind in (StatusKind.CP_PLAN, StatusKind.LOOKED_AFTER)]
    active = [
        s for s in statuses if s.start_date <= today and (s.end_date is None or s.end_date > today)
    ]
    answer: dict[str, Any] = {
        "nhs_number": nhs_number,
        "child_protection_plan": dict(NOT_SUBJECT),
        "looked_after": dict(NOT_SUBJECT),
        "responsible_team": None,
    }
    team: Team | None = None
    for kind, key in (
        (StatusKind.CP_PLAN, "child_protection_plan"),
        (StatusKind.LOOKED_AFTER, "looked_after"),
    ):
        current = next((s for s in active if s.kind == kind), None)
        if current is not None:
            answer[key] = {"active": True, "since": _period_start(statuses, current)}
            team = team or current.case.family.owning_team
    if team is not None:
        answer["responsible_team"] = team
    if not active:
        return answer, None, team, None
    family_id = next(
        (s.case.family_id for s in rows if s.end_date is None or s.end_date > today), None
    )
    return answer, active[0].person, team, family_id


class ChildStatusLookupApi(ApiView):
    authentication_classes = PARTNER_AUTHENTICATION
    permission_classes = [PartnerScopeRequired]
    partner_scope = PartnerScope.CHILD_STATUS_READ
    operation = "child_status.read"
    purpose = "Safeguarding check: is the child on a child protection plan or looked after."

    @extend_schema(
        operation_id="partner_child_status_retrieve",
        summary="Is this child on a child protection plan or looked after?",
        description=(
            "Answers, for one NHS number, whether the child is subject to a child protection "
            "plan or looked after today, since when, and which team to contact. Nothing else: "
            "no names, no addresses, no narrative.\n\n"
            "An NHS number the council does not know gets **exactly the same answer** as a "
            "known child who is on no plan, so the lookup cannot be used to find out whom the "
            "council knows.\n\nRequires the `child-status:read` scope."
        ),
        tags=["Partner: child protection status"],
        parameters=[
            PURPOSE_PARAMETER,
            OpenApiParameter(
                "nhs_number",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The child's NHS number: ten digits, spaces allowed "
                "(`999 123 4561`). A number that fails its check digit is refused (400).",
                pattern=r"^[0-9]{3} ?[0-9]{3} ?[0-9]{4}$",
            ),
        ],
        responses={
            200: OpenApiResponse(ChildStatusSerializer, description="The child's status."),
            400: _error(
                "The NHS number is not ten digits or fails its check digit.",
                400,
                "The request has errors: see errors for each field",
            ),
            **partner_errors(PartnerScope.CHILD_STATUS_READ),
        },
        examples=[
            OpenApiExample(
                "On a plan",
                value={
                    "nhs_number": "9991234561",
                    "child_protection_plan": {"active": True, "since": "2026-06-02"},
                    "looked_after": {"active": False, "since": None},
                    "responsible_team": {
                        "name": "Family Safeguarding Team North",
                        "email": "fs.north@council.example.org",
                        "phone": "01632 960 001",
                    },
                },
                response_only=True,
            ),
            OpenApiExample(
                "Not subject to a plan (or not known)",
                value={
                    "nhs_number": "9991234561",
                    "child_protection_plan": {"active": False, "since": None},
                    "looked_after": {"active": False, "since": None},
                    "responsible_team": None,
                },
                response_only=True,
            ),
        ],
    )
    def get(self, request: Request, nhs_number: str) -> Response:
        try:
            digits = validate_nhs_number(nhs_number)
        except DjangoValidationError as error:
            return Response(
                error_body(
                    400,
                    "The request has errors: see errors for each field",
                    code="invalid",
                    errors={"nhs_number": error.messages},
                ),
                status=400,
            )
        answer, person, team, family_id = child_status_answer(digits)
        self._disclosed = {
            "nhs_number": digits,
            "child_protection_plan": answer["child_protection_plan"]["active"],
            "looked_after": answer["looked_after"]["active"],
            "responsible_team_id": team.pk if team else None,
        }
        if person is not None:
            # The family's "who viewed" page shows that a partner looked the child up.
            services.access_event_record(
                user=None,
                record_type=RecordType.PERSON,
                record_id=person.pk,
                family_id=family_id,
                basis=AccessBasis.PARTNER,
                action=AccessAction.API,
            )
        return Response(ChildStatusSerializer(answer).data)

    def disclosed(self, request: Request, response: Response) -> dict[str, Any]:
        return getattr(self, "_disclosed", {})
