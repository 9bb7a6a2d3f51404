"""The organisation index: root, children, depth, ancestors and tree order of a small tree, built once."""

from __future__ import annotations

import pytest

from pmrules.models import Manifest
from pmrules.testing import minimal_manifest, write_workspace
from pmrules.workspace import load, load_workspace
from pmrules.workspace.organisation import build_organisation

# corp -> (retail -> (north, south), ops); listed out of tree order on purpose.
CENTERS = [
    {"id": "north", "name": "North", "type": "revenue", "parent": "retail"},
    {"id": "corp", "name": "Corp", "type": "investment"},
    {"id": "retail", "name": "Retail", "type": "profit", "parent": "corp", "manager": "E1"},
    {"id": "ops", "name": "Ops", "type": "cost", "parent": "corp"},
    {"id": "south", "name": "South", "type": "revenue", "parent": "retail"},
]
EMP = {"employee_id": "E1", "name": "A", "center": "north", "plan": "staff", "base_salary": "100000",
       "target_bonus_pct": "0.10"}


def _manifest() -> Manifest:
    return Manifest.model_validate(minimal_manifest(centers=CENTERS))


def test_root_children_depth_and_order() -> None:
    org = build_organisation(_manifest())
    assert org.root == "corp"
    assert org.children == {"north": (), "corp": ("retail", "ops"), "retail": ("north", "south"), "ops": (),
                            "south": ()}
    assert org.depth == {"corp": 0, "retail": 1, "ops": 1, "north": 2, "south": 2}
    assert org.order == ("corp", "retail", "north", "south", "ops")
    assert org.managers == {"E1"}
    assert org.parent("south") == "retail" and org.parent("corp") is None


def test_ancestors() -> None:
    org = build_organisation(_manifest())
    assert org.ancestors("north") == ["retail", "corp"]
    assert org.ancestors("ops") == ["corp"]
    assert org.ancestors("corp") == []


def test_lookups_by_id() -> None:
    org = build_organisation(_manifest())
    assert org.centers["ops"].type == "cost"
    assert org.plans["staff"].combine == "add"
    assert set(org.scorecards) == {"corp"}


def test_an_unchecked_tree_is_refused() -> None:
    with pytest.raises(ValueError, match="exactly one root"):
        build_organisation(Manifest.model_validate(minimal_manifest(centers=[*CENTERS, {
            "id": "other", "name": "Other", "type": "cost"}])))


def test_built_once_with_the_workspace(tmp_path, monkeypatch) -> None:
    write_workspace(tmp_path, minimal_manifest(centers=CENTERS), employees=[EMP],
                    actuals={"corp": {"clients_start": "100", "clients_retained": "90"}})
    calls = []
    real = load.build_organisation
    monkeypatch.setattr(load, "build_organisation", lambda m: calls.append(1) or real(m))
    ws = load_workspace(tmp_path)
    assert len(calls) == 1  # built by the load, not on first use
    assert ws.organisation is ws.organisation
    assert ws.organisation.root == "corp" and len(calls) == 1
