"""The one registry of the permission matrices (STYLE.md §15), and every URL of the project.

Each matrix module says which pages its table covers by calling ``register`` when it is imported:
"for these URL names, the table states the answer of every role (or caller) it is about".
``tests/safeguarding/test_permission_matrix.py`` imports every module in ``MATRICES`` and
compares the union with every URL pattern the resolver knows (``url_names``), so a new page
that no matrix covers fails that test with its name, instead of slipping past a fixed count.

Pages that no role matrix is about are in ``EXCLUDED`` (or ``EXCLUDED_NAMESPACES``), each with
the reason. Health checks and static files are answered by middleware (``HealthCheckMiddleware``,
WhiteNoise) before URL resolution, so they are not URL patterns and need no exclusion.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator

from django.urls import URLPattern, URLResolver, get_resolver

# The modules whose tables state, role by role, what each page answers.
MATRICES = (
    "tests.cases.test_permissions",
    "tests.workbook.test_permissions",
    "tests.supervision.test_permissions",
    "tests.teams.test_workforce_permissions",
    "tests.kpis.test_access",
    "tests.cases.audit.test_audit_tools",
    "tests.cases.partners.test_triage_views",
    "tests.teams.test_notification_permissions",
    "tests.api.test_staff_auth",
    "tests.api.test_partner_permissions",
)

EXCLUDED_NAMESPACES: dict[str, str] = {
    "admin": "the Django admin: staff accounts with model permissions and its own sign-in, "
    "not the service's roles (tests/teams/test_partner_client_admin.py)",
}
EXCLUDED: dict[str, str] = {
    "accessibility": "public statement, open before signing in, about no record",
    "privacy": "public notice, open before signing in, about no record",
    "teams:sign-in": "signing in comes before any role applies (tests/teams/test_sign_in.py)",
    "teams:sign-out": "ends the caller's own session, whatever their role",
    "teams:signed-out": "the page after signing out: public, about no record",
    "teams:mfa-verify": "second factor at sign-in, before any role applies (tests/teams/test_mfa.py)",
    "teams:mfa-recovery": "second factor at sign-in, before any role applies (tests/teams/test_mfa.py)",
    "teams:mfa-set-up": "second factor at sign-in, before any role applies (tests/teams/test_mfa.py)",
    "teams:mfa-recovery-codes": "second factor at sign-in, before any role applies "
    "(tests/teams/test_mfa.py)",
    "teams:session-status": "the timeout dialog's question about the caller's own session "
    "(tests/teams/test_sessions.py)",
    "teams:session-extend": "the timeout dialog's extension of the caller's own session "
    "(tests/teams/test_sessions.py)",
    "api:schema": "the API's description: no records (tests/api/test_schema.py)",
    "api:docs": "the API's documentation page: no records (tests/api/test_schema.py)",
    "oauth2_provider:token": "partner systems' client credentials, not a person's role "
    "(tests/api/test_partner_auth.py)",
    "oauth2_provider:revoke-token": "partner systems' client credentials, not a person's role "
    "(tests/api/test_partner_auth.py)",
}

_COVERED: dict[str, set[str]] = {}  # URL name -> the matrix modules that cover it


def register(matrix: str, url_names: Iterable[str]) -> frozenset[str]:
    """Record that the matrix module ``matrix`` states every role's answer on ``url_names``
    (``namespace:name``); returns them, for the matrix's own checks."""
    names = frozenset(url_names)
    for name in names:
        _COVERED.setdefault(name, set()).add(matrix)
    return names


def covered() -> dict[str, set[str]]:
    """URL name -> the matrices covering it, once every matrix module has registered."""
    for module in MATRICES:
        importlib.import_module(module)
    return {name: set(matrices) for name, matrices in _COVERED.items()}


def _patterns(
    patterns: list[URLPattern | URLResolver], namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _patterns(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, namespace, pattern
        else:  # cannot be reversed or registered: named by its route, so it is never covered
            yield f"(a pattern without a name) /{prefix}{pattern.pattern}", namespace, pattern


def url_patterns(urlconf: str | None = None) -> dict[str, URLPattern]:
    """``namespace:name`` -> pattern, for every URL pattern of the resolver (nested resolvers
    walked, in URLconf order) outside the excluded namespaces."""
    return {
        name: pattern
        for name, namespace, pattern in _patterns(get_resolver(urlconf).url_patterns)
        if namespace.split(":")[0] not in EXCLUDED_NAMESPACES
    }


def url_names(urlconf: str | None = None) -> list[str]:
    """``namespace:name`` of every URL pattern outside the excluded namespaces."""
    return list(url_patterns(urlconf))


def pages_in_no_matrix(urlconf: str | None = None) -> list[str]:
    """Every URL name neither covered by a matrix nor excluded with a reason."""
    matrices = covered()
    return [name for name in url_names(urlconf) if name not in matrices and name not in EXCLUDED]
