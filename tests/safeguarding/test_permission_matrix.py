"""Every page of the project is in a permission matrix (STYLE.md §15), or excluded with a reason.

The pages are every URL pattern the resolver knows (nested namespaces walked), never a count
written down here; the matrices are what their modules register in ``tests.permission_matrix``.
A page added without a row in any matrix fails the first test with its name.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from safeguarding.urls import urlpatterns as project_urlpatterns
from tests.permission_matrix import (
    EXCLUDED,
    MATRICES,
    covered,
    pages_in_no_matrix,
    url_names,
)


def _new_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("A page nobody has put in a matrix yet")


# This module is also a URLconf: the project's pages plus two new ones that no matrix covers.
urlpatterns = [
    *project_urlpatterns,
    path("new-page/", _new_page, name="new-page"),
    path("", include(([path("families/<int:family_pk>/new/", _new_page, name="new")], "newapp"))),
]


def test_every_page_is_in_a_permission_matrix_or_excluded_with_a_reason() -> None:
    missing = pages_in_no_matrix()

    # Pages from each kind of include: top level, app namespaces and the API's nested routes.
    assert {"home", "cases:family", "workbook:entry", "api:families"} <= set(url_names())
    assert missing == [], (
        f"{len(missing)} pages are in no permission matrix. Add each to the matrix of its app "
        "(registered in tests/permission_matrix.py), or to EXCLUDED there with the reason:\n"
        + "\n".join(missing)
    )


def test_a_new_page_in_no_matrix_is_named() -> None:
    assert pages_in_no_matrix(urlconf=__name__) == [*pages_in_no_matrix(), "new-page", "newapp:new"]


def test_every_covered_or_excluded_name_is_a_page() -> None:
    """A page renamed or removed must leave the matrices and the exclusions too."""
    names = set(url_names())

    stale = sorted((set(covered()) | set(EXCLUDED)) - names)

    assert stale == []


def test_every_matrix_registers_the_pages_it_covers() -> None:
    matrices = covered()

    registering = {matrix for covering in matrices.values() for matrix in covering}

    assert registering == set(MATRICES)
