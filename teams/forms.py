from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    """Email and password. The same message for an unknown email and a wrong password, so
    the form never tells anyone which email addresses have accounts."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter the email address and password for your account. Both are needed, and the password is case-sensitive.",
        "inactive": "Enter the email address and password for your account. Both are needed, and the password is case-sensitive.",
    }

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "spellcheck": "false", "autofocus": True}
        ),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()
