"""``RiskEngine``: recognizers and the statistical model combined, message by message and over the
conversation; ``analyze_conversation`` is the service function the API and the CLI call.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from childguard.config import Settings
from childguard.textrisk.artifacts import TextArtifacts, build_artifacts
from childguard.textrisk.conversation import Conversation, parse_conversation
from childguard.textrisk.entities import extract_entities
from childguard.textrisk.interventions import Interventions, at_risk_language
from childguard.textrisk.model import MessageScores, TextModel, shipped_model_path
from childguard.textrisk.recognizers import (
    LABELS,
    STAGES,
    Explanation,
    Finding,
    RiskRecognizer,
    load_recognizers,
    unique_by_name,
)
from childguard.textrisk.recognizers.answers import with_answers
from childguard.textrisk.scoring import (
    ChatReading,
    MessageEvidence,
    combined_probabilities,
    language_key,
    message_evidence,
    prefix_features,
    threshold_for,
    threshold_key,
    withdraw_grooming,
)

#: Order in which flagged labels are reported and explained to the user (most severe first).
SEVERITY = ("CSAM_TRADE", "SEXTORTION", "GROOMING", "BULLYING")


@dataclass(frozen=True)
class MessageAnalysis:
    """One message analysed in isolation: its artifacts, recognizer findings and model scores."""

    artifacts: TextArtifacts
    findings: list[Finding]
    scores: MessageScores

    def evidence(self, labels: tuple[str, ...], risky: float) -> MessageEvidence:
        """The message's input to the conversation scorer."""
        model = [self.scores.probabilities.get(label, 0.0) for label in labels]
        stage = {label: s for label, (s, _) in self.scores.stage.items()}
        return message_evidence(self.findings, model, stage, labels, risky)


