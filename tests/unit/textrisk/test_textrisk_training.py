"""Data loading, the deterministic split and the metrics of the training module."""

from __future__ import annotations

import hashlib
import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from childguard.errors import InvalidInput, NotFound
from childguard.textrisk import training
from childguard.textrisk.training import is_test_id, label_metrics, load_data


def test_split_is_deterministic_and_about_a_fifth() -> None:
    ids = [f"en-{i:04d}" for i in range(2000)]
    share = sum(is_test_id(i) for i in ids) / len(ids)
    assert 0.16 < share < 0.24
    assert [is_test_id(i) for i in ids[:50]] == [is_test_id(i) for i in ids[:50]]


def test_public_csv_formats_become_one_message_conversations(tmp_path: Path) -> None:
    davidson = tmp_path / "en_davidson_toxicity"
    davidson.mkdir()
    rows = [",count,hate_speech,offensive_language,neither,class,tweet"]
    rows += [f"{i},3,0,0,3,{i % 3},tweet number {i}" for i in range(30)]
    (davidson / "labeled_data.csv").write_text("\n".join(rows) + "\n")
    vihos = tmp_path / "vi_vihos"
    vihos.mkdir()
    (vihos / "test.csv").write_text(
        ',content,index_spans\n0,"xin chao",[]\n1,"do ngu","[3, 4, 5]"\n'
    )
    data = load_data([tmp_path], shared_cap=100)
    by_source = {d.source for d in data}
    assert by_source == {"davidson", "vihos"}
    for d in data:
        assert len(d.messages) == 1
        if d.source == "davidson":
            assert (d.labels == ("BULLYING",)) == (int(d.messages[0].text.split()[-1]) % 3 != 2)
    vi = {d.messages[0].text: d for d in data if d.source == "vihos"}
    assert vi["do ngu"].labels == ("BULLYING",) and vi["do ngu"].test
    assert vi["xin chao"].labels == ()


