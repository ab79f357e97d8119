"""Brief-quality check of a need (Bedarf): fixed rules, no language model.

A good need describes a problem (who is affected, what goes wrong, how often), a measurable outcome
and a budget range, and leaves the solution open for the market. :func:`check` looks at what an agency
has typed so far and returns :class:`Finding` s: advice that helps to improve the text, never a reason
to refuse it (submitting stays possible whatever is found).

Everything here is a pure function of the text: no database, no request. The same rules serve the form
panel (``quality_web.py``), the page rendered without JavaScript (``web.py``) and the JSON API
(``POST /api/challenges/check``). The rules read German and English text.

The rules, in the order of the form:

``product_named`` (title, problem)
    The text asks for a product, a vendor or a purchase instead of describing a problem: a brand of
    :data:`BRANDS`, or a phrase of :data:`PURCHASE_PATTERNS` ("Lizenzen für …", "wir möchten … kaufen",
    "eine App von X"). In the title every brand counts (a title should name the problem); in the problem
    text only a brand near a wish to acquire it (:data:`DEMAND_BEFORE` / :data:`DEMAND_AFTER`), because
    naming the systems in use ("die Daten liegen in SAP") is useful context. A brand that is to be
    replaced (:data:`REPLACE_BEFORE` / :data:`REPLACE_AFTER`: "Excel-Listen ablösen") is a problem,
    not a solution, and is not flagged.
``problem_missing`` / ``problem_thin`` (problem)
    No problem statement, or fewer than :data:`MIN_PROBLEM_WORDS` words.
``outcome_missing`` / ``outcome_no_target`` / ``outcome_not_measurable`` (desired_outcome)
    No desired outcome; an outcome with a direction ("schneller", "Kosten senken") but no target
    value (:data:`DIRECTION`); an outcome with neither. An outcome is measurable if it contains one of
    :data:`MEASURABLE`: a number, a percentage, a number word ("Hälfte", "halbieren"), a unit of time
    ("Tage", "Wochen"), a frequency ("pro Monat", "monatlich"), a deadline or bound ("innerhalb von",
    "höchstens") or a verb with its amount ("reduzieren um", "senken auf").
``budget_missing`` / ``budget_min_missing`` / ``budget_max_missing`` (budget_min / budget_max)
    No budget range, or only one end of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from govlotse.i18n import N_, translate


@dataclass(frozen=True)
class Finding:
    """One piece of advice: a stable ``code``, the form ``field`` it concerns, what is wrong and how to fix it."""

    code: str
    field: str
    message: str
    hint: str


@dataclass(frozen=True)
class Report:
    """The findings for a form, and whether nothing has been typed yet (the panel then explains itself)."""

    findings: list[Finding] = field(default_factory=list)
    blank: bool = False


# --- Problem statement -------------------------------------------------------------------------------

MIN_PROBLEM_WORDS = 20
"""A problem statement below this many words rarely says who is affected, how often and at what cost
(about two sentences)."""

_WORD = re.compile(r"\w*[^\W\d_]\w*")  # a word has at least one letter ("4.000" and "12" are not words)


# --- Measurable outcome ------------------------------------------------------------------------------


def _words(*alternatives: str) -> str:
    return r"\b(?:" + "|".join(alternatives) + r")\b"


MEASURABLE = re.compile(
    "|".join(
        (
            r"\d",  # any figure: "30 Tage", "4.000 Anträge", "Stufe 2"
            r"%|" + _words(r"prozent\w*", "percent", "per cent", "percentage points?"),
            # number words and fractions
            _words(
                "null",
                "zwei",
                "drei",
                "vier",
                "fünf",
                "sechs",
                "sieben",
                "acht",
                "neun",
                "zehn",
                "elf",
                "zwölf",
                "zwanzig",
                "dreißig",
                "fünfzig",
                "hundert",
                "tausend",
                r"hälfte\w*",
                r"drittel\w*",
                r"viertel\w*",
                r"doppelt\w*",
                r"halbier\w*",
                r"verdoppel\w*",
                r"verdreifach\w*",
                r"drittel[nt]\w*",
                "zero",
                "two",
                "three",
                "four",
                "five",
                "six",
                "seven",
                "eight",
                "nine",
                "ten",
                "eleven",
                "twelve",
                "twenty",
                "fifty",
                "hundreds?",
                "thousands?",
                "half",
                r"halv\w*",
                r"doubl\w*",
                "twice",
                "thirds?",
                "quarters?",
            ),
            # units of time (also in compounds such as "Werktagen", "Bearbeitungstage")
            r"\b\w*(?<!all)(?:tag|tage|tagen|woche|wochen|monat|monate|monaten|quartal|quartale|quartalen"
            r"|jahr|jahre|jahren|stunde|stunden|minute|minuten|sekunde|sekunden)\b",
            _words(
                "seconds?",
                "minutes?",
                "hours?",
                "days?",
                "weeks?",
                "months?",
                "years?",
                r"(?:täg|wöchent|monat|quartals|jähr|stünd)lich\w*",
                "hourly",
                "daily",
                "weekly",
                "monthly",
                "quarterly",
                "yearly",
                "annually",
            ),
            # frequencies, deadlines and bounds
            _words(
                r"pro\s+\w+",
                r"je\s+(?:fall|antrag|vorgang|anfrage|meldung|person|bescheid|akte)",
                r"innerhalb\s+(?:von|eines|einer|der|des)",
                "binnen",
                "spätestens",
                "höchstens",
                "mindestens",
                "maximal",
                "weniger als",
                "mehr als",
                "bis zu",
                r"per\s+(?:second|minute|hour|day|week|month|quarter|year|case|application|request|person|employee)s?",
                "within",
                "at most",
                "at least",
                "no more than",
                "less than",
                "fewer than",
                "more than",
                "up to",
                "by the end of",
            ),
            # a verb with its amount: "reduzieren um", "senken auf", "reduce by", "cut to"
            r"\b(?:reduz|senk|gesenkt|verringer|verkürz|steiger|erhöh|beschleunig|verbesser|cut|reduc|lower|increas"
            r"|shorten|rais)\w*\s+(?:um|auf|by|to)\b",
            _words("kpi", "kennzahl", "kennzahlen", "zielwert", "zielwerte", "target value", "benchmark"),
        )
    ),
    re.IGNORECASE,
)
"""What makes a desired outcome measurable (any one of these is enough)."""

DIRECTION = re.compile(
    r"\b(?:senk|gesenkt|reduz|verringer|verkürz|minimier|maximier|steiger|erhöh|beschleunig|verbesser|vereinfach"
    r"|entlast|optimier|abbau|schneller|kürzer|weniger|mehr|höher|niedriger|besser|günstiger|seltener|häufiger"
    r"|reduc|lower|cut|decreas|shorten|speed|increas|improv|faster|fewer|less|more|better|shorter|higher|cheaper)\w*",
    re.IGNORECASE,
)
"""A direction without a target ("schneller", "Kosten senken", "reduce errors"): better than nothing,
but not yet measurable."""


# --- Product or vendor instead of a problem ----------------------------------------------------------

BRANDS = (
    # collaboration and office
    "Microsoft Teams",
    "MS Teams",
    "Microsoft 365",
    "Office 365",
    "M365",
    "Microsoft",
    "SharePoint",
    "Copilot",
    "Google Workspace",
    "Google",
    "Zoom",
    "Webex",
    "Slack",
    "WhatsApp",
    "Threema",
    "Nextcloud",
    "Dropbox",
    "Jira",
    "Confluence",
    # AI products
    "ChatGPT",
    "OpenAI",
    "GPT",
    "Gemini",
    "Mistral",
    # enterprise software and clouds
    "SAP",
    "S/4HANA",
    "Oracle",
    "Salesforce",
    "ServiceNow",
    "Dynamics 365",
    "Power BI",
    "Power Apps",
    "Tableau",
    "Palantir",
    "Zendesk",
    "HubSpot",
    "DocuSign",
    "Adobe",
    "AWS",
    "Amazon",
    "Azure",
    "IBM",
    "ArcGIS",
    "Esri",
    # document management common in German administrations
    "Fabasoft",
    "d.velop",
    "enaio",
    "nscale",
    # devices
    "Apple",
    "iPad",
    "iPhone",
)
"""Products and vendors people ask for by name. Names in capitals (SAP, AWS) match only in capitals, the
others in any case; a longer name wins over a shorter one ("Microsoft Teams" over "Microsoft"). Generic
words that are also product names ("Teams", "Excel", "Word", "Signal") are left out on purpose: they
describe today's situation far more often than a wish."""


