"""The statistical per-message model: hashed n-grams and linear heads, stored without pickle.

Features are hashed (CRC-32, so stable across processes and machines) word uni-, bi- and trigrams
(Khmer split into orthographic syllables) and character 3-5-grams inside words, over the
``folded`` layer, plus the message's language and the evasions that were undone. Three heads share
them: a logistic regression per label (its score calibrated with Platt scaling), a softmax over
stages, and the conversation scorer's weights (see :mod:`childguard.textrisk.scoring`).

A model is two files: ``NAME.npz`` (numpy arrays, read with ``allow_pickle=False``) and
``NAME.json`` (labels, stages, hashing parameters, training figures).
"""

from __future__ import annotations

import itertools
import json
import math
import zlib
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from childguard.errors import ConfigurationError, InvalidInput, NotFound
from childguard.textrisk.artifacts import TextArtifacts
from childguard.textrisk.scoring import N_FEATURES

FORMAT = "childguard-textrisk-model/1"
DEFAULT_N_FEATURES = 1 << 18
CHAR_NGRAMS = (3, 4, 5)
SHIPPED_MODEL = "textrisk-default"


def feature_strings(artifacts: TextArtifacts) -> list[str]:
    """The n-gram strings of a message (before hashing); also used to explain model findings."""
    tokens = artifacts.tokens
    feats = [f"w:{t}" for t in tokens]
    feats.extend(f"b:{a} {b}" for a, b in itertools.pairwise(tokens))
    feats.extend(f"t:{a} {b} {c}" for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False))
    for token in tokens:
        if len(token) > 24:
            token = token[:24]
        padded = f" {token} "
        size = len(padded)
        for n in CHAR_NGRAMS:
            if n > size:
                break
            feats.extend(f"c:{padded[i : i + n]}" for i in range(size - n + 1))
    feats.append(f"lang:{artifacts.language}")
    feats.extend(f"ev:{e}" for e in artifacts.evasions)
    return feats


