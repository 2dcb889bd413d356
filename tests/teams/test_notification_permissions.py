"""The permission matrix for notifications (STYLE.md §15): every role x every notification page.

A notification is its user's alone, whatever their role: everyone opens their own list and
settings and opens, reads or marks all of their own notifications read (the actions redirect,
302); somebody else's notification answers 404 as if it did not exist, and stays unread.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from teams.models import Notification, User
from teams.notifications import notify
from teams.roles import Role, ServiceRole
from tests import permission_matrix
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SUBJECTS: list[str] = [*Role.values, *ServiceRole.values]


@dataclass(frozen=True)
class Page:
    method: str
    url: str
    permitted: int


def pages(own: Notification, someone_elses: Notification) -> dict[str, Page]:
    return {
        "teams:notifications": Page("GET", reverse("teams:notifications"), 200),
        "teams:notification-settings": Page("GET", reverse("teams:notification-settings"), 200),
        "teams:notifications-read-all": Page("POST", reverse("teams:notifications-read-all"), 302),
        "teams:notification-open": Page(
            "GET", reverse("teams:notification-open", args=[own.pk]), 302
        ),
        "teams:notification-read": Page(
            "POST", reverse("teams:notification-read", args=[own.pk]), 302
        ),
        "someone else's notification-open": Page(
            "GET", reverse("teams:notification-open", args=[someone_elses.pk]), 404
        ),
        "someone else's notification-read": Page(
            "POST", reverse("teams:notification-read", args=[someone_elses.pk]), 404
        ),
    }


permission_matrix.register(
    __name__,
    [
        "teams:notifications",
        "teams:notification-settings",
        "teams:notifications-read-all",
        "teams:notification-open",
        "teams:notification-read",
    ],
)


def _user(subject: str) -> User:
    if subject in Role.values:
        return MembershipFactory.create(role=subject).user
    return UserFactory.create(service_role=subject)


def _notification(user: User) -> Notification:
    notification = notify(user=user, kind="due", message="Something is due", url="/caseload/")
    assert notification is not None
    return notification


def _answer(client: Client, page: Page) -> int:
    """The status code; what a request wrote is rolled back."""
    with transaction.atomic():
        response = client.post(page.url) if page.method == "POST" else client.get(page.url)
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_notification_page_answers_each_role_as_the_matrix_says(subject: str) -> None:
    user = _user(subject)
    someone_elses = _notification(UserFactory.create())
    table = pages(_notification(user), someone_elses)
    client = Client(raise_request_exception=False)
    client.force_login(user)

    answers = {name: _answer(client, page) for name, page in table.items()}

    assert answers == {name: page.permitted for name, page in table.items()}
    someone_elses.refresh_from_db()
    assert someone_elses.read_at is None
