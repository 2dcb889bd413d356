"""What every HTML form page shares, whichever app it belongs to: the signed-in user, the 403
check, service errors shown on the form, and the shape of a simple form page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

if TYPE_CHECKING:  # for the type only: the library imports no app at run time
    from teams.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request that ``login_required`` (or the sign-in middleware) let through."""
    return request.user  # type: ignore[return-value]


def require(allowed: bool) -> None:
    """Visible but not allowed: 403 (a record the user cannot see is a 404 from its loader)."""
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
    ctx: Any = None,
    intro: str = "",
    extra: dict[str, Any] | None = None,
    template: str = "cases/form_page.html",
    status: int = 200,
) -> HttpResponse:
    """``ctx``: the loaded record the page is about (its banner and breadcrumbs), if any."""
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
    ctx: Any = None,
    intro: str = "",
    extra: dict[str, Any] | None = None,
    template: str = "cases/form_page.html",
) -> HttpResponse:
    """The shape of every simple form page. On a valid POST, ``save`` calls the service and
    returns the success message; a service's ValidationError is shown on the form and nothing
    typed is lost; otherwise the page is rendered (400 when it has errors). A GET never saves,
    even with a form bound to initial data."""
    if request.method == "POST" and form.is_valid():
        try:
            message = save(form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(success_url)
    return render_form(
        request,
        form=form,
        heading=heading,
        submit=submit,
        back_url=back_url,
        ctx=ctx,
        intro=intro,
        extra=extra,
        template=template,
    )