def hash_features(
    strings: list[str], n_features: int
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Hashed, L2-normalised bag of ``strings``: (sorted unique indices, values)."""
    mask = n_features - 1
    counts: dict[int, int] = {}
    for s in strings:
        idx = zlib.crc32(s.encode("utf-8")) & mask
        counts[idx] = counts.get(idx, 0) + 1
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx_arr = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    val_arr = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
    val_arr /= np.float32(np.sqrt(np.dot(val_arr, val_arr)))
    return idx_arr, val_arr


_TOKEN_CACHE_SIZE = 200_000


def _is_khmer(text: str) -> bool:
    return "\u1780" <= text[:1] <= "\u17ff"


def _crc(feature: str, mask: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) & mask


@dataclass(frozen=True)
class MessageScores:
    """The model's view of one message: calibrated probability per label, stage probabilities,
    and the n-grams that weighed most for each label."""

    probabilities: dict[str, float]
    stage: dict[str, tuple[str, float]]
    top_words: dict[str, tuple[str, ...]]


@dataclass
class TextModel:
    """A trained model: label heads, stage head, Platt calibration and conversation weights."""

    labels: tuple[str, ...]
    stages: tuple[str, ...]
    stage_labels: tuple[str, ...]
    n_features: int
    label_weights: NDArray[np.float32]  # (n_features, n_labels)
    label_bias: NDArray[np.float32]  # (n_labels,)
    platt: NDArray[np.float64]  # (n_labels, 2): p = sigmoid(a * z + b)
    stage_weights: NDArray[np.float32]  # (n_features, n_stages)
    stage_bias: NDArray[np.float32]  # (n_stages,)
    conversation_weights: NDArray[np.float64]  # (n_labels, n_conv_features)
    conversation_bias: NDArray[np.float64]  # (n_labels,)
    #: The evidence scorer (recognizer and participant features only, see ``scoring``); None in
    #: a model trained without one.
    evidence_weights: NDArray[np.float64] | None = None  # (n_labels, n_conv_features)
    evidence_bias: NDArray[np.float64] | None = None  # (n_labels,)
    metadata: dict[str, Any] = field(default_factory=dict)

    name: str = "model"
    _token_cache: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)
    _weight_cache: dict[str, list[float]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def thresholds(self) -> dict[str, dict[str, float]]:
        """Per label, the flagging threshold per conversation language key (``*``: fallback),
        calibrated on out-of-fold scores at training; empty for a model trained without them."""
        raw = self.metadata.get("thresholds")
        if not isinstance(raw, dict):
            return {}
        return {
            str(label): {str(k): float(v) for k, v in per.items()}
            for label, per in raw.items()
            if isinstance(per, dict)
        }

    def _token_indices(self, token: str) -> list[int]:
        """Hashed indices of a token's word feature and character n-grams (cached: chat words
        repeat, and hashing them is most of the model's cost)."""
        cached = self._token_cache.get(token)
        if cached is not None:
            return cached
        mask = self.n_features - 1
        indices = [_crc(f"w:{token}", mask)]
        padded = f" {token[:24]} "
        size = len(padded)
        for n in CHAR_NGRAMS:
            indices.extend(_crc(f"c:{padded[i : i + n]}", mask) for i in range(size - n + 1))
        if len(self._token_cache) >= _TOKEN_CACHE_SIZE:
            self._token_cache.clear()
        self._token_cache[token] = indices
        return indices

    def _token_weight(self, token: str) -> list[float]:
        """Per label, the summed weight of a token's word feature and character n-grams (cached,
        used to explain model findings)."""
        cached = self._weight_cache.get(token)
        if cached is None:
            cached = self.label_weights[self._token_indices(token)].sum(axis=0).tolist()
            if len(self._weight_cache) >= _TOKEN_CACHE_SIZE:
                self._weight_cache.clear()
            self._weight_cache[token] = cached
        return cached

    def _khmer_spans(self, tokens: tuple[str, ...]) -> list[tuple[list[float], str]]:
        """Runs of two or three Khmer syllables, written without spaces, with their weight (the
        syllables' weights plus the pair's or triple's own): a Khmer word is usually two or three
        syllables, and one syllable alone means little to a reader."""
        mask = self.n_features - 1
        out: list[tuple[list[float], str]] = []
        for n, prefix in ((2, "b"), (3, "t")):
            for i in range(len(tokens) - n + 1):
                span = tokens[i : i + n]
                if not all(_is_khmer(t) for t in span):
                    continue
                own = self.label_weights[_crc(f"{prefix}:{' '.join(span)}", mask)]
                total = [float(x) for x in own]
                for token in span:
                    total = [a + b for a, b in zip(total, self._token_weight(token), strict=True)]
                out.append((total, "".join(span)))
        return out

    def indices(self, artifacts: TextArtifacts) -> list[int]:
        """The hashed features of a message, with repeats: the same multiset as
        ``hash_features(feature_strings(artifacts))`` computes, only faster."""
        mask = self.n_features - 1
        tokens = artifacts.tokens
        out: list[int] = []
        for token in tokens:
            out.extend(self._token_indices(token))
        out.extend(_crc(f"b:{a} {b}", mask) for a, b in itertools.pairwise(tokens))
        out.extend(
            _crc(f"t:{a} {b} {c}", mask)
            for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False)
        )
        out.append(_crc(f"lang:{artifacts.language}", mask))
        out.extend(_crc(f"ev:{e}", mask) for e in artifacts.evasions)
        return out

    def _features(self, artifacts: TextArtifacts) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        counts = Counter(self.indices(artifacts))  # counted in C
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        val = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        if idx.size:
            val /= np.float32(np.sqrt(np.dot(val, val)))
        return idx, val

    def score(self, artifacts: TextArtifacts, explain_from: float = 0.5) -> MessageScores:
        """Probabilities per label; stages and top words for labels at or above ``explain_from``."""
        idx, val = self._features(artifacts)
        if idx.size == 0:
            z = self.label_bias.tolist()
        else:
            z = (val @ self.label_weights[idx] + self.label_bias).tolist()
        # Four numbers: plain floats are faster than numpy calls on tiny arrays.
        probs = [
            1.0 / (1.0 + math.exp(-max(-500.0, min(500.0, a * zi + b))))
            for zi, (a, b) in zip(z, self.platt.tolist(), strict=True)
        ]
        result = dict(zip(self.labels, probs, strict=True))
        stage: dict[str, tuple[str, float]] = {}
        risky = [i for i, p in enumerate(probs) if p >= explain_from]
        if not risky or idx.size == 0:
            return MessageScores(result, stage, {})
        if self.stages:
            stage_z = val @ self.stage_weights[idx] + self.stage_bias
            stage_p = np.exp(stage_z - stage_z.max()).tolist()
            for i in risky:
                label = self.labels[i]
                candidates = [j for j, lab in enumerate(self.stage_labels) if lab == label]
                if candidates:
                    best = max(candidates, key=lambda j: stage_p[j])
                    share = stage_p[best] / sum(stage_p[j] for j in candidates)
                    stage[label] = (self.stages[best], share)
        return MessageScores(result, stage, self._top_words(artifacts, risky))

    def _top_words(
        self, artifacts: TextArtifacts, labels: list[int], k: int = 5
    ) -> dict[str, tuple[str, ...]]:
        """Per label index in ``labels``: the words (and word pairs) that pushed it up the most.

        A word's weight is the sum of its word feature and its character n-grams, so that what is
        shown is a word of the message, not a fragment.
        """
        mask = self.n_features - 1
        tokens = list(dict.fromkeys(artifacts.tokens))
        pairs = list(dict.fromkeys(f"{a} {b}" for a, b in itertools.pairwise(artifacts.tokens)))
        if not tokens:
            return {}
        token_w = [self._token_weight(token) for token in tokens]
        # Rows first, then columns: indexing columns of the full matrix would copy all of it.
        pair_rows = [_crc(f"b:{p}", mask) for p in pairs]
        pair_w = self.label_weights[pair_rows].tolist() if pairs else []
        spans = self._khmer_spans(artifacts.tokens) if artifacts.khmer else []
        out: dict[str, tuple[str, ...]] = {}
        for label in labels:
            scored = [
                (w[label], t) for w, t in zip(token_w, tokens, strict=True) if not _is_khmer(t)
            ]
            scored += [
                (w[label], p) for w, p in zip(pair_w, pairs, strict=True) if not _is_khmer(p)
            ]
            scored += [(w[label], text) for w, text in spans]
            scored.sort(key=lambda item: -item[0])
            words: list[str] = []
            for _, text in scored:
                if any(text in chosen or chosen in text for chosen in words):
                    continue
                words.append(text)
                if len(words) == k:
                    break
            out[self.labels[label]] = tuple(words)
        return out

    # ---- persistence -------------------------------------------------------------------------

    def save(self, path: Path) -> Path:
        """Write ``path`` (``.npz``) and its ``.json`` beside it, atomically; return the npz."""
        npz = path if path.suffix == ".npz" else path.with_suffix(".npz")
        npz.parent.mkdir(parents=True, exist_ok=True)
        tmp = npz.with_name(npz.name + ".tmp.npz")
        # Only rows of features seen in training are non-zero: store those rows (labels in float16).
        magnitude = np.abs(self.label_weights).max(axis=1)
        if self.stage_weights.shape[1]:
            magnitude = magnitude + np.abs(self.stage_weights).max(axis=1)
        used = np.flatnonzero(magnitude).astype(np.uint32)
        # The stage head only ranks a label's stages, so 8 bits per weight (a scale per stage)
        # suffice; that keeps the shipped file small.
        stage = self.stage_weights[used]
        stage_scale = np.maximum(np.abs(stage).max(axis=0, initial=0.0), 1e-12) / 127.0
        stage_q = np.round(stage / stage_scale).astype(np.int8)
        evidence: dict[str, Any] = {}
        if self.evidence_weights is not None and self.evidence_bias is not None:
            evidence = {
                "evidence_weights": self.evidence_weights.astype(np.float64),
                "evidence_bias": self.evidence_bias.astype(np.float64),
            }
        np.savez_compressed(
            tmp,
            rows=used,
            label_weights=self.label_weights[used].astype(np.float16),
            label_bias=self.label_bias.astype(np.float32),
            platt=self.platt.astype(np.float64),
            stage_weights=stage_q,
            stage_scale=stage_scale.astype(np.float32),
            stage_bias=self.stage_bias.astype(np.float32),
            conversation_weights=self.conversation_weights.astype(np.float64),
            conversation_bias=self.conversation_bias.astype(np.float64),
            **evidence,
        )
        meta = {
            "format": FORMAT,
            "name": self.name,
            "labels": list(self.labels),
            "stages": list(self.stages),
            "stage_labels": list(self.stage_labels),
            "n_features": self.n_features,
            "char_ngrams": list(CHAR_NGRAMS),
            **{k: v for k, v in self.metadata.items() if k not in {"format"}},
        }
        json_tmp = npz.with_suffix(".json.tmp")
        json_tmp.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", "utf-8")
        tmp.replace(npz)
        json_tmp.replace(npz.with_suffix(".json"))
        return npz

    @classmethod
    def load(cls, path: Path) -> TextModel:
        """Read a model written by :meth:`save`; clear errors for a missing or foreign file."""
        npz = path if path.suffix == ".npz" else path.with_suffix(".npz")
        meta_path = npz.with_suffix(".json")
        if not npz.is_file() or not meta_path.is_file():
            raise NotFound(f"text-risk model {npz} (and {meta_path.name} beside it) not found")
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"{meta_path} is not a text-risk model description: {exc}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise InvalidInput(f"{meta_path} is not a {FORMAT} file")
        try:
            with np.load(npz, allow_pickle=False) as arrays:
                data = {k: arrays[k] for k in arrays.files}
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{npz} is not a readable model file: {exc}") from None
        n_features = int(meta["n_features"])
        try:
            rows = data["rows"].astype(np.int64)
            label_weights = np.zeros((n_features, len(meta["labels"])), dtype=np.float32)
            label_weights[rows] = data["label_weights"]
            stage_weights = np.zeros((n_features, len(meta["stages"])), dtype=np.float32)
            stage_weights[rows] = data["stage_weights"].astype(np.float32) * data["stage_scale"]
        except (KeyError, IndexError, ValueError) as exc:
            raise InvalidInput(f"{npz}: arrays do not match {meta_path.name}: {exc}") from None
        model = cls(
            labels=tuple(meta["labels"]),
            stages=tuple(meta["stages"]),
            stage_labels=tuple(meta["stage_labels"]),
            n_features=n_features,
            label_weights=label_weights,
            label_bias=data["label_bias"],
            platt=data["platt"],
            stage_weights=stage_weights,
            stage_bias=data["stage_bias"],
            conversation_weights=data["conversation_weights"],
            conversation_bias=data["conversation_bias"],
            evidence_weights=data.get("evidence_weights"),
            evidence_bias=data.get("evidence_bias"),
            metadata={k: v for k, v in meta.items() if k not in {"labels", "stages"}},
            name=str(meta.get("name", npz.stem)),
        )
        if model.label_weights.shape != (n_features, len(model.labels)):
            raise InvalidInput(f"{npz}: weights do not match the description in {meta_path.name}")
        if model.conversation_weights.shape != (len(model.labels), N_FEATURES):
            raise InvalidInput(
                f"{npz}: its conversation scorer has {model.conversation_weights.shape[-1]} "
                f"features, this version needs {N_FEATURES}; retrain it with "
                "`childguard text train`"
            )
        if model.evidence_weights is not None and model.evidence_weights.shape != (
            len(model.labels),
            N_FEATURES,
        ):
            raise InvalidInput(f"{npz}: its evidence scorer does not fit this version; retrain it")
        return model


def shipped_model_path() -> Path:
    """Path of the model shipped inside the package (``textrisk/data/textrisk-default.npz``)."""
    ref = resources.files("childguard.textrisk") / "data" / f"{SHIPPED_MODEL}.npz"
    path = Path(str(ref))
    if not path.is_file():
        raise ConfigurationError(
            "the shipped text-risk model is missing from the package; reinstall childguard or "
            "set CHILDGUARD_TEXTRISK_MODEL_PATH to a model made by `childguard text train`"
        )
    return path
