from __future__ import annotations

from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .forms import SignInForm


class SignInView(LoginView):
    template_name = "teams/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True


class SignOutView(LogoutView):
    """POST only (Django's default): a link cannot sign someone out behind their back."""


@require_safe
def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "teams/signed_out.html")
