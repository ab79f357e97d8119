#!/usr/bin/env python3
"""Build the shipped use-case library src/govlotse/demo/data/usecases.jsonl.

Reads two public registers of AI use cases in public administration and writes one JSON object per
line in the "usecases" import format (docs/import-formats.md):

* us_federal_ai_use_cases_2025.csv – US Federal Agency AI Use Case Inventory 2025 (OMB),
  github.com/ombegov/2025-Federal-Agency-AI-Use-Case-Inventory; work of the US federal
  government, public domain in the US.
* aiwatch_t6x_services.json – 143 AI services of European public administrations, EU JRC AI Watch
  (report JRC120399, doi:10.2760/039619), github.com/AI-Watch/AI-watch-T6-X; EUPL-1.2.

Only descriptive fields are taken. Contact e-mails and every other field not listed in the
mapping functions below are never read into the output.

Usage (Python 3.11, standard library only):

    python scripts/build_usecases.py [DATA_DIR] [--output FILE]

DATA_DIR defaults to ../shared/data relative to the repository root. The output is sorted by
external_id and written byte-for-byte identically on every run with the same input.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
DEMO_DATA_DIR = REPO_ROOT / "src" / "govlotse" / "demo" / "data"
DEFAULT_OUTPUT = DEMO_DATA_DIR / "usecases.jsonl"
TAGS_FILE = DEMO_DATA_DIR / "tags.jsonl"

US_FILE = "us_federal_ai_use_cases_2025.csv"
US_REPO_URL = "https://github.com/ombegov/2025-Federal-Agency-AI-Use-Case-Inventory"
US_SOURCE = (
    "US Federal Agency AI Use Case Inventory 2025 (OMB), github.com/ombegov/2025-Federal-Agency-AI-Use-Case-Inventory"
)
US_LICENCE = "public-domain-us-gov"

JRC_FILE = "aiwatch_t6x_services.json"
JRC_REPO_URL = "https://github.com/AI-Watch/AI-watch-T6-X"
JRC_SOURCE = (
    "EU JRC AI Watch – AI in public services (JRC120399, doi:10.2760/039619), github.com/AI-Watch/AI-watch-T6-X"
)
JRC_LICENCE = "EUPL-1.2"

TITLE_MAX = 300

# Values that stand for "no information" in the sources; they are treated as empty.
PLACEHOLDERS = {"", "-", "--", "n/a", "na", "none", "not available", "not applicable", "tbd", "unknown"}

# Field order of every output record (the order of the "usecases" table in docs/import-formats.md).
FIELD_ORDER = (
    "external_id",
    "title",
    "description",
    "organisation_name",
    "country",
    "sector",
    "technology",
    "status",
    "language",
    "source_url",
    "tags",
    "source",
    "licence",
)

# ---------------------------------------------------------------------------------------------
# Tag rules: (slug, keywords). A keyword is a regular expression (\b = word boundary), matched
# case-insensitively against "title description"; a tag applies if any of its keywords matches.
# Non-sector tags (capabilities, technologies) are taken in table order, at most MAX_TOPIC_TAGS;
# so the specific ones come first and the broad ones (forecasting, machine-learning) last.
# Of the sector tags at most one is taken: the one with most keyword hits (ties: table order).
# Every slug must exist in tags.jsonl; the script stops otherwise.
# ---------------------------------------------------------------------------------------------
MAX_TOPIC_TAGS = 3
MAX_SECTOR_TAGS = 1

TAG_RULES: list[tuple[str, list[str]]] = [
    # capabilities and technologies, specific first
    (
        "chatbot",
        [
            r"\bchat ?bots?\b",
            r"\bvirtual (assistant|agent)s?\b",
            r"\bconversational\b",
            r"\bchat assistants?\b",
        ],
    ),
    ("ocr", [r"\bOCR\b", r"optical character", r"handwriting recognition", r"\btext recognition\b"]),
    ("translation", [r"\btranslat"]),
    (
        "speech",
        [r"\bspeech\b", r"\btranscri(be|bed|bes|bing|ption|ptions)\b", r"voice recognition", r"\baudio\b"],
    ),
    (
        "plain-language",
        [r"plain language", r"easy[- ]to[- ]read", r"\bsimplif\w* (language|text)", r"\breadability\b"],
    ),
    ("digital-twin", [r"digital twin"]),
    (
        "generative-ai",
        [r"\bgenerative\b", r"\bgen ?AI\b", r"\bLLMs?\b", r"large language model", r"\bGPT", r"\bcopilot\b"],
    ),
    (
        "document-ai",
        [
            r"\bdocument (processing|classification|understanding|extraction)",
            r"\bdocument (analysis|review|summari[sz]ation)",
            r"\bform processing\b",
            r"intelligent document",
            r"\bextract\w* (\w+ ){0,2}from (\w+ ){0,2}(documents|forms|pdfs|files|records)\b",
            r"\b(data|information) extraction\b",
            r"\binvoices?\b",
        ],
    ),
    (
        "anomaly-detection",
        [r"\bfraud", r"\banomal", r"improper payments?", r"outlier detection", r"money laundering"],
    ),
    (
        "cybersecurity",
        [r"\bcyber", r"\bmalware\b", r"\bphishing\b", r"intrusion detection", r"security vulnerabilit"],
    ),
    (
        "data-protection",
        [
            r"\banonymi[sz]",
            r"\bpseudonymi[sz]",
            r"\bredact",
            r"\bde-?identif",
            r"data protection",
            r"\bGDPR\b",
        ],
    ),
    (
        "accessibility",
        [
            r"section 508",
            r"screen readers?",
            r"visually impaired",
            r"hearing impaired",
            r"sign language",
            r"\bWCAG\b",
        ],
    ),
    (
        "citizen-participation",
        [
            r"citizen (participation|engagement|feedback)",
            r"public (comments?|consultation|participation)",
            r"e-participation",
            r"participatory",
            r"\bpetitions?\b",
        ],
    ),
    (
        "e-government-forms",
        [
            r"\bonline (applications?|forms?)\b",
            r"\be-?government\b",
            r"\bdigital (applications?|forms?)\b",
            r"\bform[- ]filling\b",
            r"\bapplication intake\b",
        ],
    ),
    (
        "procurement-tech",
        [
            r"\bprocurement\b",
            r"\bsolicitations?\b",
            r"\btenders?\b",
            r"\bcontract (review|writing|award|management)",
        ],
    ),
    (
        "infrastructure-inspection",
        [
            r"(bridge|road|pavement|pipe|pipeline|sewer|infrastructure|dam) (condition|inspections?|damage)",
            r"\bpotholes?\b",
            r"\bcrack detection\b",
            r"\binspection of (bridges|roads|pipes|infrastructure)",
        ],
    ),
    ("iot-sensors", [r"\bsensors?\b", r"\bIoT\b", r"internet of things"]),
    (
        "robotics-drones",
        [
            r"\brobots?\b",
            r"\brobotics\b",
            r"\brobotic(?! process)\b",
            r"\bdrones?\b",
            r"\bUAVs?\b",
            r"\bUAS\b",
            r"unmanned aerial",
        ],
    ),
    (
        "computer-vision",
        [
            r"computer vision",
            r"\bimages?\b",
            r"\bimagery\b",
            r"\bvision\b",
            r"\bcameras?\b",
            r"\bvideos?\b",
            r"object detection",
            r"\bphotos?\b",
            r"\bfacial recognition\b",
        ],
    ),
    ("gis", [r"\bGIS\b", r"geospatial", r"\bmaps?\b", r"\bgeographic", r"\bgeodata\b", r"\bgeolocation"]),
    (
        "search-knowledge",
        [
            r"\bsemantic search\b",
            r"\bsearch (engine|tool|capabilit)",
            r"knowledge (base|management|graph)",
            r"\b(organi[sz]ation[- ]wide|full[- ]text|document) search\b",
            r"information retrieval",
            r"retrieval[- ]augmented",
            r"\bRAG\b",
            r"question[- ]answering",
            r"enterprise search",
        ],
    ),
    (
        "process-automation",
        [
            r"robotic process automation",
            r"\bRPA\b",
            r"process automation",
            r"workflow automation",
            r"\bautomat\w* (the )?(manual|routine|repetitive)",
        ],
    ),
    (
        "scheduling-optimisation",
        [
            r"\bschedul",
            r"\boptimi[sz](e|es|ed|ation|ing)\b",
            r"route planning",
            r"\brouting\b",
            r"resource allocation",
        ],
    ),
    (
        "data-analytics",
        [r"\bdashboards?\b", r"data analytics", r"\bvisuali[sz]ation", r"business intelligence"],
    ),
    (
        "nlp",
        [
            r"natural language",
            r"\bNLP\b",
            r"text (mining|analytics|classification)",
            r"\bsentiment\b",
            r"named entit",
            r"\btopic model",
        ],
    ),
    ("forecasting", [r"\bforecast", r"\bpredict"]),
    ("open-source", [r"\bopen[- ]source\b"]),
    (
        "machine-learning",
        [
            r"machine learning",
            r"deep learning",
            r"neural network",
            r"random forest",
            r"\bclassifiers?\b",
            r"gradient boost",
            r"\bXGBoost\b",
        ],
    ),
    # sectors (one is chosen, see above)
    (
        "health",
        [
            r"\bhealth\b",
            r"\bhealthcare\b",
            r"\bmedical\b",
            r"\bpatients?\b",
            r"\bclinical\b",
            r"\bhospitals?\b",
            r"\bdiseases?\b",
            r"\bepidemi",
        ],
    ),
    (
        "education",
        [r"\beducation(al)?\b", r"\bschools?\b", r"\bstudents?\b", r"\bteachers?\b", r"\blearners?\b"],
    ),
    (
        "public-safety",
        [
            r"\bpolice\b",
            r"law enforcement",
            r"\bcrimes?\b",
            r"\bcriminal\b",
            r"emergency (response|services|calls?|management)",
            r"\bfire (department|brigade|service)s?\b",
            r"\bdisasters?\b",
            r"public safety",
            r"\bborder (security|crossings?)\b",
        ],
    ),
    (
        "justice",
        [
            r"\bcourts?\b",
            r"\bjudicial\b",
            r"\bjudges?\b",
            r"\blitigation\b",
            r"\bjustice\b",
            r"\bprisons?\b",
            r"\bparole\b",
            r"\binmates?\b",
            r"\brecidivism\b",
        ],
    ),
    (
        "finance-tax",
        [
            r"\btax(es|ation|payers?)?\b",
            r"\bfinancial\b",
            r"\bbudget(s|ing)?\b",
            r"\baccounting\b",
            r"\bcustoms\b",
            r"\bbank(s|ing)?\b",
        ],
    ),
    (
        "social-services",
        [
            r"social (services?|benefits?|security|welfare|assistance)",
            r"\bwelfare\b",
            r"\bunemployment\b",
            r"\bchild (care|welfare|support)\b",
            r"\bhomeless",
            r"\bbenefits? (claims?|applications?|eligibility)",
        ],
    ),
    (
        "mobility",
        [
            r"\btraffic\b",
            r"\btransport(ation)?\b",
            r"\bmobility\b",
            r"public transit",
            r"\bparking\b",
            r"\bvehicles?\b",
            r"\broads?\b",
            r"\baviation\b",
        ],
    ),
    (
        "environment-climate",
        [
            r"\bclimate\b",
            r"\benvironmental\b",
            r"air quality",
            r"\bemissions?\b",
            r"\bpollut",
            r"\bwildfires?\b",
            r"\bbiodiversity\b",
            r"\bwildlife\b",
            r"\becosystems?\b",
            r"\bspecies\b",
        ],
    ),
    (
        "energy",
        [
            r"\benergy\b",
            r"\belectricity\b",
            r"power grid",
            r"power plants?",
            r"\brenewables?\b",
            r"\bnuclear\b",
        ],
    ),
    (
        "water",
        [
            r"\bwater\b",
            r"\bwastewater\b",
            r"\bsewers?\b",
            r"\bfloods?\b",
            r"\bflooding\b",
            r"\bstreamflow\b",
            r"\bhydrolog",
            r"\bgroundwater\b",
        ],
    ),
    (
        "waste-cleaning",
        [
            r"waste (management|collection|sorting|disposal|bins?)",
            r"\bgarbage\b",
            r"\blitter\b",
            r"\brecycl",
            r"street cleaning",
            r"\bsanitation\b",
            r"\btrash\b",
            r"solid waste",
        ],
    ),
    (
        "construction-planning",
        [
            r"building permits?",
            r"urban planning",
            r"\bconstruction\b",
            r"\bzoning\b",
            r"land use",
            r"\bhousing\b",
        ],
    ),
    (
        "port-logistics",
        [
            r"\bharbou?rs?\b",
            r"\bseaports?\b",
            r"\bmaritime\b",
            r"\bshipping\b",
            r"\blogistics\b",
            r"supply chains?",
            r"\bcargo\b",
            r"\bfreight\b",
        ],
    ),
    (
        "culture-tourism",
        [r"\bmuseums?\b", r"\btouris", r"cultural heritage", r"public librar(y|ies)\b", r"\bheritage\b"],
    ),
    (
        "citizen-services",
        [
            r"\bcitizens?\b",
            r"\bresidents\b",
            r"customer (service|experience)",
            r"call cent(er|re)s?",
            r"contact cent(er|re)s?",
            r"\binquiries\b",
            r"\benquiries\b",
        ],
    ),
    (
        "internal-administration",
        [
            r"human resources",
            r"\bHR\b",
            r"\brecruit",
            r"\bhiring\b",
            r"job applicants?",
            r"\bpayroll\b",
            r"\bpersonnel\b",
            r"\bonboarding\b",
            r"\bworkforce\b",
        ],
    ),
]


# --------------------------------------------------------------------------------------------- text


# A UTF-8 text that was decoded as Windows-1252 ("donâ€™t", "Â "): a lead byte 0xC2–0xF4 followed
# by continuation bytes 0x80–0xBF, each shown as its Windows-1252 character.
def _cp1252_chars(first: int, last: int) -> str:
    chars = []
    for byte in range(first, last + 1):
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            continue
    return "".join(chars)


_MOJIBAKE = re.compile(
    "[" + re.escape(_cp1252_chars(0xC2, 0xF4)) + "][" + re.escape(_cp1252_chars(0x80, 0xBF)) + "]{1,3}"
)


def _fix_mojibake_match(match: re.Match[str]) -> str:
    text = match.group(0)
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return text  # not mojibake after all (e.g. a real "Â°")


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def clean_text(value: Any) -> str:
    """Plain, single-line text: BOM, zero-width characters, Excel artefacts, lost bullets, mojibake
    and e-mail addresses removed, HTML entities decoded, whitespace collapsed."""
    if value is None:
        return ""
    text = str(value)
    text = text.replace("_x000D_", " ")  # carriage return as exported by Excel
    text = text.replace("\ufeff", "").replace("\u200b", "").replace("\u200c", "").replace("\u200d", "")
    text = _MOJIBAKE.sub(_fix_mojibake_match, text)
    text = re.sub(r"&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);", lambda m: html.unescape(m.group(0)), text)
    # a lone "?" at a line break is a bullet lost in an earlier export ("\n?\tItem", "done. ?\n")
    text = re.sub(r"(?m)^[ \t]*\?[ \t]+(?=\S)", "• ", text)
    text = re.sub(r"(?m)(?<=\s)\?[ \t]*$", "", text)
    # e-mail addresses are never copied, not even program inboxes quoted in a description
    text = EMAIL.sub("[e-mail address removed]", text)
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\s+", " ", text)  # also \xa0, \u202f, tabs and line breaks
    return text.strip()


def clean_value(value: Any) -> str:
    """clean_text, with placeholders such as "Not available" or "Unknown" mapped to ""."""
    text = clean_text(value)
    return "" if text.lower().rstrip(".") in PLACEHOLDERS else text


def as_sentence(text: str) -> str:
    return text if text[-1] in ".!?…:;)\"'”" else text + "."


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def slugify_id(value: str) -> str:
    """Source ids such as "NARA - 0001", "FDIC – 11" or "DO/TCSC/EDM-1" as "NARA-0001" etc."""
    value = re.sub(r"[^A-Za-z0-9._-]+", "-", value.replace("–", "-"))
    return re.sub(r"-{2,}", "-", value).strip("-")


def short_hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]


# --------------------------------------------------------------------------------------------- tags


def load_tag_kinds(path: Path) -> dict[str, str]:
    kinds = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                tag = json.loads(line)
                kinds[tag["slug"]] = tag["kind"]
    return kinds


class Tagger:
    def __init__(self, tag_kinds: dict[str, str]) -> None:
        unknown = [slug for slug, _ in TAG_RULES if slug not in tag_kinds]
        if unknown:
            raise SystemExit(f"TAG_RULES use slugs that are not in tags.jsonl: {unknown}")
        self.rules = [
            (slug, tag_kinds[slug], re.compile("|".join(keywords), re.IGNORECASE)) for slug, keywords in TAG_RULES
        ]

    def tags(self, text: str) -> list[str]:
        topics: list[str] = []
        sector_hits: list[tuple[int, int, str]] = []  # (-hits, table position, slug)
        for position, (slug, kind, pattern) in enumerate(self.rules):
            if kind == "sector":
                hits = len(pattern.findall(text))
                if hits:
                    sector_hits.append((-hits, position, slug))
            elif len(topics) < MAX_TOPIC_TAGS and pattern.search(text):
                topics.append(slug)
        sectors = [slug for _, _, slug in sorted(sector_hits)[:MAX_SECTOR_TAGS]]
        return topics + sectors


# --------------------------------------------------------------------------------------------- sources


def make_record(**fields: Any) -> dict[str, Any]:
    """A record in FIELD_ORDER, without empty optional fields."""
    record = {name: fields[name] for name in FIELD_ORDER if fields.get(name) not in (None, "")}
    return record


def is_truthy(value: str) -> bool:
    value = value.strip().lower()
    return value in {"true", "1", "y", "yes", "ja"} or value.startswith("yes")


def us_organisation_name(agency_name: str, bureau: str) -> str:
    """Agency and bureau, e.g. "Department of Veterans Affairs – Veterans Health Administration".
    Bureaus that are only acronyms ("CBP", "HHS/CDC", "Department of Justice / FBI") are left out."""
    if bureau.lower().startswith(agency_name.lower()):
        bureau = bureau[len(agency_name) :].lstrip(" /–-")
    match = re.fullmatch(r"[A-Za-z0-9&./]+: (.+)", bureau)  # "VHA: Veterans Health Administration"
    if match:
        bureau = match.group(1)
    match = re.fullmatch(r"[^a-z]+? - (.+)", bureau)  # "ANL - Argonne National Laboratory (SC43 OIM)"
    if match:
        bureau = match.group(1)
    if not re.search(r"[a-z]", bureau) or bureau.lower() == agency_name.lower():
        return agency_name
    return f"{agency_name} – {bureau}"


def us_description(title: str, row: dict[str, str]) -> str:
    parts = []
    seen = {title.lower()}
    for label, column in (
        ("", "problem_solved"),
        ("Benefits: ", "benefits"),
        ("Outputs: ", "system_outputs"),
    ):
        text = clean_value(row.get(column))
        if re.fullmatch(r'"[^"]+"', text):  # a whole field in quotes
            text = text[1:-1].strip()
        if not text or text.lower() in seen:  # empty, or a repetition of the title / an earlier part
            continue
        seen.add(text.lower())
        parts.append(label + as_sentence(text))
    return " ".join(parts)


def read_us(path: Path, tagger: Tagger, stats: Counter[str]) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    stats["us: rows read"] = len(rows)

    candidates = []  # (base id, taken from the id column as it is?, record)
    seen_rows: set[tuple[tuple[str, str], ...]] = set()
    for row in rows:
        row_key = tuple(sorted(row.items()))
        if row_key in seen_rows:
            stats["us: skipped, exact duplicate row"] += 1
            continue
        seen_rows.add(row_key)
        if is_truthy(row.get("is_withheld", "")):
            stats["us: skipped, withheld (is_withheld = Yes …)"] += 1
            continue
        title = clean_value(row.get("use_case_name"))
        if not title:
            stats["us: skipped, no title"] += 1
            continue
        description = us_description(title, row)
        if not description:
            stats["us: skipped, no description (problem_solved, benefits, system_outputs empty)"] += 1
            continue

        agency = slugify_id(clean_text(row.get("agency"))).upper()
        agency_name = clean_text(row.get("agency_name"))
        bureau = clean_value(row.get("agency_bureau"))
        source_id = slugify_id(clean_value(row.get("id")))
        if not source_id:
            # no id in the source: a stable id from agency, bureau and title
            base_id, verbatim = f"us-2025-{agency}-noid-{short_hash(agency, bureau, title)}", False
            stats["us: id missing, derived from agency+bureau+title"] += 1
        elif not source_id.upper().startswith(agency):
            # bare numbers such as "35" repeat across agencies
            base_id, verbatim = f"us-2025-{agency}-{source_id}", False
            stats["us: id without agency prefix, prefixed"] += 1
        else:
            base_id, verbatim = f"us-2025-{source_id}", True

        text = f"{title} {description}"
        record = make_record(
            title=truncate(title, TITLE_MAX),
            description=description,
            organisation_name=us_organisation_name(agency_name, bureau) if agency_name else "",
            country="US",
            sector=clean_value(row.get("topic_area")),
            technology=clean_value(row.get("classification")),
            status=clean_value(row.get("development_stage")),
            language="en",
            source_url=US_REPO_URL,
            tags=tagger.tags(text),
            source=US_SOURCE,
            licence=US_LICENCE,
        )
        candidates.append((base_id, verbatim, record))
    return assign_unique_ids(candidates, "us", stats)


def assign_unique_ids(
    candidates: Iterable[tuple[str, bool, dict[str, Any]]], label: str, stats: Counter[str]
) -> list[dict[str, Any]]:
    """Make external_id unique. Records that share an id are ordered: ids taken verbatim from the
    source first, then by content (so the result does not depend on the row order of the file).
    The first keeps the id, the others get "-dup2", "-dup3", …"""
    groups: dict[str, list[tuple[bool, dict[str, Any]]]] = defaultdict(list)
    for base_id, verbatim, record in candidates:
        groups[base_id.lower()].append((verbatim, {"external_id": base_id, **record}))
    records = []
    for group in groups.values():
        group.sort(key=lambda item: (not item[0], json.dumps(item[1], ensure_ascii=False, sort_keys=True)))
        for number, (_, record) in enumerate(group, start=1):
            if number > 1:
                record["external_id"] = f"{record['external_id']}-dup{number}"
                stats[f"{label}: id repeated, later records suffixed -dup2, -dup3 …"] += 1
            records.append(record)
    return records


def jrc_country(service: dict[str, Any]) -> str:
    codes = [clean_text(code).upper() for code in service.get("geocoverage_codes") or [] if clean_text(code)]
    if len(codes) == 1 and re.fullmatch(r"[A-Z]{2}", codes[0]):
        return {"UK": "GB", "EL": "GR"}.get(codes[0], codes[0])  # EU usage -> ISO 3166-1
    return "EU" if codes else ""  # several countries or an EU-wide service


def read_jrc(path: Path, tagger: Tagger, stats: Counter[str]) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig") as handle:
        services = json.load(handle)
    stats["jrc: services read"] = len(services)

    candidates = []
    for service in services:
        title = clean_value(service.get("name"))
        description = clean_value(service.get("description"))
        if not title:
            stats["jrc: skipped, no title"] += 1
            continue
        if not description:
            stats["jrc: skipped, no description"] += 1
            continue
        urls = re.findall(r"https?://\S+", clean_text(service.get("url")))
        if not urls:
            stats["jrc: no record url, repository url used"] += 1
        elif len(urls) > 1:
            stats["jrc: several urls in the record, first used"] += 1
        url = urls[0] if urls else JRC_REPO_URL
        record = make_record(
            title=truncate(title, TITLE_MAX),
            description=description,
            organisation_name=clean_value(service.get("lead_organisation_name")),
            country=jrc_country(service),
            sector=clean_value(service.get("primary_sector")),
            technology=clean_value(service.get("technology")),
            status=clean_value(service.get("status")),
            language="en",
            source_url=url,
            tags=tagger.tags(f"{title} {description}"),
            source=JRC_SOURCE,
            licence=JRC_LICENCE,
        )
        candidates.append((f"jrc-aiwatch-{slugify_id(str(service['id']))}", True, record))
    return assign_unique_ids(candidates, "jrc", stats)


# --------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR, help="folder with the source files")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSONL file to write")
    args = parser.parse_args(argv)

    tagger = Tagger(load_tag_kinds(TAGS_FILE))
    stats: Counter[str] = Counter()
    records = read_us(args.data_dir / US_FILE, tagger, stats) + read_jrc(args.data_dir / JRC_FILE, tagger, stats)
    records.sort(key=lambda r: r["external_id"])

    ids = [r["external_id"] for r in records]
    if len(set(ids)) != len(ids):
        raise SystemExit("external_id is not unique – this is a bug in the script")

    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    for source in ("us", "jrc"):
        stats[f"{source}: written"] = sum(1 for r in records if r["external_id"].startswith(f"{source}-"))
    tag_counts = Counter(tag for r in records for tag in r.get("tags", []))
    print(f"wrote {len(records)} use cases to {args.output}")
    for key in sorted(stats):
        print(f"  {key}: {stats[key]}")
    untagged = sum(1 for r in records if not r.get("tags"))
    print(f"  tags: {len(records) - untagged} records tagged, {untagged} without tags")
    print("  tag counts: " + ", ".join(f"{slug} {count}" for slug, count in sorted(tag_counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
