"""Conversation-level scoring: risk accumulates over messages, grooming as a sequence of stages.

For every prefix of a conversation (messages 0..i) and every label, twenty-six features summarise
the evidence so far; logistic regressions per label, trained on whole conversations, turn them
into a probability. Evaluating every prefix gives the earliest message at which the
conversation crossed its threshold.

Features (in order): the highest message probability so far; the mean of the three highest; the
highest recognizer score so far; the share of the label's stages seen within the stage window
(distinct stages, not repeated words: grooming is a sequence); a minor is involved (stated age or
participant data); an adult and a minor are both involved; log10(1 + number of risky messages);
a cue of a minor was seen (asked or told age, school, parents' rules: ``CONTEXT/minor_cue``); the
strongest evidence so far (model or recognizer) times "a minor or a minor cue is present", so that
the same risky words weigh more around a child; and the strongest evidence times "an adult is
stated and no minor cue is seen", so that sexual talk between adults can weigh less. Three more
come from the recognizers alone: the share of the label's stages the recognizers saw within the
window, and the highest recognizer score times "a minor or a minor cue" and times "adults only".
Four more tell an attack from banter among friends (``CONTEXT/banter``: laughs, "jk", emoji, game
talk) and from a child's distress: the strongest evidence times the share of messages so far with
a banter marker (an interaction: banter markers alone are common in any teenage chat, but the same
insult weighs less among laughs); whether two
or more senders sent the label's evidence (insults traded both ways are banter more often than
bullying); whether distress was seen (``CONTEXT/distress``: "please stop", "i'm scared"); and the
highest recognizer score when the recognizers' hits came from one sender and no banter marker was
seen, so that the evidence scorer can tell a one-sided attack from trash talk without the message
model. Then the strongest evidence for any *other* label (model or recognizer, and recognizers
alone): a threat to share photos for money is sextortion, which reads like bullying word by word.
Then the highest recognizer score times the share of banter messages (the evidence
scorer's view of banter). Then the strongest evidence (model or recognizer, and recognizers
alone) times "a parent and their child are talking" (``CONTEXT/kin``: "ok mom", "dạ mẹ", "ចាស
ម៉ាក់"): a parent's "where are you, send me a photo, don't tell dad" is no groomer's. The next two
are the same two times "the chat talks about abuse from the outside", in the news or as safety
advice (``CONTEXT/news``: "did u see the news", "police arrested", "ចាប់ខ្លួន"; ``CONTEXT/advice``:
"what should i do if someone asks for pics", "tell a trusted adult"): parents discussing an
arrest quote the seller's words, and advice names the moves it warns of. The last two are the
same two times "a pile-on": two or more senders sent the label's evidence and somebody in the
chat sent none of it, as when classmates gang up on one who does not answer back, unlike banter,
where everyone trades insults.

Two scorers read these features: the full one, and an *evidence* one that reads only the features
that do not depend on the message model (``EVIDENCE_FEATURES``: recognizers and participants). The
recognizers of each language find the same stages in a literal translation, so the evidence
scorer gives a translated chat the same score in every language; a prefix's probability is the
higher of the two, so a language whose message model is weaker (Khmer, with less training text)
still gets the score its recognizer evidence earns. The evidence scorer is silent (0) until a
recognizer has found evidence of its label; training fits it for every label with recognizer
evidence in both classes (a label without it has a bias of -30, so it never wins).

Thresholds: a model carries one per label and per conversation language (``language_key``),
calibrated on out-of-fold scores; see :mod:`childguard.textrisk.training`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from childguard.textrisk.recognizers import CONTEXT, Finding
from childguard.textrisk.recognizers.generic import is_others_age

N_FEATURES = 26
FEATURE_NAMES = (
    "max_message_probability",
    "top3_mean_probability",
    "max_recognizer_score",
    "stage_share_in_window",
    "minor_involved",
    "adult_and_minor",
    "log_risky_messages",
    "minor_cue",
    "evidence_with_minor",
    "evidence_adult_only",
    "recognizer_stage_share_in_window",
    "recognizer_evidence_with_minor",
    "recognizer_evidence_adult_only",
    "evidence_times_banter_share",
    "reciprocal",
    "distress",
    "recognizer_evidence_one_sided",
    "other_label_evidence",
    "recognizer_other_label_evidence",
    "recognizer_evidence_times_banter_share",
    "evidence_with_kin",
    "recognizer_evidence_with_kin",
    "evidence_in_news_talk",
    "recognizer_evidence_in_news_talk",
    "evidence_in_pile_on",
    "recognizer_evidence_in_pile_on",
)
#: Features that do not depend on the message model: the evidence scorer reads only these.
EVIDENCE_FEATURES = (2, 4, 5, 7, 10, 11, 12, 15, 16, 18, 19, 21, 23, 25)
#: Keys of the per-language thresholds a model carries ("*" is the label's fallback).
LANGUAGE_KEYS = ("en", "km", "vi", "mixed")
RISKY = 0.5


@dataclass
class MessageEvidence:
    """What the engine learnt about one message, as input to the conversation scorer."""

    model: list[float]
    recognizer: list[float]
    stages: list[set[str]] = field(default_factory=list)
    recognizer_stages: list[set[str]] = field(default_factory=list)
    minor: bool = False
    adult: bool = False
    minor_cue: bool = False
    banter: bool = False
    distress: bool = False
    #: Per label, the highest recognizer score of its supporting stages (``SUPPORTING_STAGES``),
    #: held back until the conversation shows a content cue of the label.
    support: list[float] = field(default_factory=list)
    support_stages: list[set[str]] = field(default_factory=list)
    #: Per label, whether this message is a content cue of the label (a recognizer found one of
    #: its other stages, or the message model scored it risky in one of them).
    content: list[bool] = field(default_factory=list)
    #: A sign that a minor is in the chat, stricter than ``minor_cue``: a stated minor age, a
    #: child's cue (school, parents' rules, homework) or asking after the parents, the phone's
    #: checks or being home alone; not a question of age, place or school, nor a bare "r u
    #: alone?", which adults ask each other too ("asl?", "where u from").
    minor_sign: bool = False
    #: A marker of a parent and their child talking (``CONTEXT/kin``).
    kin: bool = False
    #: A marker of talk about abuse in the news or of safety advice (``CONTEXT/news``,
    #: ``CONTEXT/advice``).
    news: bool = False
    #: The sender states an adult age or an adult's life of their own ("i'm 31", "my wife",
    #: "after my shift"): unlike ``adult`` not the other's age said back ("u r 29").
    speaker_adult: bool = False


#: Stages that are evidence of a label only next to a content cue of it. Selling with prices,
#: payment apps and a contact is ordinary commerce (phones, clothes, game items); it is abuse-
#: material trade only once the chat names the content ("kid pics", "cp", "link for the folder").
SUPPORTING_STAGES: dict[str, frozenset[str]] = {
    "CSAM_TRADE": frozenset({"offering", "payment_contact"}),
}


def message_evidence(
    findings: Iterable[Finding],
    probabilities: list[float],
    model_stage: dict[str, str],
    labels: tuple[str, ...],
    risky: float,
) -> MessageEvidence:
    """One message's input to the scorer from its recognizer findings, its model probabilities
    (in ``labels`` order) and the model's stage per label. Findings of a label's supporting
    stages go to ``support`` rather than ``recognizer``."""
    rec = [0.0] * len(labels)
    support = [0.0] * len(labels)
    stages: list[set[str]] = [set() for _ in labels]
    rec_stages: list[set[str]] = [set() for _ in labels]
    support_stages: list[set[str]] = [set() for _ in labels]
    minor = adult = cue = banter = distress = sign = kin = news = speaker_adult = False
    for f in findings:
        if f.label == CONTEXT:
            minor = minor or f.stage == "stated_minor_age"
            adult = adult or f.stage == "stated_adult_age"
            speaker_adult = speaker_adult or (
                f.stage == "stated_adult_age" and not is_others_age(f)
            )
            cue = cue or f.stage == "minor_cue"
            sign = sign or f.stage in ("stated_minor_age", "minor_cue")
            banter = banter or f.stage == "banter"
            distress = distress or f.stage == "distress"
            kin = kin or f.stage == "kin"
            news = news or f.stage in ("news", "advice")
            continue
        if f.label in labels:
            k = labels.index(f.label)
            if f.stage and f.stage in SUPPORTING_STAGES.get(f.label, ()):
                support[k] = max(support[k], f.score)
                support_stages[k].add(f.stage)
                continue
            rec[k] = max(rec[k], f.score)
            if f.stage:
                stages[k].add(f.stage)
                rec_stages[k].add(f.stage)
            cue = cue or f.stage in MINOR_CUE_STAGES
            sign = sign or (f.stage == "risk_assessment" and _asks_after_parents(f))
    content = [r > 0 for r in rec]
    for k, label in enumerate(labels):
        if probabilities[k] >= risky and label in model_stage:
            stages[k].add(model_stage[label])
            # The message model's own probability is not held back (cross-validation: holding
            # it too lost more trade chats than sales chats it spared).
            supporting = SUPPORTING_STAGES.get(label, frozenset())
            content[k] = content[k] or model_stage[label] not in supporting
    return MessageEvidence(
        list(probabilities),
        rec,
        stages,
        rec_stages,
        minor,
        adult,
        cue,
        banter,
        distress,
        support,
        support_stages,
        content,
        sign,
        kin,
        news,
        speaker_adult,
    )


#: Words of a question whether the other is alone ("r u alone", "is anyone with u", a locked
#: door): adults ask each other the same, so unlike "are your parents home", "who checks your
#: phone" or being home alone ("em ở nhà một mình", "នៅផ្ទះម្នាក់ឯង") it is no sign of a minor.
_ALONE_WORDS = re.compile(
    r"alone|anyone|anybody|someone|\b(?:door|room)\b|mot minh|1 minh|\bphong\b|\bcua\b|"
    r"ម្នាក់ឯង|\bmneak\b"
)
_HOME_WORDS = re.compile(r"\bhome\b|\bnha\b|ផ្ទះ|\bphteah\b")


def _asks_after_parents(finding: Finding) -> bool:
    """Whether a risk-assessment finding asks after the other's parents or phone checks, not
    only whether they are alone."""
    return not any(
        _ALONE_WORDS.search(w) and not _HOME_WORDS.search(w) for w in finding.explanation.words
    )


#: Grooming stages that are themselves cues of a minor (asking age or school, parents at home).
MINOR_CUE_STAGES = frozenset({"access_profiling", "risk_assessment"})


def language_key(languages: Iterable[str]) -> str:
    """The threshold key of a conversation from its messages' languages: ``mixed`` when two of
    en/km/vi each make at least a fifth of the messages with a language, else the commonest one
    (``en`` when none is known)."""
    counts = Counter(lang for lang in languages if lang in {"en", "km", "vi"})
    total = sum(counts.values())
    if not total:
        return "en"
    common = counts.most_common()
    if len(common) >= 2 and common[1][1] >= 0.2 * total:
        return "mixed"
    return common[0][0]


#: Suffix of the threshold key of an input of one message (a comment, a post, a single chat
#: line): ``en/1``. A lone message carries less evidence than a conversation, so its risk sits
#: lower; the cut set for whole conversations missed most toxic one-line comments.
ONE_MESSAGE = "/1"


def threshold_key(language: str, messages: int) -> str:
    """The threshold key of an input of ``messages`` messages in language key ``language``."""
    return language + ONE_MESSAGE if messages == 1 else language


def threshold_for(thresholds: dict[str, dict[str, float]], label: str, key: str) -> float:
    """The calibrated threshold of ``label`` for threshold key ``key``: its own, else (for a
    one-message key such as ``en/1``) its language's, else the label's ``*``, else 0.5."""
    per_label = thresholds.get(label) or {}
    language = key.removesuffix(ONE_MESSAGE)
    return float(per_label.get(key, per_label.get(language, per_label.get("*", 0.5))))


def prefix_features(
    evidence: list[MessageEvidence],
    stage_counts: list[int],
    window: int,
    minor_known: bool = False,
    adult_known: bool = False,
    senders: list[str] | None = None,
) -> NDArray[np.float64]:
    """Feature array of shape (messages, labels, N_FEATURES): one row per conversation prefix.
    ``senders`` (one per message) feed the reciprocity features; without them every message
    counts as one sender's."""
    n = len(evidence)
    n_labels = len(stage_counts)
    out = np.zeros((n, n_labels, N_FEATURES), dtype=np.float64)
    best = [0.0] * n_labels
    top3: list[list[float]] = [[0.0, 0.0, 0.0] for _ in range(n_labels)]
    best_rec = [0.0] * n_labels
    last_seen: list[dict[str, int]] = [{} for _ in range(n_labels)]
    rec_seen: list[dict[str, int]] = [{} for _ in range(n_labels)]
    risky = [0] * n_labels
    minor, adult, cue = minor_known, adult_known, False
    banter_messages = 0
    distress = kin = news = False
    risky_senders: list[set[str]] = [set() for _ in range(n_labels)]
    rec_senders: list[set[str]] = [set() for _ in range(n_labels)]
    everyone: set[str] = set()
    # Supporting-stage hits wait here (score, stages, sender, message) until a content cue.
    content_seen = [False] * n_labels
    held: list[list[tuple[float, set[str], str, int]]] = [[] for _ in range(n_labels)]
    for i, ev in enumerate(evidence):
        minor = minor or ev.minor
        adult = adult or ev.adult
        cue = cue or ev.minor_cue
        distress = distress or ev.distress
        kin = kin or ev.kin
        news = news or ev.news
        banter_messages += 1 if ev.banter else 0
        sender = senders[i] if senders is not None and i < len(senders) else ""
        everyone.add(sender)
        childlike = 1.0 if (minor or cue) else 0.0
        adult_only = 1.0 if (adult and not minor and not cue) else 0.0
        for k in range(n_labels):
            p = ev.model[k]
            r = ev.recognizer[k]
            if ev.support and ev.support[k] > 0:
                held[k].append((ev.support[k], ev.support_stages[k], sender, i))
            content_seen[k] = content_seen[k] or bool(ev.content and ev.content[k])
            if content_seen[k] and held[k]:
                for score, stages_, who, j in held[k]:
                    r = max(r, score)
                    for stage in stages_:
                        rec_seen[k][stage] = max(rec_seen[k].get(stage, j), j)
                        last_seen[k][stage] = max(last_seen[k].get(stage, j), j)
                    if score >= RISKY:
                        rec_senders[k].add(who)
                held[k] = []
            if p > best[k]:
                best[k] = p
            t = top3[k]
            _push_top3(t, p)
            if r > best_rec[k]:
                best_rec[k] = r
            seen = last_seen[k]
            for stage in ev.stages[k] if ev.stages else ():
                seen[stage] = i
            for stage in ev.recognizer_stages[k] if ev.recognizer_stages else ():
                rec_seen[k][stage] = i
            if max(p, r) >= RISKY:
                risky[k] += 1
                risky_senders[k].add(sender)
            if r >= RISKY:
                rec_senders[k].add(sender)
            in_window = sum(1 for j in seen.values() if i - j < window)
            row = out[i, k]
            row[0] = best[k]
            row[1] = (t[0] + t[1] + t[2]) / 3.0
            row[2] = best_rec[k]
            row[3] = in_window / stage_counts[k] if stage_counts[k] else 0.0
            row[4] = 1.0 if minor else 0.0
            row[5] = 1.0 if (minor and adult) else 0.0
            row[6] = math.log10(1 + risky[k])
            row[7] = 1.0 if cue else 0.0
            strongest = max(best[k], best_rec[k])
            row[8] = strongest * childlike
            row[9] = strongest * adult_only
            rec_in_window = sum(1 for j in rec_seen[k].values() if i - j < window)
            row[10] = rec_in_window / stage_counts[k] if stage_counts[k] else 0.0
            row[11] = best_rec[k] * childlike
            row[12] = best_rec[k] * adult_only
            row[13] = strongest * banter_messages / (i + 1)
            row[14] = 1.0 if len(risky_senders[k]) >= 2 else 0.0
            row[15] = 1.0 if distress else 0.0
            one_sided = len(rec_senders[k]) <= 1 and banter_messages == 0
            row[16] = best_rec[k] if one_sided else 0.0
            row[19] = best_rec[k] * banter_messages / (i + 1)
            row[20] = strongest if kin else 0.0
            row[21] = best_rec[k] if kin else 0.0
            row[22] = strongest if news else 0.0
            row[23] = best_rec[k] if news else 0.0
            # a pile-on: two or more send the label's evidence and somebody in the chat sends
            # none of it (the target), unlike banter, where everyone trades it
            row[24] = strongest if _pile_on(risky_senders[k], everyone) else 0.0
            row[25] = best_rec[k] if _pile_on(rec_senders[k], everyone) else 0.0
        strongest_all = [max(b, r) for b, r in zip(best, best_rec, strict=True)]
        for k in range(n_labels):
            out[i, k, 17] = _max_except(strongest_all, k)
            out[i, k, 18] = _max_except(best_rec, k)
    return out