def test_jsonl_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"id": "a", "messages": [{"text": "hi"}], "labels": ["NOPE"]}))
    with pytest.raises(InvalidInput, match=r"x.jsonl:1: unknown label"):
        load_data([path])
    with pytest.raises(NotFound):
        load_data([tmp_path / "missing"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InvalidInput, match="no labelled conversations"):
        load_data([empty])


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    line = json.dumps({"id": "a", "messages": [{"text": "hi"}]})
    (tmp_path / "a.jsonl").write_text(line + "\n" + line + "\n")
    with pytest.raises(InvalidInput, match="appears twice"):
        load_data([tmp_path])


def test_label_metrics_on_a_hand_computed_case() -> None:
    y = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    s = np.array([0.9, 0.8, 0.3, 0.7, 0.2, 0.1, 0.1, 0.05])
    m = label_metrics(y, s, 0.5)
    # At 0.5: TP=2, FP=1, FN=1.
    assert (m["precision"], m["recall"]) == (
        pytest.approx(2 / 3, abs=1e-3),
        pytest.approx(2 / 3, abs=1e-3),
    )
    # Ranking: positives 0.9, 0.8, 0.3 vs five negatives: only 0.3 < 0.7 is out of order.
    assert m["roc_auc"] == pytest.approx(14 / 15, abs=1e-3)
    # 90 % recall needs all three positives: threshold 0.3 -> 3 TP, 1 FP.
    assert m["precision_at_90_recall"] == pytest.approx(0.75)
    assert label_metrics(np.zeros(3), np.zeros(3), 0.5)["roc_auc"] is None


def test_the_evidence_scorer_choice_counts_each_conversation_with_its_weight() -> None:
    """Generated chats (weight 0.4) count in the choice: their false alarms lower the F1."""
    from childguard.textrisk.training import _mean_cell_f1

    truth = np.asarray([1, 1, 0, 0, 0, 0])
    decided = np.asarray([True, True, False, True, True, True])
    cells = np.asarray(["en"] * 6)
    assert _mean_cell_f1(truth, decided, cells) == 2 * 2 / (2 + 5)
    # the last three are generated: three false alarms weigh 1.2 conversations
    weights = np.asarray([1, 1, 1, 0.4, 0.4, 0.4])
    assert np.isclose(_mean_cell_f1(truth, decided, cells, weights), 2 * 2 / (2 + 2 + 1.2))
    # a cell without positives is left out of the mean
    cells = np.asarray(["en", "en", "en", "km", "km", "km"])
    assert _mean_cell_f1(truth, decided, cells, weights) == 1.0


def test_the_fresh_writers_set_stays_apart_from_the_training_data() -> None:
    """datasets/text-fresh measures how the model carries over to other people's writing: none
    of its conversations may also sit in datasets/text, which the shipped model is trained on."""
    root = Path(__file__).resolve().parents[3] / "datasets"
    fresh = load_data([root / "text-fresh"])
    trained = {c.id for c in load_data([root / "text"])}
    assert len(fresh) >= 300
    assert not {c.id for c in fresh} & trained


def test_every_repository_conversation_is_valid_engine_input() -> None:
    """`text eval` sends each conversation to the engine: a writer's free-text note where the
    format wants participant objects ({"A": "girl, grade 9"}) would stop the whole evaluation."""
    from childguard.textrisk.conversation import parse_conversation

    root = Path(__file__).resolve().parents[3] / "datasets"
    data = load_data([root / "text", root / "text-fresh"])
    assert len(data) > 3000
    for conv in data:
        parse_conversation(conv.as_input(), 10_000, 100_000)


def test_a_conversations_fold_depends_on_its_id_alone() -> None:
    ids = [f"synth-99-{i:05d}" for i in range(300)]
    groups = np.repeat(np.arange(len(ids)), 3)  # three rows (messages) per conversation
    folds = training.folds_by_id(ids, groups, 3)
    # Every row is validated exactly once, and a conversation's rows stay together.
    validated = np.sort(np.concatenate([val for _, val in folds]))
    assert np.array_equal(validated, np.arange(groups.size))
    for train_rows, val_rows in folds:
        assert not set(groups[train_rows]) & set(groups[val_rows])
        assert 70 < len(set(groups[val_rows])) < 130  # about a third each
    # More conversations, in another order: those already there keep their fold.
    more = ids[::-1] + [f"synth-98-{i:05d}" for i in range(50)]
    regrouped = training.folds_by_id(more, np.arange(len(more)), 3)
    fold_in = {more[g]: f for f, (_, val) in enumerate(regrouped) for g in val}
    first = {ids[g]: f for f, (_, val) in enumerate(folds) for g in set(groups[val])}
    assert all(fold_in[i] == first[i] for i in ids)
    # Not the held-out split's hash: the test ids are not all in one fold.
    test_ids = [i for i in ids if is_test_id(i)]
    assert len({training.fold_of(i, 3) for i in test_ids}) == 3


def test_each_repeat_deals_the_folds_anew_and_the_first_keeps_the_old_dealing() -> None:
    ids = [f"synth-99-{i:05d}" for i in range(300)]
    dealt = {r: [training.fold_of(i, 3, r) for i in ids] for r in range(3)}
    # Repeat 0 is the dealing models were trained with before repeats existed (a generated
    # chat is its own group).
    old = [
        int.from_bytes(hashlib.sha256(f"fold:{i}".encode()).digest()[:4], "big") % 3 for i in ids
    ]
    assert dealt[0] == old
    for r in (1, 2):
        assert all(0 <= f < 3 for f in dealt[r])
        same = sum(a == b for a, b in zip(dealt[0], dealt[r], strict=True))
        assert 60 < same < 140  # about a third by chance, not the same dealing
    assert dealt[1] != dealt[2]


def test_one_writers_batch_stays_in_one_fold_and_batches_spread_over_the_folds() -> None:
    assert training.cv_group("en-h33-012") == "en-h33"
    assert training.cv_group("mx-h20-007") == "mx-h20"
    assert training.cv_group("km-012") == "km"
    assert training.cv_group("synth-15-00012") == "synth-15-00012"
    assert training.cv_group("davidson-123") == "davidson-123"
    for repeat in range(3):
        for batch in ("en-h33", "vi-h21", "mx-h16", "km"):
            assert len({training.fold_of(f"{batch}-{i:03d}", 3, repeat) for i in range(60)}) == 1
        batches = [f"{lang}-h{n}" for lang in ("en", "km", "vi", "mx") for n in range(10, 40)]
        per_fold = np.bincount([training.fold_of(f"{b}-001", 3, repeat) for b in batches])
        assert per_fold.size == 3 and per_fold.min() > 20  # about 40 batches each


def test_data_of_one_writer_batch_is_dealt_by_id() -> None:
    ids = [f"en-{i:04d}" for i in range(60)]  # one batch: by writer, every fold but one is empty
    folds = training.folds_by_id(ids, np.arange(len(ids)), 3)
    assert all(10 < len(val) < 30 for _, val in folds)


def test_thresholds_of_repeats_combine_by_their_median() -> None:
    repeated = [
        {"GROOMING": {"*": 0.6, "km": 0.9}, "BULLYING": {"*": 0.7}},
        {"GROOMING": {"*": 0.5, "km": 0.7}, "BULLYING": {"*": 0.8, "en/1": 0.55}},
        {"GROOMING": {"*": 0.9, "km": 0.5}, "BULLYING": {"*": 0.75}},
    ]
    combined = training.median_thresholds(repeated)
    assert combined == {
        "GROOMING": {"*": 0.6, "km": 0.7},
        "BULLYING": {"*": 0.75, "en/1": 0.55},  # a key only one repeat has keeps its value
    }
    assert training.median_thresholds(repeated[:1]) == repeated[0]


def test_the_cli_repeats_the_threshold_cross_validation_as_often_as_training_does() -> None:
    from childguard.cli import text_cmd

    option = inspect.signature(text_cmd.train).parameters["repeats"].default
    assert option.default == training.THRESHOLD_REPEATS


def test_the_banter_interactions_may_only_lower_bullyings_probability() -> None:
    from childguard.textrisk.scoring import FEATURE_NAMES, N_FEATURES

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    x = rng.normal(size=(400, N_FEATURES))
    banter = FEATURE_NAMES.index("evidence_times_banter_share")
    evidence = FEATURE_NAMES.index("max_message_probability")
    x[:, banter] += 2.0 * y  # in the training chats, the attackers laughed more
    x[:, evidence] += 2.0 * y
    weights, _ = training._scorer(x, y, np.ones(400), None, "BULLYING")
    assert weights[banter] == 0.0
    assert weights[evidence] > 1.0
    # Grooming's laughs are not held to a sign.
    weights, _ = training._scorer(x, y, np.ones(400), None, "GROOMING")
    assert weights[banter] > 1.0
    # Where the data agree with the sign, the weight is fitted as it is.
    x[:, banter] -= 4.0 * y
    weights, _ = training._scorer(x, y, np.ones(400), None, "BULLYING")
    assert weights[banter] < -1.0
