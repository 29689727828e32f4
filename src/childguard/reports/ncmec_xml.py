"""CyberTipline XML: the report and per-file documents built from case facts, and the answers.

Every document is built element by element in the schema's order and validated against
``schema/cybertipline.xsd`` before it leaves (``SchemaInvalid`` names the first problem). The
answers (``reportResponse``, ``reportDoneResponse``) are parsed into ``NcmecAnswer``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from lxml import etree

from childguard.errors import InvalidInput
from childguard.reports.facts import CaseReportFacts, ConversationFact, MediaFact, e164

CSAM_INCIDENT = "Child Pornography (possession, manufacture, and distribution)"
ENTICEMENT_INCIDENT = "Online Enticement of Children for Sexual Acts"
#: Case labels and policies that make an online-enticement report.
ENTICEMENT_LABELS = frozenset({"GROOMING", "SEXTORTION"})
#: Labels that NCMEC does not take (handled by the platform itself).
NOT_FOR_NCMEC = frozenset({"BULLYING"})
#: Longest chat transcript put in a report (characters); longer ones are cut, saying so.
MAX_TRANSCRIPT_CHARS = 200_000


class SchemaInvalid(InvalidInput):
    """A document does not validate against the CyberTipline schema."""

    code = "ncmec_schema_invalid"
    http_status = 422


@dataclass(frozen=True)
class Reporter:
    """The reporting person (required by law: an e-mail address) and the service's name."""

    email: str
    first_name: str = ""
    last_name: str = ""
    service: str = ""


