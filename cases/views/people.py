"""Person pages, editing a person, the referral form and person search."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from cases.loader import FamilyContext, load_person
from safeguarding.lib.pages import apply_service_errors, render_form, require, signed_in_user
from teams.models import User

from .. import services
from ..forms import PersonEditForm, ReferralForm, SearchForm
from ..models import HouseholdRole, Person, RecordType
from ..policies import basis_of, cases_with_basis, lead_workers_in, teams_for_referrals
from ..selectors import (
    SearchResult,
    code_labels,
    person_view,
    search_people,
)


def _person_context(
    request: HttpRequest, person_pk: int, *, audit: bool
) -> tuple[Person, FamilyContext]:
    return load_person(signed_in_user(request), person_pk, audit=audit)


@require_safe
@login_required
def person_detail(request: HttpRequest, person_pk: int) -> HttpResponse:
    person, ctx = _person_context(request, person_pk, audit=True)
    view = person_view(signed_in_user(request), person, ctx.case)
    return render(
        request,
        "cases/person_detail.html",
        {
            "ctx": ctx,
            "view": view,
            "person": person,
            "cp_categories": code_labels("cp_category"),
            "legal_statuses": code_labels("lac_legal_status"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def person_edit(request: HttpRequest, person_pk: int) -> HttpResponse:
    # Showing the form shows the person's details: a read, audited like the person page.
    person, ctx = _person_context(request, person_pk, audit=request.method == "GET")
    require(ctx.perms.can_record)
    initial = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": person.date_of_birth,
        "expected_date_of_birth": person.expected_date_of_birth,
        "sex": person.sex,
        "nhs_number": person.nhs_number,
        "deceased_date": person.deceased_date,
    }
    form = PersonEditForm(request.POST or None, initial=initial)
    back = reverse("cases:person", args=[person.pk])
    if form.is_valid():
        try:
            services.person_update(
                actor=signed_in_user(request),
                person=person,
                details=form.person_details(),
                deceased_date=form.cleaned_data["deceased_date"],
            )
        except services.DuplicatePersonError as exc:
            form.add_error("nhs_number", exc.messages[0])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Details saved")
            return redirect(back)
    return render_form(
        request,
        form=form,
        ctx=ctx,
        heading=f"Change {person.full_name}'s details",
        submit="Save details",
        back_url=back,
    )


@require_http_methods(["GET", "POST"])
@login_required
def referral_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    teams = teams_for_referrals(user)
    if not teams.exists():
        raise PermissionDenied
    workers = list(lead_workers_in(teams))
    form = ReferralForm(request.POST or None, teams=teams, workers=workers)
    candidates: list[Person] = []
    if form.is_valid():
        data = form.cleaned_data
        confirmed = data["confirmed_new"]
        try:
            child = services.person_create(
                actor=user, details=form.person_details("child_"), confirmed_new=confirmed
            )
            members = [services.MemberSpec(child, HouseholdRole.CHILD)]
            if form.has_adult():
                adult = services.person_create(
                    actor=user, details=form.person_details("adult_"), confirmed_new=confirmed
                )
                members.append(services.MemberSpec(adult, HouseholdRole.PARENT))
            case = services.referral_record(
                actor=user,
                team=data["team"],
                family_name=data["family_name"],
                address=services.AddressDetails(
                    data["address_line_1"], "", data["town"], data["postcode"]
                ),
                members=members,
                referral_date=data["referral_date"],
                referral_source=data["referral_source"],
                lead_social_worker=form.lead(),
                restricted=data["restricted"],
            )
        except services.DuplicatePersonError as exc:
            candidates = exc.candidates
            form.add_error(None, exc.messages[0])
        except ValidationError as exc:
            mapped = exc
            if hasattr(exc, "error_dict"):
                mapped = ValidationError(
                    {
                        f"child_{k}" if f"child_{k}" in form.fields else k: v
                        for k, v in exc.error_dict.items()
                    }
                )
            apply_service_errors(form, mapped)
        else:
            messages.success(
                request, f"Referral recorded. The family's reference is {case.family.reference}"
            )
            return redirect("cases:family", family_pk=case.family_id)
    return render_form(
        request,
        form=form,
        heading="Record a new referral",
        submit="Record referral",
        back_url=reverse("cases:caseload"),
        template="cases/referral_form.html",
        extra={"candidates": candidates},
    )


def _audit_search_results(user: User, results: list[SearchResult]) -> None:
    """Search results show names, dates of birth and NHS numbers: one ``list`` audit row per
    person shown, with the reason the user could see them."""
    family_ids = {family.pk for result in results for family in result.families}
    bases = {
        case.family_id: basis_of(case)
        for case in cases_with_basis(user).filter(family_id__in=family_ids).select_related("family")
    }
    services.access_events_record_list(
        user=user,
        rows=[
            (
                RecordType.PERSON,
                result.person.pk,
                result.families[0].pk,
                bases[result.families[0].pk],
            )
            for result in results
            if result.families and result.families[0].pk in bases
        ],
    )


@require_safe
@login_required
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid():
        data = form.cleaned_data
        results = search_people(
            signed_in_user(request),
            name=data["name"].strip(),
            date_of_birth=data["date_of_birth"],
            nhs_number=data["nhs_number"],
        )
        _audit_search_results(signed_in_user(request), results)
    return render(
        request,
        "cases/search.html",
        {"form": form, "results": results},
        status=400 if form.errors else 200,
    )
