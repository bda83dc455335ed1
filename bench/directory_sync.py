"""Directory sync bench: how long a sync of a large directory takes, against a bare paged search.

What it measures, in one run:

* loads N people (default 100,000: a chief, about 1.5% managers in three levels, everyone else
  reporting to a line manager; Welsh and other non-ASCII names, apostrophes and commas) into a
  real slapd (tests/ldap_server.py, OpenLDAP flavour), through slapadd;
* the baseline: a bare ldap3 paged search of every entry as the sync account, with the filter,
  base and attribute list the sync uses (page size 500), median of 3 runs after a warm-up;
* for reference, the same search through the sync's own connection and paging loop
  (integrations/ldap/client.py, which has ldap3 decode raw values only), runs interleaved with
  the baseline's: the part of the sync that is reading the directory;
* for SQLite (a fresh file) and PostgreSQL (its database created if missing, schema public
  dropped and recreated), on a freshly migrated database: (a) a first full sync plus commit,
  which must create N people; (b) a second full sync with nothing changed; (c) an incremental
  sync after changing the title of 1% of the entries. Each is timed with the commit; the full
  syncs are also split into phases.

Goals: a full sync within 1.3x the baseline; an incremental sync after a 1% change within 5 s.

Run from the repository root:

    .venv/bin/python bench/directory_sync.py [--entries 100000] [--postgres-url URL]
        [--skip-postgres] [--profile]

--profile runs only a first full sync on SQLite under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import ldap3  # noqa: E402

from bench.databases import reset_postgres  # noqa: E402
from integrations.ldap.client import close_quietly, connect, paged_search  # noqa: E402
from integrations.ldap.settings import DirectorySettings, settings_from_config  # noqa: E402
from service.app import create_app  # noqa: E402
from service.db import db  # noqa: E402
from service.directory import sync as sync_module  # noqa: E402
from service.directory.records import search_attributes  # noqa: E402
from service.directory.sync import SyncReport, sync_directory  # noqa: E402
from service.migrations.cli import upgrade  # noqa: E402
from tests.ldap_server import Person, Slapd, app_settings, slapd_missing  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/feedback360_bench"
PAGE_SIZE = 500
BASELINE_RUNS = 3
FULL_GOAL = 1.3  # x the baseline
INCREMENTAL_GOAL = 5.0  # seconds
SEED = 360

GIVEN_NAMES = [
    "Siân", "Gwenllïan", "Dafydd", "Ŵyn", "Rhiannon", "Angharad", "Llŷr", "Eirlys", "Ffion",
    "Gethin", "Heledd", "Iolo", "Lowri", "Mererid", "Owain", "Tomos", "Nia", "Sioned", "Catrin",
    "Elin", "Emyr", "Gareth", "Huw", "Ifan", "Manon", "Osian", "Rhodri", "Steffan", "Tegwen",
    "Aled", "Bethan", "Cerys", "Dylan", "Eluned", "Gruffudd", "Ieuan", "Llinos", "Meinir",
    "Siôn", "Dóra", "James", "Olivia", "Chloë", "Zoë", "Renée", "José", "Zoltán", "Siobhán",
    "Seán", "Anne-Marie", "Mary", "John", "Sarah", "David", "Emma", "Michael", "Laura",
    "Thomas", "Hannah", "Daniel", "Sophie", "Matthew", "Amy", "Christopher", "Rebecca",
    "Andrew", "Katie", "Mohammed", "Aisha", "Priya", "Wei", "Ngozi", "Oluwaseun", "Agnieszka",
    "Łukasz", "Björn", "Søren", "François", "Núria", "Jürgen",
]
FAMILY_NAMES = [
    "Jones", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Hughes", "Lewis", "Morgan",
    "Griffiths", "Owen", "Price", "Pritchard", "Rees", "Jenkins", "Parry", "Powell", "Edwards",
    "Phillips", "Howells", "Llewelyn", "ap Gwilym", "ab Owain", "Prŷs", "Rhŷs", "Gwŷn",
    "Tŷ-Gwyn", "Môn", "O'Brien", "O'Neill", "D'Arcy", "O'Sullivan", "Smith", "Brown", "Taylor",
    "Wilson", "Johnson", "Walker", "Wright", "Robinson", "Thompson", "White", "Green", "Hall",
    "Wood", "Harris", "Martin", "Jackson", "Clarke", "Patel", "Khan", "Begum", "Nowak",
    "Kowalczyk", "Müller", "Øvergaard", "García", "Núñez", "Okafor", "Adeyemi", "Chen", "Nguyen",
    "MacDonald", "McLeod", "Fitzgerald", "Sinclair", "Bowen", "Vaughan", "Meredith", "Beynon",
    "Cadwaladr", "Gruffydd", "Llywelyn", "Ifans", "Tudur",
]
SUFFIXED_FAMILY_NAMES = ["Jones, Jr", "Evans, Sr", "Price, III"]  # a comma in the surname
DEPARTMENTS = [
    "Surgery", "Paediatrics", "Emergency Department", "Gofal Cymunedol", "Radiology",
    "Pharmacy", "Estates", "Finance", "Human Resources", "IT & Digital", "Cardiology",
    "Oncology", "Maternity", "Iechyd Meddwl", "Theatres", "Outpatients", "Pathology",
    "Physiotherapy", "Nutrition & Dietetics", "Research & Development",
]
STAFF_TITLES = [
    "Staff Nurse", "Healthcare Assistant", "Nyrs Staff", "Physiotherapist", "Pharmacist",
    "Radiographer", "Administrator", "Medical Secretary", "Porter", "Domestic Assistant",
    "Biomedical Scientist", "Dietitian", "Junior Doctor", "Consultant", "Registrar",
    "Midwife", "Theatre Practitioner", "Analyst, Finance", "Officer, HR", "Engineer, Estates",
]
LANGUAGES = [("cy-GB", 25), ("cy", 5), ("en-GB", 50), ("", 20)]
DISABLED_SHARE = 0.005


# -- the directory ---------------------------------------------------------------------------

@dataclass
class Org:
    people: list[Person]
    managers: int
    disabled: int


class _Names:
    """Names unique in the directory: a repeated "Family, Given" gets middle initials."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: dict[tuple[str, str], int] = {}

    def next(self) -> tuple[str, str]:
        given = self.rng.choice(GIVEN_NAMES)
        family = (self.rng.choice(SUFFIXED_FAMILY_NAMES) if self.rng.random() < 0.001
                  else self.rng.choice(FAMILY_NAMES))
        repeat = self.seen.get((family, given), 0)
        self.seen[(family, given)] = repeat + 1
        return (f"{given} {_initials(repeat)}" if repeat else given), family


