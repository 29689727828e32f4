"""Training and evaluation of the text-risk model.

Data: labelled conversations in JSON Lines (the ``datasets/text`` format), plus, for bullying, the
public offensive-language sets in ``$CHILDGUARD_CONFORMANCE_DATA/text`` (Davidson et al. tweets,
ViHOS comments), read from their CSV files and turned into one-message conversations.

The split is deterministic: a conversation belongs to the test split when the SHA-256 of its id
falls in the lowest 20 % (ViHOS keeps its published test file). The test split is never used for
training, calibration or tuning; cross-validation (grouped by writer batch) runs inside the
training split only.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from childguard.errors import InvalidInput, NotFound
from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.model import DEFAULT_N_FEATURES, TextModel, feature_strings, hash_features
from childguard.textrisk.recognizers import LABELS, STAGES, default_recognizers
from childguard.textrisk.recognizers.answers import with_answers
from childguard.textrisk.scoring import (
    EVIDENCE_FEATURES,
    FEATURE_NAMES,
    LANGUAGE_KEYS,
    N_FEATURES,
    ONE_MESSAGE,
    RECOGNIZER_SCORE,
    ChatReading,
    evidence_probabilities,
    language_key,
    message_evidence,
    prefix_features,
    threshold_for,
    threshold_key,
    withdraw_grooming,
)

TEST_PERCENT = 20
#: Ids of generated conversations (``childguard.textrisk.synthetic``) start with this: they train
#: the model and weigh less than chats written by people when the thresholds are calibrated
#: (``CALIBRATION_WEIGHTS``).
SYNTHETIC_PREFIX = "synth-"
#: Ids of the generated long informal chats (``synthetic.generate_informal``, ``synth-SEED-x…``):
#: their source is ``informal``. They teach the message heads that chit-chat is not risk; the
#: conversation scorer and the thresholds weigh them by ``INFORMAL_SCORER_WEIGHT`` and
#: ``CALIBRATION_WEIGHTS``.
INFORMAL_ID = re.compile(r"^synth-\d+-x")
#: Weight of a generated conversation's examples against a hand-written one's: many generated
#: chats add variety without drowning the style of chats written by people.
SYNTHETIC_WEIGHT = 0.4
SHARED_CAP = 3000
#: Inverse L2 strength of the message heads, chosen by 5-fold cross-validation on the training
#: split among 1, 4, 16 and 64 (best conversation-level F1 for every label at 64).
DEFAULT_C = 64.0
#: How many times the cross-validation that calibrates the thresholds runs, each time with the
#: conversations dealt into other folds. One dealing is one draw: three trainings on the same
#: data with three dealings moved single thresholds by up to 0.2 (Vietnamese sextortion 0.59 to
#: 0.88, code-mixed grooming 0.57 to 0.77), because F1 is flat around its best cut; the median
#: of the repeats' thresholds moves less. Five, not three: with three, single thresholds of the
#: median still moved by up to 0.09 between two data sets that differed by a few chats (the
#: Vietnamese sextortion one was 0.91 with three dealings, 0.85 with five). Each repeat costs
#: about 45 seconds of training (the message heads' cross-validation and the scorer's).
THRESHOLD_REPEATS = 5


@dataclass
class LabelledMessage:
    """One message with its annotated labels and stage."""

    sender: str
    text: str
    labels: tuple[str, ...] = ()
    stage: str | None = None


@dataclass
class LabelledConversation:
    """One annotated conversation (a shared-corpus row is a one-message conversation)."""

    id: str
    lang: str
    category: str
    labels: tuple[str, ...]
    first_risky: int | None
    messages: list[LabelledMessage]
    participants: dict[str, Any] = field(default_factory=dict)
    source: str = "datasets"
    test: bool = False
    #: For a generated conversation: ids of the hand-written ones its lines came from.
    sources: tuple[str, ...] = ()

    def as_input(self) -> dict[str, Any]:
        """The conversation as the engine's input JSON."""
        return {
            "id": self.id,
            "messages": [{"sender": m.sender, "text": m.text} for m in self.messages],
            "participants": self.participants or None,
        }


def is_test_id(conv_id: str) -> bool:
    """Deterministic split: True for the ~20 % of ids that form the held-out test split."""
    digest = hashlib.sha256(conv_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < TEST_PERCENT


def _source_of(conv_id: str) -> str:
    if INFORMAL_ID.match(conv_id):
        return "informal"
    return "synthetic" if conv_id.startswith(SYNTHETIC_PREFIX) else "datasets"


def _record(raw: Any, where: str) -> LabelledConversation:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where}: a record must be a JSON object")
    for key in ("id", "messages"):
        if key not in raw:
            raise InvalidInput(f"{where}: missing '{key}'")
    if not isinstance(raw["messages"], list) or not raw["messages"]:
        raise InvalidInput(f"{where}: 'messages' must be a non-empty list")
    labels = tuple(str(x) for x in raw.get("labels") or ())
    unknown = [x for x in labels if x not in LABELS]
    if unknown:
        raise InvalidInput(f"{where}: unknown label(s) {unknown}; use {list(LABELS)}")
    messages = []
    for j, m in enumerate(raw["messages"]):
        if not isinstance(m, dict) or not isinstance(m.get("text"), str):
            raise InvalidInput(f"{where}: messages[{j}] needs a string 'text'")
        messages.append(
            LabelledMessage(
                sender=str(m.get("sender", "")),
                text=m["text"],
                labels=tuple(str(x) for x in m.get("labels") or () if str(x) in LABELS),
                stage=m.get("stage"),
            )
        )
    first = raw.get("first_risky_message")
    conv_id = str(raw["id"])
    return LabelledConversation(
        id=conv_id,
        lang=str(raw.get("lang", "und")),
        category=str(raw.get("category", "benign" if not labels else labels[0].lower())),
        labels=labels,
        first_risky=first if isinstance(first, int) else None,
        messages=messages,
        participants=raw.get("participants") or {},
        source=_source_of(conv_id),
        sources=tuple(str(x) for x in raw.get("sources") or ()),
        test=is_test_id(conv_id),
    )


def _read_jsonl(path: Path) -> Iterator[LabelledConversation]:
    try:
        lines = path.read_text("utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise NotFound(f"cannot read {path}: {exc.strerror}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path}:{n} is not valid JSON ({exc.msg})") from None
        yield _record(raw, f"{path}:{n}")


def _sample(rows: list[LabelledConversation], cap: int) -> list[LabelledConversation]:
    """A deterministic sample of at most ``cap`` rows, positives and negatives kept balanced."""

    def order(r: LabelledConversation) -> bytes:
        return hashlib.sha256(r.id.encode()).digest()

    pos = sorted((r for r in rows if r.labels), key=order)
    neg = sorted((r for r in rows if not r.labels), key=order)
    half = cap // 2
    return pos[:half] + neg[: cap - min(half, len(pos))]


def _shared_row(
    rid: str, lang: str, text: str, toxic: bool, source: str, test: bool
) -> LabelledConversation:
    labels = ("BULLYING",) if toxic else ()
    return LabelledConversation(
        id=rid,
        lang=lang,
        category="bullying" if toxic else "benign",
        labels=labels,
        first_risky=0 if toxic else None,
        messages=[LabelledMessage("A", text, labels, "insult" if toxic else None)],
        source=source,
        test=test,
    )