def _brand_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    def one(name: str) -> str:
        parts = [re.escape(p) for p in re.split(r"[\s-]+", name)]
        body = r"[\s-]+".join(parts)
        return body if name.upper() == name else f"(?i:{body})"

    ordered = sorted(names, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(one(n) for n in ordered) + r")(?!\w)")


BRAND = _brand_pattern(BRANDS)

WINDOW = 3
"""How many words before or after a brand are read for a wish to acquire or to replace it."""

DEMAND_BEFORE = re.compile(
    _words(
        r"(?:brauch|benötig|wünsch|möcht|woll|hätten|kauf|beschaff|anschaff|erwerb|einführ|lizenz|abonnement"
        r"|umstieg|wechsel|migration|need|want|buy|purchas|procur|acquir|introduc|licen|subscri|switch|migrat)\w*",
        "abo",
        "would like",
        "roll out",
    ),
    re.IGNORECASE,
)
"""Words before a brand that ask for it ("wir brauchen …", "Einführung von …", "we need …")."""

DEMAND_AFTER = re.compile(
    r"\b(?:kaufen|gekauft|beschaff\w*|anschaffen|angeschafft|erwerben|erworben|einführen|eingeführt"
    r"|lizenzier\w*|einkaufen|eingekauft|buy|bought|purchas\w*|procur\w*|introduc\w*|roll(?:ed)? out|licen[cs]\w*)\b",
    re.IGNORECASE,
)
"""Words after a brand that ask for it ("… soll beschafft werden", "… einführen")."""

