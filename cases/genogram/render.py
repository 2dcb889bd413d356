"""Server-side genogram (family tree diagram) rendered as an accessible SVG string.

The SVG is embedded in pages served under a strict Content Security Policy, so it carries
presentation attributes only: no inline styles, no style elements and no scripts. Everything is
computed here so the same family always produces byte-identical output, which keeps case
records, PDFs and cached pages stable.
"""

from __future__ import annotations

import heapq
import html
import re
import textwrap
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cmp_to_key


@dataclass(frozen=True)
class GenogramPerson:
    id: int
    name: str
    sex: str
    age_label: str
    is_child: bool
    deceased: bool = False
    in_household: bool = True


@dataclass(frozen=True)
class GenogramLink:
    from_id: int
    to_id: int
    kind: str


PARTNER_KINDS = frozenset({"partner_of", "ex_partner_of"})
SIBLING_KINDS = frozenset({"sibling_of", "half_sibling_of"})
SAME_ROW_KINDS = PARTNER_KINDS | SIBLING_KINDS
# How many rows above the second person the first one sits.
GENERATION_GAP = {"parent_of": 1, "step_parent_of": 1, "carer_of": 1, "grandparent_of": 2}
KINDS = SAME_ROW_KINDS | GENERATION_GAP.keys() | {"other"}

# Parent links decide the layout before looser relationships, so a contradictory carer or
# grandparent record gives way to them when the two cannot both hold.
_VERTICAL_PRIORITY = {"parent_of": 0, "grandparent_of": 1, "step_parent_of": 2, "carer_of": 3}
# How strongly a cross-row relationship pulls two people into line horizontally.
_ALIGN_WEIGHT = {
    "parent_of": 1.0,
    "step_parent_of": 0.5,
    "carer_of": 0.5,
    "grandparent_of": 0.5,
    "other": 0.25,
}
_KIND_PHRASES = {
    "parent_of": "is a parent of",
    "partner_of": "is the partner of",
    "ex_partner_of": "is a former partner of",
    "sibling_of": "is a sibling of",
    "half_sibling_of": "is a half-sibling of",
    "grandparent_of": "is a grandparent of",
    "carer_of": "is a carer of",
    "step_parent_of": "is a step-parent of",
    "other": "is connected to",
}
# parent_of only appears here when the records contradict the layout and a plain parent-child
# line cannot be drawn downwards.
_CONNECTOR_DASHES = {
    "parent_of": "8 4",
    "grandparent_of": "2 4",
    "carer_of": "3 3",
    "step_parent_of": "8 4",
    "other": "8 3 2 3",
}

INK = "#0b0c0c"
SECONDARY_INK = "#505a5f"
PAPER = "#ffffff"
FONT = "Arial, Helvetica, sans-serif"

RADIUS = 20
DIAMOND_RADIUS = 24
INNER_INSET = 5
PARTNER_GAP = 160
UNIT_GAP = 180
ROW_HEIGHT = 170
LABEL_CHARS = 18
LABEL_HALF_WIDTH = 72
LINE_HEIGHT = 14
BAR_STEP = 7
MARGIN = 24
# Small families would otherwise be scaled up to fill the page width.
MIN_VIEW_WIDTH = 640
SWEEPS = 6
EMPTY_MESSAGE = "No family members recorded"

_AGE = re.compile(r"^\s*(\d+)\s*(months?|mths?|m|weeks?|wks?|w|days?|d)?\s*$", re.IGNORECASE)
# Characters XML 1.0 forbids even when escaped; one stray control character in a name would
# otherwise make the whole diagram unparseable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_genogram(
    people: Sequence[GenogramPerson], links: Sequence[GenogramLink], *, title: str
) -> str:
    family = _Family.build(people, links)
    if not family.people:
        return _empty_svg(title)
    layout = _Layout(family)
    return _Drawing(family, layout).svg(title)


@dataclass(frozen=True)
class _Edge:
    source: int
    target: int
    kind: str


class _UnionFind:
    """Disjoint sets whose representative is always the earliest-listed member, so grouping
    never depends on hashing or on the order unions happen in."""

    def __init__(self, rank: dict[int, int]) -> None:
        self._rank = rank
        self._parent = {item: item for item in rank}

    def find(self, item: int) -> int:
        root = item
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[item] != root:
            following = self._parent[item]
            self._parent[item] = root
            item = following
        return root

    def union(self, first: int, second: int) -> None:
        a, b = self.find(first), self.find(second)
        if a == b:
            return
        if self._rank[b] < self._rank[a]:
            a, b = b, a
        self._parent[b] = a

    def sets(self) -> dict[int, list[int]]:
        result: dict[int, list[int]] = defaultdict(list)
        for item in sorted(self._rank, key=self._rank.__getitem__):
            result[self.find(item)].append(item)
        return dict(result)


