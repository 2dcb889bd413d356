"""``manage.py loadtest_logins``: which accounts the load test signs in as, and how synthetic
accounts (no usable password, no authenticator) are made usable for it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguarding.demo.teams import demo_sign_in_enable, demo_totp_key_hex
from teams.models import User
from teams.roles import Role, ServiceRole
from tests.factories import AllocationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SYNTHETIC = "synthetic.example.org"


def _run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("loadtest_logins", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip().splitlines()


def _synthetic_council() -> None:
    worker = UserFactory.create(email=f"sw1.t01@{SYNTHETIC}")
    MembershipFactory.create(user=worker, role=Role.SOCIAL_WORKER)
    AllocationFactory.create(worker=worker)
    manager = UserFactory.create(email=f"tm1.t01@{SYNTHETIC}")
    MembershipFactory.create(user=manager, role=Role.TEAM_MANAGER)
    UserFactory.create(email=f"board1@{SYNTHETIC}", service_role=ServiceRole.BOARD_MEMBER)
    # A device with another key, as the benchmarks give their users.
    TOTPDevice.objects.create(user=manager, name="Benchmark authenticator", confirmed=True)


def test_synthetic_accounts_are_listed_once_given_the_demo_sign_in() -> None:
    _synthetic_council()
    with pytest.raises(CommandError, match="No practitioner or manager or board logins"):
        _run()
    rows = _run("--enable-domain", SYNTHETIC)
    assert rows[0] == "email,profile"
    assert f"sw1.t01@{SYNTHETIC},practitioner" in rows
    assert f"tm1.t01@{SYNTHETIC},manager" in rows
    assert f"board1@{SYNTHETIC},board" in rows
    # --domain leaves out everyone else with the demo sign-in, e.g. the demo council's board.
    UserFactory.create(email="board@demo.example.org", service_role=ServiceRole.BOARD_MEMBER)
    demo_sign_in_enable(domain="demo.example.org")
    assert "board@demo.example.org,board" in _run()
    assert _run("--domain", SYNTHETIC) == rows
    manager = User.objects.get(email=f"tm1.t01@{SYNTHETIC}")
    assert manager.check_password("Safeguarding-demo-2026")
    # The demo authenticator is the one sign-in checks: the only one left.
    assert list(TOTPDevice.objects.filter(user=manager).values_list("key", flat=True)) == [
        demo_totp_key_hex()
    ]


def test_only_reserved_example_domains_can_be_given_the_demo_sign_in() -> None:
    UserFactory.create(email="someone@council.gov.uk")
    with pytest.raises(CommandError, match=r"example\.org"):
        _run("--enable-domain", "council.gov.uk")
    assert not TOTPDevice.objects.exists()


@override_settings(ALLOW_DEMO_DATA=False)
def test_refused_when_demo_data_is_switched_off() -> None:
    with pytest.raises(CommandError, match="ALLOW_DEMO_DATA"):
        _run()
