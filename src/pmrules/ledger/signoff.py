"""Sign-off of a committed run: draft -> reviewed -> approved -> paid, one append-only event per step.

A run's state is its latest event (none, or `rejected`: draft). Each step is one ledger write
transaction, so two people approving at once are serialised and the second is refused. Four-eyes
(`signoff: {four_eyes: true}`, the default): the preparer (the run's `created_by`) neither reviews nor
approves it, and the reviewer does not approve it. Names compare without case or surrounding spaces.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from pmrules.errors import LedgerError
from pmrules.ledger.schema import locks, payments, runs, signoffs

if TYPE_CHECKING:
    from pmrules.ledger.store import Ledger

DRAFT, REVIEWED, APPROVED, PAID = "draft", "reviewed", "approved", "paid"
STATES = (DRAFT, REVIEWED, APPROVED, PAID)
STEPS = ("reviewed", "approved", "rejected", "paid")
AFTER = {"reviewed": REVIEWED, "approved": APPROVED, "rejected": DRAFT, "paid": PAID}
FROM = {"reviewed": (DRAFT,), "approved": (REVIEWED,), "rejected": (REVIEWED, APPROVED), "paid": (APPROVED,)}
NOUN = {"reviewed": "review", "approved": "approval"}
NOW = {"reviewed": "reviews", "approved": "approves"}
VERB = {"reviewed": "reviewed", "approved": "approved", "rejected": "rejected", "paid": "exported"}


def state_of(events: Sequence[dict[str, Any]]) -> str:
    return AFTER[events[-1]["step"]] if events else DRAFT


def events_of(connection: Connection, run_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Each run's sign-off events, oldest first (runs without any are absent)."""
    found: dict[int, list[dict[str, Any]]] = {}
    if not run_ids:
        return found
    for row in connection.execute(select(signoffs).where(signoffs.c.run_id.in_(list(run_ids))).order_by(signoffs.c.id)):
        event = dict(row._mapping)
        event["detail"] = json.loads(event["detail"])
        found.setdefault(int(row.run_id), []).append(event)
    return found