@dataclass
class _Family:
    people: dict[int, GenogramPerson]
    rank: dict[int, int]
    edges: list[_Edge]

    @classmethod
    def build(cls, people: Sequence[GenogramPerson], links: Sequence[GenogramLink]) -> _Family:
        by_id: dict[int, GenogramPerson] = {}
        for person in people:
            by_id.setdefault(person.id, person)
        rank = {person_id: position for position, person_id in enumerate(by_id)}
        seen: dict[tuple[int, int, str], _Edge] = {}
        for link in links:
            a, b = link.from_id, link.to_id
            if a not in by_id or b not in by_id or a == b:
                continue
            kind = link.kind if link.kind in KINDS else "other"
            if kind in SAME_ROW_KINDS and rank[b] < rank[a]:
                a, b = b, a
            seen.setdefault((a, b, kind), _Edge(a, b, kind))
        # A pair recorded as both current and former partners (or as full and half siblings)
        # is drawn once, as the closer relationship, instead of as two lines on top of each other.
        superseded = {"ex_partner_of": "partner_of", "half_sibling_of": "sibling_of"}
        edges = [
            edge
            for edge in seen.values()
            if (edge.source, edge.target, superseded.get(edge.kind, "")) not in seen
        ]
        return cls(by_id, rank, edges)

    def sort_key(self, person_id: int) -> tuple[int, float, int]:
        """Eldest first, which is the genogram convention for siblings, then input order."""
        match = _AGE.match(self.people[person_id].age_label)
        label = self.people[person_id].age_label.strip().lower()
        if match:
            unit = (match.group(2) or "y")[0].lower()
            years = int(match.group(1)) / {"y": 1, "m": 12, "w": 52, "d": 365}[unit]
            return (0, -years, self.rank[person_id])
        return (1 if label == "unborn" else 2, 0.0, self.rank[person_id])


