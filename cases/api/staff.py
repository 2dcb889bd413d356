"""Staff endpoints for families, people and cases: the pages' reads, as JSON.

What a member of staff can read is decided by the access policy, exactly as on the pages
(``cases.policies``): records they cannot see answer 404, whatever the reason. Every record a
response shows writes an ``AccessEvent`` with action ``api``: one per record on a list page
(one INSERT), one for a detail.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.base import ApiGenericView, ApiView, StaffRequired, staff_actor
from safeguarding.lib.api import STAFF_ERRORS, error_response
from teams.models import Team, User

from .. import services
from ..loader import FamilyContext, load_family, load_person, load_record
from ..models import (
    AccessAction,
    Allocation,
    Case,
    CaseStatus,
    ChildStatus,
    Family,
    FamilyMember,
    Person,
    RecordType,
)
from ..policies import basis_of
from ..selectors import (
    FamilyAccess,
    PersonView,
    case_detail_rows,
    case_list_for,
    code_labels,
    current_members,
    family_access,
    family_list_for,
    people_matching,
    person_list_for,
    person_view,
)
from ..validators import validate_nhs_number

INVALID_FILTER = error_response(
    "A filter is not valid: see `errors`.", 400, "The request has errors: see errors for each field"
)


def not_found(noun: str) -> OpenApiResponse:
    return error_response(
        f"No {noun} has this id, or you cannot see it (the answer is the same, so it does not "
        "say which).",
        404,
        "Not found.",
    )


# --- shared pieces ----------------------------------------------------------------------------


class TeamSummarySerializer(serializers.ModelSerializer[Team]):
    class Meta:
        model = Team
        fields = ["id", "slug", "name"]


class WorkerSerializer(serializers.ModelSerializer[User]):
    name = serializers.CharField(source="get_full_name")

    class Meta:
        model = User
        fields = ["id", "name"]


# --- families ---------------------------------------------------------------------------------


class FamilyFilter(django_filters.FilterSet):
    team = django_filters.CharFilter(
        field_name="owning_team__slug", help_text="The owning team's slug, e.g. `northgate`."
    )
    reference = django_filters.CharFilter(
        method="filter_reference",
        validators=[
            RegexValidator(
                r"^\s*(?i:FS-)?[0-9]{1,9}\s*$", "Enter a family reference like FS-000123"
            )
        ],
        help_text="The family's reference, e.g. `FS-000123`.",
    )
    restricted = django_filters.BooleanFilter(
        help_text="`true` for restricted families only, `false` for the others."
    )

    class Meta:
        model = Family
        fields: list[str] = []

    def filter_reference(
        self, queryset: QuerySet[Family], name: str, value: str
    ) -> QuerySet[Family]:
        pk = Family.pk_from_reference(value)
        return queryset.filter(pk=pk) if pk is not None else queryset.none()


class FamilyRowSerializer(serializers.ModelSerializer[Family]):
    reference = serializers.CharField(help_text="The family's reference, e.g. FS-000123.")
    owning_team = TeamSummarySerializer()
    open_case_id = serializers.SerializerMethodField(
        help_text="The family's open case, if there is one and you can see it."
    )

    class Meta:
        model = Family
        fields = ["id", "reference", "name", "owning_team", "restricted", "open_case_id"]

    def get_open_case_id(self, family: Family) -> int | None:
        access: FamilyAccess = self.context["access"][family.pk]
        return access.open_case_id


class AddressSerializer(serializers.Serializer[Any]):
    line_1 = serializers.CharField(source="address_line_1", allow_blank=True)
    line_2 = serializers.CharField(source="address_line_2", allow_blank=True)
    town = serializers.CharField(allow_blank=True)
    postcode = serializers.CharField(allow_blank=True)


class MemberSerializer(serializers.ModelSerializer[FamilyMember]):
    class Meta:
        model = FamilyMember
        fields = ["person_id", "household_role", "start_date"]


class FamilyDetailSerializer(FamilyRowSerializer):
    address = AddressSerializer(source="*")
    members = serializers.SerializerMethodField(
        help_text="The people in the household now; read each one at /people/{id}/."
    )

    class Meta(FamilyRowSerializer.Meta):
        fields = [*FamilyRowSerializer.Meta.fields, "address", "members"]

    @extend_schema_field(MemberSerializer(many=True))
    def get_members(self, family: Family) -> list[dict[str, Any]]:
        return MemberSerializer(self.context["members"], many=True).data  # type: ignore[return-value]


FAMILY_ROW_EXAMPLE = {
    "id": 123,
    "reference": "FS-000123",
    "name": "The Example family",
    "owning_team": {"id": 4, "slug": "northgate", "name": "Northgate Family Safeguarding Team"},
    "restricted": False,
    "open_case_id": 210,
}
FAMILY_DETAIL_EXAMPLE = {
    **FAMILY_ROW_EXAMPLE,
    "address": {
        "line_1": "1 Example Street",
        "line_2": "",
        "town": "Exampletown",
        "postcode": "EX1 1AA",
    },
    "members": [
        {"person_id": 501, "household_role": "child", "start_date": "2026-09-01"},
        {"person_id": 502, "household_role": "parent", "start_date": "2026-09-01"},
    ],
}


class FamilyListApi(ApiGenericView):
    permission_classes = [StaffRequired]
    filterset_class = FamilyFilter
    serializer_class = FamilyRowSerializer
    ordering = "-pk"

    def get_queryset(self) -> QuerySet[Family]:
        if getattr(self, "swagger_fake_view", False):
            return Family.objects.none()
        return family_list_for(staff_actor(self.request))

    @extend_schema(
        operation_id="families_list",
        summary="Families you can see",
        description=(
            "The families the access policy lets you see (your allocations, your teams, the "
            "services you manage, emergency access and shares), newest first, with cursor "
            "pagination (`page_size` up to 100). Filter by owning team, reference or whether "
            "the family is restricted. Each family listed is recorded in its access log."
        ),
        tags=["Staff: families"],
        responses={
            200: OpenApiResponse(FamilyRowSerializer(many=True), description="A page of families."),
            400: INVALID_FILTER,
            **STAFF_ERRORS,
        },
        examples=[OpenApiExample("A family", value=FAMILY_ROW_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        user = staff_actor(request)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        access = family_access(user, [family.pk for family in page])
        families = [family for family in page if family.pk in access]
        services.access_events_record_list(
            user=user,
            rows=[(RecordType.FAMILY, f.pk, f.pk, access[f.pk].basis) for f in families],
            action=AccessAction.API,
        )
        data = FamilyRowSerializer(families, many=True, context={"access": access}).data
        return self.get_paginated_response(data)


class FamilyDetailApi(ApiView):
    permission_classes = [StaffRequired]

    @extend_schema(
        operation_id="families_retrieve",
        summary="A family",
        description=(
            "One family: reference, name, address, owning team, whether it is restricted, its "
            "open case (if you can see it) and the people in the household now, by person id "
            "and household role. The read is recorded in the family's access log."
        ),
        tags=["Staff: families"],
        responses={
            200: OpenApiResponse(FamilyDetailSerializer, description="The family."),
            404: not_found("family"),
            **STAFF_ERRORS,
        },
        examples=[OpenApiExample("A family", value=FAMILY_DETAIL_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk: int) -> Response:
        ctx = load_family(staff_actor(request), pk, audit=True, action=AccessAction.API)
        case, family = ctx.case, ctx.family
        access = {
            family.pk: FamilyAccess(
                basis=ctx.basis,
                current_case_id=case.pk,
                open_case_id=case.pk if case.is_open else None,
            )
        }
        context = {"access": access, "members": current_members(family.pk)}
        return Response(FamilyDetailSerializer(family, context=context).data)


# --- people -----------------------------------------------------------------------------------


def _nhs_number_validator(value: str) -> None:
    validate_nhs_number(value)


class PersonFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=100,
        help_text="A name, or part of one; spelling variants match (`Jon Smyth` finds John Smith).",
    )
    nhs_number = django_filters.CharFilter(
        method="filter_nhs_number",
        validators=[_nhs_number_validator],
        help_text="Ten digits (spaces allowed).",
    )
    date_of_birth = django_filters.DateFilter(
        method="filter_date_of_birth",
        input_formats=["%Y-%m-%d"],
        help_text="YYYY-MM-DD.",
    )

    class Meta:
        model = Person
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return people_matching(queryset, name=value) if value.strip() else queryset

    def filter_nhs_number(
        self, queryset: QuerySet[Person], name: str, value: str
    ) -> QuerySet[Person]:
        return people_matching(queryset, nhs_number=validate_nhs_number(value))

    def filter_date_of_birth(
        self, queryset: QuerySet[Person], name: str, value: Any
    ) -> QuerySet[Person]:
        return people_matching(queryset, date_of_birth=value)


class FamilyLinkSerializer(serializers.ModelSerializer[Family]):
    reference = serializers.CharField()

    class Meta:
        model = Family
        fields = ["id", "reference"]


class PersonRowSerializer(serializers.ModelSerializer[Person]):
    families = serializers.SerializerMethodField(
        help_text="The families you can see that the person belongs to, current first."
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "given_name",
            "family_name",
            "date_of_birth",
            "expected_date_of_birth",
            "sex",
            "nhs_number",
            "families",
        ]

    @extend_schema_field(FamilyLinkSerializer(many=True))
    def get_families(self, person: Person) -> list[dict[str, Any]]:
        families = {m.family_id: m.family for m in person.visible_memberships}  # type: ignore[attr-defined]
        return FamilyLinkSerializer(list(families.values()), many=True).data  # type: ignore[return-value]


class PersonMembershipSerializer(serializers.ModelSerializer[FamilyMember]):
    family_reference = serializers.CharField(source="family.reference")

    class Meta:
        model = FamilyMember
        fields = ["family_id", "family_reference", "household_role", "start_date", "end_date"]


class PersonStatusSerializer(serializers.ModelSerializer[ChildStatus]):
    class Meta:
        model = ChildStatus
        fields = ["id", "case_id", "kind", "start_date", "end_date"]


class PersonDetailSerializer(serializers.ModelSerializer[Person]):
    """Context: ``person_view`` (``cases.selectors.PersonView``)."""

    memberships = serializers.SerializerMethodField(
        help_text="Memberships of the families you can see, past and present."
    )
    statuses = serializers.SerializerMethodField(
        help_text="Statutory status periods (plans, looked after, section 47) in those families."
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "given_name",
            "family_name",
            "date_of_birth",
            "expected_date_of_birth",
            "sex",
            "nhs_number",
            "deceased_date",
            "memberships",
            "statuses",
        ]

    @extend_schema_field(PersonMembershipSerializer(many=True))
    def get_memberships(self, person: Person) -> list[dict[str, Any]]:
        view: PersonView = self.context["person_view"]
        return PersonMembershipSerializer(view.memberships, many=True).data  # type: ignore[return-value]

    @extend_schema_field(PersonStatusSerializer(many=True))
    def get_statuses(self, person: Person) -> list[dict[str, Any]]:
        view: PersonView = self.context["person_view"]
        return PersonStatusSerializer(view.statuses, many=True).data  # type: ignore[return-value]


PERSON_ROW_EXAMPLE = {
    "id": 501,
    "given_name": "Sam",
    "family_name": "Example",
    "date_of_birth": "2017-09-03",
    "expected_date_of_birth": None,
    "sex": "U",
    "nhs_number": "9991234561",
    "families": [{"id": 123, "reference": "FS-000123"}],
}
PERSON_DETAIL_EXAMPLE = {
    **{k: v for k, v in PERSON_ROW_EXAMPLE.items() if k != "families"},
    "deceased_date": None,
    "memberships": [
        {
            "family_id": 123,
            "family_reference": "FS-000123",
            "household_role": "child",
            "start_date": "2026-09-01",
            "end_date": None,
        }
    ],
    "statuses": [
        {"id": 77, "case_id": 210, "kind": "cp_plan", "start_date": "2026-10-05", "end_date": None}
    ],
}


class PersonListApi(ApiGenericView):
    permission_classes = [StaffRequired]
    filterset_class = PersonFilter
    serializer_class = PersonRowSerializer
    ordering = "-pk"

    def get_queryset(self) -> QuerySet[Person]:
        if getattr(self, "swagger_fake_view", False):
            return Person.objects.none()
        return person_list_for(staff_actor(self.request))

    @extend_schema(
        operation_id="people_list",
        summary="Find people",
        description=(
            "People in the families you can see, newest first, with cursor pagination "
            "(`page_size` up to 100). Search by name (spelling variants match), NHS number or "
            "date of birth; criteria combine. Each person listed is recorded in their "
            "family's access log."
        ),
        tags=["Staff: people"],
        responses={
            200: OpenApiResponse(PersonRowSerializer(many=True), description="A page of people."),
            400: INVALID_FILTER,
            **STAFF_ERRORS,
        },
        examples=[OpenApiExample("A person", value=PERSON_ROW_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        user = staff_actor(request)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        first_family = {
            person.pk: person.visible_memberships[0].family_id  # type: ignore[attr-defined]
            for person in page
            if person.visible_memberships  # type: ignore[attr-defined]
        }
        access = family_access(user, list(set(first_family.values())))
        people = [p for p in page if first_family.get(p.pk) in access]
        services.access_events_record_list(
            user=user,
            rows=[
                (RecordType.PERSON, p.pk, first_family[p.pk], access[first_family[p.pk]].basis)
                for p in people
            ],
            action=AccessAction.API,
        )
        return self.get_paginated_response(PersonRowSerializer(people, many=True).data)


class PersonDetailApi(ApiView):
    permission_classes = [StaffRequired]

    @extend_schema(
        operation_id="people_retrieve",
        summary="A person",
        description=(
            "One person in a family you can see: their details, their memberships of the "
            "families you can see, and their statutory status periods in those families. The "
            "read is recorded in the family's access log."
        ),
        tags=["Staff: people"],
        responses={
            200: OpenApiResponse(PersonDetailSerializer, description="The person."),
            404: not_found("person"),
            **STAFF_ERRORS,
        },
        examples=[OpenApiExample("A child", value=PERSON_DETAIL_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk: int) -> Response:
        user = staff_actor(request)
        person, ctx = load_person(user, pk, audit=True, action=AccessAction.API)
        context = {"person_view": person_view(user, person, ctx.case)}
        return Response(PersonDetailSerializer(person, context=context).data)


# --- cases ------------------------------------------------------------------------------------


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)
    team = django_filters.CharFilter(
        field_name="family__owning_team__slug", help_text="The owning team's slug."
    )

    class Meta:
        model = Case
        fields: list[str] = []


class CaseFamilySerializer(serializers.ModelSerializer[Family]):
    reference = serializers.CharField()

    class Meta:
        model = Family
        fields = ["id", "reference", "name"]


class CaseRowSerializer(serializers.ModelSerializer[Case]):
    family = CaseFamilySerializer()
    lead_social_worker = WorkerSerializer()

    class Meta:
        model = Case
        fields = [
            "id",
            "family",
            "referral_date",
            "referral_source",
            "status",
            "closed_date",
            "lead_social_worker",
        ]


class AllocationSerializer(serializers.ModelSerializer[Allocation]):
    worker = WorkerSerializer()
    adult_id = serializers.IntegerField(
        allow_null=True, help_text="For adult specialists: the adult they work with."
    )

    class Meta:
        model = Allocation
        fields = ["id", "worker", "discipline", "adult_id", "start_date", "end_date"]


class CaseStatusSerializer(serializers.ModelSerializer[ChildStatus]):
    class Meta:
        model = ChildStatus
        fields = [
            "id",
            "person_id",
            "kind",
            "start_date",
            "end_date",
            "cp_initial_category",
            "cp_latest_category",
            "legal_status",
            "icpc_date",
            "next_review_date",
            "last_visit_date",
        ]


class CaseDetailSerializer(CaseRowSerializer):
    """Context: ``referral_sources`` (code to label)."""

    referral_source_label = serializers.SerializerMethodField()
    allocations = AllocationSerializer(
        many=True, source="active_allocations", help_text="The workers allocated now."
    )
    child_statuses = CaseStatusSerializer(
        many=True,
        source="current_child_statuses",
        help_text="The children's current statutory statuses.",
    )

    class Meta(CaseRowSerializer.Meta):
        fields = [
            *CaseRowSerializer.Meta.fields,
            "referral_source_label",
            "closure_reason",
            "assessment_completed_date",
            "allocations",
            "child_statuses",
        ]

    def get_referral_source_label(self, case: Case) -> str:
        labels: dict[str, str] = self.context["referral_sources"]
        return labels.get(case.referral_source, "")


CASE_ROW_EXAMPLE = {
    "id": 210,
    "family": {"id": 123, "reference": "FS-000123", "name": "The Example family"},
    "referral_date": "2026-09-01",
    "referral_source": "6",
    "status": "open",
    "closed_date": None,
    "lead_social_worker": {"id": 31, "name": "Alex Worker"},
}
CASE_DETAIL_EXAMPLE = {
    **CASE_ROW_EXAMPLE,
    "referral_source_label": "Police",
    "closure_reason": "",
    "assessment_completed_date": "2026-10-14",
    "allocations": [
        {
            "id": 400,
            "worker": {"id": 31, "name": "Alex Worker"},
            "discipline": "social_work",
            "adult_id": None,
            "start_date": "2026-09-01",
            "end_date": None,
        },
        {
            "id": 401,
            "worker": {"id": 35, "name": "Jo Specialist"},
            "discipline": "domestic_abuse",
            "adult_id": 502,
            "start_date": "2026-09-02",
            "end_date": None,
        },
    ],
    "child_statuses": [
        {
            "id": 77,
            "person_id": 501,
            "kind": "cp_plan",
            "start_date": "2026-10-05",
            "end_date": None,
            "cp_initial_category": "NEG",
            "cp_latest_category": "NEG",
            "legal_status": "",
            "icpc_date": "2026-10-05",
            "next_review_date": "2027-01-05",
            "last_visit_date": "2026-11-16",
        }
    ],
}


class CaseListApi(ApiGenericView):
    permission_classes = [StaffRequired]
    filterset_class = CaseFilter
    serializer_class = CaseRowSerializer
    ordering = "-pk"

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return case_list_for(staff_actor(self.request))

    @extend_schema(
        operation_id="cases_list",
        summary="Cases you can see",
        description=(
            "The cases the access policy lets you see, newest first, with cursor pagination "
            "(`page_size` up to 100). Filter by status or owning team. Each case listed is "
            "recorded in its family's access log."
        ),
        tags=["Staff: cases"],
        responses={
            200: OpenApiResponse(CaseRowSerializer(many=True), description="A page of cases."),
            400: INVALID_FILTER,
            **STAFF_ERRORS,
        },
        examples=[OpenApiExample("A case", value=CASE_ROW_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        user = staff_actor(request)
        cases = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        services.access_events_record_list(
            user=user,
            rows=[(RecordType.CASE, c.pk, c.family_id, basis_of(c)) for c in cases],
            action=AccessAction.API,
        )
        return self.get_paginated_response(CaseRowSerializer(cases, many=True).data)


class CaseDetailApi(ApiView):
    permission_classes = [StaffRequired]

    @extend_schema(
        operation_id="cases_retrieve",
        summary="A case",
        description=(
            "One case: referral date and source, status, lead social worker, the workers "
            "allocated now and the children's current statutory statuses. The read is "
            "recorded in the family's access log."
        ),
        tags=["Staff: cases"],
        responses={
            200: OpenApiResponse(CaseDetailSerializer, description="The case."),
            404: not_found("case"),
            **STAFF_ERRORS,
        },
        examples=[OpenApiExample("An open case", value=CASE_DETAIL_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk: int) -> Response:
        ctx: FamilyContext = load_record(
            staff_actor(request),
            case_detail_rows(),
            pk,
            audit=RecordType.CASE,
            action=AccessAction.API,
        )
        case = ctx.case
        context = {"referral_sources": code_labels("referral_source")}
        return Response(CaseDetailSerializer(case, context=context).data)
