"""Settings: documented defaults, each overridable by an environment variable of the same name."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import sys
import sysconfig
import tempfile
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from integrations.ldap.presets import FIELDS as LDAP_FIELDS
from service.directory.role_groups import check_mode as check_nesting_mode

SOURCE_ROOT = Path(__file__).resolve().parent.parent


def _data_dir(name: str) -> Path:
    """Find `rubrics/` or `templates/` in a source checkout or where `pip install .` put them."""
    candidates = [
        SOURCE_ROOT / name,
        Path(sysconfig.get_path("data")) / "share" / "feedback360" / name,
        Path(sys.prefix) / "share" / "feedback360" / name,
    ]
    for path in candidates:
        if path.is_dir():
            return path
    return candidates[0]


def _bool(value: str) -> bool:
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _colour(value: str) -> str:
    """A #rrggbb colour dark enough for white text on it and for headings on white (4.5:1)."""
    text = value.strip().lower()
    if not re.fullmatch(r"#[0-9a-f]{6}", text):
        raise ValueError(f"expected a colour like #005eb8, got {value!r}")
    channels = [int(text[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    contrast = 1.05 / (luminance + 0.05)
    if contrast < 4.5:
        raise ValueError(f"{value} is too light: white text on it has a contrast of "
                         f"{contrast:.1f}:1, and reports need 4.5:1; choose a darker shade")
    return text


def _bytes(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(f"expected a positive number of bytes, got {value!r}")
    return number
def _positive(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(f"expected a whole number above 0, got {value!r}")
    return number


def _seconds(value: str) -> float:
    seconds = float(value)
    if not seconds >= 0:  # also refuses nan
        raise ValueError(f"expected a number of seconds, 0 or more, got {value!r}")
    return seconds


def _file(value: str) -> str:
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"no such file: {value}")
    if path.suffix.lower() not in {".png", ".jpg", ".jpeg", ".svg"}:
        raise ValueError(f"expected a .png, .jpg or .svg file, not {path.name}")
    return str(path.resolve())


# name: (default, parser). A default of None means "derived at start-up" (see load_config).
SETTINGS: dict[str, tuple[Any, Any]] = {
    "INSTANCE_PATH": (None, str),
    "DATABASE_URL": (None, str),
    # How long the web pages wait for the database before answering 503 "try again" (0: no
    # limit). PostgreSQL: connect_timeout, statement_timeout and lock_timeout, and a server
    # that gives no answer at all is abandoned 2 s after the statement timeout. SQLite: the
    # lock timeout is its busy timeout. Commands and the worker use the COMMAND_ ones.
    "DATABASE_CONNECT_TIMEOUT": (5.0, _seconds),
    "DATABASE_STATEMENT_TIMEOUT": (10.0, _seconds),
    "DATABASE_LOCK_TIMEOUT": (5.0, _seconds),
    "COMMAND_STATEMENT_TIMEOUT": (600.0, _seconds),
    "COMMAND_LOCK_TIMEOUT": (30.0, _seconds),
    # Per web process: requests running at once, how many more may wait for a turn, and for
    # how long; the rest get 503 with Retry-After at once (service/web/admission.py).
    "ADMISSION_LIMIT": (4, int),
    "ADMISSION_QUEUE": (8, int),
    "ADMISSION_WAIT": (1.0, _seconds),
    "SECRET_KEY": (None, str),
    "BASE_URL": ("http://127.0.0.1:5000", str),
    "ORGANISATION_NAME": ("Your organisation", str),
    "CONTACT_EMAIL": ("", str),
    "REPORT_LOGO": ("", str),
    "REPORT_COLOUR": ("#005eb8", str),
    "RUBRICS_DIR": (None, str),
    "TEMPLATES_DIR": (None, str),
    # The dist/nhsuk folder of the nhsuk-frontend npm package; empty: node_modules in the
    # source checkout, where `make install` puts it (service/web/assets.py).
    "NHSUK_FRONTEND_DIR": ("", str),
    "MAIL_BACKEND": ("smtp", str),
    "MAIL_FILE_DIR": (None, str),
    "MAIL_FROM": ("feedback360@localhost", str),
    "SMTP_HOST": ("localhost", str),
    "SMTP_PORT": (25, int),
    "SMTP_USER": ("", str),
    "SMTP_PASSWORD": ("", str),
    "SMTP_STARTTLS": (False, _bool),
    "SMTP_TIMEOUT": (30, int),
    "MAIL_RATE_PER_MINUTE": (0, int),
    "TASK_QUEUE_URL": ("", str),
    "TASK_WORKERS": (2, int),
    "TASK_WORKER_TYPE": ("thread", str),
    # Seconds a queued report may go without being rendered, once claimed or queued, before
    # the worker queues it again (a worker killed mid-render; a render takes about a second).
    "REPORT_RENDER_LEASE": (600.0, _seconds),
    "MIN_GROUP_SIZE": (3, int),
    "MANAGER_MIN": (1, int),
    # Rater fatigue: requests one person may have across the cycles open or being nominated
    # at once; a leader or manager cannot add someone at the limit (HR is not bound by it).
    "RATER_REQUEST_LIMIT": (6, int),
    # Policy: whether staff with the granted `hr` role may open leaders' reports (released
    # versions only). Off by default: the report belongs to the leader (docs/security.md).
    "HR_CAN_OPEN_REPORTS": (False, _bool),
    # Policy: the appraisal integration (the API, scope reports:read) always receives each
    # released report's summary, without comments, whether or not the leader shared it. Off
    # by default: the leader chooses (service/sharing/integration.py).
    "APPRAISAL_ALWAYS_RECEIVES_SUMMARY": (False, _bool),
    "TOKEN_FAILURE_LIMIT": ("20 per minute", str),
    # Where failed link look-ups are counted; empty: a SQLite file in the instance folder,
    # shared by every web process on the machine (service/responses/throttle.py).
    "RATELIMIT_STORAGE_URI": ("", str),
    # Calls allowed per API key, counted in RATELIMIT_STORAGE_URI (service/api/calls.py).
    "API_RATE_LIMIT": ("300 per minute", str),
    # Webhooks (service/webhooks): plain http and loopback/private addresses only when on (a
    # test or a closed network); seconds to wait for a receiver; attempts before giving up.
    "WEBHOOKS_ALLOW_PRIVATE": (False, _bool),
    "WEBHOOKS_TIMEOUT": (10, int),
    "WEBHOOKS_MAX_ATTEMPTS": (8, int),
    # Days kept before the nightly clean-up forgets them: an API write's saved answer (a retry
    # after this many days runs the operation again) and a finished webhook delivery.
    "IDEMPOTENCY_DAYS": (7, int),
    "WEBHOOK_DELIVERY_DAYS": (30, int),
    # The swagger-ui-dist npm package's folder, for the API's documentation page; empty:
    # node_modules in the source checkout (service/api/docs.py).
    "SWAGGER_UI_DIR": ("", str),
    "PROXY_COUNT": (0, int),
    # The largest request body read, in bytes. The longest rating form a browser sends is about
    # 110 kB (three comments of 4,000 characters, 9 bytes each percent-encoded at worst).
    "MAX_CONTENT_LENGTH": (256 * 1024, _bytes),
    # The one route that takes files: HR's people import (CSV or LDIF). 20 MB holds a CSV of
    # about 100,000 people; the file is read only by a signed-in HR officer's request.
    "PEOPLE_IMPORT_MAX_BYTES": (20 * 1024 * 1024, _bytes),
    "LDAP_URL": ("", str),
    "LDAP_STARTTLS": (False, _bool),
    "LDAP_CA_FILE": ("", str),
    "LDAP_BIND_DN": ("", str),
    "LDAP_BIND_PASSWORD": ("", str),
    "LDAP_BASE_DN": ("", str),
    "LDAP_PRESET": ("ad", str),
    "LDAP_USER_FILTER": ("", str),
    "LDAP_DISABLED_FILTER": ("", str),
    "LDAP_PAGE_SIZE": (500, int),
    "LDAP_TIMEOUT": (30, int),
    "LDAP_MAX_DEACTIVATE_PERCENT": (5.0, float),
    "LDAP_SYNC_TASKS": (True, _bool),
    **{f"LDAP_ATTR_{field.upper()}": ("", str) for field in LDAP_FIELDS},
    # Staff sign-in (service/staff/): sessions end after this long without a request, and
    # this long after signing in whatever happens; failed sign-ins are throttled per account
    # and per address in tiers (the backoff); directory groups whose members are HR or admin.
    "STAFF_SESSION_IDLE_MINUTES": (30, _positive),
    "STAFF_SESSION_MAX_HOURS": (10, _positive),
    "SIGNIN_ACCOUNT_LIMIT": ("5 per minute; 20 per hour; 100 per day", str),
    "SIGNIN_ADDRESS_LIMIT": ("30 per minute; 300 per hour; 1000 per day", str),
    "LDAP_HR_GROUP": ("", str),
    "LDAP_ADMIN_GROUP": ("", str),
    # How membership of those groups follows nested groups: auto (Active Directory's in-chain
    # matching rule when the server is AD, otherwise a bounded walk), in-chain, walk, direct.
    "LDAP_NESTED_GROUPS": ("auto", check_nesting_mode),
    # OpenID Connect (off unless the client id and the metadata URL are set): the provider's
    # discovery document, this service's registration there, and the claim holding the email.
    "OIDC_METADATA_URL": ("", str),
    "OIDC_CLIENT_ID": ("", str),
    "OIDC_CLIENT_SECRET": ("", str),
    "OIDC_SCOPES": ("openid email profile", str),
    "OIDC_EMAIL_CLAIM": ("email", str),
    "OIDC_PROVIDER_NAME": ("your organisation account", str),
}


def make_private_dir(path: Path) -> None:
    """Create `path` (and its parents) with mode 0700 when it is missing: it holds the secret
    key, the SQLite database and mail with personal links. A folder that exists is left as its
    owner set it."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return
    os.chmod(path, 0o700)  # mkdir's mode passes through the umask
def setting(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One setting from the environment (or its default), for code that runs before an app
    exists, such as gunicorn.conf.py."""
    environ = os.environ if environ is None else environ
    default, parse = SETTINGS[name]
    if environ.get(name, "") == "":
        return default
    try:
        return parse(environ[name])
    except ValueError as exc:
        raise ValueError(f"environment variable {name}: {exc}") from None


def _instance_secret(instance: Path) -> str:
    """Keep one random key per instance so sessions and CSRF tokens survive restarts.

    Processes often start together (gunicorn's workers, the task worker): the key is written
    whole to a private temporary file, then hard-linked into place, which never replaces an
    existing file, so the first to link wins and every process reads that one complete key."""
    path = instance / "secret_key"
    if not path.exists():
        make_private_dir(instance)
        fd, temporary = tempfile.mkstemp(dir=instance, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process was first
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
        folder = os.open(instance, os.O_RDONLY)
        try:
            os.fsync(folder)  # the link itself survives a crash
        finally:
            os.close(folder)
    key = path.read_text().strip()
    if not key:
        raise ValueError(f"{path} is empty: delete it to have a new key made at the next "
                         "start, or set SECRET_KEY")
    return key


def load_config(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Defaults, then the environment, then explicit overrides (tests); derive what is left."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    config: dict[str, Any] = {}
    for name, (default, parse) in SETTINGS.items():
        if name in overrides:
            config[name] = overrides.pop(name)
        elif environ.get(name, "") != "":
            try:
                config[name] = parse(environ[name])
            except ValueError as exc:
                raise ValueError(f"environment variable {name}: {exc}") from None
        else:
            config[name] = default
    config.update(overrides)

    instance = Path(config["INSTANCE_PATH"] or Path.cwd() / "instance").resolve()
    config["INSTANCE_PATH"] = str(instance)
    if not config["DATABASE_URL"]:
        make_private_dir(instance)
        config["DATABASE_URL"] = f"sqlite:///{instance / 'feedback360.sqlite'}"
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(instance)
    config["RUBRICS_DIR"] = str(config["RUBRICS_DIR"] or _data_dir("rubrics"))
    config["TEMPLATES_DIR"] = str(config["TEMPLATES_DIR"] or _data_dir("templates"))
    config["MAIL_FILE_DIR"] = str(config["MAIL_FILE_DIR"] or instance / "mail")
    config["RATELIMIT_STORAGE_URI"] = (config["RATELIMIT_STORAGE_URI"]
                                       or f"sqlite:///{instance / 'throttle.sqlite'}")
    config["BASE_URL"] = config["BASE_URL"].rstrip("/")
    if config["TASK_WORKER_TYPE"] not in {"thread", "process"}:
        raise ValueError("TASK_WORKER_TYPE must be 'thread' or 'process'")
    for name, check in (("REPORT_COLOUR", _colour), ("REPORT_LOGO", _file)):
        if config[name]:
            try:
                config[name] = check(config[name])
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
    if not config["REPORT_RENDER_LEASE"] > 0:
        raise ValueError("REPORT_RENDER_LEASE must be more than 0 seconds (a render takes "
                         "about one; the default is 600)")
    if config["ADMISSION_LIMIT"] < 0 or config["ADMISSION_QUEUE"] < 0:
        raise ValueError("ADMISSION_LIMIT and ADMISSION_QUEUE must be 0 or more")
    if config["MAIL_BACKEND"] not in {"smtp", "file"}:
        raise ValueError("MAIL_BACKEND must be 'smtp' or 'file'")
    if not _mail_domain(config["MAIL_FROM"]):
        raise ValueError(f"MAIL_FROM {config['MAIL_FROM']!r} is not an address: give one at "
                         "your organisation's domain, e.g. 'Leadership 360 <od@trust.nhs.uk>'")
    return config


def _mail_domain(sender: str) -> str:
    """The domain of the sender's address; empty when it is not an address."""
    local, _, domain = parseaddr(sender)[1].rpartition("@")
    return domain if local else ""
