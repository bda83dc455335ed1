"""Sync people from the directory: read everything first, then change the database in one go.

Every read happens before the first write, so a sync that meets any error (unreachable server,
refused bind, size or time limit, referral, lost connection) raises before touching a row, and the
caller's rollback leaves the database as it was. People are never deleted: leavers and disabled
accounts become inactive, so past cycles keep their subjects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from ldap3.utils.conv import escape_filter_chars
from sqlalchemy import Row, func, select, text, update

from integrations.ldap.client import (
    DirectoryError,
    close_quietly,
    connect,
    paged_search,
    read_root_dse,
)
from integrations.ldap.settings import DirectorySettings
from service.audit import operations as audit
from service.db import among, db, utcnow, write_many
from service.directory.models import DirectorySyncState
from service.directory.records import (
    PERSON_FIELDS,
    DirectoryRecord,
    entry_id,
    record_reader,
    search_attributes,
)
from service.people.models import Person

LDAP_SOURCE = "ldap"
CLOCK_MARGIN = dt.timedelta(minutes=5)
_EXISTING_COLUMNS = (Person.id, Person.directory_id, Person.source, Person.active,
                     Person.manager_directory_id,
                     *(getattr(Person, name) for name in PERSON_FIELDS))


class MassDeactivation(DirectoryError):
    """A full sync would switch off more people than LDAP_MAX_DEACTIVATE_PERCENT allows."""


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    reactivated: int = 0
    unchanged: int = 0
    managers_unknown: int = 0

    def __str__(self) -> str:
        return ", ".join(f"{name.replace('_', ' ')} {value}"
                         for name, value in asdict(self).items())


@dataclass
class SyncReport:
    mode: str
    reason: str
    dry_run: bool
    counts: SyncCounts = field(default_factory=SyncCounts)
    changes: list[str] = field(default_factory=list)
    watermark: str | None = None
    warning: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "reason": self.reason, "dry_run": self.dry_run,
                **asdict(self.counts), "watermark": self.watermark, "warning": self.warning}


@dataclass
class _Plan:
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    active_before: int = 0
    ids: dict[str, int] = field(default_factory=dict)  # directory id -> people.id, as read


@dataclass
class _Read:
    records: list[DirectoryRecord]
    disabled: set[str]
    server: str
    watermark: str | None


# -- deciding between a full and an incremental sync -------------------------------------------

def _state() -> DirectorySyncState | None:
    return db.session.scalar(select(DirectorySyncState).order_by(DirectorySyncState.id).limit(1))


def _why_full(state: DirectorySyncState | None, settings: DirectorySettings, server: str,
              highest: str | None) -> str | None:
    """The reason the saved watermark cannot be trusted, or None when it can."""
    if state is None or state.watermark is None:
        return "no full sync has run yet"
    if state.fingerprint != settings.fingerprint():
        return "the directory settings changed since the last sync"
    if settings.preset.change_is_server_counter:
        if state.server != server:
            return (f"the last sync read {state.server or 'another server'} and this one reads "
                    f"{server}; update counters are per server")
        if highest is not None and int(highest) < int(state.watermark):
            return ("the server's update counter is lower than the saved one "
                    "(restored from a backup?)")
    return None


def _change_filter(settings: DirectorySettings, watermark: str) -> str:
    attribute = settings.preset.change_attribute
    if settings.preset.change_is_server_counter:
        return f"({attribute}>={int(watermark) + 1})"
    return f"({attribute}>={escape_filter_chars(watermark)})"


# -- reading ---------------------------------------------------------------------------------

def _read(settings: DirectorySettings, full: bool) -> tuple[_Read, str, str]:
    """Everything the sync needs from the directory, or a DirectoryError."""
    # Anything changed from here on is at or after this moment (less a margin for the two
    # clocks), whatever the paged sweep has already passed.
    started = (utcnow() - CLOCK_MARGIN).strftime("%Y%m%d%H%M%SZ")
    conn = connect(settings)
    try:
        root = read_root_dse(conn, settings, ["dsServiceName", "highestCommittedUSN"])
        server = ""
        if settings.preset.change_is_server_counter:
            server = root.get("dsServiceName") or f"{conn.server.host}:{conn.server.port}"
        highest = root.get("highestCommittedUSN")
        state = _state()
        reason = "asked for (--full)" if full else _why_full(state, settings, server, highest)
        mode = "full" if reason else "incremental"
        user_filter = settings.user_filter
        if mode == "incremental":
            assert state is not None and state.watermark is not None
            user_filter = f"(&{user_filter}{_change_filter(settings, state.watermark)})"
            reason = f"changes since {state.watermark}"
        read_record = record_reader(settings)
        records = [read_record(dn, raw)
                   for dn, raw in paged_search(conn, settings, user_filter,
                                               search_attributes(settings))]
        disabled: set[str] = set()
        if settings.disabled_filter:
            disabled = {entry_id(dn, raw, settings) for dn, raw in paged_search(
                conn, settings, f"(&{user_filter}{settings.disabled_filter})",
                [settings.attributes["id"]])}
    finally:
        close_quietly(conn)
    watermark = _next_watermark(settings, records, highest, started,
                                state.watermark if state and mode == "incremental" else None)
    return _Read(records, disabled, server, watermark), mode, reason or ""


def _next_watermark(settings: DirectorySettings, records: list[DirectoryRecord],
                    highest: str | None, started: str, previous: str | None) -> str | None:
    """AD: the server's highestCommittedUSN read before the search, which nothing can slip
    under. Timestamps: the newest change seen, but never later than the sweep's start (less
    CLOCK_MARGIN), so an entry changed behind the sweep is read next time; the filter is >=, so
    an entry changed in the same second is read again rather than missed."""
    if settings.preset.change_is_server_counter and highest is not None:
        return highest
    seen = [r.change for r in records if r.change]
    if not seen:
        return previous
    if settings.preset.change_is_server_counter:
        return str(max(int(value) for value in seen))
    return min(max(seen), started)


# -- planning --------------------------------------------------------------------------------

def _existing(read: _Read, full: bool) -> list[Row[Any]]:
    """Full: everyone. Incremental: only the people the changed entries are, and the managers
    they name (by DN), so a run after a few changes reads a few rows, not the whole table."""
    if full:
        return list(db.session.execute(select(*_EXISTING_COLUMNS)))
    rows: dict[int, Row[Any]] = {}
    ids = [r.directory_id for r in read.records]
    dns = sorted({r.manager_dn for r in read.records if r.manager_dn})
    for column, values in ((Person.directory_id, ids), (Person.directory_dn, dns)):
        if values:
            rows.update((row.id, row) for row in db.session.execute(
                select(*_EXISTING_COLUMNS).where(among(column, values))))
    return list(rows.values())


def _plan(read: _Read, full: bool, report: SyncReport, sample: int) -> _Plan:
    rows = _existing(read, full)
    existing = {row.directory_id: row for row in rows}
    # A DN can be reused after a leaver; the active holder of it wins.
    dn_to_id = {row.directory_dn: row.directory_id
                for row in sorted(rows, key=lambda row: row.active) if row.directory_dn}
    dn_to_id.update((r.directory_dn, r.directory_id) for r in read.records)
    if full:
        active_before = sum(1 for row in rows if row.active and row.source == LDAP_SOURCE)
    else:
        active_before = db.session.scalar(select(func.count()).select_from(Person).where(
            Person.active.is_(True), Person.source == LDAP_SOURCE)) or 0
    plan = _Plan(active_before=active_before, ids={row.directory_id: row.id for row in rows})
    counts = report.counts

    def note(text: str) -> None:
        if len(report.changes) < sample:
            report.changes.append(text)

    seen: set[str] = set()
    for record in read.records:
        seen.add(record.directory_id)
        manager = dn_to_id.get(record.manager_dn) if record.manager_dn else None
        if record.manager_dn and manager is None:
            counts.managers_unknown += 1
        if manager == record.directory_id:
            manager = None
        values = {**record.values(), "manager_directory_id": manager,
                  "active": record.directory_id not in read.disabled, "source": LDAP_SOURCE}
        row = existing.get(record.directory_id)
        if row is None:
            plan.creates.append({"directory_id": record.directory_id, **values})
            counts.created += 1
            note(f"create {record.display_name} ({record.directory_id})"
                 + ("" if values["active"] else ", disabled"))
            continue
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        if not changed:
            counts.unchanged += 1
            continue
        plan.updates.append({"id": row.id, **{name: values[name] for name in changed}})
        if "active" in changed and values["active"]:
            counts.reactivated += 1
            note(f"reactivate {record.display_name} ({record.directory_id})")
        elif "active" in changed:
            counts.deactivated += 1
            note(f"deactivate {record.display_name} ({record.directory_id}): disabled")
        else:
            counts.updated += 1
            note(f"update {record.display_name} ({record.directory_id}): "
                 + ", ".join(name for name in changed if name != "source"))
    if full:
        for row in existing.values():
            if row.source == LDAP_SOURCE and row.active and row.directory_id not in seen:
                # Their DN is free for someone else now.
                plan.updates.append({"id": row.id, "active": False, "directory_dn": None})
                counts.deactivated += 1
                note(f"deactivate {row.display_name} ({row.directory_id}): no longer in the "
                     "directory")
    return plan


def _mass_deactivation(plan: _Plan, report: SyncReport,
                       settings: DirectorySettings) -> str | None:
    if not plan.active_before:
        return None
    percent = 100 * report.counts.deactivated / plan.active_before
    if percent <= settings.max_deactivate_percent:
        return None
    return (f"this sync would deactivate {report.counts.deactivated} of {plan.active_before} "
            f"active people ({percent:.1f}%, more than LDAP_MAX_DEACTIVATE_PERCENT="
            f"{settings.max_deactivate_percent:g}); nothing was changed. Check LDAP_BASE_DN and "
            "LDAP_USER_FILTER; if the leavers are real, run again with "
            "--allow-mass-deactivation")


# -- writing ---------------------------------------------------------------------------------

def _apply(plan: _Plan) -> None:
    """Insert the new people, managers before their reports, each row carrying its manager's
    id; then one bulk UPDATE by primary key."""
    ids = dict(plan.ids)
    if plan.creates:
        rows, looped = _managers_first(plan.creates, set(ids))
        for row, person_id in zip(rows, _new_ids(len(rows)), strict=True):
            row["id"] = person_id
            ids[row["directory_id"]] = person_id
        now = utcnow()
        for row in rows:
            row["manager_id"] = (None if row["directory_id"] in looped
                                 else ids.get(row["manager_directory_id"]))
            row["created_at"] = row["updated_at"] = now
        columns = list(rows[0])
        write_many(Person.__table__, columns, ([row[c] for c in columns] for row in rows))
        # People who are each other's managers (a loop in the data): linked once all are in.
        plan.updates += [{"id": ids[directory_id], "manager_directory_id": manager}
                         for directory_id, manager in looped.items()]
    if plan.updates:
        now = utcnow()
        for row in plan.updates:
            row["updated_at"] = now
            if "manager_directory_id" in row:
                row["manager_id"] = ids.get(row["manager_directory_id"])
        db.session.execute(update(Person), plan.updates)
    db.session.flush()


def _managers_first(creates: list[dict[str, Any]],
                    known: set[str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The new rows ordered so that a manager comes before their reports (SQLite checks the
    manager_id foreign key row by row), and those in a loop of managers: id -> manager."""
    ordered: list[dict[str, Any]] = []
    known = set(known)
    pending = creates
    while pending:
        ready = [row for row in pending if row["manager_directory_id"] is None
                 or row["manager_directory_id"] in known]
        if not ready:  # the rest point at each other
            ordered += pending
            return ordered, {row["directory_id"]: row["manager_directory_id"]
                             for row in pending}
        ordered += ready
        known.update(row["directory_id"] for row in ready)
        pending = [row for row in pending if row["directory_id"] not in known]
    return ordered, {}


