"""What the relay knows about a kind of message without importing the domain that writes it.

A domain registers, per template, an optional *resolver* — called with a batch of due messages
when their turn comes, it returns for each what to add to the context (a personal link read
now, so a link reissued or answered in the meantime is never sent), or a reason to skip or to
fail it — and whether the row forgets its recipient once the message is sent or skipped.
`create_app` collects the registrations into ``app.extensions["outbox_kinds"]``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service.outbox.models import OutboxMessage


@dataclass(frozen=True)
class Skip:
    """Not needed any more (e.g. a reminder to someone who has answered)."""

    reason: str


@dataclass(frozen=True)
class Fail:
    """Cannot be sent as it is (e.g. its link cannot be unsealed); HR sees the reason."""

    reason: str


Resolution = dict[str, Any] | Skip | Fail
Resolver = Callable[[Sequence["OutboxMessage"]], dict[int, Resolution]]


@dataclass(frozen=True)
class MessageKind:
    #: message id -> extra context, Skip or Fail, for the messages of this kind in a batch
    resolve: Resolver | None = None
    #: once sent or skipped, the row keeps no recipient, context or invitation: a list of who
    #: was reminded or thanked after some moment would tell who answered late
    forget_recipient: bool = False
