"""Workbook entries through the API: read, start a draft, change its answers, submit it.

The same rules as the pages (``workbook.policies``, ``workbook.services``): drafts are their
author's until submitted (others get 404), only allocated workers of an open case write, and a
save names the version it started from, so a stale save is refused (409) and kept as a
conflict revision, never last-write-wins. Updates also need ``If-Match`` with the entry's
ETag (428 without it, 412 when it is not the current one).

Answers use the keys the form definitions store them under: a question's name, a list of
values for a question with several answers, and a date as three keys (``<name>_0`` day,
``<name>_1`` month, ``<name>_2`` year), exactly as the pages post them.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.base import ApiGenericView, ApiView, StaffRequired, staff_actor
from cases.api.staff import INVALID_FILTER, WorkerSerializer, not_found
from cases.loader import FamilyContext, RecordContext, load_record
from cases.models import AccessAction, Case, RecordType
from cases.selectors import case_access, current_members
from cases.services import access_events_record_list
from safeguarding.lib.api import STAFF_ERRORS, Conflict, check_if_match, error_response, etag_for
from teams.models import User

from . import services
from .forms_catalogue import RESTRICTED_HEALTH_FIELDS
from .models import Entry, EntryStatus
from .policies import EntryPermissions, can_author, entry_permissions
from .registry import FORMS, get_form_spec
from .selectors import entry_details_for, entry_list_for, form_context

FORM_CHOICES = [(spec.slug, spec.title) for spec in FORMS]
HEALTH_FORM = "adult-assessment"


# --- answers ----------------------------------------------------------------------------------


ANSWER_SCHEMA = {
    "oneOf": [
        {"type": "string"},
        {"type": "integer"},
        {"type": "array", "items": {"type": "string"}},
    ],
    "description": "An answer: text, a whole number, or a list of values for a question with "
    "several answers.",
}


@extend_schema_field(ANSWER_SCHEMA)
class AnswerField(serializers.Field):
    default_error_messages = {
        "invalid": "Give text, a whole number, or a list of values for a question with "
        "several answers"
    }

    def to_internal_value(self, data: Any) -> str | list[str]:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str | int):
            return str(data)
        if isinstance(data, list) and all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in data
        ):
            return [str(v) for v in data]
        self.fail("invalid")
        raise AssertionError  # fail() raised

    def to_representation(self, value: Any) -> Any:
        return value


def _form_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    """A form's validation errors (or the save's unknown questions) as 400
    ``answers.<question>`` messages."""
    messages = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    return serializers.ValidationError(
        {
            "answers": {
                ("non_field_errors" if key == NON_FIELD_ERRORS else key): value
                for key, value in messages.items()
            }
        }
    )


# --- serializers ------------------------------------------------------------------------------


class EntryRowSerializer(serializers.ModelSerializer[Entry]):
    case_id = serializers.IntegerField(source="workbook.case_id")
    form = serializers.CharField(source="form_slug", help_text="The form's slug.")
    form_title = serializers.CharField()
    subject_person_id = serializers.IntegerField(
        allow_null=True, help_text="The child or adult the entry is about; null for the family."
    )
    author = WorkerSerializer()

    class Meta:
        model = Entry
        fields = [
            "id",
            "case_id",
            "form",
            "form_title",
            "form_version",
            "subject_person_id",
            "author",
            "status",
            "version",
            "significant",
            "created_at",
            "updated_at",
            "submitted_at",
        ]


class EntryDetailSerializer(EntryRowSerializer):
    """Context: ``show_health`` (whether the reader may see an adult assessment's health
    answers)."""

    answers = serializers.SerializerMethodField(
        help_text="The answers, keyed as the form stores them (a date is `<name>_0` day, "
        "`<name>_1` month, `<name>_2` year)."
    )
    withheld_answers = serializers.SerializerMethodField(
        help_text="Health answers left out: only the workers allocated to the family and "
        "their managers see them."
    )
    authorised_by = WorkerSerializer(allow_null=True)
    corrects_id = serializers.IntegerField(
        allow_null=True, help_text="The locked entry this one corrects, if any."
    )
    cycle = serializers.IntegerField(source="cycle.number", help_text="The workbook cycle.")

    class Meta(EntryRowSerializer.Meta):
        fields = [
            *EntryRowSerializer.Meta.fields,
            "cycle",
            "significant_summary",
            "returned_reason",
            "authorised_at",
            "authorised_by",
            "corrects_id",
            "answers",
            "withheld_answers",
        ]

    def _withheld(self, entry: Entry) -> set[str]:
        if entry.form_slug != HEALTH_FORM or self.context["show_health"]:
            return set()
        return set(RESTRICTED_HEALTH_FIELDS) & set(entry.data)

    @extend_schema_field({"type": "object", "additionalProperties": ANSWER_SCHEMA})
    def get_answers(self, entry: Entry) -> dict[str, Any]:
        withheld = self._withheld(entry)
        return {key: value for key, value in entry.data.items() if key not in withheld}

    def get_withheld_answers(self, entry: Entry) -> list[str]:
        return sorted(self._withheld(entry))


class EntryCreateSerializer(serializers.Serializer[Any]):
    case = serializers.IntegerField(min_value=1, help_text="The case to write on.")
    form = serializers.ChoiceField(FORM_CHOICES, help_text="The form's slug.")
    subject_person = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The child or adult the entry is about, for forms about one person.",
    )
    answers = serializers.DictField(child=AnswerField(), required=False, default=dict)
    significant = serializers.BooleanField(
        default=False, help_text="Put this entry in the family's chronology when submitted."
    )
    significant_summary = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="The one-line chronology summary; needed when significant is true.",
    )


class EntryUpdateSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(
        min_value=1,
        help_text="The version you read and changed. If someone saved the entry since, the "
        "update is refused with 409 and your answers are kept as a conflict revision.",
    )
    answers = serializers.DictField(
        child=AnswerField(),
        required=False,
        default=dict,
        help_text="The answers to change: questions you leave out keep their saved answer; "
        "send an empty string to clear one.",
    )
    significant = serializers.BooleanField(required=False)
    significant_summary = serializers.CharField(required=False, allow_blank=True, max_length=200)


NEEDS_SUMMARY = f"{services.SUMMARY_NEEDED}, or set significant to false"


SAVE_REFUSALS = (services.AnswerKeysError, services.SummaryNeededError)


def _save_errors(
    exc: services.AnswerKeysError | services.SummaryNeededError,
) -> serializers.ValidationError:
    """A save the service refused, as the API words it: unknown questions under
    ``answers.<key>``; a significant entry without its summary under ``significant_summary``."""
    if isinstance(exc, services.AnswerKeysError):
        return _form_errors(exc)
    return serializers.ValidationError({"significant_summary": [NEEDS_SUMMARY]})


ENTRY_ROW_EXAMPLE = {
    "id": 900,
    "case_id": 210,
    "form": "case-note",
    "form_title": "Case note",
    "form_version": 1,
    "subject_person_id": 501,
    "author": {"id": 31, "name": "Alex Worker"},
    "status": "draft",
    "version": 3,
    "significant": False,
    "created_at": "2026-11-20T10:02:11Z",
    "updated_at": "2026-11-20T10:15:40Z",
    "submitted_at": None,
}
CASE_NOTE_ANSWERS = {
    "contact_date_0": "16",
    "contact_date_1": "11",
    "contact_date_2": "2026",
    "contact_type": "home_visit",
    "present": "Sam and their mother",
    "what_happened": "Talked about the plan and the school run.",
    "statement_1": "The kitchen had food in the cupboards.",
    "statement_1_kind": "fact",
}
ENTRY_DETAIL_EXAMPLE = {
    **ENTRY_ROW_EXAMPLE,
    "cycle": 2,
    "significant_summary": "",
    "returned_reason": "",
    "authorised_at": None,
    "authorised_by": None,
    "corrects_id": None,
    "answers": CASE_NOTE_ANSWERS,
    "withheld_answers": [],
}
ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="The entry's current version tag: send it back as If-Match to change it.",
)
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag from your last read of the entry.",
)
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag from your last read: if sent, the entry is submitted only if it is "
    "still that version (412 otherwise).",
)
CANNOT_WRITE = (
    "You cannot write this form on this case. Workbook entries are written by the workers "
    "allocated to an open case, and some forms only by some disciplines"
)
NOT_AUTHOR = "Only the entry's author can change or submit it"


# --- views ------------------------------------------------------------------------------------


def _with_etag(response: Response, entry: Entry) -> Response:
    response["ETag"] = etag_for(entry.pk, entry.version)
    return response


EntryContext = RecordContext[Entry, EntryPermissions]


def _load(user: User, entry_pk: int, *, audit: bool = False) -> EntryContext:
    """The entry (404 unless the user may see it), its case and what the user may do with it;
    ``audit`` records the read in the family's access log."""
    return load_record(
        user,
        entry_details_for(user),
        entry_pk,
        case_path="workbook__case",
        permissions=entry_permissions,
        audit=RecordType.ENTRY if audit else None,
        action=AccessAction.API,
    )


