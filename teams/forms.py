from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .models import NotificationEmail


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


class SecurityCodeForm(forms.Form):
    """The 6-digit code an authenticator app shows; spaces are ignored."""

    code = forms.CharField(
        label="Security code",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split()).replace("-", "")
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(
                "Enter the code as 6 digits, like 123456, from your authenticator app"
            )
        return code


class RecoveryCodeForm(forms.Form):
    """One of the recovery codes saved at set-up; spaces, hyphens and capitals are ignored."""

    code = forms.CharField(
        label="Recovery code",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autofocus": True}
        ),
        error_messages={"required": "Enter one of your recovery codes"},
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split()).replace("-", "").lower()


class NotificationSettingsForm(forms.Form):
    notification_email = forms.ChoiceField(
        label="When should we email you about notifications?",
        choices=NotificationEmail.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose when we should email you"},
    )