def _pile_on(attackers: set[str], everyone: set[str]) -> bool:
    """Two or more senders sent the evidence and at least one sender in the chat sent none."""
    return len(attackers) >= 2 and len(everyone - attackers) >= 1


def _push_top3(top: list[float], p: float) -> None:
    """Keep ``top`` (three values, highest first) the three highest seen, ``p`` included."""
    if p > top[2]:
        top[2] = p
        top.sort(reverse=True)


def _max_except(values: list[float], k: int) -> float:
    """The highest of ``values`` other than the one at ``k`` (0.0 when there is none)."""
    return max(values[:k] + values[k + 1 :], default=0.0)


def prefix_probabilities(
    features: NDArray[np.float64], weights: NDArray[np.float64], bias: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Probability per prefix and label, shape (messages, labels)."""
    logits = np.einsum("nlf,lf->nl", features, weights) + bias
    return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float64)


#: Index of the feature "highest recognizer score so far".
RECOGNIZER_SCORE = 2


def evidence_probabilities(
    features: NDArray[np.float64], weights: NDArray[np.float64], bias: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """The evidence scorer's probability per prefix and label, shape (messages, labels): zero
    where no recognizer has found evidence of the label yet (the scorer only says what the
    recognizers' evidence is worth; without any it has nothing to say)."""
    w = np.asarray(weights, dtype=np.float64).reshape(features.shape[1], -1)
    b = np.asarray(bias, dtype=np.float64).reshape(-1)
    p = prefix_probabilities(features, w, b)
    return np.where(features[:, :, RECOGNIZER_SCORE] > 0, p, 0.0)


#: Grooming is told from adults flirting by the signs of a minor, but the scorer must warn one or
#: two messages after a chat's first risky line, often before any sign has come up, so it weighs
#: them little. Once this many messages have passed since the first grooming evidence with no
#: sign of a minor at all (``MessageEvidence.minor_sign``: no stated minor age, school, parents'
#: rules, "are ur parents home", no participant known to be a minor; a question of age or place
#: is not one, adults ask it too), the chat reads as adults flirting: every prefix's grooming
#: probability is scaled by ``SIGNLESS_GROOMING_FACTOR`` (a warning given earlier is withdrawn).
#: Twenty, not ten, since adults who say who they are ("i'm 31", "my roommate") are withdrawn at
#: once (`adults_only_chat`): after ten, grooming whose signs of a minor are oblique enough for no
#: rule to read ("mocks", "Year 8") was withdrawn with them.
SIGNLESS_GROOMING_MESSAGES = 20
SIGNLESS_GROOMING_FACTOR = 0.5
_MINOR_INVOLVED = FEATURE_NAMES.index("minor_involved")
_MAX_MESSAGE_PROBABILITY = FEATURE_NAMES.index("max_message_probability")


def signless_grooming(features: NDArray[np.float64], grooming: int, minor_sign: bool) -> bool:
    """True when the conversation of ``features`` (one row per prefix) has gone
    ``SIGNLESS_GROOMING_MESSAGES`` messages past its first grooming evidence (label column
    ``grooming``) with no minor involved (a stated minor age or a participant known to be one)
    and ``minor_sign`` false (no message showed `MessageEvidence.minor_sign`)."""
    if features.shape[0] == 0 or minor_sign:
        return False
    column = features[:, grooming, :]
    if column[-1, _MINOR_INVOLVED] > 0:
        return False
    risky = np.flatnonzero(
        (column[:, _MAX_MESSAGE_PROBABILITY] >= RISKY) | (column[:, RECOGNIZER_SCORE] >= RISKY)
    )
    return bool(risky.size) and column.shape[0] - 1 - int(risky[0]) >= SIGNLESS_GROOMING_MESSAGES


def adults_only_chat(
    evidence: list[MessageEvidence], senders: list[str], minor_known: bool = False
) -> bool:
    """True when two or more people talk, every one of them states an adult age or an adult's
    life of their own (``MessageEvidence.speaker_adult``), nobody states a minor's age and no
    participant is known to be a minor: adults talking to adults ("i'm 31" - "33 and same";
    "đón con xong" - "vợ anh"). A child who says "im 14" anywhere keeps the chat out."""
    if minor_known or any(ev.minor for ev in evidence):
        return False
    people = set(senders)
    adults = {who for who, ev in zip(senders, evidence, strict=False) if ev.speaker_adult}
    return len(people) >= 2 and adults >= people


def family_chat(evidence: list[MessageEvidence]) -> bool:
    """True when a message of the chat is a marker of family (``MessageEvidence.kin``: a parent
    addressed, "ok mum", "dạ mẹ"; a relative who keeps the parent in the loop): markers a groomer,
    who keeps the parents out, does not write. None of the grooming chats written for training
    and testing has one."""
    return any(ev.kin for ev in evidence)


@dataclass(frozen=True)
class ChatReading:
    """What a whole chat says about who is in it, read once from its messages' evidence: whether
    any message shows a sign of a minor (`signless_grooming`), whether it reads as adults only
    (`adults_only_chat`) and whether as a family's chat (`family_chat`). The engine and training
    read a chat the same way through `ChatReading.of` and `withdraw_grooming`."""

    minor_sign: bool
    adults_only: bool
    family: bool

    @classmethod
    def of(
        cls, evidence: list[MessageEvidence], senders: list[str], minor_known: bool = False
    ) -> ChatReading:
        """The reading of a chat of ``evidence`` (one per message) sent by ``senders``;
        ``minor_known``: a participant is known to be a minor."""
        return cls(
            minor_sign=any(ev.minor_sign for ev in evidence),
            adults_only=adults_only_chat(evidence, senders, minor_known),
            family=family_chat(evidence),
        )


def withdraw_grooming(
    features: NDArray[np.float64],
    probabilities: NDArray[np.float64],
    labels: tuple[str, ...],
    reading: ChatReading,
) -> NDArray[np.float64]:
    """`withdraw_signless_grooming` with the chat's ``reading``."""
    return withdraw_signless_grooming(
        features, probabilities, labels, reading.minor_sign, reading.adults_only, reading.family
    )


def withdraw_signless_grooming(
    features: NDArray[np.float64],
    probabilities: NDArray[np.float64],
    labels: tuple[str, ...],
    minor_sign: bool,
    adults_only: bool = False,
    family: bool = False,
) -> NDArray[np.float64]:
    """``probabilities`` (messages, labels) with the grooming column scaled by
    ``SIGNLESS_GROOMING_FACTOR`` when `signless_grooming` holds, when ``adults_only`` (see
    `adults_only_chat`) says every sender is an adult, or when ``family`` (see `family_chat`)
    says a parent or relative talks to the child; otherwise unchanged. A warning given before
    the chat showed what it is, is withdrawn (the scale applies to every prefix)."""
    if "GROOMING" not in labels:
        return probabilities
    k = labels.index("GROOMING")
    if not (adults_only or family) and not signless_grooming(features, k, minor_sign):
        return probabilities
    out = probabilities.copy()
    out[:, k] *= SIGNLESS_GROOMING_FACTOR
    return out


def combined_probabilities(
    features: NDArray[np.float64],
    weights: NDArray[np.float64],
    bias: NDArray[np.float64],
    evidence_weights: NDArray[np.float64] | None,
    evidence_bias: NDArray[np.float64] | None,
) -> NDArray[np.float64]:
    """Probability per prefix and label, shape (messages, labels): the higher of the full
    scorer's and the evidence scorer's (whose weights are zero outside ``EVIDENCE_FEATURES``, and
    which is zero until a recognizer has found evidence of the label);
    the full scorer's alone when there is no evidence scorer."""
    full = prefix_probabilities(features, weights, bias)
    if evidence_weights is None or evidence_bias is None:
        return full
    return np.maximum(full, evidence_probabilities(features, evidence_weights, evidence_bias))