class _Layout:
    """Rows from the generation constraints, then order and x positions by alternating
    barycentre sweeps, keeping partners side by side and siblings together."""

    def __init__(self, family: _Family) -> None:
        self.family = family
        self.row = self._assign_rows()
        self._build_units()
        self._build_neighbours()
        self.rows: list[list[int]] = []
        self.x: dict[int, float] = {}
        self._place()

    def _assign_rows(self) -> dict[int, int]:
        family = self.family
        same_row = _UnionFind(family.rank)
        for edge in family.edges:
            if edge.kind in SAME_ROW_KINDS:
                same_row.union(edge.source, edge.target)
        group = {person_id: same_row.find(person_id) for person_id in family.people}
        group_ids = sorted(set(group.values()), key=family.rank.__getitem__)

        below: dict[int, list[tuple[int, int]]] = defaultdict(list)
        vertical = sorted(
            (edge for edge in family.edges if edge.kind in GENERATION_GAP),
            key=lambda edge: _VERTICAL_PRIORITY[edge.kind],
        )
        for edge in vertical:
            upper, lower = group[edge.source], group[edge.target]
            already_linked = any(child == lower for child, _ in below[upper])
            # Edges that would make someone their own ancestor are left out of the layout; they
            # are still drawn, as connectors, so the contradiction stays visible.
            if upper == lower or already_linked or _reaches(below, lower, upper):
                continue
            below[upper].append((lower, GENERATION_GAP[edge.kind]))

        generation = self._generations(group_ids, below)
        components = _UnionFind({g: family.rank[g] for g in group_ids})
        for upper, children in below.items():
            for lower, _ in children:
                components.union(upper, lower)

        members_of: dict[int, list[int]] = defaultdict(list)
        for person_id in family.people:
            members_of[group[person_id]].append(person_id)

        # Each unconnected part of the family is shifted so its household children line up with
        # the other parts', and a part without children rests on the adults' row above them.
        row: dict[int, int] = {}
        for component in components.sets().values():
            people = [p for g in component for p in members_of[g]]
            child_rows = [generation[group[p]] for p in people if family.people[p].is_child]
            # The highest row of household children counts, so a young parent's own baby below
            # them never redefines where the family's children are.
            lowest = max(generation[g] for g in component)
            offset = -min(child_rows) if child_rows else -1 - lowest
            for person_id in people:
                row[person_id] = generation[group[person_id]] + offset
        top = min(row.values())
        return {person_id: value - top for person_id, value in row.items()}

    def _generations(
        self, group_ids: list[int], below: dict[int, list[tuple[int, int]]]
    ) -> dict[int, int]:
        rank = self.family.rank
        linked: dict[int, list[tuple[int, int]]] = defaultdict(list)
        indegree = dict.fromkeys(group_ids, 0)
        for upper, children in below.items():
            for lower, gap in children:
                linked[upper].append((lower, gap))
                linked[lower].append((upper, -gap))
                indegree[lower] += 1

        # Walking outwards from one person, each relative starts exactly their own gap away;
        # starting every ancestor at the top would instead push whichever grandchild a
        # grandparent is recorded against a row below their siblings.
        generation: dict[int, int] = {}
        for start in group_ids:
            if start in generation:
                continue
            generation[start] = 0
            queue = deque([start])
            while queue:
                current = queue.popleft()
                for other, gap in linked[current]:
                    if other not in generation:
                        generation[other] = generation[current] + gap
                        queue.append(other)

        # The walk only honours one path to each person; a pass in ancestry order then moves
        # people down wherever another recorded relationship needs more room.
        sources = [g for g in group_ids if indegree[g] == 0]
        ready = [(rank[g], g) for g in sources]
        heapq.heapify(ready)
        while ready:
            _, upper = heapq.heappop(ready)
            for lower, gap in below.get(upper, []):
                generation[lower] = max(generation[lower], generation[upper] + gap)
                indegree[lower] -= 1
                if indegree[lower] == 0:
                    heapq.heappush(ready, (rank[lower], lower))
        # Ancestors with no ancestors of their own sit directly above their nearest descendants
        # rather than higher up with a long line down.
        for upper in sources:
            if below.get(upper):
                generation[upper] = min(generation[lower] - gap for lower, gap in below[upper])
        return generation

    def _build_units(self) -> None:
        family = self.family
        self.partner_adjacency: dict[int, list[int]] = defaultdict(list)
        units = _UnionFind(family.rank)
        for edge in family.edges:
            if edge.kind in PARTNER_KINDS:
                self.partner_adjacency[edge.source].append(edge.target)
                self.partner_adjacency[edge.target].append(edge.source)
                units.union(edge.source, edge.target)
        self.unit_of: dict[int, int] = {}
        self.unit_members: dict[int, list[int]] = {}
        for root, members in units.sets().items():
            self.unit_members[root] = _chain(members, self.partner_adjacency, self._couple_key)
            for person_id in members:
                self.unit_of[person_id] = root

        clusters = _UnionFind({unit: family.rank[unit] for unit in self.unit_members})
        for edge in family.edges:
            if edge.kind in SIBLING_KINDS:
                clusters.union(self.unit_of[edge.source], self.unit_of[edge.target])
        self.cluster_of = {unit: clusters.find(unit) for unit in self.unit_members}

    def _couple_key(self, person_id: int) -> tuple[bool, int]:
        # Genogram convention puts the male partner on the left.
        return (self.family.people[person_id].sex != "M", self.family.rank[person_id])

    def _build_neighbours(self) -> None:
        self.above: dict[int, list[tuple[int, float]]] = defaultdict(list)
        self.below: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for edge in self.family.edges:
            weight = _ALIGN_WEIGHT.get(edge.kind)
            if weight is None or self.row[edge.source] == self.row[edge.target]:
                continue
            upper, lower = edge.source, edge.target
            if self.row[upper] > self.row[lower]:
                upper, lower = lower, upper
            self.above[lower].append((upper, weight))
            self.below[upper].append((lower, weight))

    def _place(self) -> None:
        family = self.family
        everyone = _UnionFind(family.rank)
        for edge in family.edges:
            everyone.union(edge.source, edge.target)
        depth = max(self.row.values()) + 1
        self.rows = [[] for _ in range(depth)]
        for person_id in sorted(
            family.people, key=lambda p: (family.rank[everyone.find(p)], family.rank[p])
        ):
            self.rows[self.row[person_id]].append(person_id)
        for members in self.rows:
            for position, person_id in enumerate(members):
                self.x[person_id] = position * UNIT_GAP

        best: tuple[int, list[list[int]], dict[int, float]] | None = None
        for _ in range(SWEEPS):
            for row in reversed(range(depth)):
                self._sweep(row, self.below)
            for row in range(depth):
                self._sweep(row, self.above)
            crossings = self._crossings()
            if best is None or crossings < best[0]:
                best = (crossings, [list(r) for r in self.rows], dict(self.x))
        if best is not None:
            _, self.rows, self.x = best
        left = min(self.x.values())
        self.x = {p: value - left for p, value in self.x.items()}

    def _sweep(self, row: int, neighbours: dict[int, list[tuple[int, float]]]) -> None:
        units: list[int] = []
        for person_id in self.rows[row]:
            if self.unit_of[person_id] not in units:
                units.append(self.unit_of[person_id])
        key: dict[int, float] = {}
        target: dict[int, float | None] = {}
        for unit in units:
            members = self.unit_members[unit]
            member_keys: list[tuple[int, float]] = []
            total = weights = 0.0
            for position, person_id in enumerate(members):
                pulls = neighbours.get(person_id, [])
                if pulls:
                    pull = sum(weight for _, weight in pulls)
                    mean = sum(self.x[other] * weight for other, weight in pulls) / pull
                    member_keys.append((position, mean))
                    total += mean * pull
                    weights += pull
            if _runs_backwards(member_keys):
                members.reverse()
            centre = sum(self.x[p] for p in members) / len(members)
            goal = total / weights if weights else None
            target[unit] = goal
            key[unit] = centre if goal is None else goal

        ties = {
            unit: min(self.family.sort_key(p) for p in self.unit_members[unit]) for unit in units
        }
        cluster_keys: dict[int, list[float]] = defaultdict(list)
        cluster_ties: dict[int, tuple[int, float, int]] = {}
        for unit in units:
            cluster = self.cluster_of[unit]
            cluster_keys[cluster].append(key[unit])
            cluster_ties[cluster] = min(cluster_ties.get(cluster, ties[unit]), ties[unit])

        def order(unit: int) -> tuple[float, tuple[int, float, int], float, tuple[int, float, int]]:
            cluster = self.cluster_of[unit]
            spread = cluster_keys[cluster]
            return (sum(spread) / len(spread), cluster_ties[cluster], key[unit], ties[unit])

        units.sort(key=order)
        ordered: list[int] = []
        goals: list[float] = []
        strengths: list[float] = []
        gaps: list[float] = []
        for unit in units:
            members = self.unit_members[unit]
            centre = sum(self.x[p] for p in members) / len(members)
            goal = target[unit]
            half = (len(members) - 1) * PARTNER_GAP / 2
            for position, person_id in enumerate(members):
                if ordered:
                    gaps.append(PARTNER_GAP if position else UNIT_GAP)
                ordered.append(person_id)
                goals.append((centre if goal is None else goal) + position * PARTNER_GAP - half)
                # People with nothing to line up with hold their place but give way easily.
                strengths.append(0.05 if goal is None else 1.0)
        self.rows[row] = ordered
        for person_id, value in zip(ordered, _isotonic(goals, strengths, gaps), strict=True):
            self.x[person_id] = value

    def _crossings(self) -> int:
        position = {p: i for members in self.rows for i, p in enumerate(members)}
        spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for lower, uppers in self.above.items():
            for upper, _ in uppers:
                if self.row[lower] - self.row[upper] == 1:
                    spans[self.row[upper]].append((position[upper], position[lower]))
        count = 0
        for pairs in spans.values():
            for i, (a1, b1) in enumerate(pairs):
                for a2, b2 in pairs[i + 1 :]:
                    count += (a1 - a2) * (b1 - b2) < 0
        return count

    def adjacent(self, first: int, second: int) -> bool:
        members = self.rows[self.row[first]]
        return abs(members.index(first) - members.index(second)) == 1