def _require_author(ctx: EntryContext) -> None:
    """403 unless the user wrote the entry and may still write its form on the case."""
    if not ctx.can.is_author:
        raise exceptions.PermissionDenied(NOT_AUTHOR)
    if ctx.can.spec is None:  # a form removed from the registry: its entries are history
        raise exceptions.PermissionDenied("This entry's form is no longer in use")
    if not ctx.can.can_write_form:
        raise exceptions.PermissionDenied(CANNOT_WRITE)


def _detail(entry: Entry, can: EntryPermissions) -> EntryDetailSerializer:
    return EntryDetailSerializer(entry, context={"show_health": can.can_see_health_detail})


class EntryFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="workbook__case_id", help_text="A case's id.")
    form = django_filters.ChoiceFilter(
        field_name="form_slug", choices=FORM_CHOICES, help_text="A form's slug."
    )
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices)

    class Meta:
        model = Entry
        fields: list[str] = []


class EntryListApi(ApiGenericView):
    permission_classes = [StaffRequired]
    filterset_class = EntryFilter
    serializer_class = EntryRowSerializer
    ordering = "-pk"

    def get_queryset(self) -> QuerySet[Entry]:
        if getattr(self, "swagger_fake_view", False):
            return Entry.objects.none()
        return entry_list_for(staff_actor(self.request))

    @extend_schema(
        operation_id="entries_list",
        summary="Workbook entries you can see",
        description=(
            "Entries on the cases you can see, newest first, with cursor pagination "
            "(`page_size` up to 100): everyone's submitted and authorised entries, and your "
            "own drafts and returned entries (other people's drafts are theirs until "
            "submitted). Filter by case, form or status. No answers here: read an entry for "
            "them. Each entry listed is recorded in its family's access log."
        ),
        tags=["Staff: workbook"],
        responses={
            200: OpenApiResponse(EntryRowSerializer(many=True), description="A page of entries."),
            400: INVALID_FILTER,
            **STAFF_ERRORS,
        },
        examples=[OpenApiExample("An entry", value=ENTRY_ROW_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        user = staff_actor(request)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        bases = case_access(user, list({entry.workbook.case_id for entry in page}))
        entries = [entry for entry in page if entry.workbook.case_id in bases]
        access_events_record_list(
            user=user,
            rows=[
                (RecordType.ENTRY, e.pk, e.workbook.case.family_id, bases[e.workbook.case_id])
                for e in entries
            ],
            action=AccessAction.API,
        )
        return self.get_paginated_response(EntryRowSerializer(entries, many=True).data)

    @extend_schema(
        operation_id="entries_create",
        summary="Start a workbook entry",
        description=(
            "Starts a draft of one of the workbook's forms on an open case, in its current "
            "cycle, with any answers you already have. You must be allocated to the case, "
            "and some forms are written only by some disciplines (403 otherwise). Forms about "
            "a child or an adult need `subject_person`, a current member of the family.\n\n"
            "Answers are not checked against the form's rules until you submit: a draft may "
            "be half written. An unknown question, or a list where one answer is expected, "
            "is refused (400). Asking for a second intervention summary in the same cycle "
            "answers 409: change the one you have.\n\n"
            "The response carries the entry's `ETag`: send it back as `If-Match` to change it."
        ),
        tags=["Staff: workbook"],
        parameters=[ETAG_HEADER],
        request=EntryCreateSerializer,
        responses={
            201: OpenApiResponse(EntryDetailSerializer, description="The new draft."),
            400: error_response(
                "The request has errors (an unknown form, question or person, or a missing "
                "subject or chronology summary): see `errors`.",
                400,
                "The request has errors: see errors for each field",
            ),
            403: error_response(
                "You can see the case but may not write this form on it (not allocated, not "
                "a discipline that writes it, or the case is closed); or a partner token.",
                403,
                CANNOT_WRITE,
            ),
            404: not_found("case"),
            409: error_response(
                "You already have your intervention summary for this cycle.",
                409,
                "You already have an intervention summary in this cycle (entry 900): change "
                "that one",
            ),
            401: STAFF_ERRORS[401],
            429: STAFF_ERRORS[429],
        },
        examples=[
            OpenApiExample(
                "A case note about a child",
                value={
                    "case": 210,
                    "form": "case-note",
                    "subject_person": 501,
                    "answers": CASE_NOTE_ANSWERS,
                },
                request_only=True,
            ),
            OpenApiExample("The new draft", value=ENTRY_DETAIL_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        user = staff_actor(request)
        serializer = EntryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            case_ctx: FamilyContext = load_record(user, Case.objects.all(), data["case"])
        except Http404 as exc:
            raise exceptions.NotFound("No case has this id, or you cannot see it") from exc
        case = case_ctx.case
        spec = get_form_spec(data["form"])
        assert spec is not None  # the serializer offered only registered forms
        if not can_author(user, case, spec, case_ctx.perms):
            raise exceptions.PermissionDenied(CANNOT_WRITE)
        person = None
        if data["subject_person"] is not None:
            person = next(
                (
                    m.person
                    for m in current_members(case.family_id)
                    if m.person_id == data["subject_person"]
                ),
                None,
            )
            if person is None:
                raise serializers.ValidationError(
                    {"subject_person": ["Choose a current member of this family"]}
                )
        try:
            entry = services.entry_create(
                actor=user,
                case=case,
                form_slug=spec.slug,
                subject_person=person,
                answers=data["answers"],
                significant=data["significant"],
                significant_summary=data["significant_summary"],
            )
        except services.ChapterExistsError as exc:
            raise Conflict(
                f"You already have an {spec.title.lower()} in this cycle (entry "
                f"{exc.entry.pk}): change that one"
            ) from exc
        except SAVE_REFUSALS as exc:
            raise _save_errors(exc) from exc
        can = entry_permissions(user, entry, case, case_ctx.perms)
        response = Response(_detail(entry, can).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:entry", args=[entry.pk])
        return _with_etag(response, entry)


class EntryDetailApi(ApiView):
    permission_classes = [StaffRequired]

    @extend_schema(
        operation_id="entries_retrieve",
        summary="A workbook entry",
        description=(
            "One entry with its answers and its `version`; the `ETag` header names that "
            "version, for `If-Match` on an update. The health answers of an adult assessment "
            "are left out (and named in `withheld_answers`) unless you are allocated to the "
            "family or manage its team. The read is recorded in the family's access log."
        ),
        tags=["Staff: workbook"],
        parameters=[ETAG_HEADER],
        responses={
            200: OpenApiResponse(EntryDetailSerializer, description="The entry."),
            404: not_found("entry"),
            **STAFF_ERRORS,
        },
        examples=[
            OpenApiExample("A draft case note", value=ENTRY_DETAIL_EXAMPLE, response_only=True)
        ],
    )
    def get(self, request: Request, pk: int) -> Response:
        user = staff_actor(request)
        ctx = _load(user, pk, audit=True)
        return _with_etag(Response(_detail(ctx.record, ctx.can).data), ctx.record)

    @extend_schema(
        operation_id="entries_partial_update",
        summary="Change a draft's answers",
        description=(
            "Saves answers to your own draft (or returned entry). Two checks stop one save "
            "overwriting another, and both are needed:\n\n"
            "- `If-Match` must carry the entry's current `ETag` (428 when it is missing, 412 "
            "when the entry changed since you read it);\n"
            "- the body's `version` is the version your changes start from: if someone saved "
            "since (even between your read and this request), the update is refused with 409 "
            "and your answers are kept as a conflict revision, so nothing you sent is lost. "
            "Read the entry again, bring your changes in, and send the new version.\n\n"
            "Questions you leave out keep their saved answer. Answers are checked against the "
            "form's rules when you submit, not here. A submitted or authorised entry cannot "
            "be changed (409)."
        ),
        tags=["Staff: workbook"],
        parameters=[IF_MATCH_REQUIRED, ETAG_HEADER],
        request=EntryUpdateSerializer,
        responses={
            200: OpenApiResponse(EntryDetailSerializer, description="Saved: the new version."),
            400: error_response(
                "The body has errors (no version, an unknown question, a missing chronology "
                "summary): see `errors`.",
                400,
                "The request has errors: see errors for each field",
            ),
            403: error_response(
                "You can see the entry but it is not yours, or you are no longer allocated to "
                "the case; or a partner token.",
                403,
                NOT_AUTHOR,
            ),
            404: not_found("entry"),
            409: error_response(
                "Someone saved the entry after the version you sent (your answers are kept as "
                "a conflict revision), or it has been submitted.",
                409,
                "Someone saved this entry after version 3 (it is now at version 4). Your "
                "answers are kept as revision 5120: read the entry again, bring in your "
                "changes and send the new version",
            ),
            412: error_response(
                "If-Match is not the entry's current ETag: read it again.",
                412,
                "If-Match does not match the record's current ETag",
            ),
            428: error_response(
                "No If-Match header.",
                428,
                "Send If-Match with the ETag you read, so a stale update cannot overwrite a "
                "newer one",
            ),
            401: STAFF_ERRORS[401],
            429: STAFF_ERRORS[429],
        },
        examples=[
            OpenApiExample(
                "Change two answers",
                value={
                    "version": 3,
                    "answers": {
                        "what_happened": "Talked about the plan, the school run and bedtimes.",
                        "statement_2": "Sam seemed more settled than last week.",
                        "statement_2_kind": "opinion",
                    },
                },
                request_only=True,
            ),
            OpenApiExample("The saved draft", value=ENTRY_DETAIL_EXAMPLE, response_only=True),
        ],
    )
    def patch(self, request: Request, pk: int) -> Response:
        user = staff_actor(request)
        ctx = _load(user, pk)
        _require_author(ctx)
        check_if_match(request, etag_for(ctx.record.pk, ctx.record.version))
        serializer = EntryUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = services.entry_save(
                actor=user,
                entry_id=pk,
                answers=data["answers"],
                partial=True,
                base_version=data["version"],
                # Left out: the entry keeps its own.
                significant=data.get("significant"),
                significant_summary=data.get("significant_summary"),
                refuse_unsummarised=True,
            )
        except services.EntryNotEditableError as exc:
            raise Conflict(exc.messages[0]) from exc
        except SAVE_REFUSALS as exc:
            raise _save_errors(exc) from exc
        if result.conflict is not None:
            raise Conflict(
                f"Someone saved this entry after version {data['version']} (it is now at "
                f"version {result.entry.version}). Your answers are kept as revision "
                f"{result.conflict.pk}: read the entry again, bring in your changes and send "
                "the new version"
            )
        # The saved entry comes back from the save with what the answer shows: no re-read.
        return _with_etag(Response(_detail(result.entry, ctx.can).data), result.entry)


class EntrySubmitApi(ApiView):
    permission_classes = [StaffRequired]

    @extend_schema(
        operation_id="entries_submit",
        summary="Submit a draft",
        description=(
            "Checks your draft's answers against the form's rules and submits it: it is then "
            "visible to everyone who can see the case, and forms that need it wait for a "
            "manager to authorise them. When an answer breaks a rule, nothing changes and the "
            "messages are under `errors`, keyed `answers.<question>`. Send `If-Match` to be "
            "sure you submit the version you read."
        ),
        tags=["Staff: workbook"],
        parameters=[IF_MATCH_OPTIONAL, ETAG_HEADER],
        request=None,
        responses={
            200: OpenApiResponse(EntryDetailSerializer, description="Submitted."),
            400: error_response(
                "An answer breaks the form's rules: see `errors`.",
                400,
                "The request has errors: see errors for each field",
            ),
            403: error_response(
                "You can see the entry but it is not yours, or you are no longer allocated to "
                "the case; or a partner token.",
                403,
                NOT_AUTHOR,
            ),
            404: not_found("entry"),
            409: error_response(
                "The entry has already been submitted.",
                409,
                "This entry has already been submitted",
            ),
            412: error_response(
                "If-Match was sent and is not the entry's current ETag: read it again.",
                412,
                "If-Match does not match the record's current ETag",
            ),
            401: STAFF_ERRORS[401],
            429: STAFF_ERRORS[429],
        },
        examples=[
            OpenApiExample("The submitted entry", value=ENTRY_DETAIL_EXAMPLE, response_only=True)
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = staff_actor(request)
        ctx = _load(user, pk)
        _require_author(ctx)
        if "If-Match" in request.headers:
            check_if_match(request, etag_for(ctx.record.pk, ctx.record.version))
        try:
            services.entry_submit(actor=user, entry=ctx.record, context=form_context(ctx.case))
        except services.EntryNotEditableError as exc:
            raise Conflict(exc.messages[0]) from exc
        except DjangoValidationError as exc:
            raise _form_errors(exc) from exc
        submitted = entry_details_for(user).get(pk=pk)
        return _with_etag(Response(_detail(submitted, ctx.can).data), submitted)


urlpatterns = [
    path("entries/", EntryListApi.as_view(), name="entries"),
    path("entries/<int:pk>/", EntryDetailApi.as_view(), name="entry"),
    path("entries/<int:pk>/submit/", EntrySubmitApi.as_view(), name="entry-submit"),
]
