"""How many raters each group of a leader has against the threshold that group must reach
for its scores to be shown, with a warning where it cannot."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from service.db import db
from service.nominations.models import BUILT_IN_GROUPS, Nomination, RaterGroup
from service.responses.results import Thresholds

if TYPE_CHECKING:
    from service.cycles.models import Cycle, CycleGroup, Subject


def built_in_words() -> dict[str, str]:
    """A built-in group as a word inside a sentence ("peer scores will not be shown unless …"),
    in the language of the moment (the page's, or English in a command)."""
    return {RaterGroup.SELF.value: _("self"), RaterGroup.MANAGER.value: _("manager"),
            RaterGroup.PEER.value: _("peer"), RaterGroup.DIRECT_REPORT.value: _("direct report"),
            RaterGroup.OTHER.value: _("other")}


@dataclass(frozen=True)
class GroupCount:
    """One rater group of one leader: nominated raters against the group's threshold."""

    group: str
    nominated: int
    threshold: int
    #: A cycle's own group's name in the language of the moment (a built-in group's word is
    #: looked up when the warning is read).
    name: str | None = None

    @property
    def can_reach(self) -> bool:
        return self.nominated >= self.threshold

    @property
    def warning(self) -> str | None:
        """The sentence the console pages show (console/_groups.html words it alike), in the
        language of the moment: a page's, or English in a command and the API."""
        if self.can_reach:
            return None
        word = self.name or built_in_words().get(self.group, self.group)
        if self.nominated == 0:
            if self.group == RaterGroup.SELF.value:
                return _("the leader is not nominated to rate themselves")
            return _("nobody is nominated as %(group)s: the report will have no %(group)s "
                     "scores", group=word)
        return _("%(group)s scores will not be shown unless at least %(threshold)s of these "
                 "%(nominated)s respond", group=word, threshold=self.threshold,
                 nominated=self.nominated)

    def as_dict(self) -> dict[str, Any]:
        return {"group": self.group, "nominated": self.nominated, "threshold": self.threshold,
                "can_reach": self.can_reach, "warning": self.warning}


def thresholds_of(cycle: Cycle) -> Thresholds:
    return cycle.thresholds


def key_of(cycle: Cycle, group: RaterGroup | str, custom_group_id: int | None) -> str:
    """A nomination's group as the thresholds name it: a built-in one, or ``custom_<key>``."""
    if custom_group_id is None:
        return getattr(group, "value", group)
    return next(own.results_key for own in cycle.custom_groups if own.id == custom_group_id)


def with_own_groups(names: Mapping[str, str], cycle: Cycle) -> dict[str, str]:
    """A page's group names with the cycle's own groups' names in the page's language."""
    from service.i18n import current_language

    return {**names, **cycle.group_names(current_language())}


def group_order(cycle: Cycle) -> list[str]:
    """Every group of the cycle, as pages list them: the built-in ones, then its own."""
    return [group.value for group in BUILT_IN_GROUPS] + [
        own.results_key for own in cycle.custom_groups]


def counts_from(cycle: Cycle, nominated: dict[str, int]) -> list[GroupCount]:
    """Every group (the built-in ones, then the cycle's own), from a group key -> nominated
    count mapping."""
    from service.i18n import current_language

    limits = thresholds_of(cycle)
    names = cycle.group_names(current_language())
    return [GroupCount(key, nominated.get(key, 0), limits.for_group(key), names.get(key))
            for key in group_order(cycle)]


def choosable(cycle: Cycle) -> list[str]:
    """The groups a rater other than the leader can be nominated in, as a page's choice
    offers them: the built-in ones but self, then the cycle's own (``custom_<key>``)."""
    return [key for key in group_order(cycle) if key != RaterGroup.SELF.value]


def group_of(cycle: Cycle, key: str) -> RaterGroup | CycleGroup | None:
    """A page's group choice back to its group: a built-in one, one of the cycle's own, or
    None when the key names neither (the page then asks for a choice)."""
    if key in {group.value for group in BUILT_IN_GROUPS}:
        return RaterGroup(key)
    return next((own for own in cycle.custom_groups if own.results_key == key), None)


def cycle_group_counts(cycle: Cycle) -> dict[int, list[GroupCount]]:
    """Subject id -> its groups, for every leader of the cycle in one query."""
    from service.cycles.models import Subject

    per_subject: dict[int, dict[str, int]] = defaultdict(dict)
    for subject_id, group, own, count in db.session.execute(
            select(Nomination.subject_id, Nomination.group, Nomination.custom_group_id,
                   func.count(Nomination.id))
            .join(Subject, Nomination.subject_id == Subject.id)
            .where(Subject.cycle_id == cycle.id)
            .group_by(Nomination.subject_id, Nomination.group, Nomination.custom_group_id)):
        per_subject[subject_id][key_of(cycle, group, own)] = count
    subject_ids = db.session.scalars(select(Subject.id).where(Subject.cycle_id == cycle.id))
    return {subject_id: counts_from(cycle, per_subject.get(subject_id, {}))
            for subject_id in subject_ids}


def group_counts(subject: Subject) -> list[GroupCount]:
    """The nominations page of one leader: count per group against its threshold."""
    nominated = {key_of(subject.cycle, group, own): count
                 for group, own, count in db.session.execute(
                     select(Nomination.group, Nomination.custom_group_id,
                            func.count(Nomination.id))
                     .where(Nomination.subject_id == subject.id)
                     .group_by(Nomination.group, Nomination.custom_group_id))}
    return counts_from(subject.cycle, nominated)