class RiskEngine:
    """Runs the recognizers and the model on each message and scores whole conversations.

    Build one per process with :meth:`load` and share it: it holds no per-request state.
    """

    def __init__(
        self,
        settings: Settings,
        model: TextModel,
        recognizers: list[RiskRecognizer] | None = None,
        interventions: Interventions | None = None,
    ) -> None:
        self.settings = settings
        self.model = model
        self.recognizers = unique_by_name(
            recognizers if recognizers is not None else load_recognizers()
        )
        self.interventions = interventions or Interventions.load(
            settings.textrisk_interventions_dir
        )
        self.labels: tuple[str, ...] = model.labels
        #: Per label, the threshold per conversation language (see ``scoring.language_key``):
        #: the model's calibrated ones, unless a setting fixes one for every language.
        self.thresholds: dict[str, dict[str, float]] = {
            label: dict(model.thresholds.get(label, {"*": 0.5})) for label in LABELS
        }
        overrides = {
            "GROOMING": settings.textrisk_threshold_grooming,
            "SEXTORTION": settings.textrisk_threshold_sextortion,
            "BULLYING": settings.textrisk_threshold_bullying,
            "CSAM_TRADE": settings.textrisk_threshold_csam_trade,
        }
        for label, value in overrides.items():
            if value is not None:
                self.thresholds[label] = {"*": value}
        self.load_seconds = 0.0

    @classmethod
    def load(cls, settings: Settings, model_path: Path | None = None) -> RiskEngine:
        """An engine with the model at ``model_path``, else the settings' path, else the shipped
        model."""
        start = time.perf_counter()
        path = model_path or settings.textrisk_model_path or shipped_model_path()
        engine = cls(settings, TextModel.load(path))
        engine.load_seconds = time.perf_counter() - start
        return engine

    # ---- one message -----------------------------------------------------------------------

    def analyze_message(self, text: str) -> MessageAnalysis:
        """Normalise one message once, run every recognizer of its languages and the model."""
        artifacts = build_artifacts(text, self.settings.textrisk_analysed_chars)
        findings: list[Finding] = []
        if not artifacts.is_empty:
            for recognizer in self.recognizers:
                if recognizer.applies_to(artifacts):
                    findings.extend(recognizer.analyze(artifacts))
        scores = self.model.score(artifacts, explain_from=self.settings.textrisk_finding_threshold)
        if scores.top_words and self.settings.textrisk_khmer_words and "km" in artifacts.languages:
            from childguard.textrisk.khmer_words import khmer_words

            top = {lab: khmer_words(artifacts.surface, w) for lab, w in scores.top_words.items()}
            scores = MessageScores(scores.probabilities, scores.stage, top)
        return MessageAnalysis(artifacts, findings, scores)

    # ---- whole conversation ----------------------------------------------------------------

    def analyze(self, conversation: Conversation) -> dict[str, Any]:
        """The issue-5 result for one validated conversation (see ``analyze_conversation``)."""
        analyses = [self.analyze_message(m.text) for m in conversation.messages]
        senders = [m.sender for m in conversation.messages]
        arts = [a.artifacts for a in analyses]
        per_message = with_answers(arts, senders, [a.findings for a in analyses])
        analyses = [
            MessageAnalysis(a.artifacts, found, a.scores)
            for a, found in zip(analyses, per_message, strict=True)
        ]
        labels = self.labels
        risky = self.settings.textrisk_finding_threshold
        evidence = [a.evidence(labels, risky) for a in analyses]
        minors = {s for s, p in conversation.participants.items() if p.minor}
        adults = {s for s, p in conversation.participants.items() if p.adult}
        risk: dict[str, float] = dict.fromkeys(LABELS, 0.0)
        first_cross: dict[str, int] = {}
        lang_key = language_key(a.artifacts.language for a in analyses)
        one_or_many = threshold_key(lang_key, len(analyses))
        prefix = None
        if analyses:
            features = prefix_features(
                evidence,
                [len(STAGES.get(label, ())) for label in labels],
                self.settings.textrisk_stage_window,
                minor_known=bool(minors),
                adult_known=bool(adults),
                senders=senders,
            )
            prefix = combined_probabilities(
                features,
                self.model.conversation_weights,
                self.model.conversation_bias,
                self.model.evidence_weights,
                self.model.evidence_bias,
            )
            reading = ChatReading.of(evidence, senders, minor_known=bool(minors))
            prefix = withdraw_grooming(features, prefix, tuple(labels), reading)
            for k, label in enumerate(labels):
                column = prefix[:, k]
                risk[label] = float(column.max())
                threshold = threshold_for(self.thresholds, label, one_or_many)
                crossed = (column >= threshold).nonzero()[0]
                if crossed.size:
                    first_cross[label] = int(crossed[0])
        flagged = [label for label in SEVERITY if label in first_cross]
        first_flagged = min((first_cross[label] for label in flagged), default=None)
        findings = self._findings(analyses, prefix)
        risky_senders: Counter[str] = Counter(
            senders[f.message] for f in findings if f.label in flagged
        )
        entities: list[dict[str, Any]] = []
        for i, (analysis, message) in enumerate(zip(analyses, conversation.messages, strict=True)):
            original = message.text[: self.settings.textrisk_analysed_chars]
            for entity in extract_entities(analysis.artifacts, original):
                entities.append({**entity, "message": i})
        message_languages = [a.artifacts.language for a in analyses]
        intervention = None
        if flagged:
            lang = at_risk_language(message_languages, senders, risky_senders, minors)
            intervention = self.interventions.for_conversation(flagged, lang)
        truncated = [i for i, a in enumerate(analyses) if a.artifacts.truncated]
        return {
            "id": conversation.id,
            "languages": _languages(analyses),
            "risk": {label: round(risk[label], 4) for label in LABELS},
            "flagged": flagged,
            "first_flagged_message": first_flagged,
            "findings": [f.to_dict() for f in findings],
            "entities": entities,
            "intervention": intervention,
            "messages": len(analyses),
            "message_languages": message_languages,
            "truncated_messages": truncated,
        }

    def _findings(self, analyses: list[MessageAnalysis], prefix: Any) -> list[Finding]:
        out: list[Finding] = []
        threshold = self.settings.textrisk_finding_threshold
        index = {label: k for k, label in enumerate(self.labels)}
        for i, analysis in enumerate(analyses):

            def after(label: str, i: int = i) -> float | None:
                if prefix is None or label not in index:
                    return None
                return float(prefix[i, index[label]])

            for f in analysis.findings:
                out.append(
                    Finding(
                        label=f.label,
                        stage=f.stage,
                        score=f.score,
                        explanation=Explanation(
                            source=f.explanation.source,
                            name=f.explanation.name,
                            pattern=f.explanation.pattern,
                            words=f.explanation.words,
                            score_before_context=f.explanation.score_before_context,
                            score_after_context=after(f.label),
                        ),
                        message=i,
                    )
                )
            for label, p in analysis.scores.probabilities.items():
                if p < threshold:
                    continue
                stage = analysis.scores.stage.get(label, (None, 0.0))[0]
                out.append(
                    Finding(
                        label=label,
                        stage=stage,
                        score=p,
                        explanation=Explanation(
                            source="model",
                            name=self.model.name,
                            pattern=None,
                            words=analysis.scores.top_words.get(label, ()),
                            score_before_context=p,
                            score_after_context=after(label),
                        ),
                        message=i,
                    )
                )
        limit = self.settings.textrisk_max_findings
        if len(out) > limit:
            out = sorted(out, key=lambda f: -f.score)[:limit]
            out.sort(key=lambda f: f.message)
        return out


def _languages(analyses: list[MessageAnalysis]) -> list[str]:
    counts: Counter[str] = Counter()
    for a in analyses:
        counts.update(a.artifacts.languages)
    known = [lang for lang, _ in counts.most_common() if lang != "und"]
    return known or (["und"] if analyses else [])


def analyze_conversation(conv: dict[str, Any] | list[Any], engine: RiskEngine) -> dict[str, Any]:
    """Validate and analyse one conversation.

    ``conv`` is ``{"id", "messages": [{"sender", "text", "ts"?}], "participants"?}`` or a bare
    list of messages. Returns ``{"id", "languages", "risk", "flagged", "first_flagged_message",
    "findings", "entities", "intervention", "messages", "message_languages",
    "truncated_messages"}``; raises ``InvalidInput``/``TooLarge`` for input it cannot accept.
    """
    settings = engine.settings
    conversation = parse_conversation(
        conv, settings.textrisk_max_messages, settings.textrisk_max_message_chars
    )
    return engine.analyze(conversation)