REPLACE_BEFORE = re.compile(
    r"\b(?:statt|anstatt|anstelle|ohne|weg|ablösung|ersatz|ersetzen|ablösen|abschaffen|replac\w*|instead|without"
    r"|away)\b",
    re.IGNORECASE,
)
"""Words before a brand that want to get rid of it ("Ablösung von …", "ohne …", "instead of …")."""

REPLACE_AFTER = re.compile(
    r"\b(?:ablös\w*|abgelöst|ersetz\w*|abschaff\w*|abgeschafft|replac\w*|phas\w* out|retir\w*)\b",
    re.IGNORECASE,
)
"""Words after a brand that want to get rid of it ("… ablösen", "… ersetzen")."""

PURCHASE_PATTERNS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # "Lizenz(en) für Zoom", "Lizenzen von Microsoft", "licences for Slack"
        r"\blizenz(?:en)?\s+(?:für|von)\s+\S+(?:\s+\S+)?",
        r"\blicen[cs]es?\s+(?:for|of|to)\s+\S+(?:\s+\S+)?",
        # "kaufen wir Zoom", "beschaffen wir ein Ticketsystem"
        r"\b(?:kaufen|beschaffen|erwerben|lizenzieren)\s+wir\s+\S+(?:\s+\S+)?",
        # "wir möchten Microsoft Teams kaufen", "wir wollen ein neues System beschaffen"
        r"\b(?:wir\s+)?(?:möchten|wollen|würden)\s+(?:gerne?\s+)?(?:\S+\s+){1,4}?"
        r"(?:kaufen|beschaffen|anschaffen|erwerben|lizenzieren|einkaufen)\b",
        # "we want to buy Zoom", "we would like to purchase a licence"
        r"\b(?:we\s+)?(?:want|would like|need|plan|intend)\s+to\s+(?:buy|purchase|procure|acquire|license)\b",
        # "eine App von X", "die Software der Firma X", "ein System vom Anbieter X"
        r"\b(?:app|software|tool|produkt)\s+von\s+(?-i:[A-ZÄÖÜ])[\w.&-]*",
        r"\b(?:app|software|lösung|plattform|tool|produkt|system)\s+"
        r"(?:von\s+der\s+firma|der\s+firma|des\s+herstellers|des\s+anbieters|vom\s+hersteller|vom\s+anbieter)"
        r"\s+(?-i:[A-ZÄÖÜ0-9])[\w.&-]*",
        # "an app from X", "a tool by X"
        r"\b(?:app|software|solution|platform|tool|product|system)\s+(?:from|by|made by)\s+(?-i:[A-Z])[\w.&-]*",
    )
)
"""Phrases that describe a purchase rather than a problem, with or without a brand."""