def _reaches(below: dict[int, list[tuple[int, int]]], start: int, goal: int) -> bool:
    stack, seen = [start], {start}
    while stack:
        current = stack.pop()
        if current == goal:
            return True
        for child, _ in below.get(current, []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return False


def _chain(
    members: list[int], adjacency: dict[int, list[int]], key: Callable[[int], tuple[bool, int]]
) -> list[int]:
    """Order a set of partners so each current or former couple sits side by side where the
    relationships form a simple chain (ex - person - partner); otherwise best effort."""
    if len(members) == 1:
        return list(members)
    degree = {m: len(adjacency[m]) for m in members}
    is_path = max(degree.values()) <= 2 and sum(degree.values()) // 2 == len(members) - 1
    if is_path:
        start = min((m for m in members if degree[m] == 1), key=key)
    else:
        start = min(members, key=lambda m: (-degree[m], key(m)))
    order: list[int] = []
    seen: set[int] = set()
    stack = [start]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        order.append(current)
        stack.extend(
            sorted((n for n in adjacency[current] if n not in seen), key=key, reverse=True)
        )
    return order


def _runs_backwards(keys: list[tuple[int, float]]) -> bool:
    """Whether a couple's own relatives sit mirror-wise to them, so flipping the couple
    uncrosses the lines to their parents."""
    if len(keys) < 2:
        return False
    mean_position = sum(p for p, _ in keys) / len(keys)
    mean_key = sum(k for _, k in keys) / len(keys)
    return sum((p - mean_position) * (k - mean_key) for p, k in keys) < 0


def _isotonic(goals: list[float], strengths: list[float], gaps: list[float]) -> list[float]:
    """Positions as close as possible (weighted least squares) to the goals while keeping each
    neighbour at least its gap to the right: pool-adjacent-violators on gap-shifted goals."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[tuple[float, float, int]] = []
    for goal, strength, offset in zip(goals, strengths, offsets, strict=True):
        block = (strength, strength * (goal - offset), 1)
        while blocks and blocks[-1][1] / blocks[-1][0] > block[1] / block[0]:
            previous = blocks.pop()
            block = (previous[0] + block[0], previous[1] + block[1], previous[2] + block[2])
        blocks.append(block)
    shifted = [total / weight for weight, total, count in blocks for _ in range(count)]
    return [value + offset for value, offset in zip(shifted, offsets, strict=True)]


class _Drawing:
    def __init__(self, family: _Family, layout: _Layout) -> None:
        self.family = family
        self.layout = layout
        self.lines = {p: _name_lines(person.name) for p, person in family.people.items()}
        content_width = max(layout.x.values()) + 2 * (LABEL_HALF_WIDTH + MARGIN)
        self.width = max(content_width, MIN_VIEW_WIDTH)
        self.shift = (self.width - content_width) / 2 + LABEL_HALF_WIDTH + MARGIN
        self.lowest = 0.0

    def cx(self, person_id: int) -> float:
        return self.layout.x[person_id] + self.shift

    def cy(self, person_id: int) -> float:
        return self.row_y(self.layout.row[person_id])

    @staticmethod
    def row_y(row: int) -> float:
        return MARGIN + RADIUS + 16 + row * ROW_HEIGHT

    def extent(self, person_id: int) -> float:
        return DIAMOND_RADIUS if _sex(self.family.people[person_id]) == "U" else RADIUS

    def label_bottom(self, person_id: int) -> float:
        count = len(self.lines[person_id]) + bool(self.family.people[person_id].age_label.strip())
        return self.cy(person_id) + RADIUS + 18 + (count - 1) * LINE_HEIGHT + 4

    def name(self, person_id: int) -> str:
        return " ".join(self.family.people[person_id].name.split()) or "Name not recorded"

    def svg(self, title: str) -> str:
        connectors = self._connectors()
        people = [self._person(p) for members in self.layout.rows for p in members]
        self.lowest = max([self.lowest] + [self.label_bottom(p) for p in self.family.people])
        height = self.lowest + MARGIN
        return "\n".join(
            [
                _svg_open(self.width, height),
                f'<title id="genogram-title">{_text(title)}</title>',
                f'<desc id="genogram-desc">{_text(_summary(self.family))}</desc>',
                f'<g class="connectors" fill="none" stroke="{INK}" stroke-width="2">',
                *connectors,
                "</g>",
                f'<g class="people" stroke="{INK}" stroke-width="2">',
                *people,
                "</g>",
                "</svg>",
            ]
        )

    def _connectors(self) -> list[str]:
        family, layout = self.family, self.layout
        partner_pairs = {
            (e.source, e.target): e.kind for e in family.edges if e.kind in PARTNER_KINDS
        }
        origins: dict[tuple[int, ...], tuple[float, float]] = {}
        output: list[str] = []
        bracket_count: dict[int, int] = defaultdict(int)
        for (a, b), kind in partner_pairs.items():
            left, right = sorted((a, b), key=self.cx)
            if layout.adjacent(a, b):
                y = self.cy(a)
                path = f"M{_n(self.cx(left) + self.extent(left))} {_n(y)}H{_n(self.cx(right) - self.extent(right))}"
            else:
                row = layout.row[a]
                y = self.row_y(row) + RADIUS + 62 + 6 * (bracket_count[row] % 4)
                bracket_count[row] += 1
                self.lowest = max(self.lowest, y)
                path = (
                    f"M{_n(self.cx(left))} {_n(self.label_bottom(left) + 2)}V{_n(y)}"
                    f"H{_n(self.cx(right))}V{_n(self.label_bottom(right) + 2)}"
                )
            middle = (self.cx(left) + self.cx(right)) / 2
            origins[(a, b)] = (middle, y)
            former = kind == "ex_partner_of"
            description = f"{self.name(a)} {_KIND_PHRASES[kind]} {self.name(b)}"
            parts = [
                f'<g class="{"ex-partner-line" if former else "partner-line"}">',
                f"<title>{_text(description)}</title>",
                f'<path d="{path}"/>',
            ]
            if former:
                parts.extend(
                    f'<line class="ex-partner-slash" x1="{_n(middle + dx - 4)}" y1="{_n(y + 8)}" '
                    f'x2="{_n(middle + dx + 4)}" y2="{_n(y - 8)}"/>'
                    for dx in (-8, 8)
                )
            parts.append("</g>")
            output.append("".join(parts))

        output.extend(self._descents(partner_pairs, origins))
        output.extend(self._sibling_brackets())
        output.extend(self._loose_connectors())
        return output

    def _parents_above(self) -> dict[int, list[int]]:
        parents: dict[int, list[int]] = defaultdict(list)
        for edge in self.family.edges:
            if (
                edge.kind == "parent_of"
                and self.layout.row[edge.source] < self.layout.row[edge.target]
            ):
                parents[edge.target].append(edge.source)
        return {
            child: sorted(found, key=self.family.rank.__getitem__)
            for child, found in parents.items()
        }

    def _descents(
        self,
        partner_pairs: dict[tuple[int, int], str],
        origins: dict[tuple[int, ...], tuple[float, float]],
    ) -> list[str]:
        groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for child_id, parents in sorted(
            self._parents_above().items(), key=lambda item: self.family.rank[item[0]]
        ):
            if len(parents) == 2 and tuple(parents) in partner_pairs:
                groups[tuple(parents)].append(child_id)
            else:
                for parent in parents:
                    groups[(parent,)].append(child_id)
        for key in groups:
            if len(key) == 1:
                origins[key] = (self.cx(key[0]), self.label_bottom(key[0]) + 2)

        # Families whose children share a row get their sibling bars at slightly different
        # heights so one family's bar never reads as joining another's children.
        per_row: dict[int, list[tuple[int, ...]]] = defaultdict(list)
        for key in sorted(groups, key=lambda k: (origins[k][0], k)):
            for row in sorted({self.layout.row[c] for c in groups[key]}):
                per_row[row].append(key)
        for row, keys in per_row.items():
            keys.sort(key=cmp_to_key(self._bar_order(row, groups, origins)))

        output = []
        for key, children in groups.items():
            ox, oy = origins[key]
            segments = []
            rows = sorted({self.layout.row[c] for c in children})
            for row in rows:
                bar = self.row_y(row) - RADIUS - 18 - BAR_STEP * (per_row[row].index(key) % 4)
                if row == rows[-1]:
                    segments.append(f"M{_n(ox)} {_n(oy)}V{_n(bar)}")
                in_row = [c for c in children if self.layout.row[c] == row]
                xs = [self.cx(c) for c in in_row] + [ox]
                segments.append(f"M{_n(min(xs))} {_n(bar)}H{_n(max(xs))}")
                segments.extend(
                    f"M{_n(self.cx(c))} {_n(bar)}V{_n(self.cy(c) - self.extent(c))}" for c in in_row
                )
            parent_names = " and ".join(self.name(p) for p in key)
            names = ", ".join(self.name(c) for c in children)
            output.append(
                f'<g class="parent-child-line"><title>{_text(f"Children of {parent_names}: {names}")}</title>'
                f'<path d="{"".join(segments)}"/></g>'
            )
        return output

    def _bar_order(
        self,
        row: int,
        groups: dict[tuple[int, ...], list[int]],
        origins: dict[tuple[int, ...], tuple[float, float]],
    ) -> Callable[[tuple[int, ...], tuple[int, ...]], int]:
        """Compare two families' sibling bars on one row, nearest the children first, by how
        many lines would cross if the first bar sat above the second."""

        def span(key: tuple[int, ...]) -> tuple[float, float]:
            xs = [self.cx(c) for c in groups[key] if self.layout.row[c] == row] + [origins[key][0]]
            return min(xs), max(xs)

        def crossings(upper: tuple[int, ...], lower: tuple[int, ...]) -> int:
            low, high = span(lower)
            top_low, top_high = span(upper)
            drops = sum(low < self.cx(c) < high for c in groups[upper] if self.layout.row[c] == row)
            return drops + (top_low < origins[lower][0] < top_high)

        def compare(first: tuple[int, ...], second: tuple[int, ...]) -> int:
            difference = crossings(second, first) - crossings(first, second)
            if difference:
                return difference
            return -1 if (origins[first][0], first) < (origins[second][0], second) else 1

        return compare

    def _sibling_brackets(self) -> list[str]:
        parents = self._parents_above()
        output = []
        for edge in self.family.edges:
            if edge.kind not in SIBLING_KINDS:
                continue
            mine = set(parents.get(edge.source, []))
            theirs = set(parents.get(edge.target, []))
            # Shared parents already show the relationship through the family's sibling bar.
            if edge.kind == "sibling_of" and mine and mine == theirs:
                continue
            if edge.kind == "half_sibling_of" and mine & theirs and mine != theirs:
                continue
            left, right = sorted((edge.source, edge.target), key=self.cx)
            y = self.cy(left) - RADIUS - 10
            dash = ' stroke-dasharray="6 3"' if edge.kind == "half_sibling_of" else ""
            css_class = "half-sibling-line" if dash else "sibling-line"
            description = (
                f"{self.name(edge.source)} {_KIND_PHRASES[edge.kind]} {self.name(edge.target)}"
            )
            output.append(
                f'<g class="{css_class}"><title>{_text(description)}</title>'
                f'<path d="M{_n(self.cx(left))} {_n(self.cy(left) - self.extent(left))}V{_n(y)}'
                f'H{_n(self.cx(right))}V{_n(self.cy(right) - self.extent(right))}"{dash}/></g>'
            )
        return output

    def _loose_connectors(self) -> list[str]:
        family, row = self.family, self.layout.row
        parent_edges = {(e.source, e.target) for e in family.edges if e.kind == "parent_of"}
        output = []
        for edge in family.edges:
            if edge.kind in SAME_ROW_KINDS:
                continue
            if edge.kind == "parent_of" and row[edge.source] < row[edge.target]:
                continue
            if edge.kind == "grandparent_of" and any(
                (edge.source, middle) in parent_edges and (middle, edge.target) in parent_edges
                for middle in family.people
            ):
                continue
            description = (
                f"{self.name(edge.source)} {_KIND_PHRASES[edge.kind]} {self.name(edge.target)}"
            )
            upper, lower = edge.source, edge.target
            if row[upper] > row[lower]:
                upper, lower = lower, upper
            start_y, end_y = self.cy(upper), self.cy(lower)
            # Between rows the line leaves from under the upper person's label and stops at the
            # lower person's shape, so it never strikes through anyone's name.
            if row[upper] != row[lower]:
                start_y, end_y = self.label_bottom(upper) + 2, end_y - self.extent(lower)
            output.append(
                f'<g class="connector connector-{edge.kind.replace("_", "-")}">'
                f"<title>{_text(description)}</title>"
                f'<line x1="{_n(self.cx(upper))}" y1="{_n(start_y)}" '
                f'x2="{_n(self.cx(lower))}" y2="{_n(end_y)}" '
                f'stroke-dasharray="{_CONNECTOR_DASHES[edge.kind]}"/></g>'
            )
        return output

    def _person(self, person_id: int) -> str:
        person = self.family.people[person_id]
        sex = _sex(person)
        cx, cy = self.cx(person_id), self.cy(person_id)
        classes = [
            "person",
            {"M": "person-male", "F": "person-female"}.get(sex, "person-unknown-sex"),
        ]
        classes += ["child-of-household"] if person.is_child else []
        classes += ["deceased"] if person.deceased else []
        classes += [] if person.in_household else ["outside-household"]
        dash = "" if person.in_household else ' stroke-dasharray="6 4"'
        parts = [
            f'<g class="{" ".join(classes)}" data-person-id="{person.id}">',
            f"<title>{_text(self.name(person_id))}</title>",
            _shape(sex, cx, cy, 0, "shape", dash),
        ]
        if person.is_child:
            parts.append(_shape(sex, cx, cy, INNER_INSET, "shape-inner", dash))
        if person.deceased:
            reach = self.extent(person_id) + 4
            parts.append(
                f'<g class="deceased-cross">'
                f'<line x1="{_n(cx - reach)}" y1="{_n(cy - reach)}" x2="{_n(cx + reach)}" y2="{_n(cy + reach)}"/>'
                f'<line x1="{_n(cx + reach)}" y1="{_n(cy - reach)}" x2="{_n(cx - reach)}" y2="{_n(cy + reach)}"/>'
                "</g>"
            )
        baseline = cy + RADIUS + 18
        for line in self.lines[person_id]:
            parts.append(_label(cx, baseline, line, "name", "12", INK))
            baseline += LINE_HEIGHT
        if person.age_label.strip():
            parts.append(_label(cx, baseline, person.age_label.strip(), "age", "11", SECONDARY_INK))
        parts.append("</g>")
        return "".join(parts)


def _sex(person: GenogramPerson) -> str:
    sex = person.sex.strip().upper()
    return sex if sex in {"M", "F"} else "U"


def _shape(sex: str, cx: float, cy: float, inset: float, css_class: str, dash: str) -> str:
    paint = f'class="{css_class}" fill="{PAPER}"{dash}'
    if sex == "M":
        size = 2 * (RADIUS - inset)
        return f'<rect {paint} x="{_n(cx - RADIUS + inset)}" y="{_n(cy - RADIUS + inset)}" width="{_n(size)}" height="{_n(size)}"/>'
    if sex == "F":
        return f'<circle {paint} cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(RADIUS - inset)}"/>'
    r = DIAMOND_RADIUS - inset * 1.4
    points = (
        f"{_n(cx)},{_n(cy - r)} {_n(cx + r)},{_n(cy)} {_n(cx)},{_n(cy + r)} {_n(cx - r)},{_n(cy)}"
    )
    return f'<polygon {paint} points="{points}"/>'


def _label(x: float, y: float, content: str, css_class: str, size: str, colour: str) -> str:
    return (
        f'<text class="{css_class}" x="{_n(x)}" y="{_n(y)}" text-anchor="middle" '
        f'font-size="{size}" fill="{colour}" stroke="none">{_text(content)}</text>'
    )


def _name_lines(name: str) -> list[str]:
    clean = " ".join(name.split()) or "Name not recorded"
    return textwrap.wrap(clean, width=LABEL_CHARS, max_lines=2, placeholder="…") or [clean]


def _summary(family: _Family) -> str:
    people = family.people.values()
    children = sum(person.is_child for person in people)
    adults = len(family.people) - children
    counts = [
        _plural(adults, "adult", "adults") if adults else "",
        _plural(children, "child", "children") if children else "",
    ]
    parts = [" and ".join(part for part in counts if part)]
    partners = sum(edge.kind == "partner_of" for edge in family.edges)
    former = sum(edge.kind == "ex_partner_of" for edge in family.edges)
    deceased = sum(person.deceased for person in people)
    away = sum(not person.in_household for person in people)
    if partners:
        parts.append(_plural(partners, "partner relationship", "partner relationships"))
    if former:
        parts.append(_plural(former, "former partner relationship", "former partner relationships"))
    if deceased:
        parts.append(_plural(deceased, "person deceased", "people deceased"))
    if away:
        parts.append(_plural(away, "person outside the household", "people outside the household"))
    return "; ".join(parts) + "."


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _svg_open(width: float, height: float) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        'aria-labelledby="genogram-title genogram-desc" class="genogram" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" width="100%" font-family="{FONT}">'
    )


def _empty_svg(title: str) -> str:
    return "\n".join(
        [
            _svg_open(MIN_VIEW_WIDTH, 64),
            f'<title id="genogram-title">{_text(title)}</title>',
            f'<desc id="genogram-desc">{EMPTY_MESSAGE}.</desc>',
            f'<text x="{MIN_VIEW_WIDTH // 2}" y="38" text-anchor="middle" font-size="14" '
            f'fill="{INK}">{EMPTY_MESSAGE}</text>',
            "</svg>",
        ]
    )


def _text(value: str) -> str:
    return html.escape(_NOT_XML.sub("", value), quote=True)


def _n(value: float) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text
