"""The centre tree and the id lookups of a workspace, built once from its validated manifest.

Payouts, explanations, audit facts, sensitivities, suggestions and the report all need the root,
a centre's parent or depth, or a plan or scorecard by id; they ask this index instead of scanning
the manifest again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmrules.models import Center, Manifest, Plan, Scorecard


@dataclass(frozen=True)
class Organisation:
    """Who is where: the root, each centre's children and depth, and centres, plans, scorecards by id."""

    root: str
    centers: Mapping[str, Center]
    plans: Mapping[str, Plan]
    scorecards: Mapping[str, Scorecard]  # by owner id (a centre or an employee)
    children: Mapping[str, tuple[str, ...]]  # in manifest order
    depth: Mapping[str, int]  # 0 for the root
    order: tuple[str, ...]  # depth first from the root, manifest order among siblings
    managers: frozenset[str]  # employee ids that manage a centre

    def parent(self, center_id: str) -> str | None:
        return self.centers[center_id].parent

    def ancestors(self, center_id: str) -> list[str]:
        """The centre's parent, its parent's parent, ..., the root; empty for the root."""
        chain = []
        node = self.centers[center_id].parent
        while node is not None:
            chain.append(node)
            node = self.centers[node].parent
        return chain


def build_organisation(manifest: Manifest) -> Organisation:
    """The index of a manifest whose centre tree was checked (one root, known parents, no cycle)."""
    roots = [c.id for c in manifest.centers if c.parent is None]
    if len(roots) != 1:
        raise ValueError(f"the centre tree needs exactly one root, found {len(roots)}")
    centers = {c.id: c for c in manifest.centers}
    children: dict[str, list[str]] = {c.id: [] for c in manifest.centers}
    for c in manifest.centers:
        if c.parent is not None:
            children[c.parent].append(c.id)
    depth: dict[str, int] = {}
    order: list[str] = []
    stack = [(roots[0], 0)]  # iterative, so a deep hierarchy cannot overflow the stack
    while stack:
        center_id, level = stack.pop()
        depth[center_id] = level
        order.append(center_id)
        stack.extend((child, level + 1) for child in reversed(children[center_id]))
    if len(order) != len(centers):
        raise ValueError("the centre tree has centres not below the root")
    return Organisation(
        root=roots[0], centers=centers, plans={p.id: p for p in manifest.plans},
        scorecards={s.owner: s for s in manifest.scorecards},
        children={k: tuple(v) for k, v in children.items()}, depth=depth, order=tuple(order),
        managers=frozenset(c.manager for c in manifest.centers if c.manager))