def since_draft(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events after the last rejection: the sign-off now in force."""
    last = max((i for i, e in enumerate(events) if e["step"] == "rejected"), default=-1)
    return list(events[last + 1:])


def _last(events: Sequence[dict[str, Any]], step: str) -> dict[str, Any] | None:
    return next((e for e in reversed(since_draft(events)) if e["step"] == step), None)


def describe(events: Sequence[dict[str, Any]]) -> str:
    """`approved by bo at T, paid (exported by cy at T)`: who signed the state in force."""
    parts = [f"{VERB[e['step']]} by {e['by']} at {e['at']}" for e in since_draft(events)]
    return ", ".join(parts) if parts else "not signed off"


def final_error(run_id: int, period: str, events: Sequence[dict[str, Any]]) -> LedgerError | None:
    """The refusal to commit the period of an approved or paid run again, or None while it may be superseded."""
    if state_of(events) not in (APPROVED, PAID):
        return None
    hint = (f"reject it first, with a reason: pmrules reject WORKSPACE {run_id} --as NAME --comment WHY"
            if state_of(events) == APPROVED else
            "it is paid: a restated actual flows into the next open period as a retro adjustment")
    return LedgerError(f"period {period} cannot be committed again: its run {run_id} is {state_of(events)} "
                       f"({describe(events)}); an approved run is final", hint=hint)


def same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


@dataclass
class Signed:
    """What a sign-off step recorded, and what the command should say about it."""

    event: dict[str, Any]
    run: dict[str, Any]
    state: str
    warnings: list[str] = field(default_factory=list)


def sign(ledger: Ledger, workspace: str, run_id: int, step: str, by: str, comment: str | None,
         four_eyes: bool = True) -> Signed:
    """Record `reviewed`, `approved` or `rejected` on a committed run, or refuse it (out of order, four-eyes, final)."""
    from pmrules.ledger.store import now

    assert step in ("reviewed", "approved", "rejected")
    with ledger._write() as connection:
        run = _committed_run(connection, workspace, run_id, ledger.shown)
        events = events_of(connection, [run_id]).get(run_id, [])
        state = state_of(events)
        if step == "rejected":
            lock = connection.execute(select(locks).where(locks.c.workspace == workspace, locks.c.run_id == run_id)).first()
            if lock is not None and state != PAID:
                raise LedgerError(f"run {run_id} ({run['period']}) cannot be rejected: period {run['period']} is locked "
                                  f"(by {lock.locked_by} at {lock.locked_at}), its payments are final",
                                  hint="a correction flows into the next open period as a retro adjustment")
        if state not in FROM[step]:
            raise _out_of_order(run, state, step, events)
        warnings = _four_eyes(run, step, by, events, four_eyes)
        detail = {"from": state, "four_eyes": four_eyes}
        if warnings:
            detail["same_person"] = warnings
        event = {"run_id": run_id, "step": step, "at": now(), "by": by, "comment": comment,
                 "detail": json.dumps(detail, sort_keys=True)}
        connection.execute(signoffs.insert().values(**event))
        return Signed({**event, "detail": detail}, run, AFTER[step], warnings)


def _committed_run(connection: Connection, workspace: str, run_id: int, shown: str) -> dict[str, Any]:
    row = connection.execute(select(runs.c.id, runs.c.plan_year, runs.c.period, runs.c.status, runs.c.created,
                                    runs.c.created_by, runs.c.total, runs.c.employees, runs.c.options)
                             .where(runs.c.id == run_id, runs.c.workspace == workspace)).first()
    if row is None:
        raise LedgerError(f"no run {run_id} of workspace '{workspace}' in the ledger {shown}",
                          hint="`pmrules runs WORKSPACE` lists them")
    run = dict(row._mapping)
    if run["status"] != "committed":
        raise LedgerError(f"run {run_id} ({run['period']}) is {run['status']}: only the committed run of a period is "
                          "signed off", hint="`pmrules runs WORKSPACE` shows the committed run of each period")
    return run


def _out_of_order(run: dict[str, Any], state: str, step: str, events: Sequence[dict[str, Any]]) -> LedgerError:
    name = f"run {run['id']} ({run['period']})"
    signed = f" ({describe(events)})" if events and state != DRAFT else ""
    if state == PAID:
        return LedgerError(f"{name} is paid{signed}: it is final and cannot be {VERB[step]}",
                           hint="a correction flows into the next open period as a retro adjustment")
    if step == "rejected":
        return LedgerError(f"{name} is draft: there is nothing to reject",
                           hint="a draft run is superseded by committing its period again")
    if state == AFTER[step]:
        return LedgerError(f"{name} is already {state}{signed}", hint="`pmrules runs WORKSPACE --run ID` shows its sign-off")
    if step == "approved":  # from draft
        return LedgerError(f"{name} is draft: it must be reviewed before it is approved",
                           hint=f"pmrules signoff WORKSPACE {run['id']} --step reviewed --as NAME")
    if state == APPROVED:
        return LedgerError(f"{name} is approved{signed}: an approved run is final",
                           hint=f"to reopen it before payment: pmrules reject WORKSPACE {run['id']} --as NAME --comment WHY")
    return LedgerError(f"{name} is {state}{signed}: it cannot be {VERB[step]} now")


def _four_eyes(run: dict[str, Any], step: str, by: str, events: Sequence[dict[str, Any]], four_eyes: bool) -> list[str]:
    """The conflicts of `by` with the preparer and the reviewer; refused under four-eyes, else returned as warnings."""
    if step == "rejected":
        return []
    conflicts = []
    if same(by, run["created_by"]):
        conflicts.append(f"{by} prepared run {run['id']} (committed it) and now {NOW[step]} it")
    reviewed = _last(events, "reviewed") if step == "approved" else None
    if reviewed is not None and same(by, reviewed["by"]):
        conflicts.append(f"{by} reviewed run {run['id']} at {reviewed['at']} and now approves it")
    if conflicts and four_eyes:
        who = "someone other than the preparer" + (" and the reviewer" if step == "approved" else "")
        raise LedgerError(f"four-eyes: {conflicts[0]}", hint=f"the {NOUN[step]} is signed by {who}; a workspace may "
                          "allow it with `signoff: {four_eyes: false}` in pmrules.yaml")
    return conflicts


@dataclass
class Export:
    """An approved run being exported: its payments, and the `paid` event recorded in the open transaction."""

    run: dict[str, Any]
    payments: list[dict[str, Any]]
    events: list[dict[str, Any]]
    connection: Connection
    by: str
    comment: str | None
    again: bool
    event: dict[str, Any] | None = None

    def mark_paid(self, detail: dict[str, Any]) -> dict[str, Any]:
        from pmrules.ledger.store import now

        detail = {**detail, "again": self.again}
        event = {"run_id": self.run["id"], "step": "paid", "at": now(), "by": self.by, "comment": self.comment,
                 "detail": json.dumps(detail, sort_keys=True)}
        self.connection.execute(signoffs.insert().values(**event))
        self.event = {**event, "detail": detail}
        return self.event


@contextmanager
def paying(ledger: Ledger, workspace: str, run_id: int, by: str, *, again: bool = False,
           comment: str | None = None) -> Iterator[Export]:
    """Inside: an approved run (or a paid one, `again`); the caller writes the file, then `mark_paid` before it renames.

    One write transaction: if the body raises (the file could not be written), nothing is marked paid.
    """
    with ledger._write() as connection:
        run = _committed_run(connection, workspace, run_id, ledger.shown)
        events = events_of(connection, [run_id]).get(run_id, [])
        state = state_of(events)
        name = f"run {run_id} ({run['period']})"
        if state == PAID and not again:
            raise LedgerError(f"{name} was already exported and marked paid ({describe(events)})",
                              hint="to write its payroll file again, add --again --comment WHY; the reason is recorded")
        if state == APPROVED and again:
            raise LedgerError(f"{name} has not been exported yet: --again is for a paid run",
                              hint="leave out --again")
        if state not in (APPROVED, PAID):
            signed = f" ({describe(events)})" if state != DRAFT else ""
            raise LedgerError(f"{name} is {state}{signed}: only an approved run is exported to payroll",
                              hint=f"after review: pmrules approve WORKSPACE {run_id} --as NAME")
        rows = [dict(p._mapping) for p in connection.execute(
            select(payments).where(payments.c.run_id == run_id).order_by(payments.c.employee_id))]
        export = Export(run, rows, events, connection, by, comment, again)
        yield export
        if export.event is None:
            raise LedgerError(f"{name} was not marked paid (internal: the export recorded no event)")
