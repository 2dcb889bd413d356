"""What every cases page shares: loading a family the user may see (404 otherwise), the
permission check (403), the read audit, and turning service errors into form errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from teams.models import User

from ..models import Case, Family, RecordType, Warning
from ..policies import FamilyPermissions, family_permissions
from ..selectors import case_for_family, family_banner_warnings
from ..services import access_event_record


@dataclass
class FamilyContext:
    case: Case
    perms: FamilyPermissions
    warnings: list[Warning]

    @property
    def family(self) -> Family:
        return self.case.family


def signed_in_user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def load_family(request: HttpRequest, family_pk: int, *, audit: bool = False) -> FamilyContext:
    user = signed_in_user(request)
    case = case_for_family(user, family_pk)
    if case is None:
        raise Http404("No family found")
    perms = family_permissions(user, case)
    if audit:
        access_event_record(
            user=user,
            record_type=RecordType.FAMILY,
            record_id=case.family_id,
            family_id=case.family_id,
            basis=perms.basis,
        )
    return FamilyContext(case=case, perms=perms, warnings=family_banner_warnings(case.family))


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, against the field it names if the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def render_form(
    request: HttpRequest,
    *,
    form: forms.Form,
    heading: str,
    submit: str,
    back_url: str,
    ctx: FamilyContext | None = None,
    intro: str = "",
    extra: dict[str, Any] | None = None,
    template: str = "cases/form_page.html",
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "heading": heading,
        "submit": submit,
        "back_url": back_url,
        "ctx": ctx,
        "intro": intro,
        **(extra or {}),
    }
    return render(
        request, template, context, status=400 if form.is_bound and form.errors else status
    )


def submit_form(
    request: HttpRequest,
    *,
    form: forms.Form,
    save: Callable[[dict[str, Any]], str],
    success_url: str,
    heading: str,
    submit: str,
    back_url: str,
    ctx: FamilyContext | None = None,
    intro: str = "",
) -> HttpResponse:
    """The shape of every simple form page. On a valid POST, ``save`` calls the service and
    returns the success message; a service's ValidationError is shown on the form and nothing
    typed is lost; otherwise the page is rendered (400 when it has errors)."""
    if form.is_valid():
        try:
            message = save(form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(success_url)
    return render_form(
        request, form=form, heading=heading, submit=submit, back_url=back_url, ctx=ctx, intro=intro
    )
