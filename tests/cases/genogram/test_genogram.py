"""The genogram a social worker sees: right shapes, right rows, safe text, strict-CSP friendly."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from statistics import mean

from cases.genogram.render import GenogramLink, GenogramPerson, render_genogram

SVG = "{http://www.w3.org/2000/svg}"
NS = {"svg": "http://www.w3.org/2000/svg"}
SHAPE_SIZE = 40
# Wide enough for an 18-character name label under each shape.
LABEL_ROOM = 140

DANIEL = GenogramPerson(1, "Daniel Hughes", "M", "36", is_child=False)
SARAH = GenogramPerson(2, "Sarah Hughes", "F", "34", is_child=False)
MARGARET = GenogramPerson(3, "Margaret Hughes", "F", "70", is_child=False)
AMELIA = GenogramPerson(4, "Amelia Hughes", "F", "7", is_child=True)
ALEX = GenogramPerson(5, "Alex Hughes", "U", "unborn", is_child=True)
FAMILY = [DANIEL, SARAH, MARGARET, AMELIA, ALEX]
LINKS = [
    GenogramLink(DANIEL.id, SARAH.id, "partner_of"),
    GenogramLink(DANIEL.id, AMELIA.id, "parent_of"),
    GenogramLink(SARAH.id, AMELIA.id, "parent_of"),
    GenogramLink(DANIEL.id, ALEX.id, "parent_of"),
    GenogramLink(SARAH.id, ALEX.id, "parent_of"),
    GenogramLink(MARGARET.id, AMELIA.id, "grandparent_of"),
]

_CENTRES: dict[str, Callable[[ET.Element], tuple[float, float]]] = {
    "rect": lambda e: (
        float(e.attrib["x"]) + float(e.attrib["width"]) / 2,
        float(e.attrib["y"]) + float(e.attrib["height"]) / 2,
    ),
    "circle": lambda e: (float(e.attrib["cx"]), float(e.attrib["cy"])),
    "polygon": lambda e: (
        mean(float(point.split(",")[0]) for point in e.attrib["points"].split()),
        mean(float(point.split(",")[1]) for point in e.attrib["points"].split()),
    ),
}


def _render(
    people: list[GenogramPerson] = FAMILY,
    links: list[GenogramLink] = LINKS,
    title: str = "Hughes family genogram",
) -> ET.Element:
    return _parse(render_genogram(people, links, title=title))


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - the renderer's own output, not untrusted input


def _one(element: ET.Element, path: str) -> ET.Element:
    found = element.find(path, NS)
    assert found is not None, path
    return found


def _people(root: ET.Element) -> dict[int, ET.Element]:
    return {
        int(group.attrib["data-person-id"]): group
        for group in root.findall(".//svg:g[@data-person-id]", NS)
    }


def _shape(root: ET.Element, person_id: int) -> ET.Element:
    return _one(_people(root)[person_id], "svg:*[@class='shape']")


def _centre(root: ET.Element, person_id: int) -> tuple[float, float]:
    shape = _shape(root, person_id)
    return _CENTRES[shape.tag.removeprefix(SVG)](shape)


def _large_family() -> tuple[list[GenogramPerson], list[GenogramLink]]:
    grandparents = [
        GenogramPerson(i, f"Grandparent {i}", "MF"[i % 2], str(70 + i), is_child=False)
        for i in range(1, 5)
    ]
    parents = [
        GenogramPerson(i, f"Parent {i}", "MF"[i % 2], str(30 + i), is_child=False)
        for i in range(5, 11)
    ]
    children = [
        GenogramPerson(i, f"Child number {i} Longname", "MFU"[i % 3], str(i % 17), is_child=True)
        for i in range(11, 41)
    ]
    couples = [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]
    links = [GenogramLink(a, b, "partner_of") for a, b in couples]
    links += [
        GenogramLink(grandparent, parent, "parent_of")
        for couple, offspring in (((1, 2), (5, 7, 9)), ((3, 4), (6, 8, 10)))
        for parent in offspring
        for grandparent in couple
    ]
    links += [
        GenogramLink(parent, child.id, "parent_of")
        for child in children
        for parent in couples[2 + child.id % 3]
    ]
    return grandparents + parents + children, links


def test_root_is_an_accessible_image_with_title_and_summary() -> None:
    root = _render()

    assert root.tag == f"{SVG}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-labelledby"] == "genogram-title genogram-desc"
    assert root.attrib["width"] == "100%"
    assert root[0].tag == f"{SVG}title"
    assert _one(root, "svg:title").attrib["id"] == "genogram-title"
    assert _one(root, "svg:title").text == "Hughes family genogram"
    assert _one(root, "svg:desc").attrib["id"] == "genogram-desc"
    assert _one(root, "svg:desc").text == "3 adults and 2 children; 1 partner relationship."


def test_view_box_holds_every_person() -> None:
    root = _render()
    left, top, width, height = (float(v) for v in root.attrib["viewBox"].split())
    centres = [_centre(root, person.id) for person in FAMILY]

    assert (left, top) == (0, 0)
    assert all(0 < x < width and 0 < y < height for x, y in centres)


def test_one_shape_per_person_shaped_by_sex() -> None:
    root = _render()
    people = _people(root)

    assert sorted(people) == sorted(person.id for person in FAMILY)
    assert _shape(root, DANIEL.id).tag == f"{SVG}rect"
    assert _shape(root, SARAH.id).tag == f"{SVG}circle"
    assert _shape(root, ALEX.id).tag == f"{SVG}polygon"
    assert [len(group.findall("svg:*[@class='shape']", NS)) for group in people.values()] == [
        1
    ] * len(FAMILY)


def test_each_person_is_labelled_with_name_and_age() -> None:
    group = _people(_render())[AMELIA.id]

    assert _one(group, "svg:title").text == "Amelia Hughes"
    assert [t.text for t in group.findall("svg:text", NS)] == ["Amelia Hughes", "7"]


def test_children_sit_below_parents_and_grandparent_two_rows_above() -> None:
    root = _render()
    _, daniel_y = _centre(root, DANIEL.id)
    _, sarah_y = _centre(root, SARAH.id)
    _, margaret_y = _centre(root, MARGARET.id)
    _, amelia_y = _centre(root, AMELIA.id)
    _, alex_y = _centre(root, ALEX.id)

    assert daniel_y == sarah_y
    assert amelia_y == alex_y
    assert amelia_y > sarah_y > margaret_y
    assert amelia_y - margaret_y == 2 * (amelia_y - sarah_y)


def test_partners_sit_side_by_side_with_their_children_beneath() -> None:
    root = _render()
    daniel_x, row_y = _centre(root, DANIEL.id)
    sarah_x, _ = _centre(root, SARAH.id)
    low, high = sorted((daniel_x, sarah_x))
    centres = [_centre(root, person.id) for person in FAMILY]
    children_x = [_centre(root, AMELIA.id)[0], _centre(root, ALEX.id)[0]]

    assert [x for x, y in centres if y == row_y and low < x < high] == []
    assert min(children_x) <= (daniel_x + sarah_x) / 2 <= max(children_x)
    assert len(root.findall(".//svg:g[@class='partner-line']", NS)) == 1
    assert root.findall(".//svg:line[@class='ex-partner-slash']", NS) == []


def test_ex_partners_share_a_row_and_their_line_has_two_slashes() -> None:
    gary = GenogramPerson(6, "Gary Price", "M", "38", is_child=False, in_household=False)
    root = _render([*FAMILY, gary], [*LINKS, GenogramLink(SARAH.id, gary.id, "ex_partner_of")])
    ex_line = _one(root, ".//svg:g[@class='ex-partner-line']")

    assert _centre(root, gary.id)[1] == _centre(root, SARAH.id)[1]
    assert len(ex_line.findall("svg:line[@class='ex-partner-slash']", NS)) == 2
    assert "1 former partner relationship" in (_one(root, "svg:desc").text or "")


def test_deceased_person_has_a_cross_and_others_do_not() -> None:
    margaret = GenogramPerson(3, "Margaret Hughes", "F", "70", is_child=False, deceased=True)
    root = _render([DANIEL, SARAH, margaret, AMELIA, ALEX])
    people = _people(root)
    crosses = {
        pid: group.findall("svg:g[@class='deceased-cross']/svg:line", NS)
        for pid, group in people.items()
    }

    assert len(crosses[margaret.id]) == 2
    assert sum(len(lines) for lines in crosses.values()) == 2
    assert "deceased" in people[margaret.id].attrib["class"].split()
    assert "1 person deceased" in (_one(root, "svg:desc").text or "")


def test_household_children_have_a_double_outline() -> None:
    people = _people(_render())

    assert _one(people[AMELIA.id], "svg:circle[@class='shape-inner']") is not None
    assert _one(people[ALEX.id], "svg:polygon[@class='shape-inner']") is not None
    assert people[SARAH.id].findall("svg:*[@class='shape-inner']", NS) == []


def test_people_outside_the_household_have_a_dashed_outline() -> None:
    gary = GenogramPerson(6, "Gary Price", "M", "38", is_child=False, in_household=False)
    root = _render([*FAMILY, gary])

    assert "stroke-dasharray" in _shape(root, gary.id).attrib
    assert "stroke-dasharray" not in _shape(root, SARAH.id).attrib


def test_carer_step_parent_and_other_links_are_dashed_connectors() -> None:
    jo = GenogramPerson(6, "Jo Carer", "U", "", is_child=False)
    mike = GenogramPerson(7, "Mike Step", "M", "45", is_child=False)
    links = [
        *LINKS,
        GenogramLink(jo.id, AMELIA.id, "carer_of"),
        GenogramLink(mike.id, ALEX.id, "step_parent_of"),
        GenogramLink(jo.id, mike.id, "other"),
    ]
    root = _render([*FAMILY, jo, mike], links)
    dashed = {
        kind: root.findall(f".//svg:g[@class='connector connector-{kind}']/svg:line", NS)
        for kind in ("carer-of", "step-parent-of", "other", "grandparent-of")
    }

    assert {kind: len(lines) for kind, lines in dashed.items()} == dict.fromkeys(dashed, 1)
    assert all("stroke-dasharray" in line.attrib for lines in dashed.values() for line in lines)
    assert _centre(root, jo.id)[1] < _centre(root, AMELIA.id)[1]
    assert _centre(root, mike.id)[1] < _centre(root, ALEX.id)[1]


def test_unlinked_people_sit_on_the_household_adult_and_child_rows() -> None:
    lodger = GenogramPerson(6, "Lodger", "M", "50", is_child=False)
    cousin = GenogramPerson(7, "Visiting Cousin", "F", "9", is_child=True)
    root = _render([*FAMILY, lodger, cousin])

    assert _centre(root, lodger.id)[1] == _centre(root, SARAH.id)[1]
    assert _centre(root, cousin.id)[1] == _centre(root, AMELIA.id)[1]


def test_long_names_are_wrapped_or_shortened_with_full_name_in_title() -> None:
    name = "Bartholomew Alexander Fitzwilliam-Montgomery Smythe"
    person = GenogramPerson(1, name, "M", "40", is_child=False)
    group = _people(_render([person], []))[1]
    label = [t.text or "" for t in group.findall("svg:text[@class='name']", NS)]

    assert _one(group, "svg:title").text == name
    assert len(label) == 2
    assert all(len(line) <= 18 for line in label)
    assert label[-1].endswith("…")


def test_hostile_text_is_escaped_and_still_parses() -> None:
    name = "<script>alert('x')</script> Tom & \"Jerry\"\x07"
    title = "Smith & <b>Jones</b>"
    person = GenogramPerson(1, name, "U", "<7>", is_child=True)
    svg = render_genogram([person, DANIEL], [GenogramLink(1, 1, "partner_of")], title=title)
    root = _parse(svg)
    group = _people(root)[1]

    assert "<script" not in svg
    assert "&amp;" in svg
    assert [element.tag for element in root.iter() if not element.tag.startswith(SVG)] == []
    assert _one(root, "svg:title").text == title
    assert _one(group, "svg:title").text == "<script>alert('x')</script> Tom & \"Jerry\""
    assert _one(group, "svg:text[@class='age']").text == "<7>"


def test_no_inline_styles_anywhere() -> None:
    people, links = _large_family()
    outputs = [
        _render(),
        _render(people, links),
        _render([], []),
        _render([GenogramPerson(1, "style='x' <style>", "F", "", is_child=False)], []),
    ]
    elements = [element for root in outputs for element in root.iter()]

    assert [e.tag for e in elements if e.tag.endswith("style")] == []
    assert [e.tag for e in elements if "style" in e.attrib] == []
    assert [e.tag for e in elements if e.tag.endswith("script")] == []


def test_links_to_unknown_people_are_ignored() -> None:
    noisy = [
        *LINKS,
        GenogramLink(AMELIA.id, 999, "parent_of"),
        GenogramLink(999, DANIEL.id, "partner_of"),
        GenogramLink(998, 999, "sibling_of"),
    ]

    assert render_genogram(FAMILY, noisy, title="t") == render_genogram(FAMILY, LINKS, title="t")


def test_unknown_relationship_kind_is_drawn_as_other_connector() -> None:
    root = _render(FAMILY, [*LINKS, GenogramLink(MARGARET.id, DANIEL.id, "cousin_of")])

    assert len(root.findall(".//svg:g[@class='connector connector-other']", NS)) == 1


def test_cycles_and_contradictions_still_render_everyone() -> None:
    a = GenogramPerson(1, "Person A", "F", "30", is_child=False)
    b = GenogramPerson(2, "Person B", "M", "31", is_child=False)
    c = GenogramPerson(3, "Person C", "U", "5", is_child=True)
    links = [
        GenogramLink(1, 2, "parent_of"),
        GenogramLink(2, 1, "parent_of"),
        GenogramLink(2, 3, "parent_of"),
        GenogramLink(3, 1, "grandparent_of"),
        GenogramLink(3, 3, "parent_of"),
        GenogramLink(1, 3, "partner_of"),
        GenogramLink(1, 2, "ex_partner_of"),
    ]
    root = _render([a, b, c], links)

    assert sorted(_people(root)) == [1, 2, 3]
    assert _one(root, "svg:desc").text


def test_large_family_has_no_overlapping_people() -> None:
    people, links = _large_family()
    root = _render(people, links)
    centres = [_centre(root, person.id) for person in people]
    same_row_gaps = [
        abs(x1 - x2) for (x1, y1), (x2, y2) in itertools.combinations(centres, 2) if y1 == y2
    ]
    rows = sorted({y for _, y in centres})

    assert len(people) == 40
    assert len(_people(root)) == 40
    assert min(same_row_gaps) >= LABEL_ROOM
    assert len(rows) == 3
    assert min(b - a for a, b in itertools.pairwise(rows)) > SHAPE_SIZE


def test_output_is_deterministic() -> None:
    people, links = _large_family()

    assert render_genogram(FAMILY, LINKS, title="t") == render_genogram(FAMILY, LINKS, title="t")
    assert render_genogram(people, links, title="t") == render_genogram(people, links, title="t")


def test_empty_family_says_no_family_members_recorded() -> None:
    root = _render([], [GenogramLink(1, 2, "parent_of")], title="Nobody yet")

    assert root.attrib["role"] == "img"
    assert _one(root, "svg:title").text == "Nobody yet"
    assert _one(root, "svg:desc").text == "No family members recorded."
    assert _one(root, "svg:text").text == "No family members recorded"
    assert _people(root) == {}
