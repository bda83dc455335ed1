"""An attacker with a copy of the database, and the history the copy carries.

SQLite: the database file and its WAL, replayed commit by commit (each commit's frames laid
over the file, the state read with sqlite3). PostgreSQL: every tuple of the tables that matter,
live and dead, through pageinspect, with the transactions that wrote (xmin) and replaced (xmax)
each version. Both are turned into the same list of writes, so one linking attack serves both:

- a response is linked *directly* to the invitations whose status changed to submitted in the
  transaction that created the response;
- and *through the holding table* to the invitations that changed in the transaction that
  created a held row which the response's transaction deleted, in the same subject and group.

The attacker's candidates for a response are the invitations it can link that way; the storage
is safe when, for every response, the candidates are every submitted rater of its group."""

from __future__ import annotations

import sqlite3
import struct
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

TABLES = {
    "invitations": "SELECT id, status, draft IS NOT NULL, sealed_token IS NOT NULL "
                   "FROM invitations",
    "held_responses": "SELECT id, subject_id, rater_group, length(sealed) FROM held_responses",
    "responses": "SELECT id, subject_id, rater_group, answers FROM responses",
    "outbox": "SELECT id, template, recipient, invitation_id FROM outbox",
}


@dataclass
class History:
    """Row versions by table and key, each with the transaction that made it and (if it was
    replaced or deleted) the one that ended it."""

    versions: dict[str, dict[Any, list[tuple[Any, Any, tuple]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    def add(self, table: str, key: Any, created_by: Any, ended_by: Any, row: tuple) -> None:
        self.versions[table][key].append((created_by, ended_by, row))

    def submitted_by(self) -> dict[Any, Any]:
        """Invitation id -> the transaction whose version first shows it submitted."""
        found = {}
        for key, versions in self.versions["invitations"].items():
            for created_by, _, row in versions:
                if row[1] == "submitted":
                    found.setdefault(key, created_by)
        return found

    def candidates(self, groups: dict[Any, tuple[int, str]]) -> dict[Any, set[Any]]:
        """Response id -> invitations the history links it to (``groups`` gives each
        invitation's subject and group, which the attacker reads from the nominations)."""
        flipped = self.submitted_by()
        held = {key: versions[0] for key, versions in self.versions["held_responses"].items()}
        links: dict[Any, set[Any]] = {}
        for key, versions in self.versions["responses"].items():
            created_by, _, row = versions[0]
            where = (row[1], row[2])
            direct = {i for i, txn in flipped.items() if txn == created_by and groups[i] == where}
            through = set()
            for held_created, held_ended, held_row in held.values():
                if held_ended == created_by and (held_row[1], held_row[2]) == where:
                    through |= {i for i, txn in flipped.items()
                                if txn == held_created and groups[i] == where}
            links[key] = direct | through
        return links

    def sealed_sizes(self) -> set[int]:
        return {row[3] for versions in self.versions["held_responses"].values()
                for _, _, row in versions}


# --- SQLite -------------------------------------------------------------------------------

def _frames(wal: bytes) -> Iterable[tuple[int, int, bytes]]:
    """(page number, database size after commit or 0, page) for each frame of the current WAL."""
    if len(wal) < 32:
        return
    page_size = struct.unpack(">I", wal[8:12])[0]
    salts = wal[16:24]
    offset = 32
    while offset + 24 + page_size <= len(wal):
        number, commit_size = struct.unpack(">II", wal[offset:offset + 8])
        if wal[offset + 8:offset + 16] != salts:
            return
        yield number, commit_size, wal[offset + 24:offset + 24 + page_size]
        offset += 24 + page_size


def _read(image: bytes) -> dict[str, dict[Any, tuple]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "copy.sqlite"
        path.write_bytes(image)
        connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            return {table: {row[0]: tuple(row) for row in connection.execute(query)}
                    for table, query in TABLES.items()}
        finally:
            connection.close()


def sqlite_history(database: bytes, wal: bytes) -> History:
    """Replay the WAL over the file, commit by commit; each commit is one transaction."""
    page_size = 4096
    if len(database) >= 100:
        page_size = struct.unpack(">H", database[16:18])[0] or 65536
    image = bytearray(database)
    states = [_read(bytes(image))] if image else []
    for number, commit_size, page in _frames(wal):
        start = (number - 1) * page_size
        if len(image) < start + page_size:
            image.extend(bytes(start + page_size - len(image)))
        image[start:start + page_size] = page
        if commit_size:
            del image[commit_size * page_size:]
            states.append(_read(bytes(image)))
    history = History()
    for table in TABLES:
        for key in {k for state in states for k in state[table]}:
            current, since = None, None
            for commit, state in enumerate(states):
                row = state[table].get(key)
                if row != current:
                    if current is not None:
                        history.add(table, key, since, commit, current)
                    current, since = row, commit
            if current is not None:
                history.add(table, key, since, None, current)
    return history


# --- PostgreSQL ---------------------------------------------------------------------------

_PG_COLUMNS = {
    "invitations": ("id", "status", "draft", "sealed_token"),
    "held_responses": ("id", "subject_id", "rater_group", "sealed"),
    "responses": ("id", "subject_id", "rater_group", "answers"),
    "outbox": ("id", "template", "recipient", "invitation_id"),
}


def _decode(kind: str, raw: bytes | None) -> Any:
    if raw is None:
        return None
    raw = bytes(raw)
    if kind == "int4":
        return int.from_bytes(raw[:4], "little")
    if kind == "uuid":
        return raw.hex()
    if kind in ("varchar", "text", "json", "bytea"):
        if raw[0] == 0x01:  # a pointer to the value in the TOAST table
            return b""
        if raw[0] & 0x01:  # short varlena: one header byte
            return raw[1:raw[0] >> 1]
        return raw[4:int.from_bytes(raw[:4], "little") >> 2]
    return raw


def pg_history(connection: Any) -> History:
    """Every tuple on every page of the tables, live or dead, as pageinspect shows it."""
    history = History()
    for table, wanted in _PG_COLUMNS.items():
        attributes = connection.execute(text(
            "SELECT attname, format_type(atttypid, NULL), attisdropped FROM pg_attribute "
            "WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 ORDER BY attnum"),
            {"t": table}).all()
        kinds = {"integer": "int4", "character varying": "varchar"}
        positions = {name: (index, kinds.get(kind, kind))
                     for index, (name, kind, dropped) in enumerate(attributes) if not dropped}
        blocks = connection.execute(text(
            "SELECT pg_relation_size(CAST(:t AS regclass)) / current_setting('block_size')::int"),
            {"t": table}).scalar()
        for block in range(blocks):
            rows = connection.execute(text(
                "SELECT t_xmin, t_xmax, t_attrs FROM heap_page_item_attrs("
                "get_raw_page(:t, :b), CAST(:t AS regclass)) WHERE t_attrs IS NOT NULL"),
                {"t": table, "b": block}).all()
            for xmin, xmax, attrs in rows:
                values = []
                for name in wanted:
                    index, kind = positions[name]
                    values.append(_decode(kind, attrs[index]))
                if table == "invitations":
                    values[1] = values[1].decode() if values[1] else None
                    values[2], values[3] = values[2] is not None, values[3] is not None
                elif table in ("held_responses", "responses"):
                    values[2] = values[2].decode()
                    if table == "held_responses":
                        values[3] = None  # TOASTed; sizes are read with octet_length
                history.add(table, values[0], int(xmin), int(xmax) or None, tuple(values))
    return history


def pg_pages(connection: Any) -> bytes:
    """Every page of every table, index and TOAST table of the schema, raw."""
    relations = connection.execute(text(
        "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = "
        "c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') "
        "UNION ALL SELECT t.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON "
        "n.oid = c.relnamespace JOIN pg_class t ON t.oid = c.reltoastrelid "
        "WHERE n.nspname = 'public'")).scalars().all()
    chunks = []
    for relation in relations:
        blocks = connection.execute(text(
            "SELECT pg_relation_size(CAST(:r AS regclass)) / current_setting('block_size')::int"),
            {"r": relation}).scalar()
        for block in range(blocks):
            chunks.append(bytes(connection.execute(text("SELECT get_raw_page(:r, :b)"),
                                                   {"r": relation, "b": block}).scalar()))
    return b"".join(chunks)
