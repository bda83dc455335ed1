"""Sample comments for the demo, in English and Welsh, drawn so that no leader gets the same
comment twice and leaders do not all read the same words (a demo that repeats itself looks fake).

Raters of a Welsh-speaking leader mostly write in Welsh and sometimes in English, as colleagues
in a bilingual ward do; raters of an English-speaking leader write in English."""

from __future__ import annotations

import random

COMMENTS: dict[str, dict[str, list[str]]] = {
    "en": {
        "strengths": [
            "Always makes time to listen, even on the busiest shifts.",
            "Notices when someone is struggling and checks in quietly.",
            "Explains the reasons behind decisions, which helps the team trust them.",
            "Brings people from other teams together to solve problems for patients.",
            "Thanks people by name for the work they do.",
            "Makes new starters feel welcome and included from day one.",
            "Stays calm when the department is full and that calm spreads to the rest of us.",
            "Asks the healthcare assistants what they think, not only the registered staff.",
            "Is honest when they do not know something and goes away to find out.",
            "Speaks up for the team at directorate meetings and tells us what happened.",
            "Remembers what matters to people outside work and asks about it.",
            "Handles complaints from families with real patience and kindness.",
            "Shares credit with the team when things go well.",
            "Gives clear, kind feedback in private rather than in front of others.",
        ],
        "development": [
            "Could share more of the bigger picture about where the service is heading.",
            "Sometimes takes on too much and looks exhausted; delegating more would help.",
            "Meetings can be dominated by the loudest voices; inviting quieter people in would "
            "help.",
            "Could follow up more visibly when concerns are raised.",
            "Would benefit from protecting time for their own wellbeing.",
            "Difficult conversations get put off; dealing with problems earlier would be fairer "
            "to everyone.",
            "Night staff rarely see them; a visit now and then would mean a lot.",
            "Could be clearer about who is responsible for what when plans change.",
            "Emails late at night set an expectation that the rest of us should be working too.",
            "Could involve patients and families more when the service is redesigned.",
            "Sometimes decides quickly before hearing from the people who do the work.",
            "Could do more to make sure development opportunities reach everyone, not the same "
            "few.",
        ],
        "example": [
            "After a difficult incident they held a debrief that focused on learning, not blame.",
            "Rearranged the rota so a colleague could care for a sick parent.",
            "Asked for the views of healthcare assistants before changing the handover.",
            "Sat with a junior nurse after a patient died and made sure she got home safely.",
            "Challenged a consultant, politely and firmly, who spoke down to a student.",
            "Set up a monthly coffee with the pharmacy team that has cut our delays.",
            "Invited a carer to speak at our team day about what discharge felt like for them.",
            "Changed the way we share incident learning after a porter pointed out a gap.",
            "Covered a shift themselves so the team could attend a colleague's funeral.",
            "Made sure the overseas nurses had a buddy and time to settle in.",
        ],
    },
    "cy": {
        "strengths": [
            "Mae bob amser yn gwneud amser i wrando, hyd yn oed ar y shifftiau prysuraf.",
            "Mae'n sylwi pan fydd rhywun yn cael trafferth ac yn holi'n dawel.",
            "Mae'n esbonio'r rhesymau dros benderfyniadau, sy'n magu ymddiriedaeth y tîm.",
            "Mae'n diolch i bobl wrth eu henw am y gwaith maen nhw'n ei wneud.",
            "Mae'n gwneud i staff newydd deimlo'n groesawgar o'r diwrnod cyntaf.",
            "Mae'n aros yn bwyllog pan fydd y ward yn llawn, ac mae hynny'n lledu i bawb.",
            "Mae'n gofyn barn y cynorthwywyr gofal iechyd, nid y staff cofrestredig yn unig.",
            "Mae'n onest pan nad yw'n gwybod rhywbeth ac yn mynd i holi.",
            "Mae'n siarad dros y tîm yng nghyfarfodydd y gyfarwyddiaeth ac yn dweud wrthym "
            "beth ddigwyddodd.",
            "Mae'n cofio beth sy'n bwysig i bobl y tu allan i'r gwaith ac yn holi amdano.",
            "Mae'n delio â chwynion teuluoedd gydag amynedd a charedigrwydd.",
            "Mae'n rhannu'r clod gyda'r tîm pan fydd pethau'n mynd yn dda.",
        ],
        "development": [
            "Gallai rannu mwy o'r darlun mawr am gyfeiriad y gwasanaeth.",
            "Weithiau mae'n ceisio gwneud gormod ac yn edrych wedi blino; byddai dirprwyo mwy "
            "yn helpu.",
            "Gall y lleisiau uchaf reoli cyfarfodydd; byddai gwahodd pobl dawelach i siarad yn "
            "helpu.",
            "Gallai ddilyn pryderon yn fwy gweladwy ar ôl iddynt gael eu codi.",
            "Byddai'n elwa o gadw amser i orffwys a gofalu am les personol.",
            "Mae sgyrsiau anodd yn cael eu gohirio; byddai delio â phroblemau'n gynt yn decach "
            "i bawb.",
            "Anaml y mae staff y nos yn gweld yr arweinydd; byddai ymweliad bob hyn a hyn yn "
            "golygu llawer.",
            "Gallai fod yn gliriach pwy sy'n gyfrifol am beth pan fydd cynlluniau'n newid.",
            "Mae e-byst yn hwyr y nos yn awgrymu y dylai pawb arall fod yn gweithio hefyd.",
            "Gallai gynnwys cleifion a theuluoedd yn fwy wrth ailgynllunio'r gwasanaeth.",
        ],
        "example": [
            "Ar ôl digwyddiad anodd, cynhaliodd sesiwn i drafod beth i'w ddysgu, heb feio neb.",
            "Newidiodd y rota er mwyn i gydweithiwr allu gofalu am riant sâl.",
            "Gofynnodd am farn y cynorthwywyr gofal iechyd cyn newid y trosglwyddo.",
            "Eisteddodd gyda nyrs iau ar ôl i glaf farw a gwneud yn siŵr ei bod hi'n cyrraedd "
            "adref yn ddiogel.",
            "Heriodd ymgynghorydd, yn gwrtais ond yn gadarn, a siaradodd yn nawddoglyd â "
            "myfyriwr.",
            "Gwahoddodd ofalwr i siarad yn ein diwrnod tîm am sut deimlad oedd y rhyddhau o'r "
            "ysbyty.",
            "Trefnodd fod gan y nyrsys o dramor gyfaill ac amser i ymgartrefu.",
            "Gweithiodd shifft yn bersonol er mwyn i'r tîm allu mynd i angladd cydweithiwr.",
        ],
    },
}

WELSH_SHARE = 0.7  # of the comments written for a Welsh-speaking leader


class CommentPicker:
    """Comments for each leader drawn without repetition from the pool of their language."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.left: dict[tuple[int, str, str], list[str]] = {}

    def pick(self, leader_id: int, leader_language: str | None, question: str) -> str:
        language = "cy" if leader_language == "cy" and self.rng.random() < WELSH_SHARE else "en"
        pool = COMMENTS[language].get(question) or COMMENTS[language]["strengths"]
        key = (leader_id, language, question)
        if not self.left.get(key):
            self.left[key] = self.rng.sample(pool, len(pool))  # a fresh shuffle per leader
        return self.left[key].pop()
