"""Training and evaluation of the text-risk model.

Data: labelled conversations in JSON Lines (the ``datasets/text`` format), plus, for bullying, the
public offensive-language sets in ``$CHILDGUARD_CONFORMANCE_DATA/text`` (Davidson et al. tweets,
ViHOS comments), read from their CSV files and turned into one-message conversations.

The split is deterministic: a conversation belongs to the test split when the SHA-256 of its id
falls in the lowest 20 % (ViHOS keeps its published test file). The test split is never used for
training, calibration or tuning; cross-validation (grouped by conversation) runs inside the
training split only.
"""

from __future__ import annotations

import csv
import hashlib
import json
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
from childguard.textrisk.recognizers import CONTEXT, LABELS, STAGES, default_recognizers
from childguard.textrisk.scoring import N_FEATURES, MessageEvidence, prefix_features

TEST_PERCENT = 20
SHARED_CAP = 3000
#: Inverse L2 strength of the message heads, chosen by 5-fold cross-validation on the training
#: split among 1, 4, 16 and 64 (best conversation-level F1 for every label at 64).
DEFAULT_C = 64.0


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


def _label_head(x: Any, y: NDArray[np.int64], c: float) -> tuple[NDArray[np.float64], float]:
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():
        return np.zeros(x.shape[1]), -5.0 if y.max() == 0 else 5.0
    lr = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=200)
    lr.fit(x, y)
    return lr.coef_[0].astype(np.float64), float(lr.intercept_[0])


@dataclass
class TrainingResult:
    """A trained model and its cross-validated figures (training split only)."""

    model: TextModel
    report: dict[str, Any]


