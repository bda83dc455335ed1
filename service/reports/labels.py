"""Every fixed string of the report, in English and Welsh.

Placeholders in braces are filled with str.format in the template or the context builder. A
context may pass a partial "labels" dict: missing keys fall back to English. The Welsh was
written by the team and needs review by a Welsh speaker (docs/decisions.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

MONTHS_CY = ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst",
             "Medi", "Hydref", "Tachwedd", "Rhagfyr"]


def format_date(day: dt.date, lang: str) -> str:
    if lang == "cy":
        return f"{day.day} {MONTHS_CY[day.month - 1]} {day.year}"
    return f"{day.day} {day:%B %Y}"


DEFAULT_LABELS: dict[str, Any] = {
    "report_heading": "Leadership 360 feedback report",
    "confidential": "Confidential",
    "page_of": "Page {page} of {pages}",
    "not_shown": "–",
    "groups": {"self": "Self", "manager": "Manager", "peer": "Peers",
               "direct_report": "Direct reports", "other": "Others", "all_others": "All others",
               "cohort": "Cohort average"},
    # Cover
    "leader": "Leader",
    "organisation": "Organisation",
    "role": "Role",
    "department": "Department",
    "cycle": "Feedback cycle",
    "dates": "Dates",
    "dates_range": "{opens} to {closes}",
    "framework": "Framework",
    "framework_version": "version {version}",
    "generated_on": "Report produced",
    "report_version": "Report version",
    "report_version_value": "{version} (updated after late responses)",
    "confidential_line": (
        "Confidential: this report belongs to {name}. It is shared only with the people "
        "{name} chooses, such as a facilitator, mentor or appraiser."
    ),
    "cover_purpose": (
        "This report brings together how you see your own leadership and how colleagues "
        "experience it. It is a starting point for a facilitated conversation, not a "
        "performance rating."
    ),
    # How to read this report
    "reading_heading": "How to read this report",
    "reading_perceptions": (
        "The figures are perceptions to explore, not a verdict. They show how often "
        "colleagues noticed each behaviour in the months before the survey, in their own "
        "situations. A difference of a few tenths between two numbers is rarely meaningful; "
        "patterns across several behaviours, and the comments, tell you more."
    ),
    "reading_groups": "Colleagues answered in one of these groups:",
    "group_descriptions": {
        "self": "your own ratings of yourself",
        "manager": "the person you report to",
        "peer": "colleagues who share your manager or work at a similar level",
        "direct_report": "people who report to you",
        "other": "anyone else who works with you, in other teams, services or organisations",
        "all_others": "everyone who rated you except yourself",
    },
    "threshold_k": (
        "To protect anonymity, scores and comments from a group are shown only when at "
        "least {k} people in that group responded."
    ),
    "threshold_manager": (
        "The minimum for the manager group is {manager_min}, so manager ratings are not anonymous."
    ),
    "threshold_self": "Your own ratings (self) are always shown.",
    "all_others_note": (
        "“{label}” combines everyone who rated you except yourself. A group too small to "
        "be shown on its own is included only where this cannot reveal its answers."
    ),
    "not_observed_note": (
        "Anyone could choose “{not_observed}” for a behaviour they had not seen. These "
        "answers are not counted in the averages; the behaviour tables show how many "
        "there were."
    ),
    "held_back_note": (
        "{count} late responses are not included yet. This report was released before they "
        "arrived, and adding them now would let a reader work out their answers by comparing "
        "versions; they will be added once enough others arrive."
    ),
    "scale_heading": "Rating scale",
    "scale_intro": "Each behaviour was rated by how often it is seen:",
    "scale_caption": "Rating scale",
    "col_value": "Score",
    "col_meaning": "Meaning",
    # Who responded
    "who_heading": "Who responded",
    "who_intro": (
        "These are the groups of colleagues who were invited to give feedback, and how "
        "many of them responded."
    ),
    "who_caption": "Invitations and responses by group",
    "col_group": "Group",
    "col_invited": "Invited",
    "col_responded": "Responded",
    "col_note": "Note",
    "not_anonymous": "Not anonymous",
    "hidden": "Not shown to protect anonymity",
    # Overview
    "overview_heading": "Overview",
    "overview_intro": (
        "The average rating for each section, by group, from 1 to {max}. A higher score "
        "means the behaviours were seen more often. “{not_shown}” means not shown."
    ),
    "overview_chart_title": "Section averages by group",
    "overview_chart_alt": (
        "Dot chart of the average score of each section on a scale of 1 to {max}, one mark "
        "per group. {values}"
    ),
    "overview_caption": "Average score by section and group",
    "col_section": "Section",
    "cohort_note": (
        "“{label}” is the average of the “all others” scores of the {leaders} leaders in "
        "this cycle, each leader counting once."
    ),
    "cohort_absent": (
        "A cohort average is shown only when at least {min} leaders in the cycle have "
        "scores for a section, so that it says nothing about any one of them."
    ),
    "legend": "Key",
    # Strengths and areas to develop
    "highlights_heading": "Strengths and areas to develop",
    "highlights_intro": (
        "The behaviours all others saw most and least often, by their average. Equal "
        "averages follow the order of the framework. Even the lowest may be seen often: "
        "read them as where to look first, not as failings."
    ),
    "strengths_heading": "Seen most often",
    "areas_heading": "Seen least often",
    "strengths_caption": "Behaviours all others saw most often",
    "areas_caption": "Behaviours all others saw least often",
    "col_behaviour": "Behaviour",
    "col_section_of": "Section",
    "col_others": "All others",
    "col_self": "Self",
    "no_highlights": "Too few behaviours have scores from all others to pick these out.",
    # Blind spots and hidden strengths
    "gaps_heading": "Blind spots and hidden strengths",
    "gaps_intro": (
        "Where your own rating and the average of all others differ most. The rule: a blind "
        "spot is a behaviour you rated at least {blind} above all others; a hidden strength "
        "one you rated at least {hidden} below them."
    ),
    "blind_heading": "Possible blind spots",
    "blind_intro": "You see these more often than colleagues do.",
    "hidden_heading": "Hidden strengths",
    "hidden_intro": "Colleagues see these more often than you do.",
    "blind_caption": "Behaviours you rated well above all others",
    "hidden_caption": "Behaviours you rated well below all others",
    "col_gap": "Gap",
    "no_blind": "None: no behaviour is rated this much higher by you than by all others.",
    "no_hidden": "None: no behaviour is rated this much higher by all others than by you.",
    "gaps_no_self": (
        "There is no self-assessment, or no score from all others, to compare, so blind "
        "spots and hidden strengths cannot be shown."
    ),
    # Item detail
    "items_heading": "Behaviour detail",
    "items_intro": (
        "The average rating for each behaviour, by group. Under each average: n is the "
        "number of ratings counted, followed by how many people chose “{not_observed}”. The "
        "spread shows, for each shown group, a line from the lowest to the highest rating "
        "and a dot at the average."
    ),
    "items_caption": "Average score for each behaviour in {section}",
    "col_spread": "Spread",
    "spread_alt": "Spread of ratings: {values}.",
    "spread_value": "{group} from {low} to {high}, average {mean}",
    "n_count": "n = {n}",
    "not_observed_count": "{count} not observed",
    "level": "Level",
    "levels": {
        "self": "Self",
        "team": "Team",
        "organisation": "Organisation",
        "system": "System",
    },
    # Comments
    "comments_heading": "Comments",
    "comments_intro": "Comments are shown as written, in random order, without names or groups.",
    "self_comments_heading": "Your own comments",
    "self_comments_intro": "What you wrote in your self-assessment.",
    "no_comments": "No comments were given.",
    # Change since the previous cycle
    "change_heading": "Change since {cycle}",
    "change_intro": (
        "How all others rated you in this cycle against your previous one with the same "
        "framework ({cycle}, closed {closed}). Only sections and behaviours that are the "
        "same in both, and were shown both times, are compared. Raters may differ between "
        "cycles."
    ),
    "change_caption": "Section averages from all others, then and now",
    "col_before": "Then",
    "col_now": "Now",
    "col_change": "Change",
    "rose_heading": "Behaviours seen more often (up by {threshold} or more)",
    "fell_heading": "Behaviours seen less often (down by {threshold} or more)",
    "no_rose": "No behaviour rose by {threshold} or more.",
    "no_fell": "No behaviour fell by {threshold} or more.",
    "rose_caption": "Behaviours that rose the most",
    "fell_caption": "Behaviours that fell the most",
    # Reflection and conversation guide
    "guide_heading": "Reflection and conversation guide",
    "guide_intro": (
        "Questions to take into three conversations. Read the report first and note your "
        "own answers; there are no right ones."
    ),
    "guide_session": "In the facilitated feedback session",
    "guide_appraisal": "In your appraisal",
    "guide_mentor": "With your mentor or coach",
    "q_first_reaction": "What did you feel when you first read this report? What surprised you?",
    "q_strength": (
        "Colleagues most often see you do this: “{item}” ({mean}). What helps you do it, and "
        "where else could it make a difference?"
    ),
    "q_area": (
        "“{item}” was seen least often ({mean}). What gets in the way, and what would help?"
    ),
    "q_blind": (
        "You rated “{item}” at {self}, and all others at {others}. What might they be "
        "seeing that you do not?"
    ),
    "q_hidden": (
        "All others rated “{item}” at {others}, and you at {self}. What stops you giving "
        "yourself that credit?"
    ),
    "q_hidden_groups": (
        "Some groups are not shown to protect anonymity. Whose views would you like to hear "
        "more of, and how could you invite them?"
    ),
    "q_objectives": (
        "Which one or two behaviours from this report will you take into your appraisal "
        "objectives?"
    ),
    "q_support": "What support from your manager or organisation would help with “{item}”?",
    "q_change": (
        "Since {cycle}, “{item}” rose the most. What did you do differently, and how will "
        "you keep it up?"
    ),
    "q_change_fell": "Since {cycle}, “{item}” fell the most. What has changed around you?",
    "q_learn_from": "Who do you know who does “{item}” well, and what could you learn from them?",
    "q_section": (
        "The section seen least often was {section} ({mean}). What would it look like in "
        "six months if this were a strength?"
    ),
    "q_wellbeing": (
        "Compassion for others is hard to sustain without compassion for yourself. How are "
        "you looking after your own wellbeing, and your team’s?"
    ),
    "q_next_step": "What is one small thing you will try in the next month, and how will you "
                   "know it worked?",
    # Action plan
    "plan_heading": "Action plan",
    "plan_intro": (
        "Complete this after your feedback session, and bring it to your appraisal and "
        "mentoring. You can type into the boxes in a PDF reader, or print the page."
    ),
    "plan_suggested": "Behaviours this report suggests you look at: {items}.",
    "plan_focus": "Behaviour to focus on",
    "plan_actions": "What I will do",
    "plan_support": "Support I need, and from whom",
    "plan_review": "Review date",
    "plan_row": "Priority {n}",
    "plan_agreed": "Discussed with (facilitator, appraiser or mentor), and date",
}

WELSH_LABELS: dict[str, Any] = {
    "report_heading": "Adroddiad adborth 360 ar arweinyddiaeth",
    "confidential": "Cyfrinachol",
    "page_of": "Tudalen {page} o {pages}",
    "not_shown": "–",
    "groups": {"self": "Hunan", "manager": "Rheolwr", "peer": "Cymheiriaid",
               "direct_report": "Adroddiadau uniongyrchol", "other": "Eraill",
               "all_others": "Pawb arall", "cohort": "Cyfartaledd y garfan"},
    "leader": "Arweinydd",
    "organisation": "Sefydliad",
    "role": "Rôl",
    "department": "Adran",
    "cycle": "Cylch adborth",
    "dates": "Dyddiadau",
    "dates_range": "{opens} i {closes}",
    "framework": "Fframwaith",
    "framework_version": "fersiwn {version}",
    "generated_on": "Dyddiad llunio’r adroddiad",
    "report_version": "Fersiwn yr adroddiad",
    "report_version_value": "{version} (wedi’i diweddaru ar ôl ymatebion hwyr)",
    "confidential_line": (
        "Cyfrinachol: mae’r adroddiad hwn yn perthyn i {name}. Dim ond gyda’r bobl y mae "
        "{name} yn eu dewis y caiff ei rannu, megis hwylusydd, mentor neu arfarnwr."
    ),
    "cover_purpose": (
        "Mae’r adroddiad hwn yn dod â’ch barn chi am eich arweinyddiaeth ynghyd â phrofiad "
        "eich cydweithwyr ohoni. Man cychwyn ar gyfer sgwrs wedi’i hwyluso ydyw, nid "
        "sgôr perfformiad."
    ),
    "reading_heading": "Sut i ddarllen yr adroddiad hwn",
    "reading_perceptions": (
        "Canfyddiadau i’w harchwilio yw’r ffigurau, nid dyfarniad. Maen nhw’n dangos pa mor "
        "aml y sylwodd cydweithwyr ar bob ymddygiad yn y misoedd cyn yr arolwg, yn eu "
        "sefyllfaoedd eu hunain. Anaml y mae gwahaniaeth o ychydig ddegfedau rhwng dau rif "
        "yn ystyrlon; mae patrymau ar draws sawl ymddygiad, a’r sylwadau, yn dweud mwy."
    ),
    "reading_groups": "Atebodd cydweithwyr mewn un o’r grwpiau hyn:",
    "group_descriptions": {
        "self": "eich sgoriau chi amdanoch chi eich hun",
        "manager": "y person rydych chi’n adrodd iddo",
        "peer": "cydweithwyr sy’n rhannu eich rheolwr neu’n gweithio ar lefel debyg",
        "direct_report": "pobl sy’n adrodd i chi",
        "other": "unrhyw un arall sy’n gweithio gyda chi, mewn timau, gwasanaethau neu "
                 "sefydliadau eraill",
        "all_others": "pawb a roddodd sgôr i chi ac eithrio chi eich hun",
    },
    "threshold_k": (
        "Er mwyn diogelu anhysbysrwydd, dim ond pan fydd o leiaf {k} o bobl yn y grŵp "
        "wedi ymateb y dangosir sgoriau a sylwadau’r grŵp hwnnw."
    ),
    "threshold_manager": (
        "Yr isafswm ar gyfer y grŵp rheolwyr yw {manager_min}, felly nid yw sgoriau’r "
        "rheolwr yn ddienw."
    ),
    "threshold_self": "Dangosir eich sgoriau chi eich hun (hunanasesiad) bob amser.",
    "all_others_note": (
        "Mae “{label}” yn cyfuno pawb a roddodd sgôr i chi ac eithrio chi eich hun. Dim "
        "ond pan na all hynny ddatgelu ei atebion y caiff grŵp sy’n rhy fach i’w "
        "ddangos ar ei ben ei hun ei gynnwys."
    ),
    "not_observed_note": (
        "Gallai unrhyw un ddewis “{not_observed}” ar gyfer ymddygiad nad oedd wedi’i "
        "weld. Nid yw’r atebion hyn yn cael eu cyfrif yn y cyfartaleddau; mae’r tablau "
        "ymddygiad yn dangos faint oedd."
    ),
    "held_back_note": (
        "Nid yw {count} o ymatebion hwyr wedi’u cynnwys eto. Rhyddhawyd yr adroddiad hwn cyn "
        "iddynt gyrraedd, a byddai eu hychwanegu nawr yn gadael i ddarllenydd gyfrifo eu "
        "hatebion drwy gymharu fersiynau; fe’u hychwanegir pan fydd digon o rai eraill wedi "
        "cyrraedd."
    ),
    "scale_heading": "Graddfa sgorio",
    "scale_intro": "Sgoriwyd pob ymddygiad yn ôl pa mor aml y caiff ei weld:",
    "scale_caption": "Graddfa sgorio",
    "col_value": "Sgôr",
    "col_meaning": "Ystyr",
    "who_heading": "Pwy a ymatebodd",
    "who_intro": (
        "Dyma’r grwpiau o gydweithwyr a wahoddwyd i roi adborth, a faint ohonynt a ymatebodd."
    ),
    "who_caption": "Gwahoddiadau ac ymatebion fesul grŵp",
    "col_group": "Grŵp",
    "col_invited": "Gwahoddwyd",
    "col_responded": "Ymatebodd",
    "col_note": "Nodyn",
    "not_anonymous": "Ddim yn ddienw",
    "hidden": "Heb ei ddangos i ddiogelu anhysbysrwydd",
    "overview_heading": "Trosolwg",
    "overview_intro": (
        "Y sgôr gyfartalog ar gyfer pob adran, fesul grŵp, o 1 i {max}. Mae sgôr uwch yn "
        "golygu bod yr ymddygiadau i’w gweld yn amlach. Mae “{not_shown}” yn golygu nad "
        "yw’n cael ei ddangos."
    ),
    "overview_chart_title": "Cyfartaledd pob adran fesul grŵp",
    "overview_chart_alt": (
        "Siart dotiau o sgôr gyfartalog pob adran ar raddfa o 1 i {max}, un marc i bob "
        "grŵp. {values}"
    ),
    "overview_caption": "Sgôr gyfartalog fesul adran a grŵp",
    "col_section": "Adran",
    "cohort_note": (
        "“{label}” yw cyfartaledd sgoriau “pawb arall” y {leaders} arweinydd yn y cylch hwn, "
        "gyda phob arweinydd yn cyfrif unwaith."
    ),
    "cohort_absent": (
        "Dim ond pan fydd gan o leiaf {min} arweinydd yn y cylch sgoriau ar gyfer adran y "
        "dangosir cyfartaledd y garfan, fel nad yw’n dweud dim am unrhyw un ohonynt."
    ),
    "legend": "Allwedd",
    "highlights_heading": "Cryfderau a meysydd i’w datblygu",
    "highlights_intro": (
        "Yr ymddygiadau a welodd pawb arall amlaf a lleiaf aml, yn ôl eu cyfartaledd. Mae "
        "cyfartaleddau cyfartal yn dilyn trefn y fframwaith. Gall hyd yn oed yr isaf gael eu "
        "gweld yn aml: darllenwch nhw fel lle i edrych gyntaf, nid fel methiannau."
    ),
    "strengths_heading": "Yn cael eu gweld amlaf",
    "areas_heading": "Yn cael eu gweld leiaf aml",
    "strengths_caption": "Ymddygiadau a welodd pawb arall amlaf",
    "areas_caption": "Ymddygiadau a welodd pawb arall leiaf aml",
    "col_behaviour": "Ymddygiad",
    "col_section_of": "Adran",
    "col_others": "Pawb arall",
    "col_self": "Hunan",
    "no_highlights": "Nid oes gan ddigon o ymddygiadau sgoriau gan bawb arall i ddewis y rhain.",
    "gaps_heading": "Mannau dall a chryfderau cudd",
    "gaps_intro": (
        "Lle mae eich sgôr chi a chyfartaledd pawb arall fwyaf gwahanol. Y rheol: man dall "
        "yw ymddygiad y rhoesoch sgôr o leiaf {blind} yn uwch iddo na phawb arall; cryfder "
        "cudd yw un y rhoesoch sgôr o leiaf {hidden} yn is iddo."
    ),
    "blind_heading": "Mannau dall posibl",
    "blind_intro": "Rydych chi’n gweld y rhain yn amlach nag y mae cydweithwyr.",
    "hidden_heading": "Cryfderau cudd",
    "hidden_intro": "Mae cydweithwyr yn gweld y rhain yn amlach nag yr ydych chi.",
    "blind_caption": "Ymddygiadau y rhoesoch sgôr llawer uwch iddynt na phawb arall",
    "hidden_caption": "Ymddygiadau y rhoesoch sgôr llawer is iddynt na phawb arall",
    "col_gap": "Bwlch",
    "no_blind": "Dim: nid oes unrhyw ymddygiad y rhoesoch sgôr cymaint â hynny’n uwch iddo.",
    "no_hidden": "Dim: nid oes unrhyw ymddygiad y rhoddodd pawb arall sgôr cymaint â hynny’n "
                 "uwch iddo.",
    "gaps_no_self": (
        "Nid oes hunanasesiad, neu sgôr gan bawb arall, i’w cymharu, felly ni ellir dangos "
        "mannau dall na chryfderau cudd."
    ),
    "items_heading": "Manylion yr ymddygiadau",
    "items_intro": (
        "Y sgôr gyfartalog ar gyfer pob ymddygiad, fesul grŵp. O dan bob cyfartaledd: n "
        "yw nifer y sgoriau a gyfrifwyd, ac yna faint o bobl a ddewisodd "
        "“{not_observed}”. Mae’r ystod yn dangos, ar gyfer pob grŵp a ddangosir, linell o’r "
        "sgôr isaf i’r uchaf a dot ar y cyfartaledd."
    ),
    "items_caption": "Sgôr gyfartalog ar gyfer pob ymddygiad yn {section}",
    "col_spread": "Ystod",
    "spread_alt": "Ystod y sgoriau: {values}.",
    "spread_value": "{group} o {low} i {high}, cyfartaledd {mean}",
    "n_count": "n = {n}",
    "not_observed_count": "{count} heb ei weld",
    "level": "Lefel",
    "levels": {
        "self": "Hunan",
        "team": "Tîm",
        "organisation": "Sefydliad",
        "system": "System",
    },
    "comments_heading": "Sylwadau",
    "comments_intro": (
        "Dangosir y sylwadau fel y’u hysgrifennwyd, mewn trefn ar hap, heb enwau na grwpiau."
    ),
    "self_comments_heading": "Eich sylwadau eich hun",
    "self_comments_intro": "Yr hyn a ysgrifennoch yn eich hunanasesiad.",
    "no_comments": "Ni roddwyd unrhyw sylwadau.",
    "change_heading": "Newid ers {cycle}",
    "change_intro": (
        "Sut y rhoddodd pawb arall sgôr i chi yn y cylch hwn o’i gymharu â’ch cylch blaenorol "
        "gyda’r un fframwaith ({cycle}, caeodd {closed}). Dim ond adrannau ac ymddygiadau "
        "sydd yr un fath yn y ddau, ac a ddangoswyd y ddwy waith, sy’n cael eu cymharu. Gall "
        "y bobl a roddodd sgôr fod yn wahanol rhwng cylchoedd."
    ),
    "change_caption": "Cyfartaleddau’r adrannau gan bawb arall, bryd hynny a nawr",
    "col_before": "Bryd hynny",
    "col_now": "Nawr",
    "col_change": "Newid",
    "rose_heading": "Ymddygiadau a welir yn amlach (i fyny {threshold} neu fwy)",
    "fell_heading": "Ymddygiadau a welir yn llai aml (i lawr {threshold} neu fwy)",
    "no_rose": "Ni chododd unrhyw ymddygiad {threshold} neu fwy.",
    "no_fell": "Ni ostyngodd unrhyw ymddygiad {threshold} neu fwy.",
    "rose_caption": "Yr ymddygiadau a gododd fwyaf",
    "fell_caption": "Yr ymddygiadau a ostyngodd fwyaf",
    "guide_heading": "Canllaw myfyrio a sgwrsio",
    "guide_intro": (
        "Cwestiynau i fynd â nhw i dair sgwrs. Darllenwch yr adroddiad yn gyntaf a nodwch "
        "eich atebion eich hun; does dim atebion cywir."
    ),
    "guide_session": "Yn y sesiwn adborth wedi’i hwyluso",
    "guide_appraisal": "Yn eich arfarniad",
    "guide_mentor": "Gyda’ch mentor neu hyfforddwr",
    "q_first_reaction": (
        "Beth oeddech chi’n ei deimlo pan ddarllenoch chi’r adroddiad hwn gyntaf? Beth a’ch "
        "synnodd?"
    ),
    "q_strength": (
        "Mae cydweithwyr yn eich gweld yn gwneud hyn amlaf: “{item}” ({mean}). Beth sy’n eich "
        "helpu i’w wneud, a ble arall y gallai wneud gwahaniaeth?"
    ),
    "q_area": (
        "Gwelwyd “{item}” leiaf aml ({mean}). Beth sy’n rhwystro, a beth fyddai’n helpu?"
    ),
    "q_blind": (
        "Rhoesoch sgôr o {self} i “{item}”, a rhoddodd pawb arall {others}. Beth allen nhw "
        "fod yn ei weld nad ydych chi’n ei weld?"
    ),
    "q_hidden": (
        "Rhoddodd pawb arall sgôr o {others} i “{item}”, a chithau {self}. Beth sy’n eich "
        "atal rhag rhoi’r clod hwnnw i chi eich hun?"
    ),
    "q_hidden_groups": (
        "Nid yw rhai grwpiau’n cael eu dangos er mwyn diogelu anhysbysrwydd. Barn pwy yr "
        "hoffech chi glywed mwy ohoni, a sut gallech chi ei gwahodd?"
    ),
    "q_objectives": (
        "Pa un neu ddau o’r ymddygiadau yn yr adroddiad hwn fyddwch chi’n mynd â nhw i "
        "amcanion eich arfarniad?"
    ),
    "q_support": "Pa gymorth gan eich rheolwr neu’ch sefydliad fyddai’n helpu gyda “{item}”?",
    "q_change": (
        "Ers {cycle}, “{item}” a gododd fwyaf. Beth wnaethoch chi’n wahanol, a sut byddwch "
        "chi’n dal ati?"
    ),
    "q_change_fell": "Ers {cycle}, “{item}” a ostyngodd fwyaf. Beth sydd wedi newid o’ch cwmpas?",
    "q_learn_from": (
        "Pwy ydych chi’n ei adnabod sy’n gwneud “{item}” yn dda, a beth allech chi ei ddysgu "
        "ganddyn nhw?"
    ),
    "q_section": (
        "Yr adran a welwyd leiaf aml oedd {section} ({mean}). Sut byddai’n edrych ymhen "
        "chwe mis petai hwn yn gryfder?"
    ),
    "q_wellbeing": (
        "Mae’n anodd cynnal tosturi tuag at eraill heb dosturi tuag atoch chi eich hun. Sut "
        "rydych chi’n gofalu am eich llesiant eich hun, a llesiant eich tîm?"
    ),
    "q_next_step": (
        "Beth yw un peth bach y byddwch chi’n rhoi cynnig arno yn ystod y mis nesaf, a sut "
        "byddwch chi’n gwybod ei fod wedi gweithio?"
    ),
    "plan_heading": "Cynllun gweithredu",
    "plan_intro": (
        "Llenwch hwn ar ôl eich sesiwn adborth, a dewch ag ef i’ch arfarniad a’ch "
        "mentora. Gallwch deipio yn y blychau mewn darllenydd PDF, neu argraffu’r dudalen."
    ),
    "plan_suggested": "Ymddygiadau y mae’r adroddiad hwn yn awgrymu eich bod yn edrych arnynt: "
                      "{items}.",
    "plan_focus": "Ymddygiad i ganolbwyntio arno",
    "plan_actions": "Beth fydda i’n ei wneud",
    "plan_support": "Y cymorth sydd ei angen arna i, a chan bwy",
    "plan_review": "Dyddiad adolygu",
    "plan_row": "Blaenoriaeth {n}",
    "plan_agreed": "Trafodwyd gyda (hwylusydd, arfarnwr neu fentor), a’r dyddiad",
}

LABELS = {"en": DEFAULT_LABELS, "cy": WELSH_LABELS}