# A sentence ends at punctuation followed by a space (so "d.velop" and "4.000" stay in one piece).
_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n")
_TRAILING = ".,;:!?)\"'“”„"


# --- Texts -------------------------------------------------------------------------------------------

PRODUCT_HINT = N_(
    "Beschreiben Sie, was besser werden soll, nicht womit. Vorhandene Systeme gehören unter „Schnittstellen“; "
    "Produktvorgaben engen den Markt ein und sind im Vergaberecht nur ausnahmsweise zulässig."
)

TEXTS: dict[str, tuple[str, str]] = {
    "product_named:title": (
        N_("Der Titel nennt ein Produkt oder eine Beschaffung („{name}“) statt eines Problems."),
        PRODUCT_HINT,
    ),
    "product_named:problem": (
        N_("Die Problembeschreibung nennt ein Produkt oder eine Beschaffung („{name}“) statt des Problems."),
        PRODUCT_HINT,
    ),
    "problem_missing": (
        N_("Die Problembeschreibung fehlt."),
        N_("Beschreiben Sie, was heute nicht gut läuft, wen es betrifft und wie oft es vorkommt."),
    ),
    "problem_thin": (
        N_("Die Problembeschreibung ist sehr knapp (weniger als {minimum} Wörter)."),
        N_("Nennen Sie, wer betroffen ist, wie oft es vorkommt und was es heute kostet – Fallzahlen, Wartezeiten."),
    ),
    "outcome_missing": (
        N_("Das gewünschte Ergebnis fehlt."),
        N_("Beschreiben Sie, woran Sie den Erfolg messen, z. B. „Bearbeitungszeit von 30 auf 10 Tage senken“."),
    ),
    "outcome_no_target": (
        N_("Das gewünschte Ergebnis nennt eine Richtung, aber keinen Zielwert."),
        N_("Ergänzen Sie eine Zahl, einen Anteil oder eine Frist, z. B. „um 30 %“ oder „innerhalb von 5 Tagen“."),
    ),
    "outcome_not_measurable": (
        N_("Das gewünschte Ergebnis ist nicht messbar formuliert."),
        N_(
            "Nennen Sie eine Kennzahl mit Zielwert, z. B. „Wartezeit von 6 auf 2 Wochen senken“ "
            "oder „80 % der Anträge online“."
        ),
    ),
    "budget_missing": (
        N_("Es ist kein Budgetrahmen angegeben."),
        N_(
            "Geben Sie eine Spanne an (von … bis …). Eine grobe Schätzung genügt; sie hilft bei der Wahl "
            "passender Start-ups und des Vergabeverfahrens."
        ),
    ),
    "budget_min_missing": (
        N_("Die Untergrenze des Budgets fehlt."),
        N_("Ergänzen Sie „Budget von“: Eine Spanne zeigt, in welcher Größenordnung Sie planen."),
    ),
    "budget_max_missing": (
        N_("Die Obergrenze des Budgets fehlt."),
        N_("Ergänzen Sie „Budget bis“, damit der Rahmen für die Vergabe klar ist."),
    ),
}
"""German message and hint per code (``product_named`` per field); translated when a finding is made."""

CODES = (
    "product_named",
    "problem_missing",
    "problem_thin",
    "outcome_missing",
    "outcome_no_target",
    "outcome_not_measurable",
    "budget_missing",
    "budget_min_missing",
    "budget_max_missing",
)


def _finding(code: str, field_name: str, lang: str, key: str | None = None, **params: Any) -> Finding:
    message, hint = TEXTS[key or code]
    return Finding(
        code=code,
        field=field_name,
        message=translate(message, lang, **params),
        hint=translate(hint, lang, **params),
    )


# --- Rules -------------------------------------------------------------------------------------------


def word_count(text: str) -> int:
    """Words with at least one letter (figures alone do not make a description longer)."""
    return len(_WORD.findall(text))