def _read_davidson(path: Path, cap: int) -> list[LabelledConversation]:
    csv.field_size_limit(sys.maxsize)
    rows: list[LabelledConversation] = []
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        for row in csv.DictReader(fh):
            text, cls = row.get("tweet"), row.get("class")
            if not text or cls not in {"0", "1", "2"}:
                continue
            rid = f"davidson-{row.get('') or len(rows)}"
            rows.append(_shared_row(rid, "en", text, cls != "2", "davidson", is_test_id(rid)))
    test = [r for r in rows if r.test]
    train = [r for r in rows if not r.test]
    return _sample(train, cap) + _sample(test, cap // 4)


def _read_vihos(path: Path, cap: int) -> list[LabelledConversation]:
    csv.field_size_limit(sys.maxsize)
    rows: list[LabelledConversation] = []
    is_test = path.stem == "test"
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            text, spans = row.get("content"), (row.get("index_spans") or "").strip()
            if not text:
                continue
            toxic = spans not in {"", "[]"}
            rid = f"vihos-{path.stem}-{n}"
            rows.append(_shared_row(rid, "vi", text, toxic, "vihos", is_test))
    return _sample(rows, cap // 4 if is_test else cap // 2)


def _files(path: Path) -> Iterable[Path]:
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.is_file())
    elif path.is_file():
        yield path
    else:
        raise NotFound(f"training data {path} does not exist")


def load_data(paths: Iterable[Path], shared_cap: int = SHARED_CAP) -> list[LabelledConversation]:
    """Every labelled conversation under ``paths`` (JSONL files, the Davidson and ViHOS CSVs).

    Raises ``InvalidInput`` naming the file and line of a malformed record, ``NotFound`` for a
    missing path, and ``InvalidInput`` when nothing usable was found.
    """
    out: list[LabelledConversation] = []
    seen: set[str] = set()
    for root in paths:
        for path in _files(Path(root)):
            if path.suffix == ".jsonl":
                records = list(_read_jsonl(path))
            elif path.name == "labeled_data.csv":
                records = _read_davidson(path, shared_cap)
            elif path.suffix == ".csv" and path.parent.name.startswith("vi_vihos"):
                records = _read_vihos(path, shared_cap)
            else:
                continue
            for r in records:
                if r.id in seen:
                    raise InvalidInput(f"{path}: conversation id {r.id!r} appears twice")
                seen.add(r.id)
                out.append(r)
    if not out:
        raise InvalidInput("no labelled conversations found (expected *.jsonl files)")
    return out


# ---- training ----------------------------------------------------------------------------------


def _matrix(texts: list[str], n_features: int) -> Any:
    from scipy import sparse  # type: ignore[import-untyped]

    rows, cols, vals = [], [], []
    for i, text in enumerate(texts):
        idx, val = hash_features(feature_strings(build_artifacts(text)), n_features)
        rows.append(np.full(idx.size, i, dtype=np.int64))
        cols.append(idx)
        vals.append(val)
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(texts), n_features),
        dtype=np.float32,
    )