def train(
    data: list[LabelledConversation],
    n_features: int = DEFAULT_N_FEATURES,
    folds: int = 5,
    c: float = DEFAULT_C,
    window: int = 200,
    log: Callable[[str], None] | None = None,
) -> TrainingResult:
    """Train every head on the training split of ``data``; the test split is left untouched."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    say: Callable[[str], None] = log or (lambda _msg: None)
    train_convs = [c_ for c_ in data if not c_.test]
    if len(train_convs) < folds * 2:
        raise InvalidInput(f"too little training data: {len(train_convs)} conversations")
    texts: list[str] = []
    groups: list[int] = []
    y_rows: list[list[int]] = []
    stage_keys: list[str | None] = []
    for g, conv in enumerate(train_convs):
        for m in conv.messages:
            texts.append(m.text)
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
    n_labels = len(LABELS)

    say(f"{folds}-fold cross-validation of the message heads")
    oof = np.zeros((len(texts), n_labels))
    for fold, (train_idx, val_idx) in enumerate(
        GroupKFold(n_splits=folds).split(x, y, group_arr), start=1
    ):
        say(f"  fold {fold}/{folds}")
        for k in range(n_labels):
            w, b = _label_head(x[train_idx], y[train_idx, k], c)
            oof[val_idx, k] = x[val_idx] @ w + b
    platt = np.array([_platt(oof[:, k], y[:, k]) for k in range(n_labels)])
    oof_p = 1.0 / (1.0 + np.exp(-(platt[:, 0] * oof + platt[:, 1])))

    say("fitting the final message heads")
    weights = np.zeros((n_features, n_labels), dtype=np.float32)
    bias = np.zeros(n_labels, dtype=np.float32)
    for k in range(n_labels):
        w, b = _label_head(x, y[:, k], c)
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
        slr.fit(x[stage_rows], sy)
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

    say("fitting the conversation scorer")
    conv_x, conv_y, conv_groups, conv_full = _conversation_examples(
        model, train_convs, oof_p, window
    )
    cw = np.zeros((n_labels, N_FEATURES))
    cb = np.zeros(n_labels)
    conv_oof = np.zeros((len(conv_y), n_labels))
    for k in range(n_labels):
        yk = conv_y[:, k]
        if yk.min() == yk.max():
            cb[k] = -5.0
            continue
        lr = LogisticRegression(C=1.0, max_iter=500)
        lr.fit(conv_x[:, k, :], yk)
        cw[k], cb[k] = lr.coef_[0], lr.intercept_[0]
        for tr, va in GroupKFold(n_splits=folds).split(conv_x, yk, conv_groups):
            if yk[tr].min() == yk[tr].max():
                continue
            fold_lr = LogisticRegression(C=1.0, max_iter=500).fit(conv_x[tr, k, :], yk[tr])
            conv_oof[va, k] = fold_lr.predict_proba(conv_x[va, k, :])[:, 1]
    model.conversation_weights = cw
    model.conversation_bias = cb

    full = np.asarray(conv_full)
    own = full & np.asarray([train_convs[g].source == "datasets" for g in conv_groups])
    report = {
        "training_conversations": len(train_convs),
        "training_messages": len(texts),
        "test_conversations": sum(1 for c_ in data if c_.test),
        "cv_folds": folds,
        "cv_message": {
            label: label_metrics(y[:, k], oof_p[:, k], 0.5) for k, label in enumerate(LABELS)
        },
        "cv_conversation": {
            label: label_metrics(conv_y[full, k], conv_oof[full, k], 0.5)
            for k, label in enumerate(LABELS)
        },
        "cv_conversation_datasets": {
            label: label_metrics(conv_y[own, k], conv_oof[own, k], 0.5)
            for k, label in enumerate(LABELS)
        },
    }
    model.metadata = {"training": report}
    return TrainingResult(model, report)


def _conversation_examples(
    model: TextModel,
    convs: list[LabelledConversation],
    oof_p: NDArray[np.float64],
    window: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64], list[bool]]:
    """Scorer examples: each whole conversation (its labels) and, for risky ones, the prefix
    before the first risky message (no label). Message probabilities are out-of-fold."""
    recognizers = default_recognizers()
    stage_counts = [len(STAGES[label]) for label in LABELS]
    xs, ys, gs, full = [], [], [], []
    row = 0
    for g, conv in enumerate(convs):
        evidence = []
        for m in conv.messages:
            art = build_artifacts(m.text)
            found = [f for r in recognizers if r.applies_to(art) for f in r.analyze(art)]
            probs = oof_p[row]
            row += 1
            rec = [0.0] * len(LABELS)
            stages: list[set[str]] = [set() for _ in LABELS]
            minor = adult = False
            for f in found:
                if f.label == CONTEXT:
                    minor = minor or f.stage == "stated_minor_age"
                    adult = adult or f.stage == "stated_adult_age"
                elif f.label in LABELS:
                    k = LABELS.index(f.label)
                    rec[k] = max(rec[k], f.score)
                    if f.stage:
                        stages[k].add(f.stage)
            if probs.max() >= 0.5:
                scores = model.score(art)
                for k, label in enumerate(LABELS):
                    if probs[k] >= 0.5 and label in scores.stage:
                        stages[k].add(scores.stage[label][0])
            evidence.append(MessageEvidence(list(map(float, probs)), rec, stages, minor, adult))
        parts = conv.participants if isinstance(conv.participants, dict) else {}
        minor_known = any(_is_minor(p) for p in parts.values())
        adult_known = any(_is_adult(p) for p in parts.values())
        feats = prefix_features(evidence, stage_counts, window, minor_known, adult_known)
        target = [1 if label in conv.labels else 0 for label in LABELS]
        xs.append(feats[-1])
        ys.append(target)
        gs.append(g)
        full.append(True)
        if conv.labels and conv.first_risky and 0 < conv.first_risky <= len(evidence):
            xs.append(feats[conv.first_risky - 1])
            ys.append([0] * len(LABELS))
            gs.append(g)
            full.append(False)
    return np.asarray(xs), np.asarray(ys, dtype=np.int64), np.asarray(gs), full


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


# ---- metrics -----------------------------------------------------------------------------------


def label_metrics(
    y_true: NDArray[Any], y_score: NDArray[Any], threshold: float
) -> dict[str, float | int | None]:
    """Precision, recall, F1 at ``threshold``, ROC AUC and precision at 90 % recall."""
    from sklearn.metrics import precision_recall_curve, roc_auc_score

    y_true = np.asarray(y_true, dtype=np.int64)
    y_score = np.asarray(y_score, dtype=np.float64)
    pred = y_score >= threshold
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


def evaluate(engine: Any, data: list[LabelledConversation]) -> dict[str, Any]:
    """Conversation-level figures of ``engine`` on ``data`` (normally the test split): per label,
    per label and language, and for grooming how many messages after the first risky one the
    conversation was flagged."""
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
    languages = sorted({c.lang for c in data})
    per_label = {}
    for k, label in enumerate(LABELS):
        thr = engine.thresholds.get(label, 0.5)
        per_label[label] = label_metrics(truth[:, k], scores[:, k], thr)
    per_language: dict[str, dict[str, Any]] = {}
    for lang in languages:
        mask = np.asarray([c.lang == lang for c in data])
        per_language[lang] = {
            label: label_metrics(truth[mask, k], scores[mask, k], engine.thresholds.get(label, 0.5))
            for k, label in enumerate(LABELS)
        }
    own_languages: dict[str, dict[str, Any]] = {}
    for lang in sorted({c.lang for c in data if c.source == "datasets"}):
        mask = np.asarray([c.lang == lang and c.source == "datasets" for c in data])
        own_languages[lang] = {
            label: label_metrics(truth[mask, k], scores[mask, k], engine.thresholds.get(label, 0.5))
            for k, label in enumerate(LABELS)
        }
    sources = sorted({c.source for c in data})
    per_source = {}
    for source in sources:
        mask = np.asarray([c.source == source for c in data])
        per_source[source] = {
            label: label_metrics(truth[mask, k], scores[mask, k], engine.thresholds.get(label, 0.5))
            for k, label in enumerate(LABELS)
        }
    delay_arr = np.asarray(delays) if delays else np.zeros(0)
    return {
        "conversations": len(data),
        "per_label": per_label,
        "per_language": per_language,
        "per_source": per_source,
        "per_language_datasets": own_languages,
        "grooming_delay": {
            "flagged": len(delays),
            "missed": missed_grooming,
            "median_messages_after_first_risky": float(np.median(delay_arr)) if delays else None,
            "mean_messages_after_first_risky": round(float(delay_arr.mean()), 2)
            if delays
            else None,
            "flagged_at_or_before_first_risky": int(np.sum(delay_arr <= 0)),
        },
    }