def is_measurable(text: str) -> bool:
    """Whether an outcome names something that can be measured (see :data:`MEASURABLE`)."""
    return MEASURABLE.search(text) is not None


def _window(sentence: str, start: int, end: int) -> tuple[str, str]:
    """Up to :data:`WINDOW` words before and after ``sentence[start:end]``."""
    before = " ".join(sentence[:start].split()[-WINDOW:])
    after = " ".join(sentence[end:].split()[:WINDOW])
    return before, after


def _sentences(text: str) -> list[str]:
    parts, start = [], 0
    for end_match in _SENTENCE_END.finditer(text):
        parts.append(text[start : end_match.start()])
        start = end_match.end()
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split()).strip(_TRAILING + " ")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def named_product(text: str, *, strict: bool) -> str | None:
    """The product, vendor or purchase a text asks for, or None.

    ``strict`` (for titles): every brand counts unless it is to be replaced. Otherwise (for longer
    texts) a brand counts only next to a wish to acquire it. Purchase phrases always count.
    """
    for pattern in PURCHASE_PATTERNS:
        if match := pattern.search(text):
            end = _SENTENCE_END.search(text, match.end())  # quote the phrase up to the end of its sentence
            return _clip(text[match.start() : end.start() if end else len(text)])
    for sentence in _sentences(text):
        for match in BRAND.finditer(sentence):
            before, after = _window(sentence, match.start(), match.end())
            if REPLACE_BEFORE.search(before) or REPLACE_AFTER.search(after):
                continue
            if strict or DEMAND_BEFORE.search(before) or DEMAND_AFTER.search(after):
                return _clip(match.group(0))
    return None


def check(
    title: str | None,
    problem: str | None,
    desired_outcome: str | None,
    budget_min: int | None,
    budget_max: int | None,
    *,
    lang: str = "de",
) -> list[Finding]:
    """Advice on a need's description, in form order; an empty list means nothing to improve."""
    title, problem, outcome = (title or "").strip(), (problem or "").strip(), (desired_outcome or "").strip()
    findings: list[Finding] = []

    if title and (name := named_product(title, strict=True)):
        findings.append(_finding("product_named", "title", lang, "product_named:title", name=name))

    if not problem:
        findings.append(_finding("problem_missing", "problem", lang))
    else:
        if name := named_product(problem, strict=False):
            findings.append(_finding("product_named", "problem", lang, "product_named:problem", name=name))
        if word_count(problem) < MIN_PROBLEM_WORDS:
            findings.append(_finding("problem_thin", "problem", lang, minimum=MIN_PROBLEM_WORDS))

    if not outcome:
        findings.append(_finding("outcome_missing", "desired_outcome", lang))
    elif not is_measurable(outcome):
        code = "outcome_no_target" if DIRECTION.search(outcome) else "outcome_not_measurable"
        findings.append(_finding(code, "desired_outcome", lang))

    if budget_min is None and budget_max is None:
        findings.append(_finding("budget_missing", "budget_min", lang))
    elif budget_min is None:
        findings.append(_finding("budget_min_missing", "budget_min", lang))
    elif budget_max is None:
        findings.append(_finding("budget_max_missing", "budget_max", lang))
    return findings


# --- Form values -------------------------------------------------------------------------------------

FIELDS = ("title", "problem", "desired_outcome", "budget_min", "budget_max")
"""The form fields the check reads."""


def amount(value: Any) -> int | None:
    """A budget as typed in a form ("50000", "50.000 €", "") or stored (an int); None if there is none."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    digits = re.sub(r"[\s.'’€]|EUR", "", str(value), flags=re.IGNORECASE)
    digits = digits.split(",")[0]
    return int(digits) if digits.isdigit() else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def check_form(values: Mapping[str, Any], *, lang: str = "de") -> Report:
    """:func:`check` on a need form's values (raw strings or stored values)."""
    blank = all(not str(values.get(name) or "").strip() for name in FIELDS)
    findings = check(
        _text(values.get("title")),
        _text(values.get("problem")),
        _text(values.get("desired_outcome")),
        amount(values.get("budget_min")),
        amount(values.get("budget_max")),
        lang=lang,
    )
    return Report(findings=findings, blank=blank)
