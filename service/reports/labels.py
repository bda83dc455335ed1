"""Every fixed string of the report, through the gettext catalogues (service/translations).

`report_labels()` reads them in the active locale: the report is rendered under
``flask_babel.force_locale(<the leader's language>)`` (service/reports/context.py), so the
Welsh comes from the cy catalogue and nothing here knows a language. Placeholders in braces are
filled with str.format by the template or the context builder. The Welsh was written by the
team and needs review by a Welsh speaker (docs/decisions.md).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def report_labels() -> dict[str, Any]:
    """The report's labels by key, in the active locale."""
    return {
        "report_heading": _("Leadership 360 feedback report"),
        "confidential": _("Confidential"),
        "page_of": _("Page {page} of {pages}"),
        "not_shown": _("–"),
        "groups": {
            "self": _("Self"),
            "manager": _("Manager"),
            "peer": _("Peers"),
            "direct_report": _("Direct reports"),
            "other": _("Others"),
            "all_others": _("All others"),
            "cohort": _("Cohort average"),
        },
        "leader": _("Leader"),
        "organisation": _("Organisation"),
        "role": _("Role"),
        "department": _("Department"),
        "cycle": _("Feedback cycle"),
        "dates": _("Dates"),
        "dates_range": _("{opens} to {closes}"),
        "framework": _("Framework"),
        "framework_version": _("version {version}"),
        "generated_on": _("Report produced"),
        "report_version": _("Report version"),
        "report_version_value": _("{version} (updated after late responses)"),
        "confidential_line": _(
            "Confidential: this report belongs to {name}. It is shared only with the people "
            "{name} chooses, such as a facilitator, mentor or appraiser."
        ),
        "cover_purpose": _(
            "This report brings together how you see your own leadership and how colleagues "
            "experience it. It is a starting point for a facilitated conversation, not a "
            "performance rating."
        ),
        "reading_heading": _("How to read this report"),
        "reading_perceptions": _(
            "The figures are perceptions to explore, not a verdict. They show how often "
            "colleagues noticed each behaviour in the months before the survey, in their "
            "own situations. A difference of a few tenths between two numbers is rarely "
            "meaningful; patterns across several behaviours, and the comments, tell you "
            "more."
        ),
        "reading_groups": _("Colleagues answered in one of these groups:"),
        "group_descriptions": {
            "self": _("your own ratings of yourself"),
            "manager": _("the person you report to"),
            "peer": _("colleagues who share your manager or work at a similar level"),
            "direct_report": _("people who report to you"),
            "other": _(
                "anyone else who works with you, in other teams, services or organisations"
            ),
            "all_others": _("everyone who rated you except yourself"),
        },
        "custom_group_description": _("a group of people this feedback cycle asked by name"),
        "self_wording": _(
            "{text}, on a form that put each statement in the first person (for example, "
            "“{example}”)"
        ),
        "sources_heading": _("Where the framework comes from"),
        "sources_intro": _("The statements are written for this service; each section draws "
                           "on these sources:"),
        "threshold_k": _(
            "To protect anonymity, scores and comments from a group are shown only when at "
            "least {k} people in that group responded."
        ),
        "threshold_groups": _(
            "To protect anonymity, scores and comments from a group are shown only when at "
            "least as many people in that group responded as it needs:"
        ),
        "threshold_group": _("{group}: {k}"),
        "threshold_manager": _(
            "The minimum for the manager group is {manager_min}, so manager ratings are not "
            "anonymous."
        ),
        "threshold_self": _("Your own ratings (self) are always shown."),
        "all_others_note": _(
            "“{label}” combines everyone who rated you except yourself. A group too small "
            "to be shown on its own is included only where this cannot reveal its answers."
        ),
        "not_observed_note": _(
            "Anyone could choose “{not_observed}” for a behaviour they had not seen. These "
            "answers are not counted in the averages; the behaviour tables show how many "
            "there were."
        ),
        "held_back_note": _(
            "{count} late responses are not included yet. This report was released before "
            "they arrived, and adding them now would let a reader work out their answers by "
            "comparing versions; they will be added once enough others arrive."
        ),
        "scale_heading": _("Rating scale"),
        "scale_intro": _("Each behaviour was rated by how often it is seen:"),
        "scale_caption": _("Rating scale"),
        "col_value": _("Score"),
        "col_meaning": _("Meaning"),
        "who_heading": _("Who responded"),
        "who_intro": _(
            "These are the groups of colleagues who were invited to give feedback, and how "
            "many of them responded."
        ),
        "who_caption": _("Invitations and responses by group"),
        "col_group": _("Group"),
        "col_invited": _("Invited"),
        "col_responded": _("Responded"),
        "col_note": _("Note"),
        "not_anonymous": _("Not anonymous"),
        "hidden": _("Not shown to protect anonymity"),
        "overview_heading": _("Overview"),
        "overview_intro": _(
            "The average rating for each section, by group, from 1 to {max}. A higher score "
            "means the behaviours were seen more often. “{not_shown}” means not shown."
        ),
        "overview_chart_title": _("Section averages by group"),
        "overview_chart_alt": _(
            "Dot chart of the average score of each section on a scale of 1 to {max}, one "
            "mark per group. {values}"
        ),
        "overview_caption": _("Average score by section and group"),
        "table_part": _("{caption}, part {part} of {parts}"),
        "col_section": _("Section"),
        "cohort_note": _(
            "“{label}” is the average of the “all others” scores of the {leaders} leaders "
            "in this cycle, each leader counting once."
        ),
        "cohort_absent": _(
            "A cohort average is shown only when at least {min} leaders in the cycle have "
            "scores for a section, so that it says nothing about any one of them."
        ),
        "legend": _("Key"),
        "highlights_heading": _("Strengths and areas to develop"),
        "highlights_intro": _(
            "The behaviours all others saw most and least often, by their average. Equal "
            "averages follow the order of the framework. Even the lowest may be seen often: "
            "read them as where to look first, not as failings."
        ),
        "strengths_heading": _("Seen most often"),
        "areas_heading": _("Seen least often"),
        "strengths_caption": _("Behaviours all others saw most often"),
        "areas_caption": _("Behaviours all others saw least often"),
        "col_behaviour": _("Behaviour"),
        "col_section_of": _("Section"),
        "col_others": _("All others"),
        "col_self": _("Self"),
        "no_highlights": _("Too few behaviours have scores from all others to pick these out."),
        "gaps_heading": _("Blind spots and hidden strengths"),
        "gaps_intro": _(
            "Where your own rating and the average of all others differ most. The rule: a "
            "blind spot is a behaviour you rated at least {blind} above all others; a "
            "hidden strength one you rated at least {hidden} below them."
        ),
        "blind_heading": _("Possible blind spots"),
        "blind_intro": _("You see these more often than colleagues do."),
        "hidden_heading": _("Hidden strengths"),
        "hidden_intro": _("Colleagues see these more often than you do."),
        "blind_caption": _("Behaviours you rated well above all others"),
        "hidden_caption": _("Behaviours you rated well below all others"),
        "col_gap": _("Gap"),
        "no_blind": _("None: no behaviour is rated this much higher by you than by all others."),
        "no_hidden": _("None: no behaviour is rated this much higher by all others than by you."),
        "gaps_no_self": _(
            "There is no self-assessment, or no score from all others, to compare, so blind "
            "spots and hidden strengths cannot be shown."
        ),
        "items_heading": _("Behaviour detail"),
        "items_intro": _(
            "The average rating for each behaviour, by group. Under each average: n is the "
            "number of ratings counted, followed by how many people chose “{not_observed}”. "
            "The spread shows, for each shown group, a line from the lowest to the highest "
            "rating and a dot at the average."
        ),
        "items_caption": _("Average score for each behaviour in {section}"),
        "col_spread": _("Spread"),
        "spread_alt": _("Spread of ratings: {values}."),
        "spread_value": _("{group} from {low} to {high}, average {mean}"),
        "n_count": _("n = {n}"),
        "not_observed_count": _("{count} not observed"),
        "summary_heading": _("Summary"),
        "summary_intro": _(
            "The main points of this report on one page. The pages after it explain each one "
            "and how the figures were made."
        ),
        "summary_responses": _("{responded} of {invited} colleagues invited gave feedback."),
        "summary_groups_heading": _("Responses"),
        "summary_groups_caption": _("Responses by group"),
        "col_shown": _("In this report"),
        "shown_yes": _("Shown"),
        "shown_no": _("Not shown"),
        "importance_heading": _("Importance and performance"),
        "importance_intro": _(
            "Raters were asked, if they wished, how important each section is for your role, "
            "from 1 ({low}) to {max} ({high}). The table gives each group’s average importance "
            "in the same columns as the scores above, so the two can be read side by side. "
            "Thresholds apply to importance exactly as to scores, counting those who answered "
            "it; “{not_shown}” means not shown."
        ),
        "importance_caption": _("Average importance by section and group"),
        "col_priority": _("Priority"),
        "priority_yes": _("Priority"),
        "priorities_heading": _("Priorities"),
        "priorities_rule": _(
            "A priority is a section that all others rate among the most important for your "
            "role (importance {cut} or more, the middle of their importance figures) and that "
            "scores below your average across sections ({average})."
        ),
        "priorities_summary": _(
            "Important to all others for your role and rated below your average ({average}):"
        ),
        "priority_entry": _("{section} (importance {importance}, score {score})"),
        "no_priorities": _(
            "No section is both among the most important to others and below your average."
        ),
        "importance_not_shown": _(
            "Importance was asked, but too few raters answered it for any figure to be shown."
        ),
        "levels_heading": _("By level"),
        "levels_intro": _(
            "Each figure is the average of the behaviours at that level, as all others and you "
            "rated them; the reading guide on the next page explains the levels."
        ),
        "levels_caption": _("Average by level, from yourself outwards"),
        "col_level": _("Level"),
        "col_behaviours": _("Behaviours"),
        "level_note": _(
            "A level says where a behaviour acts: on yourself, on your team, across the "
            "organisation, or with partners in the wider health and care system."
        ),
        "level": _("Level"),
        "levels": {
            "self": _("Self"),
            "team": _("Team"),
            "organisation": _("Organisation"),
            "system": _("System"),
        },
        "comments_heading": _("Comments"),
        "comments_intro": _(
            "Comments are shown as written, in random order, without names or groups."
        ),
        "self_comments_heading": _("Your own comments"),
        "self_comments_intro": _("What you wrote in your self-assessment."),
        "no_comments": _("No comments were given."),
        "change_heading": _("Change since {cycle}"),
        "change_intro": _(
            "How all others rated you in this cycle against your previous one with the same "
            "framework ({cycle}, closed {closed}). Only sections and behaviours that are "
            "the same in both, and were shown both times, are compared. Raters may differ "
            "between cycles."
        ),
        "change_caption": _("Section averages from all others, then and now"),
        "change_groups_caption": _("Who answered, then and now"),
        "col_raters_then": _("Raters then"),
        "col_raters_now": _("Raters now"),
        "col_comparison": _("Comparison"),
        "comparison_weak": _("Weak"),
        "comparison_fair": _("Fair"),
        "change_weak_note": _(
            "A comparison is weak when a group was shown in only one of the two cycles, or its "
            "number of raters changed by more than a third: the figures then mostly set "
            "different people against each other. Read the changes below with that in mind."
        ),
        "col_before": _("Then"),
        "col_now": _("Now"),
        "col_change": _("Change"),
        "rose_heading": _("Behaviours seen more often (up by {threshold} or more)"),
        "fell_heading": _("Behaviours seen less often (down by {threshold} or more)"),
        "no_rose": _("No behaviour rose by {threshold} or more."),
        "no_fell": _("No behaviour fell by {threshold} or more."),
        "rose_caption": _("Behaviours that rose the most"),
        "fell_caption": _("Behaviours that fell the most"),
        "guide_heading": _("Reflection and conversation guide"),
        "guide_intro": _(
            "Questions to take into three conversations. Read the report first and note "
            "your own answers; there are no right ones."
        ),
        "guide_session": _("In the facilitated feedback session"),
        "guide_appraisal": _("In your appraisal"),
        "guide_mentor": _("With your mentor or coach"),
        "q_first_reaction": _(
            "What did you feel when you first read this report? What surprised you?"
        ),
        "q_strength": _(
            "Colleagues most often see you do this: “{item}” ({mean}). What helps you do "
            "it, and where else could it make a difference?"
        ),
        "q_area": _(
            "“{item}” was seen least often ({mean}). What gets in the way, and what would "
            "help?"
        ),
        "q_blind": _(
            "You rated “{item}” at {self}, and all others at {others}. What might they be "
            "seeing that you do not?"
        ),
        "q_hidden": _(
            "All others rated “{item}” at {others}, and you at {self}. What stops you "
            "giving yourself that credit?"
        ),
        "q_hidden_groups": _(
            "Some groups are not shown to protect anonymity. Whose views would you like to "
            "hear more of, and how could you invite them?"
        ),
        "q_objectives": _(
            "Which one or two behaviours from this report will you take into your appraisal "
            "objectives?"
        ),
        "q_support": _("What support from your manager or organisation would help with “{item}”?"),
        "q_change": _(
            "Since {cycle}, “{item}” rose the most. What did you do differently, and how "
            "will you keep it up?"
        ),
        "q_change_fell": _("Since {cycle}, “{item}” fell the most. What has changed around you?"),
        "q_learn_from": _(
            "Who do you know who does “{item}” well, and what could you learn from them?"
        ),
        "q_section": _(
            "The section seen least often was {section} ({mean}). What would it look like "
            "in six months if this were a strength?"
        ),
        "q_wellbeing": _(
            "Compassion for others is hard to sustain without compassion for yourself. How "
            "are you looking after your own wellbeing, and your team’s?"
        ),
        "q_next_step": _(
            "What is one small thing you will try in the next month, and how will you know "
            "it worked?"
        ),
        "plan_heading": _("Action plan"),
        "plan_intro": _(
            "Complete this after your feedback session, and bring it to your appraisal and "
            "mentoring. You can type into the boxes in a PDF reader, or print the page."
        ),
        "plan_suggested": _("Behaviours this report suggests you look at: {items}."),
        "plan_focus": _("Behaviour to focus on"),
        "plan_actions": _("What I will do"),
        "plan_support": _("Support I need, and from whom"),
        "plan_review": _("Review date"),
        "plan_row": _("Goal {n}"),
        "plan_agreed": _("Discussed with (facilitator, appraiser or mentor), and date"),
        "facilitator": _("Facilitator"),
        "my_plan_heading": _("My action plan"),
        "my_plan_intro": _("The action plan as it was last saved online, on {date}."),
        "my_plan_focus": _("Behaviours to focus on"),
        "my_plan_actions": _("Actions"),
        "my_plan_support": _("Support needed"),
        "my_plan_review": _("Review date"),
        "my_plan_none": _("Not written yet"),
        "key_not_shown": _(
            "“{not_shown}” in a table means not shown: too few people in that group answered, "
            "or rated that behaviour, to show their figures without risk to their anonymity."
        ),
        "key_not_observed": _(
            "“{not_observed}” in a group’s column means that everyone in that group who "
            "answered chose “{not_observed}”: nothing is hidden, there was nothing to average."
        ),
        "no_score": _("no score"),
        "spread_axis_alt": _("Scale of the spread charts: 1 ({low}) to {max} ({high})."),
    }
