from __future__ import annotations

from typing import Any

from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .forms import SignInForm
from .mfa import is_verified, second_factor_url
from .sessions import timeout_messages


class SignInView(LoginView):
    template_name = "teams/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["timed_out"] = timeout_messages(self.request)
        return context

    def get_success_url(self) -> str:
        """After the password, the second factor (teams.mfa), keeping where they were going."""
        url = super().get_success_url()
        if is_verified(self.request):
            return url
        return second_factor_url(self.request.user, url)  # type: ignore[arg-type]


class SignOutView(LogoutView):
    """POST only (Django's default): a link cannot sign someone out behind their back."""


@require_safe
def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "teams/signed_out.html")