def _initials(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + ". " + letters
    return letters.strip()


def _language(rng: random.Random) -> str:
    codes, weights = zip(*LANGUAGES, strict=True)
    return rng.choices(codes, weights)[0]


def build_org(entries: int, seed: int = SEED) -> Org:
    """A chief, a director per department, heads of service and line managers (about 1.5% in
    all), and staff, each reporting to a line manager of their department."""
    rng = random.Random(seed)
    names = _Names(rng)
    counter = iter(range(entries))

    def person(title: str, department: str, manager: Person | None) -> Person:
        given, family = names.next()
        uid = f"u{next(counter):06d}"
        return Person(uid, given, family, email=f"{uid}@example.org", title=title,
                      department=department, manager=manager, language=_language(rng))

    chief = person("Chief Executive", "Board", None)
    directors = [person(f"Director of {dept}", dept, chief) for dept in DEPARTMENTS]
    managers = max(round(entries * 0.015), 3 * len(DEPARTMENTS) + 1)
    heads = [person(f"Head of {d.department}, Service {i // len(directors) + 1}", d.department, d)
             for i, d in enumerate(directors * max(1, managers // 10 // len(directors)))]
    line = [person("Ward Manager", head.department, head)
            for head in rng.choices(heads, k=managers - len(directors) - len(heads) - 1)]
    staff_count = entries - 1 - len(directors) - len(heads) - len(line)
    if staff_count < 1:
        raise SystemExit(f"--entries {entries} is too few for an org chart; try 1000 or more")
    staff = []
    for _ in range(staff_count):
        manager = rng.choice(line)
        staff.append(person(rng.choice(STAFF_TITLES), manager.department, manager))
    disabled = rng.sample(staff, round(len(staff) * DISABLED_SHARE))
    for leaver in disabled:
        leaver.disabled = True
    everyone = [*directors, *heads, *line, *staff]
    rng.shuffle(everyone)  # reports may come before their managers, as in a real directory
    return Org([chief, *everyone], managers=1 + len(directors) + len(heads) + len(line),
               disabled=len(disabled))


def change_titles(server: Slapd, people: list[Person], count: int, rng: random.Random,
                  tag: str) -> list[Person]:
    """Give `count` people a new title over one root connection; returns them."""
    chosen = rng.sample(people, count)
    with server.connection() as conn:
        for person in chosen:
            person.title = f"{person.title} ({tag})"
            conn.modify(person.dn, {"title": [(ldap3.MODIFY_REPLACE, [person.title])]})
    return chosen


# -- the baseline ----------------------------------------------------------------------------

def bare_paged_search(settings: DirectorySettings, search_filter: str,
                      attributes: list[str]) -> tuple[float, int]:
    """Seconds and entries for a plain ldap3 paged search as the sync account (bind included)."""
    start = time.perf_counter()
    conn = ldap3.Connection(ldap3.Server(settings.urls[0], get_info=ldap3.NONE),
                            settings.bind_dn, settings.bind_password, auto_bind=True,
                            read_only=True)
    entries = sum(1 for entry in conn.extend.standard.paged_search(
        settings.base_dn, search_filter, attributes=attributes, paged_size=PAGE_SIZE,
        generator=True) if entry["type"] == "searchResEntry")
    conn.unbind()
    return time.perf_counter() - start, entries


@dataclass
class Baseline:
    median: float
    runs: list[float]
    disabled_search: float
    client_median: float
    client_runs: list[float]


def client_paged_search(settings: DirectorySettings) -> tuple[float, int]:
    """Seconds and entries for the sync's own connection and paging loop, no records."""
    start = time.perf_counter()
    conn = connect(settings)
    try:
        entries = sum(1 for _ in paged_search(conn, settings, settings.user_filter,
                                              search_attributes(settings)))
    finally:
        close_quietly(conn)
    return time.perf_counter() - start, entries


def measure_baseline(settings: DirectorySettings, entries: int) -> Baseline:
    attributes = search_attributes(settings)
    bare_paged_search(settings, settings.user_filter, attributes)  # warm slapd's caches
    runs = []
    client_runs = []
    for _ in range(BASELINE_RUNS):
        seconds, found = bare_paged_search(settings, settings.user_filter, attributes)
        check(found == entries, f"the baseline search found {found} of {entries} entries")
        runs.append(seconds)
        seconds, found = client_paged_search(settings)
        check(found == entries, f"the client's search found {found} of {entries} entries")
        client_runs.append(seconds)
    # The sync's second search: the ids of disabled accounts (not indexed, so a full scan).
    disabled_filter = f"(&{settings.user_filter}{settings.disabled_filter})"
    disabled, _ = bare_paged_search(settings, disabled_filter,
                                    [settings.attributes["id"]])
    return Baseline(statistics.median(runs), runs, disabled, statistics.median(client_runs),
                    client_runs)


# -- the sync --------------------------------------------------------------------------------

PHASES = {"_read": "read", "_plan": "plan", "_apply": "write", "_save_state": "state"}


@dataclass
class Phases:
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def __str__(self) -> str:
        return "  ".join(f"{name} {value:.2f}" for name, value in self.seconds.items())


@contextmanager
def phase_timers() -> Iterator[Phases]:
    """Time sync.py's steps by wrapping its module functions for the duration."""
    phases = Phases()
    originals = {name: getattr(sync_module, name) for name in PHASES}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                phases.add(PHASES[name], time.perf_counter() - start)
        return wrapper

    for name, function in originals.items():
        setattr(sync_module, name, timed(name, function))
    try:
        yield phases
    finally:
        for name, function in originals.items():
            setattr(sync_module, name, function)


def timed_sync(settings: DirectorySettings, full: bool) -> tuple[float, SyncReport, Phases]:
    """One sync plus its commit, timed together."""
    with phase_timers() as phases:
        start = time.perf_counter()
        report = sync_directory(settings, full=full)
        committed = time.perf_counter()
        db.session.commit()
        end = time.perf_counter()
    phases.add("commit", end - committed)
    return end - start, report, phases


def check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"bench check failed: {message}")


# -- the databases ---------------------------------------------------------------------------

def app_config(url: str, workdir: Path, server: Slapd) -> dict[str, Any]:
    instance = workdir / "instance"
    return {
        "INSTANCE_PATH": str(instance), "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret-key-not-for-production", "BASE_URL": "http://bench.test",
        "MAIL_BACKEND": "file", "MAIL_FILE_DIR": str(instance / "mail"),
        **app_settings(server),
    }


@dataclass
class DbResult:
    name: str
    full: float
    full_phases: Phases
    unchanged: float
    unchanged_phases: Phases
    incremental: float
    incremental_phases: Phases
    incremental_read: int
    incremental_updated: int
    modify: float
    peak_rss_mb: float


def run_database(name: str, url: str, workdir: Path, server: Slapd, org: Org,
                 rng: random.Random) -> DbResult:
    """Full, unchanged full and incremental syncs on a freshly migrated database."""
    entries = len(org.people)
    app = create_app(app_config(url, workdir, server))
    with app.app_context():
        upgrade()
        settings = settings_from_config(app.config)
        full, report, full_phases = timed_sync(settings, full=True)
        counts = report.counts
        check(counts.created == entries, f"{name}: full sync created {counts.created}")
        check(counts.deactivated == 0, f"{name}: full sync deactivated {counts.deactivated}")

        unchanged, report, unchanged_phases = timed_sync(settings, full=True)
        check(report.counts.unchanged == entries,
              f"{name}: second full sync left {report.counts.unchanged} unchanged")

        start = time.perf_counter()
        changed = change_titles(server, org.people, entries // 100, rng, f"{name} bench")
        modify = time.perf_counter() - start
        incremental, report, incremental_phases = timed_sync(settings, full=False)
        counts = report.counts
        check(report.mode == "incremental", f"{name}: the sync ran {report.mode}")
        check(counts.updated == len(changed) and counts.created == counts.deactivated == 0,
              f"{name}: incremental sync after {len(changed)} changes: {counts}")
        db.session.remove()
        db.engine.dispose()
    return DbResult(name, full, full_phases, unchanged, unchanged_phases, incremental,
                    incremental_phases, counts.updated + counts.unchanged, counts.updated, modify,
                    peak_rss_mb())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- the report ------------------------------------------------------------------------------

def machine_line() -> str:
    return (f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, {platform.machine()}")


def verdict(met: bool) -> str:
    return "ok" if met else "MISSED"


def print_report(entries: int, org: Org, load: float, baseline: Baseline,
                 results: list[DbResult]) -> None:
    base = baseline.median
    print(f"\ndirectory sync bench: {entries:,} entries ({org.managers:,} managers, "
          f"{org.disabled:,} disabled), OpenLDAP flavour, page size {PAGE_SIZE}")
    print(machine_line())
    print(f"slapd load (LDIF + slapadd + start): {load:.1f} s")
    print(f"baseline, bare ldap3 paged search of {entries:,} entries: median {base:.2f} s "
          f"(runs {', '.join(f'{run:.2f}' for run in baseline.runs)})")
    print(f"  the sync's second search, for disabled ids (filter, the id only): "
          f"{baseline.disabled_search:.2f} s")
    print(f"reference, the same search through the sync's client (raw values only): median "
          f"{baseline.client_median:.2f} s (runs "
          f"{', '.join(f'{run:.2f}' for run in baseline.client_runs)}), "
          f"{baseline.client_median / base:.2f}x the baseline")
    print(f"goals: full sync <= {FULL_GOAL}x baseline; incremental after 1% <= "
          f"{INCREMENTAL_GOAL:g} s\n")
    header = (f"{'database':<10} {'full sync':>10} {'x base':>7} {'goal':>6}  "
              f"{'unchanged full':>14} {'x base':>7}  {'incremental 1%':>14} {'goal':>6} "
              f"{'read/updated':>13}  {'peak RSS':>9}")
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.name:<10} {r.full:>8.2f} s {r.full / base:>6.2f}x "
              f"{verdict(r.full / base <= FULL_GOAL):>6}  {r.unchanged:>12.2f} s "
              f"{r.unchanged / base:>6.2f}x  {r.incremental:>12.2f} s "
              f"{verdict(r.incremental <= INCREMENTAL_GOAL):>6} "
              f"{f'{r.incremental_read}/{r.incremental_updated}':>13}  "
              f"{r.peak_rss_mb:>6.0f} MB")
    print("\nphases in seconds (read = connect, root DSE, both paged searches, parsing records):")
    for r in results:
        print(f"  {r.name:<10} full:      {r.full_phases}")
        print(f"  {'':<10} unchanged: {r.unchanged_phases}")
        print(f"  {'':<10} incremental: {r.incremental_phases}")
    for r in results:
        print(f"  {r.name:<10} changing 1% of titles in slapd took {r.modify:.2f} s "
              "(not part of any figure above)")
    print(f"peak RSS of the process: {peak_rss_mb():.0f} MB")


# -- running ---------------------------------------------------------------------------------

def start_directory(workdir: Path, org: Org) -> tuple[Slapd, float]:
    problem = slapd_missing()
    if problem:
        raise SystemExit(problem)
    start = time.perf_counter()
    server = Slapd(workdir / "slapd", "openldap").start(org.people)
    return server, time.perf_counter() - start


def profile_full_sync(workdir: Path, server: Slapd, lines: int = 15) -> None:
    """A first full sync into a fresh SQLite file under cProfile: top functions both ways."""
    app = create_app(app_config(f"sqlite:///{workdir / 'profile.sqlite'}", workdir, server))
    with app.app_context():
        upgrade()
        settings = settings_from_config(app.config)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        sync_directory(settings, full=True)
        db.session.commit()
        profiler.disable()
        print(f"profiled full sync (SQLite): {time.perf_counter() - start:.2f} s under cProfile")
        db.session.remove()
        db.engine.dispose()
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000,
                        help="people in the directory (default 100,000)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                        help=f"PostgreSQL database to use, created if missing, schema public "
                             f"dropped (default {DEFAULT_POSTGRES_URL})")
    parser.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--profile", action="store_true",
                        help="only profile a first full sync on SQLite with cProfile")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    org = build_org(args.entries)
    with tempfile.TemporaryDirectory(prefix="feedback360-bench-") as tmp:
        workdir = Path(tmp)
        server, load = start_directory(workdir, org)
        try:
            if args.profile:
                profile_full_sync(workdir, server)
                return
            settings = settings_from_config(app_config("sqlite://", workdir, server))
            baseline = measure_baseline(settings, args.entries)
            rng = random.Random(SEED + 1)
            databases = [("sqlite", f"sqlite:///{workdir / 'bench.sqlite'}")]
            if not args.skip_postgres:
                reset_postgres(args.postgres_url)
                databases.append(("postgresql", args.postgres_url))
            results = [run_database(name, url, workdir, server, org, rng)
                       for name, url in databases]
        finally:
            server.stop()
    print_report(args.entries, org, load, baseline, results)


if __name__ == "__main__":
    main()