def _new_ids(count: int) -> list[int]:
    """Primary keys for the new people, taken before the insert, so every row can carry its
    manager's id and the insert needs no RETURNING (which costs psycopg a parse of each
    1000-row statement)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return list(db.session.scalars(text(
            "SELECT nextval(pg_get_serial_sequence('people', 'id')) "
            "FROM generate_series(1, :count)"), {"count": count}))
    # SQLite: the sync state was written first, so this transaction holds the database's one
    # write lock and nobody else can take these ids before the commit.
    start = (db.session.scalar(select(func.max(Person.id))) or 0) + 1
    return list(range(start, start + count))


def _save_state(settings: DirectorySettings, read: _Read, mode: str,
                report: SyncReport) -> None:
    state = _state() or DirectorySyncState(fingerprint={})
    now = utcnow()
    state.fingerprint = settings.fingerprint()
    state.server = read.server
    state.watermark = read.watermark
    state.last_sync_at = now
    if mode == "full":
        state.last_full_sync_at = now
    state.last_counts = report.as_dict()
    db.session.add(state)
    db.session.flush()


def sync_directory(settings: DirectorySettings, *, full: bool = False, dry_run: bool = False,
                   allow_mass_deactivation: bool = False, sample: int = 20) -> SyncReport:
    """Read, plan, check, write; flushes, the caller commits (or rolls back on any error)."""
    read, mode, reason = _read(settings, full)
    report = SyncReport(mode=mode, reason=reason, dry_run=dry_run, watermark=read.watermark)
    plan = _plan(read, mode == "full", report, sample)
    stop = None if allow_mass_deactivation else _mass_deactivation(plan, report, settings)
    if stop and not dry_run:
        raise MassDeactivation(stop)
    report.warning = stop
    if not dry_run:
        _save_state(settings, read, mode, report)  # first: on SQLite, it takes the write lock
        _apply(plan)
        counts = ", ".join(f"{name} {value}" for name, value in asdict(report.counts).items())
        audit.record("directory.sync", "people", None, f"{mode} directory sync: {counts}")
    return report


def last_sync() -> dict[str, Any] | None:
    state = _state()
    if state is None:
        return None
    return {"last_sync_at": _iso(state.last_sync_at),
            "last_full_sync_at": _iso(state.last_full_sync_at),
            "watermark": state.watermark, "server": state.server,
            "last_counts": state.last_counts}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None
