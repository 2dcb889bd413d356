"""The second factor at sign-in (teams.mfa): enforced on every URL, set up, verified.

Every URL in the project is enumerated from the URLconf, so a new page is closed to a session
that has only passed the password step without editing this file; the pages open before the
second factor are listed here once more, so widening that list is a deliberate change.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from teams.mfa import OPEN_BEFORE_SECOND_FACTOR, RECOVERY_CODE_COUNT
from teams.models import User
from tests.api.staff_world import bearer_client, staff_token
from tests.factories import UserFactory
from tests.second_factor import confirmed_device, current_code, password_only_login

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-synthetic-passphrase"  # UserFactory's
EXPECTED_OPEN = {
    "teams:sign-in",
    "teams:sign-out",
    "teams:signed-out",
    "teams:mfa-verify",
    "teams:mfa-recovery",
    "teams:mfa-set-up",
    "teams:session-status",
    "teams:session-extend",
    "accessibility",
    "privacy",
    "api:schema",
    "api:docs",
    "oauth2_provider:token",
    "oauth2_provider:revoke-token",
}
WRONG_CODE = "The code is not right, or it has already been used"


def _verify_url(next_url: str) -> str:
    return f"{reverse('teams:mfa-verify')}?{urlencode({'next': next_url})}"


def _set_up_url(next_url: str) -> str:
    return f"{reverse('teams:mfa-set-up')}?{urlencode({'next': next_url})}"


def _password_only(user: User) -> Client:
    client = Client()
    password_only_login(client, user)
    return client


def _is_verified(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


# --- every URL in the project --------------------------------------------------------------------

# A value for each kind of URL argument. The middleware answers before the view runs, so the
# records need not exist.
CONVERTER_VALUES = {
    "IntConverter": "1",
    "SlugConverter": "x",
    "StringConverter": "x",
    "PathConverter": "x",
    "UUIDConverter": str(uuid.UUID(int=1)),
}
# Candidates for the admin's regular-expression patterns (an app label, an object id).
REGEX_CANDIDATES = ("1", "teams", "x")


def _patterns(
    patterns: list[URLPattern | URLResolver], namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _patterns(pattern.url_patterns, inner)
        elif pattern.name:
            yield namespace, pattern


def _url_for(name: str, pattern: URLPattern) -> str:
    converters = pattern.pattern.converters
    if converters:
        kwargs = {key: CONVERTER_VALUES[type(c).__name__] for key, c in converters.items()}
        return reverse(name, kwargs=kwargs)
    groups = list(pattern.pattern.regex.groupindex)
    for candidate in REGEX_CANDIDATES:
        try:
            return reverse(name, kwargs=dict.fromkeys(groups, candidate))
        except NoReverseMatch:
            continue
    raise AssertionError(f"{name}: add a value for {groups} to REGEX_CANDIDATES")


def every_closed_url() -> list[tuple[str, str]]:
    """(view name, URL) of every named URL pattern except those open before the factor."""
    urls = []
    for namespace, pattern in _patterns(get_resolver().url_patterns):
        name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
        if name not in OPEN_BEFORE_SECOND_FACTOR:
            urls.append((name, _url_for(name, pattern)))
    return urls


def test_the_pages_open_before_the_second_factor_are_only_signing_in_and_public_ones() -> None:
    assert set(OPEN_BEFORE_SECOND_FACTOR) == EXPECTED_OPEN
    for name in EXPECTED_OPEN:
        reverse(name)  # each is a real page, not a stale name


def test_every_other_url_sends_a_password_only_session_to_verification() -> None:
    user = UserFactory.create()
    confirmed_device(user)
    client = _password_only(user)
    urls = every_closed_url()

    wrong = []
    for name, url in urls:
        response = client.get(url)
        if url.startswith("/api/"):
            ok = response.status_code == 403 and response.json()["code"] == "permission_denied"
        else:
            ok = response.status_code == 302 and response["Location"] == _verify_url(url)
        if not ok:
            wrong.append(f"{name:<40} {url} -> {response.status_code}")

    assert len([url for _, url in urls if not url.startswith(("/admin/", "/api/"))]) >= 60
    assert len([url for _, url in urls if url.startswith("/api/")]) >= 10
    assert len([url for _, url in urls if url.startswith("/admin/")]) >= 50
    assert wrong == [], f"{len(wrong)} of {len(urls)} URLs let the session through:\n" + "\n".join(
        wrong
    )


def test_every_other_url_sends_a_user_without_an_app_to_set_up() -> None:
    client = _password_only(UserFactory.create())
    pages = [(name, url) for name, url in every_closed_url() if not url.startswith("/api/")]

    wrong = [
        f"{name} {url} -> {response.status_code} {response.get('Location')}"
        for name, url in pages
        if (response := client.get(url)).status_code != 302
        or response["Location"] != _set_up_url(url)
    ]

    assert wrong == []


def test_the_open_pages_answer_a_password_only_session() -> None:
    client = _password_only(UserFactory.create())
    for name in ("accessibility", "privacy", "teams:signed-out", "api:schema", "api:docs"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("teams:session-status")).json()["signed_in"] is True


def test_a_post_is_refused_before_the_view_runs() -> None:
    user = UserFactory.create()
    confirmed_device(user)
    client = _password_only(user)
    url = reverse("cases:referral")

    response = client.post(url, {"anything": "at all"})

    assert response.status_code == 302
    assert response["Location"] == _verify_url(url)


def test_htmx_requests_are_sent_to_verification_as_a_whole_page() -> None:
    user = UserFactory.create()
    confirmed_device(user)
    client = _password_only(user)

    response = client.get(reverse("home"), HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"] == _verify_url("/")


def test_the_menu_is_hidden_until_the_second_factor() -> None:
    user = UserFactory.create()
    confirmed_device(user)
    client = _password_only(user)

    content = client.get(reverse("teams:mfa-verify")).content.decode()

    assert 'href="/caseload/"' not in content
    assert "Sign out" in content


def test_the_sign_in_page_sends_a_password_only_session_on_to_verification() -> None:
    user = UserFactory.create()
    confirmed_device(user)
    client = _password_only(user)

    response = client.get(f"{reverse('teams:sign-in')}?next=/caseload/")

    assert response["Location"] == _verify_url("/caseload/")


# --- the API -------------------------------------------------------------------------------------


def test_the_api_refuses_a_password_only_session_in_its_error_format() -> None:
    user = UserFactory.create()
    client = APIClient()
    password_only_login(client, user)

    response = client.get(reverse("api:families"))

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert body["title"] == "Forbidden"
    assert "authenticator app" in body["detail"]
    assert body["request_id"]


def test_the_api_answers_a_verified_session() -> None:
    client = APIClient()
    client.force_login(UserFactory.create())  # conftest: with the second factor
    assert client.get(reverse("api:families")).status_code == 200


def test_bearer_tokens_need_no_second_factor_session() -> None:
    user = UserFactory.create()  # no authenticator app at all
    assert bearer_client(staff_token(user)).get(reverse("api:families")).status_code == 200


# --- the admin -----------------------------------------------------------------------------------


def test_the_admin_needs_the_second_factor() -> None:
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    device = confirmed_device(admin)
    client = _password_only(admin)
    index = reverse("admin:index")

    assert client.get(index)["Location"] == _verify_url(index)

    client.post(reverse("teams:mfa-verify"), {"code": current_code(device), "next": index})
    assert client.get(index).status_code == 200


def test_signing_in_through_the_admin_login_still_needs_the_second_factor() -> None:
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    confirmed_device(admin)
    client = Client()
    client.post(reverse("admin:login"), {"username": admin.email, "password": PASSWORD})
    assert SESSION_KEY in client.session  # the password step passed

    index = reverse("admin:index")
    assert client.get(index)["Location"] == _verify_url(index)


# --- verification ----------------------------------------------------------------------------


def test_signing_in_with_a_code_goes_where_the_user_was_going() -> None:
    user = UserFactory.create()
    device = confirmed_device(user)
    client = Client()
    wanted = f"{reverse('cases:search')}?name=Quill"

    to_sign_in = client.get(wanted)
    assert to_sign_in["Location"] == f"{reverse('teams:sign-in')}?next={quote(wanted, safe='/')}"
    password = client.post(
        to_sign_in["Location"], {"username": user.email, "password": PASSWORD, "next": wanted}
    )
    assert password["Location"] == _verify_url(wanted)
    page = client.get(password["Location"])
    assert b"Enter the code from your authenticator app" in page.content
    assert f'name="next" value="{wanted}"' in page.content.decode()
    code = client.post(reverse("teams:mfa-verify"), {"code": current_code(device), "next": wanted})

    assert code.status_code == 302
    assert code["Location"] == wanted
    assert _is_verified(client)
    assert client.get(wanted).status_code == 200


def test_a_wrong_code_is_refused_with_a_message_that_says_what_to_do() -> None:
    user = UserFactory.create()
    confirmed_device(user)
    client = _password_only(user)

    response = client.post(reverse("teams:mfa-verify"), {"code": "000000", "next": "/"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Enter the code" in content
    assert "There is a problem" in content
    assert WRONG_CODE in content
    assert 'href="#id_code"' in content
    assert not _is_verified(client)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the 6-digit code from your authenticator app"),
        ("12345", "Enter the code as 6 digits, like 123456"),
        ("abcdef", "Enter the code as 6 digits, like 123456"),
    ],
)
def test_a_code_that_is_not_six_digits_says_so(code: str, message: str) -> None:
    user = UserFactory.create()
    device = confirmed_device(user)
    client = _password_only(user)

    response = client.post(reverse("teams:mfa-verify"), {"code": code})

    assert message in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 0  # not a guess: nothing was checked


def test_spaces_in_a_code_are_ignored() -> None:
    user = UserFactory.create()
    device = confirmed_device(user)
    client = _password_only(user)
    code = current_code(device)

    client.post(reverse("teams:mfa-verify"), {"code": f"{code[:3]} {code[3:]}"})

    assert _is_verified(client)


def test_wrong_codes_make_the_user_wait_and_the_message_says_so() -> None:
    user = UserFactory.create()
    device = confirmed_device(user)
    client = _password_only(user)
    # Four wrong codes, the last just now: the next try must wait 2 ** 3 = 8 seconds.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=4, throttling_failure_timestamp=timezone.now()
    )

    response = client.post(reverse("teams:mfa-verify"), {"code": current_code(device)})

    content = response.content.decode()
    assert "You have entered a wrong code too many times" in content
    assert re.search(r"Wait [78] seconds, then try again", content)
    assert not _is_verified(client)  # even the right code is refused during the wait


def test_a_long_wait_is_given_in_minutes() -> None:
    user = UserFactory.create()
    device = confirmed_device(user)
    client = _password_only(user)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=10, throttling_failure_timestamp=timezone.now()
    )

    response = client.post(reverse("teams:mfa-verify"), {"code": "123456"})

    assert "Wait 9 minutes" in response.content.decode()  # 512 seconds


def test_the_wait_ends_and_a_right_code_then_works() -> None:
    user = UserFactory.create()
    device = confirmed_device(user)
    client = _password_only(user)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=3,
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=5),
    )

    client.post(reverse("teams:mfa-verify"), {"code": current_code(device)})

    assert _is_verified(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_code_cannot_be_used_twice() -> None:
    user = UserFactory.create()
    device = confirmed_device(user)
    code = current_code(device)
    first, second = _password_only(user), _password_only(user)

    first.post(reverse("teams:mfa-verify"), {"code": code})
    response = second.post(reverse("teams:mfa-verify"), {"code": code})

    assert _is_verified(first)
    assert not _is_verified(second)
    assert WRONG_CODE in response.content.decode()


def test_signing_out_and_in_again_asks_for_the_code_again() -> None:
    user = UserFactory.create()
    confirmed_device(user)
    client = Client()
    client.force_login(user)
    client.post(reverse("teams:sign-out"))

    response = client.post(reverse("teams:sign-in"), {"username": user.email, "password": PASSWORD})

    assert response["Location"] == _verify_url("/")


def test_removing_the_app_in_the_admin_ends_its_verified_sessions() -> None:
    """An administrator resets a lost phone by deleting the device: sessions it verified are
    verified no longer, and the user sets up a new app."""
    user = UserFactory.create()
    client = Client()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200

    TOTPDevice.objects.filter(user=user).delete()

    assert client.get(reverse("home"))["Location"] == _set_up_url("/")


def test_a_next_address_on_another_site_is_ignored() -> None:
    user = UserFactory.create()
    device = confirmed_device(user)
    client = _password_only(user)

    response = client.post(
        reverse("teams:mfa-verify"),
        {"code": current_code(device), "next": "https://evil.example.org/"},
    )

    assert response["Location"] == "/"


def test_a_verified_session_is_not_asked_again() -> None:
    client = Client()
    client.force_login(UserFactory.create())
    assert client.get(reverse("teams:mfa-verify"))["Location"] == "/"
    assert client.get(reverse("teams:mfa-set-up"))["Location"] == "/"


def test_signed_out_visitors_are_sent_to_the_password_first() -> None:
    client = Client()
    for name in ("teams:mfa-verify", "teams:mfa-recovery", "teams:mfa-set-up"):
        assert client.get(f"{reverse(name)}?next=/caseload/")["Location"] == (
            f"{reverse('teams:sign-in')}?next=%2Fcaseload%2F"
        ), name


# --- setting up an authenticator app -------------------------------------------------------------


def _set_up_page(client: Client) -> tuple[str, TOTPDevice]:
    response = client.get(_set_up_url("/caseload/"))
    assert response.status_code == 200
    return response.content.decode(), TOTPDevice.objects.get(confirmed=False)


def test_set_up_shows_a_qr_code_the_key_and_the_address_for_the_app() -> None:
    user = UserFactory.create()
    client = _password_only(user)

    content, device = _set_up_page(client)

    image = re.search(r'<img class="app-qr-code" src="data:image/svg\+xml;base64,([^"]+)"', content)
    assert image is not None
    assert base64.b64decode(image.group(1)).lstrip().startswith((b"<?xml", b"<svg"))
    assert 'alt="QR code that adds Family Safeguarding to an authenticator app' in content
    key = base64.b32encode(device.bin_key).decode()
    grouped = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
    assert grouped in content
    assert f'href="otpauth://totp/{settings.SERVICE_NAME.replace(" ", "%20")}%3A' in content
    assert f"secret={key}" in content
    # Reloading keeps the same key, so a code scanned from the first page still works.
    assert _set_up_page(client)[1] == device


def test_set_up_refuses_a_wrong_code() -> None:
    client = _password_only(UserFactory.create())
    _set_up_page(client)

    response = client.post(reverse("teams:mfa-set-up"), {"code": "000000"})

    content = response.content.decode()
    assert "<title>Error: Set up an authenticator app" in content
    assert WRONG_CODE in content
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert not _is_verified(client)


def test_set_up_end_to_end_shows_the_recovery_codes_once() -> None:
    user = UserFactory.create()
    client = _password_only(user)
    _, device = _set_up_page(client)

    confirmed = client.post(
        reverse("teams:mfa-set-up"), {"code": current_code(device), "next": "/caseload/"}
    )

    codes_page = f"{reverse('teams:mfa-recovery-codes')}?next=%2Fcaseload%2F"
    assert confirmed["Location"] == codes_page
    device.refresh_from_db()
    assert device.confirmed
    assert _is_verified(client)
    shown = client.get(codes_page).content.decode()
    codes = sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == RECOVERY_CODE_COUNT
    for code in codes:
        assert f"{code[:4]} {code[4:]}" in shown
    assert "I have saved these codes" in shown
    assert "You will not see these codes again" in shown

    saved = client.post(reverse("teams:mfa-recovery-codes"), {"next": "/caseload/"})

    assert saved["Location"] == "/caseload/"
    again = client.get(codes_page)
    assert again.status_code == 302
    # The codes as the page shows them ("abcd efgh"): four random characters alone can turn up
    # anywhere in a page (a request id, an asset's hash) and prove nothing.
    after = client.get(again["Location"]).content.decode()
    assert not any(f"{code[:4]} {code[4:]}" in after or code in after for code in codes)


def test_set_up_is_closed_once_an_app_is_set_up() -> None:
    """A password alone must never add a second app to an account that has one."""
    user = UserFactory.create()
    confirmed_device(user)
    client = _password_only(user)

    response = client.get(reverse("teams:mfa-set-up"))

    assert response["Location"] == reverse("teams:mfa-verify")
    assert TOTPDevice.objects.filter(user=user).count() == 1


# --- recovery codes ------------------------------------------------------------------------------


def _set_up(user: User) -> list[str]:
    client = _password_only(user)
    _, device = _set_up_page(client)
    client.post(reverse("teams:mfa-set-up"), {"code": current_code(device)})
    return sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def test_each_recovery_code_works_once() -> None:
    user = UserFactory.create()
    codes = _set_up(user)
    recovery = reverse("teams:mfa-recovery")

    for code in codes:
        client = _password_only(user)
        response = client.post(recovery, {"code": f" {code[:4].upper()} {code[4:]} ", "next": "/"})
        assert response["Location"] == "/"
        assert _is_verified(client)

    client = _password_only(user)
    response = client.post(recovery, {"code": codes[0]})
    assert (
        "The recovery code is not right, or it has already been used" in response.content.decode()
    )
    assert not _is_verified(client)
    assert StaticDevice.objects.get(user=user).token_set.count() == 0


def test_signing_in_with_a_recovery_code_says_how_many_are_left() -> None:
    user = UserFactory.create()
    codes = _set_up(user)
    client = _password_only(user)

    response = client.post(reverse("teams:mfa-recovery"), {"code": codes[0]}, follow=True)

    assert f"You have {RECOVERY_CODE_COUNT - 1} recovery codes left" in response.content.decode()


def test_the_verify_page_links_to_the_recovery_code_page_keeping_next() -> None:
    user = UserFactory.create()
    confirmed_device(user)
    client = _password_only(user)

    content = client.get(_verify_url("/caseload/")).content.decode()

    assert (
        f'href="{reverse("teams:mfa-recovery")}?next=%2Fcaseload%2F">Use a recovery code' in content
    )


def test_recovery_codes_are_throttled_too() -> None:
    user = UserFactory.create()
    codes = _set_up(user)
    client = _password_only(user)
    client.post(reverse("teams:mfa-recovery"), {"code": "wrongcod"})
    # One wrong code: the next try waits 1 second from now (pinned, however slow the test).
    StaticDevice.objects.filter(user=user).update(throttling_failure_timestamp=timezone.now())

    response = client.post(reverse("teams:mfa-recovery"), {"code": codes[0]})

    assert "Wait 1 second" in response.content.decode()
    assert not _is_verified(client)