def _platt(z: NDArray[np.float64], y: NDArray[np.int64]) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4)
    lr.fit(z.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _label_head(
    x: Any, y: NDArray[np.int64], c: float, weight: NDArray[np.float64]
) -> tuple[NDArray[np.float64], float]:
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():
        return np.zeros(x.shape[1]), -5.0 if y.max() == 0 else 5.0
    lr = LogisticRegression(
        C=c, solver="liblinear", class_weight="balanced", max_iter=200, random_state=0
    )
    lr.fit(x, y, sample_weight=weight)
    return lr.coef_[0].astype(np.float64), float(lr.intercept_[0])


@dataclass
class TrainingResult:
    """A trained model, its cross-validated figures (training split only) and the training
    conversations cross-validation got wrong (``cv_mistakes``: ids and scores, no text)."""

    model: TextModel
    report: dict[str, Any]
    cv_mistakes: list[dict[str, Any]] = field(default_factory=list)


def train(
    data: list[LabelledConversation],
    n_features: int = DEFAULT_N_FEATURES,
    folds: int = 5,
    c: float = DEFAULT_C,
    window: int = 200,
    log: Callable[[str], None] | None = None,
    repeats: int = THRESHOLD_REPEATS,
) -> TrainingResult:
    """Train every head on the training split of ``data``; the test split is left untouched.
    The cross-validation that calibrates the thresholds runs ``repeats`` times, each time with
    the conversations dealt into other folds (`fold_of`), and each threshold is the median of
    the repeats' (`median_thresholds`)."""
    say: Callable[[str], None] = log or (lambda _msg: None)
    train_convs = [c_ for c_ in data if not c_.test]
    if len(train_convs) < folds * 2:
        raise InvalidInput(f"too little training data: {len(train_convs)} conversations")
    if repeats < 1:
        raise InvalidInput(f"repeats must be at least 1, not {repeats}")
    heads = fit_message_heads(train_convs, n_features, folds, c, say, repeats)
    report, mistakes = fit_conversation_scorer(heads, folds, window, say)
    report["test_conversations"] = sum(1 for c_ in data if c_.test)
    return TrainingResult(heads.model, report, mistakes)


@dataclass
class MessageHeads:
    """The message model fitted on the training conversations, with its out-of-fold message
    probabilities (rows in message order), which the conversation scorer is trained on."""

    model: TextModel
    train_convs: list[LabelledConversation]
    oof_p: NDArray[np.float64]
    y: NDArray[np.int64]
    #: Out-of-fold probabilities of the further repeats of the cross-validation (repeat 1, 2...).
    repeated_oof_p: list[NDArray[np.float64]] = field(default_factory=list)


#: A hand-written conversation's id names its batch, which one writer wrote (``en-h33-012``,
#: ``mx-h20-007``; the first batches ``km-012``).
WRITER_BATCH_ID = re.compile(r"^((?:en|km|vi|mx)(?:-h\d+)?)-\d+$")


def cv_group(conv_id: str) -> str:
    """What the cross-validation keeps in one fold: a hand-written conversation's writer batch
    (`WRITER_BATCH_ID`), any other conversation's own id. The model is measured on chats by
    writers it never saw; with one writer's chats on both sides of a fold, the out-of-fold
    probabilities the conversation scorer and the thresholds are fitted on would credit the
    message model with that writer's idioms, which other people's chats do not share."""
    match = WRITER_BATCH_ID.match(conv_id)
    return match.group(1) if match else conv_id


def fold_of(conv_id: str, folds: int, repeat: int = 0, grouped: bool = True) -> int:
    """The cross-validation fold of a conversation in a repeat of the cross-validation, from its
    id alone (a salted hash of its `cv_group`, or of the id itself when not ``grouped``,
    unrelated to `is_test_id`, with a salt of its own per repeat): adding files, or reading them
    in another order, leaves every other conversation in its fold, so a retraining's thresholds
    move with the data, not with a regrouping of the folds."""
    salt = "fold" if repeat == 0 else f"fold{repeat}"
    key = cv_group(conv_id) if grouped else conv_id
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % folds


def folds_by_id(
    conv_ids: list[str], groups: NDArray[np.int64], folds: int, repeat: int = 0
) -> list[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """(train rows, validation rows) per fold, for rows whose conversation index is ``groups``
    (into ``conv_ids``): a conversation's rows are all in its `fold_of` (of that ``repeat``).
    Conversations are dealt by writer batch (`cv_group`) unless that leaves a fold empty (data
    of one or two batches), then each by its own id."""
    conv_fold = np.asarray(
        [fold_of(conv_id, folds, repeat) for conv_id in conv_ids], dtype=np.int64
    )
    if np.unique(conv_fold).size < folds:
        conv_fold = np.asarray(
            [fold_of(conv_id, folds, repeat, grouped=False) for conv_id in conv_ids],
            dtype=np.int64,
        )
    row_fold = conv_fold[groups]
    return [(np.flatnonzero(row_fold != f), np.flatnonzero(row_fold == f)) for f in range(folds)]


def fit_message_heads(
    train_convs: list[LabelledConversation],
    n_features: int,
    folds: int,
    c: float,
    say: Callable[[str], None],
    repeats: int = 1,
) -> MessageHeads:
    """Fit the message heads and the stage head on ``train_convs`` and cross-validate them
    (grouped by writer batch, leak-free for generated chats) for out-of-fold probabilities,
    ``repeats`` times with other folds (the first repeat's also set the Platt scaling)."""
    from sklearn.linear_model import LogisticRegression

    texts: list[str] = []
    weights_list: list[float] = []
    groups: list[int] = []
    y_rows: list[list[int]] = []
    stage_keys: list[str | None] = []
    for g, conv in enumerate(train_convs):
        for m in conv.messages:
            texts.append(m.text)
            weights_list.append(1.0 if conv.source == "datasets" else SYNTHETIC_WEIGHT)
            groups.append(g)
            y_rows.append([1 if label in m.labels else 0 for label in LABELS])
            key = None
            if m.stage and m.labels:
                label = m.labels[0]
                if m.stage in STAGES.get(label, ()):
                    key = f"{label}/{m.stage}"
            stage_keys.append(key)
    say(f"featurising {len(texts)} messages from {len(train_convs)} training conversations")
    x = _matrix(texts, n_features)
    y = np.asarray(y_rows, dtype=np.int64)
    group_arr = np.asarray(groups)
    msg_weight = np.asarray(weights_list)
    n_labels = len(LABELS)

    oof_repeats: list[NDArray[np.float64]] = []
    platt = np.zeros((n_labels, 2))
    for repeat in range(repeats):
        say(f"{folds}-fold cross-validation of the message heads"
            + (f" (repeat {repeat + 1}/{repeats})" if repeats > 1 else ""))  # fmt: skip
        oof = _message_oof(x, y, group_arr, msg_weight, train_convs, folds, c, repeat, say)
        platt_r = np.array([_platt(oof[:, k], y[:, k]) for k in range(n_labels)])
        if repeat == 0:
            platt = platt_r
        oof_repeats.append(1.0 / (1.0 + np.exp(-(platt_r[:, 0] * oof + platt_r[:, 1]))))

    say("fitting the final message heads")
    weights = np.zeros((n_features, n_labels), dtype=np.float32)
    bias = np.zeros(n_labels, dtype=np.float32)
    for k in range(n_labels):
        w, b = _label_head(x, y[:, k], c, msg_weight)
        weights[:, k] = w
        bias[k] = b

    say("fitting the stage head")
    stage_names = sorted({k for k in stage_keys if k})
    stage_rows = [i for i, k in enumerate(stage_keys) if k]
    stage_w = np.zeros((n_features, len(stage_names)), dtype=np.float32)
    stage_b = np.zeros(len(stage_names), dtype=np.float32)
    if len(stage_names) >= 2:
        sy = np.asarray([stage_names.index(stage_keys[i] or "") for i in stage_rows])
        slr = LogisticRegression(C=c, max_iter=300)
        slr.fit(x[stage_rows], sy, sample_weight=msg_weight[stage_rows])
        stage_w[:] = slr.coef_.T
        stage_b[:] = slr.intercept_
    model = TextModel(
        labels=LABELS,
        stages=tuple(k.split("/", 1)[1] for k in stage_names),
        stage_labels=tuple(k.split("/", 1)[0] for k in stage_names),
        n_features=n_features,
        label_weights=weights,
        label_bias=bias,
        platt=platt,
        stage_weights=stage_w,
        stage_bias=stage_b,
        conversation_weights=np.zeros((n_labels, N_FEATURES)),
        conversation_bias=np.zeros(n_labels),
        name="textrisk",
    )
    return MessageHeads(model, train_convs, oof_repeats[0], y, oof_repeats[1:])


def _message_oof(
    x: Any,
    y: NDArray[np.int64],
    group_arr: NDArray[np.int64],
    msg_weight: NDArray[np.float64],
    train_convs: list[LabelledConversation],
    folds: int,
    c: float,
    repeat: int,
    say: Callable[[str], None],
) -> NDArray[np.float64]:
    """Out-of-fold decision values of the message heads (rows of ``x``), with the folds of
    ``repeat``."""
    oof = np.zeros(y.shape)
    conv_ids = [c_.id for c_ in train_convs]
    for fold, (train_idx, val_idx) in enumerate(
        folds_by_id(conv_ids, group_arr, folds, repeat), start=1
    ):
        say(f"  fold {fold}/{folds}")
        # A generated chat that reuses lines of a validation conversation would leak them into
        # training: leave it out of this fold's training rows.
        val_ids = {train_convs[g].id for g in np.unique(group_arr[val_idx])}
        leaks = np.asarray([bool(val_ids.intersection(c_.sources)) for c_ in train_convs])
        train_idx = train_idx[~leaks[group_arr[train_idx]]]
        for k in range(y.shape[1]):
            w, b = _label_head(x[train_idx], y[train_idx, k], c, msg_weight[train_idx])
            oof[val_idx, k] = x[val_idx] @ w + b
    return oof


def fit_conversation_scorer(
    heads: MessageHeads, folds: int, window: int, say: Callable[[str], None]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Fit the conversation scorers of ``heads.model`` and calibrate its thresholds on
    out-of-fold conversation risk; returns the cross-validated figures (also stored in the
    model's metadata) and the conversations whose out-of-fold decision was wrong."""
    model, train_convs, oof_p, y = heads.model, heads.train_convs, heads.oof_p, heads.y
    n_labels = len(LABELS)
    say("fitting the conversation scorer")
    ex = _conversation_examples(model, train_convs, oof_p, window)
    cw = np.zeros((n_labels, N_FEATURES))
    cb = np.zeros(n_labels)
    ew = np.zeros((n_labels, N_FEATURES))
    eb = np.full(n_labels, NO_EVIDENCE_SCORER_BIAS)
    row_weight = np.asarray([_scorer_weight(train_convs[g].source) for g in ex.groups])
    for k in range(n_labels):
        yk = ex.y[:, k]
        if yk.min() == yk.max():
            cb[k] = -5.0
            continue
        cw[k], cb[k] = _scorer(ex.x[:, k, :], yk, row_weight, FULL_FEATURES, LABELS[k])
        # The evidence scorer speaks only where a recognizer found evidence of the label, so it
        # learns from those rows alone (elsewhere its output is ignored, see scoring).
        seen = ex.x[:, k, RECOGNIZER_SCORE] > 0
        if yk[seen].min(initial=1) != yk[seen].max(initial=0):
            ew[k], eb[k] = _scorer(
                ex.x[seen, k, :], yk[seen], row_weight[seen], EVIDENCE_FEATURES, LABELS[k]
            )
    conv_ids = [c_.id for c_ in train_convs]
    oof_full, oof_evidence = _scorer_oof(ex, folds_by_id(conv_ids, ex.groups, folds), row_weight)
    truth = np.asarray([[1 if lab in c_.labels else 0 for lab in LABELS] for c_ in train_convs])
    real = np.asarray([c_.source in CALIBRATION_WEIGHTS for c_ in train_convs])
    if real.sum() < folds * 2:
        real = np.ones(len(train_convs), dtype=bool)
    calibration_weight = np.asarray(
        [CALIBRATION_WEIGHTS.get(c_.source, 1.0) for c_ in train_convs]
    )[real]
    own = np.asarray([c_.source == "datasets" for c_ in train_convs])
    cells = np.asarray([cell_of(c_.lang) for c_ in train_convs])
    # The evidence scorer's cross-validated gain is measured on the hand-written conversations and
    # the generated ones (weighted as in the fits): the generated hard negatives (teasing, gaming
    # trash talk, family and sales chats in every language mix) are where its false alarms show;
    # the hand-written cells hold a few dozen such chats.
    gen = np.asarray([c_.source == "synthetic" for c_ in train_convs])
    measured = own | gen
    measure_weight = np.asarray([_scorer_weight(c_.source) for c_ in train_convs])
    # The evidence scorer is kept for the labels of ``EVIDENCE_SCORER_LABELS`` it could be fitted
    # for. Its cross-validated gain or cost on the training split is measured and reported, not
    # acted on: in-distribution cross-validation preferred leaving it out, while on other writers'
    # chats it raised the mean cell F1 and kept translated chats' scores alike (the message model
    # reads the training writers' words; the recognizers carry over to other people's and to
    # other languages). See docs/text-risk.md, "What moved each figure".
    use_evidence = [
        LABELS[k] in EVIDENCE_SCORER_LABELS and bool(eb[k] > NO_EVIDENCE_SCORER_BIAS)
        for k in range(n_labels)
    ]
    evidence_cv: dict[str, dict[str, float]] = {}
    for k in range(n_labels):
        if eb[k] <= NO_EVIDENCE_SCORER_BIAS or truth[:, k].min() == truth[:, k].max():
            continue
        figures = {}
        for choice in (True, False):
            risk_k = _conversation_risk(oof_full, oof_evidence, k, choice)
            t_k = calibrate_thresholds(
                truth[real],
                np.repeat(risk_k[real, None], n_labels, axis=1),
                [key for key, r in zip(ex.language_keys, real, strict=True) if r],
                calibration_weight,
            )[LABELS[k]]
            decided = np.asarray(
                [risk_k[g] >= threshold_for({LABELS[k]: t_k}, LABELS[k], key)
                 for g, key in enumerate(ex.language_keys)]
            )  # fmt: skip
            figures[choice] = _mean_cell_f1(
                truth[measured, k], decided[measured], cells[measured], measure_weight[measured]
            )
        evidence_cv[LABELS[k]] = {
            "with": round(figures[True], 4),
            "without": round(figures[False], 4),
        }
        say(f"  {LABELS[k]}: evidence scorer {'kept' if use_evidence[k] else 'left out'} "
            f"(cross-validated mean cell F1, hand-written and generated, {figures[True]:.3f} "
            f"with, {figures[False]:.3f} without)")  # fmt: skip
    for k in range(n_labels):
        if not use_evidence[k]:
            ew[k], eb[k] = 0.0, NO_EVIDENCE_SCORER_BIAS
    model.conversation_weights = cw
    model.conversation_bias = cb
    model.evidence_weights = ew
    model.evidence_bias = eb
    conv_risk, prefix_risk = _combined_risk(oof_full, oof_evidence, use_evidence)
    keys = [
        threshold_key(key, len(c_.messages))
        for key, c_ in zip(ex.language_keys, train_convs, strict=True)
    ]
    calibration = _Calibration(train_convs, truth, real, calibration_weight)
    repeated = [calibration.thresholds(conv_risk, prefix_risk, ex.language_keys, keys)]
    for repeat, oof_p_r in enumerate(heads.repeated_oof_p, start=1):
        say(f"thresholds of repeat {repeat + 1}/{len(heads.repeated_oof_p) + 1}")
        ex_r = _conversation_examples(model, train_convs, oof_p_r, window)
        full_r, evidence_r = _scorer_oof(
            ex_r, folds_by_id(conv_ids, ex_r.groups, folds, repeat), row_weight
        )
        risk_r, prefix_r = _combined_risk(full_r, evidence_r, use_evidence)
        repeated.append(calibration.thresholds(risk_r, prefix_r, ex_r.language_keys, keys))
    if len(repeated) > 1:
        say("thresholds of each repeat: " + json.dumps(repeated))
    thresholds = median_thresholds(repeated)
    say("thresholds per label and language: " + json.dumps(thresholds))
    flagged = np.zeros_like(conv_risk, dtype=bool)
    for g, key in enumerate(keys):
        for k, label in enumerate(LABELS):
            flagged[g, k] = conv_risk[g, k] >= threshold_for(thresholds, label, key)
    early = _cv_early_warning(
        [c_ for c_, o in zip(train_convs, own, strict=True) if o],
        [prefix_risk[g] for g in np.flatnonzero(own)],
        [keys[g] for g in np.flatnonzero(own)],
        thresholds,
    )
    report: dict[str, Any] = {
        "training_conversations": len(train_convs),
        "training_messages": int(y.shape[0]),
        "cv_folds": folds,
        "cv_message": {
            label: label_metrics(y[:, k], oof_p[:, k], 0.5) for k, label in enumerate(LABELS)
        },
        "cv_conversation": {
            label: label_metrics(truth[:, k], conv_risk[:, k], 0.5, flagged[:, k])
            for k, label in enumerate(LABELS)
        },
        "cv_conversation_datasets": {
            label: label_metrics(truth[own, k], conv_risk[own, k], 0.5, flagged[own, k])
            for k, label in enumerate(LABELS)
        },
        # The generated hard negatives (teasing, gaming talk, family and sales chats) are where
        # false alarms show first; their figures are easier than real chats' (phrases recur).
        "cv_conversation_generated": {
            label: label_metrics(truth[gen, k], conv_risk[gen, k], 0.5, flagged[gen, k])
            for k, label in enumerate(LABELS)
        },
        "cv_conversation_datasets_cells": {
            cell: {
                label: label_metrics(
                    truth[own & (cells == cell), k],
                    conv_risk[own & (cells == cell), k],
                    0.5,
                    flagged[own & (cells == cell), k],
                )
                for k, label in enumerate(LABELS)
            }
            for cell in sorted(set(cells[own]))
        },
        "cv_early_warning_rate_datasets": early,
        "evidence_scorer_labels": [lab for lab, u in zip(LABELS, use_evidence, strict=True) if u],
        "cv_evidence_scorer": evidence_cv,
    }
    model.metadata = {"training": report, "thresholds": thresholds}
    mistakes = [
        {
            "id": conv.id,
            "source": conv.source,
            "language": ex.language_keys[g],
            "label": label,
            "error": "missed" if truth[g, k] else "false alarm",
            "risk": round(float(conv_risk[g, k]), 4),
            "threshold": threshold_for(thresholds, label, keys[g]),
        }
        for g, conv in enumerate(train_convs)
        for k, label in enumerate(LABELS)
        if bool(truth[g, k]) != bool(flagged[g, k])
    ]
    return report, mistakes


def _scorer_oof(
    ex: ScorerExamples,
    conv_folds: list[tuple[NDArray[np.int64], NDArray[np.int64]]],
    row_weight: NDArray[np.float64],
) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """Out-of-fold prefix probabilities of the full and the evidence scorer, per conversation
    (messages, labels), from scorers fitted on the other folds' rows of ``ex``: the conversation
    risk is their highest over its prefixes (what the engine reports as ``risk``), and the first
    prefix over the threshold says how early it warns."""
    n_labels = len(LABELS)
    oof_full = [np.zeros((p.shape[0], n_labels)) for p in ex.prefixes]
    oof_evidence = [np.zeros((p.shape[0], n_labels)) for p in ex.prefixes]
    for k in range(n_labels):
        yk = ex.y[:, k]
        if yk.min() == yk.max():
            continue
        for tr, va in conv_folds:
            if yk[tr].min() == yk[tr].max():
                continue
            fw, fb = _scorer(ex.x[tr, k, :], yk[tr], row_weight[tr], FULL_FEATURES, LABELS[k])
            tr_seen = tr[ex.x[tr, k, RECOGNIZER_SCORE] > 0]
            vw, vb = np.zeros(N_FEATURES), NO_EVIDENCE_SCORER_BIAS
            if yk[tr_seen].min(initial=1) != yk[tr_seen].max(initial=0):
                vw, vb = _scorer(
                    ex.x[tr_seen, k, :],
                    yk[tr_seen],
                    row_weight[tr_seen],
                    EVIDENCE_FEATURES,
                    LABELS[k],
                )
            for g in np.unique(ex.groups[va]):
                oof_full[g][:, k] = _sigmoid(ex.prefixes[g][:, k, :] @ fw + fb)
                column = ex.prefixes[g][:, [k], :]
                oof_evidence[g][:, k] = evidence_probabilities(column, vw, vb)[:, 0]
    # The engine withdraws a grooming warning from a long chat with no sign of a minor, from a
    # chat between adults and from a family's chat: so do the out-of-fold risks the thresholds
    # and the evidence-scorer choice are set on.
    for g, (feats, reading) in enumerate(zip(ex.prefixes, ex.readings, strict=True)):
        oof_full[g] = withdraw_grooming(feats, oof_full[g], LABELS, reading)
        oof_evidence[g] = withdraw_grooming(feats, oof_evidence[g], LABELS, reading)
    return oof_full, oof_evidence


@dataclass
class _Calibration:
    """What the thresholds are calibrated on besides the risks: the training conversations, their
    labels, which of them calibrate (``real``) and with what weight."""

    convs: list[LabelledConversation]
    truth: NDArray[np.int64]
    real: NDArray[np.bool_]
    weight: NDArray[np.float64]

    def thresholds(
        self,
        conv_risk: NDArray[np.float64],
        prefix_risk: list[NDArray[np.float64]],
        language_keys: list[str],
        keys: list[str],
    ) -> dict[str, dict[str, float]]:
        """Per label and language key, the thresholds calibrated on one repeat's out-of-fold
        conversation risks (`calibrate_thresholds`), and those of one-message inputs
        (`add_one_message_thresholds`)."""
        # Grooming's thresholds also weigh how early the warning comes: per grooming
        # conversation, its highest out-of-fold prefix risk up to ``EARLY_MESSAGES`` after the
        # first risky one.
        early_risk = None
        if EARLY_CALIBRATION_WEIGHT > 0:
            k_g = LABELS.index("GROOMING")
            by_early = conv_risk[:, k_g].copy()
            for g, conv in enumerate(self.convs):
                if "GROOMING" in conv.labels and conv.first_risky is not None:
                    opening = prefix_risk[g][: conv.first_risky + EARLY_MESSAGES + 1, k_g]
                    by_early[g] = float(opening.max())
            early_risk = {k_g: by_early[self.real]}
        thresholds = calibrate_thresholds(
            self.truth[self.real],
            conv_risk[self.real],
            [k for k, r in zip(language_keys, self.real, strict=True) if r],
            self.weight,
            early_risk,
        )
        add_one_message_thresholds(thresholds, self.truth, conv_risk, keys)
        return thresholds


def median_thresholds(repeated: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per label and threshold key, the median of the thresholds of ``repeated`` calibrations
    (keys that only some repeats have keep the median of those)."""
    out: dict[str, dict[str, float]] = {}
    for thresholds in repeated:
        for label, per_key in thresholds.items():
            for key in per_key:
                values = [t[label][key] for t in repeated if key in t.get(label, {})]
                out.setdefault(label, {})[key] = round(float(np.median(values)), 4)
    return out


#: Labels that keep the evidence scorer (recognizers and participants only). Not bullying: an
#: insult is a word a recognizer reads the same in friends' banter as in an attack, and there the
#: evidence scorer flagged banter the full scorer (message model and banter features) let pass;
#: bullying's message model is the strongest, so it needs the recognizers' help least.
EVIDENCE_SCORER_LABELS: tuple[str, ...] = ("GROOMING", "SEXTORTION", "CSAM_TRADE")
#: Bias of a label's evidence scorer where none could be fitted (no training prefix with
#: recognizer evidence of both classes): its probability is then nil and the full scorer decides.
NO_EVIDENCE_SCORER_BIAS = -30.0
#: Sources whose conversations calibrate the thresholds, with their weight in the F1: the
#: conversations people wrote, and the generated ones at 0.2 (they hold the hard negatives,
#: teasing and gaming talk in every language mix, where thresholds set on a few dozen hand-written
#: ones let false alarms through; their phrases recur across folds, so they weigh less than in the
#: fits). Not the public one-message rows (thousands of tweets set the English bullying threshold
#: for whole conversations). Chosen by cross-validation among generated weights 0, 0.1, 0.2 and
#: 0.4 (see docs/text-risk.md, "What moved each figure").
CALIBRATION_WEIGHTS: dict[str, float] = {"datasets": 1.0, "synthetic": 0.2}
#: Weight of a generated informal chat in the conversation scorer's fit. They are a few dozen
#: chit-chat lines recombined: they teach the message heads (at ``SYNTHETIC_WEIGHT``) that
#: "u there?" is not grooming, but as whole conversations they would teach the scorer their own
#: template, not chats (cross-validated: 0 against 0.4, see docs/text-risk.md).
INFORMAL_SCORER_WEIGHT = 0.0
#: Prefixes that end this many messages after the first risky one are positive scorer examples:
#: the scorer learns to flag a chat early, not only once it is over ((1, 2) against (1,), (0, 1),
#: (0, 1, 2) and (1, 2, 3): the best cross-validated early-warning rate at the same F1).
EARLY_POSITIVES: tuple[int, ...] = (1, 2)

#: Weight of a public offensive-language row (one tweet or comment) in the conversation
#: scorer's fit, against a hand-written conversation's: thousands of one-message rows would
#: otherwise decide how a whole conversation's evidence adds up (offensive tweets are full of
#: "lol" and would teach that laughs mean bullying). They still train the message heads.
PUBLIC_SCORER_WEIGHT = 0.0


def _scorer_weight(source: str) -> float:
    if source == "synthetic":
        return SYNTHETIC_WEIGHT
    if source == "informal":
        return INFORMAL_SCORER_WEIGHT
    return 1.0 if source == "datasets" else PUBLIC_SCORER_WEIGHT


#: Columns the full conversation scorer reads (every feature).
FULL_FEATURES: tuple[int, ...] = tuple(range(N_FEATURES))


def _sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def _conversation_risk(
    full: list[NDArray[np.float64]], evidence: list[NDArray[np.float64]], k: int, both: bool
) -> NDArray[np.float64]:
    """Per conversation, label ``k``'s highest prefix probability: of the full scorer, or of the
    higher of the full and the evidence scorer when ``both``."""
    return np.asarray(
        [float((np.maximum(f[:, k], e[:, k]) if both else f[:, k]).max()) for f, e in
         zip(full, evidence, strict=True)]
    )  # fmt: skip


def _combined_risk(
    full: list[NDArray[np.float64]],
    evidence: list[NDArray[np.float64]],
    use_evidence: list[bool],
) -> tuple[NDArray[np.float64], list[NDArray[np.float64]]]:
    """Out-of-fold risk as the engine combines the two scorers: per conversation and label (the
    highest over its prefixes), and per prefix (the evidence scorer only for the labels that
    keep it)."""
    conv_risk = np.stack(
        [_conversation_risk(full, evidence, k, use) for k, use in enumerate(use_evidence)], axis=1
    )
    prefix_risk = [
        np.maximum(full_g, evidence_g * np.asarray(use_evidence))
        for full_g, evidence_g in zip(full, evidence, strict=True)
    ]
    return conv_risk, prefix_risk


def _mean_cell_f1(
    truth: NDArray[np.int64],
    decided: NDArray[np.bool_],
    cells: NDArray[np.str_],
    weights: NDArray[np.float64] | None = None,
) -> float:
    """Mean F1 of ``decided`` over the language cells that have a positive, each conversation
    counted with its weight (1 when ``weights`` is not given)."""
    w = np.ones(truth.shape[0]) if weights is None else weights
    f1s = []
    for cell in sorted(set(cells)):
        m = cells == cell
        y, d, wc = truth[m] == 1, decided[m], w[m]
        if y.any():
            tp = float(wc[y & d].sum())
            f1s.append(2 * tp / float(wc[y].sum() + wc[d].sum()))
    return float(np.mean(f1s)) if f1s else 0.0


def _cv_early_warning(
    convs: list[LabelledConversation],
    prefix_risk: list[NDArray[np.float64]],
    keys: list[str],
    thresholds: dict[str, dict[str, float]],
) -> float | None:
    """Share of grooming conversations whose out-of-fold prefix risk crosses the grooming
    threshold within ``EARLY_MESSAGES`` of the first risky message."""
    k = LABELS.index("GROOMING")
    hits = total = 0
    for conv, risk, key in zip(convs, prefix_risk, keys, strict=True):
        if "GROOMING" not in conv.labels or conv.first_risky is None:
            continue
        total += 1
        crossed = np.flatnonzero(risk[:, k] >= threshold_for(thresholds, "GROOMING", key))
        hits += int(crossed.size > 0 and crossed[0] - conv.first_risky <= EARLY_MESSAGES)
    return round(hits / total, 4) if total else None


def _scorer(
    x: NDArray[np.float64],
    y: NDArray[np.int64],
    weight: NDArray[np.float64],
    columns: tuple[int, ...] | None,
    label: str,
) -> tuple[NDArray[np.float64], float]:
    """A conversation scorer's weights for ``label`` (zero outside ``columns`` when given) and
    bias. A feature of the label's `NON_POSITIVE_FEATURES` that the fit gives a positive weight
    is left out and the rest refitted, until none has one."""
    from sklearn.linear_model import LogisticRegression

    cols = list(columns) if columns is not None else list(range(x.shape[1]))
    non_positive = NON_POSITIVE_FEATURES.get(label, frozenset())
    while True:
        lr = LogisticRegression(C=1.0, max_iter=1000).fit(x[:, cols], y, sample_weight=weight)
        wrong_sign = [c for c, w_ in zip(cols, lr.coef_[0], strict=True)
                      if c in non_positive and w_ > 0]  # fmt: skip
        if not wrong_sign:
            break
        cols = [c for c in cols if c not in wrong_sign]
    w = np.zeros(x.shape[1])
    w[cols] = lr.coef_[0]
    return w, float(lr.intercept_[0])


#: Features that exist to discount evidence in a context, so may only lower a label: the evidence
#: in a chat between a parent and their child (``CONTEXT/kin``: a parent's photo request, or a
#: surprise kept from dad) and in talk about abuse in the news (``CONTEXT/news``: parents quoting
#: a seller's or a groomer's words). Nothing a parent says to their child, or a news story,
#: makes a chat more likely abuse than the same words between others.
DISCOUNT_FEATURES = frozenset(
    {
        FEATURE_NAMES.index("evidence_with_kin"),
        FEATURE_NAMES.index("recognizer_evidence_with_kin"),
        FEATURE_NAMES.index("evidence_in_news_talk"),
        FEATURE_NAMES.index("recognizer_evidence_in_news_talk"),
    }
)
#: Per label, features that may only lower its probability: every label's `DISCOUNT_FEATURES`,
#: and bullying's evidence times the share of banter messages (model and recognizers, and
#: recognizers alone), which exist so that the same insult weighs less among laughs; fitted
#: freely, the bullying scorer gave the first a positive weight (+2.2), because in the training
#: chats bullies laugh as much as friends do, and a Khmer game chat of "ឯងក៏ noob ដែរ 😂" (you're
#: a noob too) with one line the message model scored 0.57 became bullying at 0.86 for its
#: laughs. Not grooming's: a groomer laughs along to seem a friend ("haha", "😂"), so there
#: laughs say nothing either way.
NON_POSITIVE_FEATURES: dict[str, frozenset[int]] = {
    "GROOMING": DISCOUNT_FEATURES,
    "SEXTORTION": DISCOUNT_FEATURES,
    "BULLYING": DISCOUNT_FEATURES
    | frozenset(
        {
            FEATURE_NAMES.index("evidence_times_banter_share"),
            FEATURE_NAMES.index("recognizer_evidence_times_banter_share"),
        }
    ),
    "CSAM_TRADE": DISCOUNT_FEATURES,
}


@dataclass
class ScorerExamples:
    """The conversation scorer's training rows and, per conversation, every prefix's features."""

    x: NDArray[np.float64]  # (rows, labels, N_FEATURES)
    y: NDArray[np.int64]  # (rows, labels)
    groups: NDArray[np.int64]  # conversation index of each row
    full: list[bool]  # the row is a whole conversation (not a prefix)
    prefixes: list[NDArray[np.float64]]  # per conversation: (messages, labels, N_FEATURES)
    language_keys: list[str]  # per conversation: its threshold key
    readings: list[ChatReading]  # per conversation: a sign of a minor, adults only, family


def _conversation_examples(
    model: TextModel,
    convs: list[LabelledConversation],
    oof_p: NDArray[np.float64],
    window: int,
) -> ScorerExamples:
    """Scorer examples: each whole conversation (its labels); for risky ones the prefix before the
    first risky message (no label) and the prefixes ``EARLY_POSITIVES`` messages after it (its
    labels: flag early). Message probabilities are out-of-fold."""
    recognizers = default_recognizers()
    stage_counts = [len(STAGES[label]) for label in LABELS]
    xs, ys, gs, full = [], [], [], []
    prefixes: list[NDArray[np.float64]] = []
    keys: list[str] = []
    readings: list[ChatReading] = []
    row = 0
    for g, conv in enumerate(convs):
        evidence = []
        languages = []
        senders = [m.sender for m in conv.messages]
        arts = [build_artifacts(m.text) for m in conv.messages]
        found_per_message = with_answers(
            arts,
            senders,
            [[f for r in recognizers if r.applies_to(art) for f in r.analyze(art)] for art in arts],
        )
        for art, found in zip(arts, found_per_message, strict=True):
            languages.append(art.language)
            probs = [float(p) for p in oof_p[row]]
            row += 1
            stage: dict[str, str] = {}
            if max(probs) >= 0.5:
                stage = {label: s_ for label, (s_, _) in model.score(art).stage.items()}
            evidence.append(message_evidence(found, probs, stage, LABELS, 0.5))
        parts = conv.participants if isinstance(conv.participants, dict) else {}
        minor_known = any(_is_minor(p) for p in parts.values())
        adult_known = any(_is_adult(p) for p in parts.values())
        feats = prefix_features(
            evidence, stage_counts, window, minor_known, adult_known, senders=senders
        )
        prefixes.append(feats)
        keys.append(language_key(languages))
        readings.append(ChatReading.of(evidence, senders, minor_known))
        target = [1 if label in conv.labels else 0 for label in LABELS]
        xs.append(feats[-1])
        ys.append(target)
        gs.append(g)
        full.append(True)
        first = conv.first_risky
        if conv.labels and first is not None and 0 <= first < len(evidence):
            if first > 0:
                xs.append(feats[first - 1])
                ys.append([0] * len(LABELS))
                gs.append(g)
                full.append(False)
            for early in sorted({min(first + d, len(evidence) - 1) for d in EARLY_POSITIVES}):
                if early < len(evidence) - 1:
                    xs.append(feats[early])
                    ys.append(target)
                    gs.append(g)
                    full.append(False)
    return ScorerExamples(
        np.asarray(xs),
        np.asarray(ys, dtype=np.int64),
        np.asarray(gs),
        full,
        prefixes,
        keys,
        readings,
    )


def _is_minor(p: Any) -> bool:
    if not isinstance(p, dict):
        return False
    age = p.get("age")
    return p.get("is_minor") is True or (isinstance(age, int | float) and age < 18)


def _is_adult(p: Any) -> bool:
    if not isinstance(p, dict):
        return False
    age = p.get("age")
    return p.get("is_minor") is False or (isinstance(age, int | float) and age >= 18)


#: A language needs this many positives (and negatives) of a label for a threshold of its own.
MIN_CELL_POSITIVES = 8
#: Pseudo-count pulling a language's threshold towards the label's: few examples, small moves.
THRESHOLD_PRIOR = 5.0
#: No threshold goes under this: below it the scorer itself says "more likely benign", and a
#: small cell's F1-best cut there flags ordinary chat (an English gaming chat, say).
THRESHOLD_FLOOR = 0.5
#: A language's threshold stays within this of the label's: a literal translation scores about
#: the same in every language (the evidence scorer), so it must get the same decision.
THRESHOLD_SPREAD = 0.15


def _f1_at_cuts(
    y: NDArray[np.int64],
    values: NDArray[np.float64],
    weight: NDArray[np.float64],
    cuts: NDArray[np.float64],
    positives: float,
) -> NDArray[np.float64]:
    """Weighted F1 of flagging ``values`` at or over each of ``cuts`` (``positives``: the
    weighted count of positives), in O(n log n)."""
    order = np.argsort(-values, kind="stable")
    flagged_cum = np.cumsum(weight[order])
    tp_cum = np.cumsum((weight * (y == 1))[order])
    k = np.searchsorted(-values[order], -cuts, side="right")
    last = np.maximum(k - 1, 0)
    flagged = np.where(k > 0, flagged_cum[last], 0.0)
    tp = np.where(k > 0, tp_cum[last], 0.0)
    return np.asarray(2 * tp / (flagged + positives), dtype=np.float64)


def _best_early_f1_threshold(
    y: NDArray[np.int64],
    score: NDArray[np.float64],
    early: NDArray[np.float64],
    weight: NDArray[np.float64],
) -> float:
    """The threshold with the best sum of F1 on ``score`` (whole conversations) and
    ``EARLY_CALIBRATION_WEIGHT`` times F1 on ``early`` (a positive's risk by
    ``EARLY_MESSAGES`` after its first risky message, so that a late flag counts as a miss),
    halfway to the next lower candidate."""
    cuts = np.unique(np.concatenate([score, early]))[::-1]
    positives = max(float(np.sum(weight[y == 1])), 1e-9)
    objective = _f1_at_cuts(y, score, weight, cuts, positives) + (
        EARLY_CALIBRATION_WEIGHT * _f1_at_cuts(y, early, weight, cuts, positives)
    )
    return _halfway_below(cuts, _plateau_centre(objective, 1.0 + EARLY_CALIBRATION_WEIGHT))


#: How far under the best of grooming's calibration objective (F1 and early warning together, as
#: a share of its largest possible value) a cut still counts as best: the threshold is the middle
#: of the cuts that come this near. That objective is flat near its best, and its single best cut
#: jumped by up to 0.07 between retrainings of nearly the same data, flagging or clearing chats
#: at unchanged scores. (The plain F1 cut of the other labels keeps the highest of its best cuts:
#: their best is a wide plateau of equal F1, whose middle would flag more for nothing.)
PLATEAU_TOLERANCE = 0.01


def _plateau_centre(objective: NDArray[np.float64], scale: float) -> int:
    """The index (into cuts in descending order) of the middle of the cuts whose ``objective``
    comes within ``PLATEAU_TOLERANCE`` × ``scale`` of its best; the best cut itself when the
    tolerance is 0. The middle is taken by position among those cuts, which sit in order."""
    best = float(np.max(objective))
    near = np.flatnonzero(objective >= best - PLATEAU_TOLERANCE * scale)
    if PLATEAU_TOLERANCE <= 0 or near.size == 0:
        return int(np.argmax(objective))
    return int(near[near.size // 2])


def _halfway_below(descending: NDArray[np.float64], i: int) -> float:
    """The cut halfway from ``descending[i]`` to the next lower value (0 after the last), so that
    it does not sit on one example; within 0.05-0.95."""
    below = descending[i + 1] if i + 1 < descending.size else 0.0
    return float(np.clip((descending[i] + below) / 2.0, 0.05, 0.95))


def _best_threshold(
    y: NDArray[np.int64],
    score: NDArray[np.float64],
    early: NDArray[np.float64] | None,
    weight: NDArray[np.float64],
    mask: NDArray[np.bool_],
) -> float:
    """The calibrated threshold of the conversations in ``mask``: F1-best, or when ``early`` is
    given, best for F1 and early warning together (`_best_early_f1_threshold`)."""
    if early is None:
        return _best_f1_threshold(y[mask], score[mask], weight[mask])
    return _best_early_f1_threshold(y[mask], score[mask], early[mask], weight[mask])


def _best_f1_threshold(
    y: NDArray[np.int64], score: NDArray[np.float64], weight: NDArray[np.float64] | None = None
) -> float:
    """The threshold with the best F1 on (y, score), each example counted with its ``weight``
    (1 when not given), halfway to the next lower score so that it does not sit on one
    example."""
    w = np.ones(y.shape[0]) if weight is None else weight
    cuts = np.unique(score)[::-1]
    positives = max(float(np.sum(w[y == 1])), 1e-9)
    return _halfway_below(cuts, int(np.argmax(_f1_at_cuts(y, score, w, cuts, positives))))


def calibrate_thresholds(
    truth: NDArray[np.int64],
    risk: NDArray[np.float64],
    keys: list[str],
    weights: NDArray[np.float64] | None = None,
    early: dict[int, NDArray[np.float64]] | None = None,
) -> dict[str, dict[str, float]]:
    """Per label, the F1-best threshold on out-of-fold conversation risk, overall (``*``) and per
    language key with enough examples (shrunk towards the overall one by ``THRESHOLD_PRIOR`` and
    kept within ``THRESHOLD_SPREAD`` of it); none under ``THRESHOLD_FLOOR``. Each conversation
    counts with its weight in the F1 (1 when ``weights`` is not given). For a label index in
    ``early`` (per conversation: a positive's risk by ``EARLY_MESSAGES`` after its first risky
    message, otherwise its ``risk``), the threshold is best for F1 and early warning together
    (`_best_early_f1_threshold`)."""
    key_arr = np.asarray(keys)
    w = np.ones(truth.shape[0]) if weights is None else weights
    out: dict[str, dict[str, float]] = {}
    for k, label in enumerate(LABELS):
        y = truth[:, k]
        if y.min() == y.max():
            out[label] = {"*": 0.5}
            continue
        e_k = (early or {}).get(k)
        overall = _best_threshold(y, risk[:, k], e_k, w, np.ones(y.shape[0], dtype=bool))
        overall = max(overall, THRESHOLD_FLOOR)
        per = {"*": round(overall, 4)}
        for key in LANGUAGE_KEYS:
            mask = key_arr == key
            pos = int(y[mask].sum())
            if pos < MIN_CELL_POSITIVES or int(mask.sum()) - pos < MIN_CELL_POSITIVES:
                continue
            own = _best_threshold(y, risk[:, k], e_k, w, mask)
            weighted_pos = float(np.sum(w[mask & (y == 1)]))
            shrunk = (weighted_pos * own + THRESHOLD_PRIOR * overall) / (
                weighted_pos + THRESHOLD_PRIOR
            )
            near = min(max(shrunk, overall - THRESHOLD_SPREAD), overall + THRESHOLD_SPREAD)
            per[key] = round(max(near, THRESHOLD_FLOOR), 4)
        out[label] = per
    return out


#: Fewest positives and negatives among the one-message inputs of a label and language for them
#: to get their own threshold (the public comment rows give hundreds; a few would be noise).
MIN_ONE_MESSAGE_EXAMPLES = 30


def add_one_message_thresholds(
    thresholds: dict[str, dict[str, float]],
    truth: NDArray[np.int64],
    risk: NDArray[np.float64],
    keys: list[str],
) -> None:
    """Add to ``thresholds`` the F1-best threshold of one-message inputs (threshold keys such as
    ``en/1``, see `threshold_key`) for each label and language with at least
    ``MIN_ONE_MESSAGE_EXAMPLES`` positives and negatives among them, from every source (the
    public comment rows are most of them); none under ``THRESHOLD_FLOOR``. Languages without
    enough keep their conversation threshold."""
    key_arr = np.asarray(keys)
    one_message_keys = sorted({key for key in keys if key.endswith(ONE_MESSAGE)})
    for k, label in enumerate(LABELS):
        y = truth[:, k]
        for key in one_message_keys:
            mask = key_arr == key
            pos = int(y[mask].sum())
            if min(pos, int(mask.sum()) - pos) < MIN_ONE_MESSAGE_EXAMPLES:
                continue
            cut = _best_f1_threshold(y[mask], risk[mask, k])
            thresholds.setdefault(label, {})[key] = round(max(cut, THRESHOLD_FLOOR), 4)


# ---- metrics -----------------------------------------------------------------------------------


def label_metrics(
    y_true: NDArray[Any],
    y_score: NDArray[Any],
    threshold: float,
    predicted: NDArray[Any] | None = None,
) -> dict[str, float | int | None]:
    """Precision, recall, F1 of ``predicted`` (default: score at or over ``threshold``), ROC AUC
    and precision at 90 % recall."""
    from sklearn.metrics import precision_recall_curve, roc_auc_score

    y_true = np.asarray(y_true, dtype=np.int64)
    y_score = np.asarray(y_score, dtype=np.float64)
    pred = np.asarray(predicted, dtype=bool) if predicted is not None else y_score >= threshold
    tp = int(np.sum(pred & (y_true == 1)))
    fp = int(np.sum(pred & (y_true == 0)))
    fn = int(np.sum(~pred & (y_true == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    auc: float | None = None
    p_at_90: float | None = None
    if 0 < y_true.sum() < y_true.size:
        auc = float(roc_auc_score(y_true, y_score))
        prec, rec, _ = precision_recall_curve(y_true, y_score)
        p_at_90 = float(prec[rec >= 0.9].max())
    return {
        "n": int(y_true.size),
        "positives": int(y_true.sum()),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "roc_auc": None if auc is None else round(auc, 4),
        "precision_at_90_recall": None if p_at_90 is None else round(p_at_90, 4),
    }


def cell_of(lang: str) -> str:
    """The report cell of a record's language: ``en``, ``km``, ``vi`` or ``mixed`` (code-mixed
    and romanised records such as ``km-en``)."""
    return lang if lang in {"en", "km", "vi"} else "mixed"


#: A grooming conversation warns early when flagged at most this many messages after the first
#: risky one.
EARLY_MESSAGES = 2

#: Grooming thresholds are calibrated for F1 on whole conversations plus this much of F1 on
#: flagging within ``EARLY_MESSAGES`` (a late flag counts as a miss): F1 alone sets the cut where
#: only finished chats cross it, and warnings come late. Chosen on the writer-grouped
#: cross-validation among 0.5, 1 and 2 first (early-warning rate 73 %, 75 % and 76 % at the same
#: mean cell F1), then 2 against 4 once the training data held more benign chats that open like
#: grooming (relatives, coaches, advice): 72 % and 77 % early warning at a mean cell F1 of 0.895
#: and 0.892.
EARLY_CALIBRATION_WEIGHT = 4.0


def evaluate(engine: Any, data: list[LabelledConversation]) -> dict[str, Any]:
    """Conversation-level figures of ``engine`` on ``data`` (normally the test split): per label,
    per label and language cell (en, km, vi, mixed), per source, and for grooming how many
    messages after the first risky one the conversation was flagged (the early-warning rate is
    the share flagged within ``EARLY_MESSAGES``). Precision, recall and F1 are of the engine's own
    decisions (its per-language thresholds)."""
    from childguard.textrisk.engine import analyze_conversation

    if not data:
        raise InvalidInput("nothing to evaluate: the selected split is empty")
    scores = np.zeros((len(data), len(LABELS)))
    flagged = np.zeros((len(data), len(LABELS)), dtype=bool)
    truth = np.zeros((len(data), len(LABELS)), dtype=np.int64)
    delays: list[int] = []
    missed_grooming = 0
    for i, conv in enumerate(data):
        result = analyze_conversation(conv.as_input(), engine)
        for k, label in enumerate(LABELS):
            scores[i, k] = result["risk"][label]
            flagged[i, k] = label in result["flagged"]
            truth[i, k] = 1 if label in conv.labels else 0
        if "GROOMING" in conv.labels and conv.first_risky is not None:
            if "GROOMING" in result["flagged"]:
                delays.append(int(result["first_flagged_message"]) - conv.first_risky)
            else:
                missed_grooming += 1

    def table(mask: NDArray[np.bool_]) -> dict[str, Any]:
        return {
            label: label_metrics(truth[mask, k], scores[mask, k], 0.5, flagged[mask, k])
            for k, label in enumerate(LABELS)
        }

    everything = np.ones(len(data), dtype=bool)
    cells = np.asarray([cell_of(c.lang) for c in data])
    own = np.asarray([c.source == "datasets" for c in data])
    sources = np.asarray([c.source for c in data])
    delay_arr = np.asarray(delays) if delays else np.zeros(0)
    n_grooming = len(delays) + missed_grooming
    early = int(np.sum(delay_arr <= EARLY_MESSAGES))
    return {
        "conversations": len(data),
        "per_label": table(everything),
        "per_language": {cell: table(cells == cell) for cell in sorted(set(cells))},
        "per_source": {src: table(sources == src) for src in sorted(set(sources))},
        "per_language_datasets": {
            cell: table((cells == cell) & own) for cell in sorted(set(cells[own]))
        },
        "grooming_delay": {
            "flagged": len(delays),
            "missed": missed_grooming,
            "median_messages_after_first_risky": float(np.median(delay_arr)) if delays else None,
            "mean_messages_after_first_risky": round(float(delay_arr.mean()), 2)
            if delays
            else None,
            "flagged_at_or_before_first_risky": int(np.sum(delay_arr <= 0)),
            "early_warning_rate": round(early / n_grooming, 4) if n_grooming else None,
        },
    }
