"""The rating pages' own wording in English and Welsh (the rubric brings its own texts)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "page_title": "Feedback for {name}",
        "self_title": "Your self-assessment",
        "intro": "Please rate how often {name} shows each behaviour. Choose “{not_observed}” "
                 "when you have not seen enough to say.",
        "self_intro": "Please rate how often you show each behaviour. Your answers appear "
                      "as “Self” in your report.",
        "anonymity": "Your answers are anonymous. They are stored without your name and are "
                     "only shown combined with others in your group, when at least {k} people "
                     "of that group have answered. A manager's answers are the exception: "
                     "there is usually one manager, so they are shown as “Manager”.",
        "closes": "The cycle closes on {date}.",
        "open_questions": "In your own words",
        "optional": "Optional",
        "save": "Save and come back later",
        "submit": "Submit feedback",
        "decline": "I cannot give feedback on this person",
        "saved": "Your answers are saved. Use the link in your email to come back and finish.",
        "errors_title": "There is a problem",
        "missing": "Choose an answer for this statement",
        "error_summary": "{count} statement(s) need an answer before you can submit. "
                         "Your answers so far are saved.",
        "and_more": "… and {count} more",
        "decline_title": "Decline to give feedback on {name}",
        "decline_text": "If you do not know {name} well enough, or would rather not answer, you "
                        "can decline. Nobody is told who declined; HR sees only counts.",
        "decline_confirm": "Yes, decline",
        "decline_back": "Go back to the form",
        "thanks_title": "Thank you",
        "thanks_text": "Your feedback has been submitted. It is stored without your name and "
                       "this link no longer works.",
        "declined_title": "You have declined",
        "declined_text": "Thank you for letting us know. This link no longer works.",
    },
    "cy": {
        "page_title": "Adborth i {name}",
        "self_title": "Eich hunanasesiad",
        "intro": "Nodwch pa mor aml y mae {name} yn dangos pob ymddygiad. Dewiswch "
                 "“{not_observed}” os nad ydych wedi gweld digon i ddweud.",
        "self_intro": "Nodwch pa mor aml rydych chi'n dangos pob ymddygiad. Bydd eich atebion "
                      "yn ymddangos fel “Hunan” yn eich adroddiad.",
        "anonymity": "Mae eich atebion yn ddienw. Cânt eu cadw heb eich enw a dim ond wedi'u "
                     "cyfuno ag eraill yn eich grŵp y cânt eu dangos, pan fydd o leiaf {k} o "
                     "bobl yn y grŵp hwnnw wedi ateb. Yr eithriad yw atebion rheolwr: fel "
                     "arfer dim ond un rheolwr sydd, felly cânt eu dangos fel “Rheolwr”.",
        "closes": "Mae'r cylch yn cau ar {date}.",
        "open_questions": "Yn eich geiriau eich hun",
        "optional": "Dewisol",
        "save": "Cadw a dod yn ôl yn nes ymlaen",
        "submit": "Cyflwyno adborth",
        "decline": "Ni allaf roi adborth ar y person hwn",
        "saved": "Mae eich atebion wedi'u cadw. Defnyddiwch y ddolen yn eich e-bost i ddod yn ôl "
                 "a gorffen.",
        "errors_title": "Mae problem",
        "missing": "Dewiswch ateb ar gyfer y datganiad hwn",
        "error_summary": "Mae angen ateb ar {count} datganiad cyn y gallwch gyflwyno. Mae eich "
                         "atebion hyd yma wedi'u cadw.",
        "and_more": "… a {count} arall",
        "decline_title": "Gwrthod rhoi adborth ar {name}",
        "decline_text": "Os nad ydych yn adnabod {name} yn ddigon da, neu os byddai'n well "
                        "gennych beidio ag ateb, gallwch wrthod. Ni ddywedir wrth neb pwy "
                        "wrthododd; dim ond niferoedd a welir gan AD.",
        "decline_confirm": "Ie, gwrthod",
        "decline_back": "Yn ôl i'r ffurflen",
        "thanks_title": "Diolch",
        "thanks_text": "Mae eich adborth wedi'i gyflwyno. Caiff ei gadw heb eich enw ac nid yw'r "
                       "ddolen hon yn gweithio mwyach.",
        "declined_title": "Rydych wedi gwrthod",
        "declined_text": "Diolch am roi gwybod i ni. Nid yw'r ddolen hon yn gweithio mwyach.",
    },
}


def ui_labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])