@cache
def schema() -> etree.XMLSchema:
    """The project's CyberTipline schema, parsed once."""
    text = files("childguard.reports").joinpath("schema/cybertipline.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(text))


def validate(document: bytes) -> etree._Element:
    """Parse ``document`` and check it against the schema; ``SchemaInvalid`` otherwise."""
    try:
        root = etree.fromstring(document, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise SchemaInvalid(f"malformed XML: {exc.msg}") from None
    xsd = schema()
    if not xsd.validate(root):
        first = xsd.error_log[0]
        raise SchemaInvalid(f"line {first.line}: {first.message}")
    return root


def _sub(parent: etree._Element, tag: str, text: object | None = None) -> etree._Element:
    node = etree.SubElement(parent, tag)
    if text is not None:
        node.text = _clean(str(text))
    return node


def _clean(text: str) -> str:
    # XML 1.0 forbids most control characters; a chat may contain them.
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)


def _iso(at: datetime) -> str:
    return (
        (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="seconds")
    )


def incident_type(facts: CaseReportFacts) -> str:
    """The CyberTipline incident type of a decided case (``InvalidInput`` when not NCMEC's)."""
    marks = {facts.policy, *facts.labels}
    if facts.media and (facts.policy in ("A1", "A2", "B1", "B2") or "CSAM" in marks):
        return CSAM_INCIDENT
    if marks & ENTICEMENT_LABELS or (facts.conversations and not facts.media):
        return ENTICEMENT_INCIDENT
    if facts.media or "CSAM_TRADE" in marks:
        return CSAM_INCIDENT
    if marks & NOT_FOR_NCMEC:
        raise InvalidInput(f"a {facts.policy} decision is not something NCMEC takes reports of")
    return CSAM_INCIDENT


def _entities(facts: CaseReportFacts, kind: str) -> list[str]:
    seen: dict[str, None] = {}
    for conv in facts.conversations:
        for entity in conv.entities:
            if entity.get("type") == kind and entity.get("value"):
                seen[str(entity["value"])] = None
    return list(seen)


def _reported_user(facts: CaseReportFacts) -> str | None:
    if facts.user_id:
        return facts.user_id
    for conv in facts.conversations:
        if conv.user_id:
            return conv.user_id
    return None


def transcript(conv: ConversationFact) -> str:
    """A conversation as plain lines ``[time] sender: text`` (cut at ``MAX_TRANSCRIPT_CHARS``)."""
    lines = []
    for m in conv.messages:
        stamp = f"[{m['ts']}] " if m.get("ts") else ""
        lines.append(f"{stamp}{m.get('sender') or '?'}: {m.get('text') or ''}")
    text = "\n".join(lines)
    if len(text) > MAX_TRANSCRIPT_CHARS:
        text = text[:MAX_TRANSCRIPT_CHARS] + "\n[transcript cut: longer than the report allows]"
    return text


def _victims(facts: CaseReportFacts, reported: str | None) -> list[tuple[str, int | None]]:
    minors = [
        int(e["value"])
        for conv in facts.conversations
        for e in conv.entities
        if e.get("type") == "age" and e.get("minor") and str(e.get("value", "")).isdigit()
    ]
    senders: dict[str, None] = {}
    for conv in facts.conversations:
        for m in conv.messages:
            sender = str(m.get("sender") or "")
            if sender and sender != reported:
                senders[sender] = None
    age = min(minors) if minors else None
    return [(name, age) for name in senders]


def report_xml(facts: CaseReportFacts, reporter: Reporter) -> bytes:
    """The ``<report>`` document for ``facts``, validated."""
    root = etree.Element("report")
    summary = _sub(root, "incidentSummary")
    _sub(summary, "incidentType", incident_type(facts))
    _sub(summary, "incidentDateTime", _iso(facts.incident_at))
    _sub(
        summary,
        "incidentDateTimeDescription",
        "time the platform first submitted the content or conversation to childguard",
    )
    for conv in facts.conversations:
        details = _sub(root, "internetDetails")
        chat = _sub(details, "chatImIncident")
        if reporter.service:
            _sub(chat, "chatClient", reporter.service)
        if conv.conversation_id:
            _sub(chat, "chatRoomName", conv.conversation_id)
        _sub(chat, "content", transcript(conv))
        risk = ", ".join(f"{k} {float(v):.2f}" for k, v in sorted(conv.risk.items())[:10])
        if risk:
            _sub(chat, "additionalInfo", f"childguard risk scores: {risk}")
    rep = _sub(root, "reporter")
    person = _sub(rep, "reportingPerson")
    if reporter.first_name:
        _sub(person, "firstName", reporter.first_name)
    if reporter.last_name:
        _sub(person, "lastName", reporter.last_name)
    _sub(person, "email", reporter.email)
    reported = _reported_user(facts)
    phones = list(dict.fromkeys(e164(p) for p in _entities(facts, "phone")))
    emails = _entities(facts, "email")
    handles, urls = _entities(facts, "handle"), _entities(facts, "url")
    if reported or phones or emails or handles:
        user = _sub(root, "personOrUserReported")
        if phones or emails:
            who = _sub(user, "personOrUserReportedPerson")
            for phone in phones:
                _sub(who, "phone", phone)
            for email in emails:
                _sub(who, "email", email)
        if reported:
            _sub(user, "espIdentifier", reported)
        if reporter.service:
            _sub(user, "espService", reporter.service)
        if handles:
            _sub(user, "screenName", handles[0])
            for handle in handles[1:]:
                _sub(user, "displayName", handle)
        for url in urls:
            _sub(user, "profileUrl", url)
        for event in _ip_events(facts):
            capture = _sub(user, "ipCaptureEvent")
            _sub(capture, "ipAddress", event["ip"])
            if event.get("event"):
                _sub(capture, "eventName", event["event"])
            if event.get("at"):
                _sub(capture, "dateTime", event["at"])
    if facts.conversations:
        for name, age in _victims(facts, reported) or [("", None)]:
            victim = _sub(root, "victim")
            if age is not None:
                _sub(_sub(victim, "victimPerson"), "age", age)
            if name:
                _sub(victim, "screenName", name)
            _sub(
                victim,
                "additionalInfo",
                "participant of the reported conversation; identity known to the platform",
            )
    _sub(
        root,
        "additionalInfo",
        f"childguard case {facts.case_id}, decision {facts.decision_id} ({facts.policy}); "
        f"found by {facts.source}; labels {', '.join(facts.labels) or 'none'}",
    )
    document = bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    validate(document)
    return document


def _ip_events(facts: CaseReportFacts) -> list[dict[str, str]]:
    out = []
    for conv in facts.conversations:
        for e in conv.entities:
            if e.get("type") == "ip" and e.get("value"):
                out.append({"ip": str(e["value"]), "event": str(e.get("event") or "")})
    return out


def file_details_xml(
    report_id: str,
    file_id: str,
    media: MediaFact,
    exif: Mapping[str, str] | None = None,
) -> bytes:
    """The ``<fileDetails>`` document of one uploaded file, validated."""
    root = etree.Element("fileDetails")
    _sub(root, "reportId", report_id)
    _sub(root, "fileId", file_id)
    if media.filename:
        _sub(root, "originalFileName", media.filename)
    _sub(root, "fileViewedByEsp", "true" if media.viewed else "false")
    _sub(root, "exifViewedByEsp", "true" if media.exif_viewed else "false")
    _sub(root, "publiclyAvailable", "false")
    _sub(root, "fileRelevance", "Reported")
    if media.classification:
        _sub(root, "industryClassification", media.classification)
    for hash_type, value in (("MD5", media.md5), ("SHA256", media.sha256)):
        if value:
            _sub(root, "originalFileHash", value).set("hashType", hash_type)
    if exif:
        details = _sub(root, "details")
        details.set("type", "EXIF")
        for name, value in exif.items():
            pair = _sub(details, "nameValuePair")
            _sub(pair, "name", name)
            _sub(pair, "value", value)
    matched = _match_summary(media.matches)
    if matched:
        _sub(root, "additionalInfo", matched)
    document = bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    validate(document)
    return document


def _match_summary(matches: Sequence[Mapping[str, Any]]) -> str:
    parts = [
        f"{m.get('signal_type', '?')} match in hash list {m.get('bank', '?')} "
        f"(distance {m.get('distance', 0)})"
        for m in matches[:5]
    ]
    return "; ".join(parts)


@dataclass(frozen=True)
class NcmecAnswer:
    """A parsed CyberTipline answer: ``response_code`` 0 is success."""

    response_code: int
    description: str
    report_id: str = ""
    file_id: str = ""
    file_hash: str = ""
    request_id: str = ""


def parse_answer(body: bytes, request_id: str = "") -> NcmecAnswer:
    """Parse a ``reportResponse``/``reportDoneResponse``; ``InvalidInput`` when it is neither."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        raise InvalidInput("the CyberTipline answered with something that is not XML") from None

    def text(tag: str) -> str:
        node = root.find(f".//{tag}")
        return (node.text or "").strip() if node is not None else ""

    code = text("responseCode")
    if not code.lstrip("-").isdigit():
        raise InvalidInput("the CyberTipline answer has no responseCode")
    return NcmecAnswer(
        response_code=int(code),
        description=text("responseDescription"),
        report_id=text("reportId"),
        file_id=text("fileId"),
        file_hash=text("hash"),
        request_id=request_id,
    )


def answer_xml(tag: str, code: int, description: str, **fields: str | Iterable[str]) -> bytes:
    """An answer document as the CyberTipline writes it (used by the local fake)."""
    root = etree.Element(tag)
    _sub(root, "responseCode", code)
    _sub(root, "responseDescription", description)
    for name, value in fields.items():
        if isinstance(value, str):
            _sub(root, name, value)
        else:
            group = _sub(root, name)
            for item in value:
                _sub(group, "fileId", item)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
