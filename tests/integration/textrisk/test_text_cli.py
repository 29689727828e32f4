"""``childguard text analyze|train|eval`` end to end, on a tiny generated dataset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from childguard.cli.main import app
from childguard.textrisk.recognizers import LABELS
from childguard.textrisk.training import THRESHOLD_REPEATS, is_test_id, median_thresholds

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHILDGUARD_DATA_DIR", str(tmp_path / "data"))


def write_dataset(folder: Path) -> Path:
    """Forty tiny conversations: risky ones of each label and benign ones."""
    templates = {
        "GROOMING": ["how old are you", "dont tell anyone about us", "send me a private pic"],
        "SEXTORTION": ["i have your pics", "pay me or i send them to your school", "1 hour left"],
        "BULLYING": ["ur so stupid", "nobody likes you", "loser"],
        "CSAM_TRADE": ["selling kids videos", "20$ per folder", "dm on telegram"],
    }
    rows = []
    for i in range(40):
        label = list(templates)[i % 4] if i % 5 else None
        lines = templates[label] if label else ["hi", "see you at practice", "ok bye"]
        messages = [
            {"sender": "A", "text": f"{t} {i}", "labels": [label] if label else []} for t in lines
        ]
        rows.append(
            {
                "id": f"en-{i:04d}",
                "lang": "en",
                "labels": [label] if label else [],
                "first_risky_message": 0 if label else None,
                "messages": messages,
            }
        )
    path = folder / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


@pytest.mark.slow
def test_train_then_eval_then_analyze(tmp_path: Path) -> None:
    data = write_dataset(tmp_path)
    model = tmp_path / "m.npz"
    # A training conversation labelled BULLYING that reads like the benign ones: cross-validation
    # must miss it.
    odd_id = next(f"en-odd-{n}" for n in range(100) if not is_test_id(f"en-odd-{n}"))
    odd = {"id": odd_id, "lang": "en", "labels": ["BULLYING"], "first_risky_message": 0,
           "messages": [{"sender": "A", "text": t, "labels": ["BULLYING"]}
                        for t in ("hi", "see you at practice", "ok bye")]}  # fmt: skip
    with data.open("a") as f:
        f.write(json.dumps(odd) + "\n")
    mistakes = tmp_path / "mistakes.jsonl"
    trained = runner.invoke(app, ["text", "train", str(data), "--out", str(model), "--folds", "2",
                                  "--json", "--mistakes", str(mistakes)])  # fmt: skip
    assert trained.exit_code == 0, trained.output
    # The conversations cross-validation got wrong: ids of training conversations, no text.
    rows = [json.loads(line) for line in mistakes.read_text().splitlines()]
    texts = {json.dumps(r) for r in rows}
    assert all(r["error"] in {"missed", "false alarm"} for r in rows)
    assert all((r["risk"] >= r["threshold"]) == (r["error"] == "false alarm") for r in rows)
    assert not any("message" in t or "text" in t for t in texts)
    assert {"id": odd_id, "label": "BULLYING", "error": "missed"}.items() <= next(
        r for r in rows if r["id"] == odd_id and r["label"] == "BULLYING"
    ).items()
    report = json.loads(trained.stdout.strip().splitlines()[-1])
    # progress reaches stderr even with --json and no terminal, fold by fold
    assert "fold 2/2" in trained.stderr and "s] reading the training data" in trained.stderr
    assert report["training_conversations"] + report["test_conversations"] == 41
    # Cross-validated figures per language cell and the early-warning rate, and which labels
    # kept the evidence scorer, are reported.
    assert "en" in report["cv_conversation_datasets_cells"]
    assert "cv_early_warning_rate_datasets" in report
    # The generated conversations' figures are reported apart (none in this data set).
    assert report["cv_conversation_generated"]["GROOMING"]["n"] == 0
    # Bullying does without the evidence scorer (banter and attacks share their insults); the
    # other labels keep it wherever it could be fitted, and its cross-validated mean cell F1 with
    # and without is reported for every label it was fitted for.
    assert "BULLYING" not in report["evidence_scorer_labels"]
    assert set(report["evidence_scorer_labels"]) <= set(report["cv_evidence_scorer"])
    assert all(
        0 <= f["with"] <= 1 and 0 <= f["without"] <= 1
        for f in report["cv_evidence_scorer"].values()
    )
    with np.load(model) as stored_model:
        bullying = LABELS.index("BULLYING")
        assert stored_model["evidence_bias"][bullying] == -30.0
        assert not stored_model["evidence_weights"][bullying].any()
    assert model.is_file() and model.with_suffix(".json").is_file()
    # The thresholds' cross-validation ran five times (the default), each with other folds, and
    # each stored threshold is the median of the five repeats'.
    assert f"(repeat {THRESHOLD_REPEATS}/{THRESHOLD_REPEATS})" in trained.stderr
    logged = next(
        line for line in trained.stderr.splitlines() if "thresholds of each repeat" in line
    )
    repeated = json.loads(logged.split(": ", 1)[1])
    assert len(repeated) == THRESHOLD_REPEATS == 5
    stored = json.loads(model.with_suffix(".json").read_text("utf-8"))["thresholds"]
    assert stored == median_thresholds(repeated)

    evaluated = runner.invoke(app, ["text", "eval", str(data), "--model", str(model), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    figures = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert set(figures["per_label"]) == {"GROOMING", "SEXTORTION", "BULLYING", "CSAM_TRADE"}
    assert "en" in figures["per_language"]
    assert figures["grooming_delay"]["early_warning_rate"] is not None
    table = runner.invoke(app, ["text", "eval", str(data), "--model", str(model)])
    assert table.exit_code == 0 and "precision" in table.stdout

    # Thresholds per label and language are stored with the model, and training is reproducible.
    meta = json.loads(model.with_suffix(".json").read_text("utf-8"))
    assert set(meta["thresholds"]) == {"GROOMING", "SEXTORTION", "BULLYING", "CSAM_TRADE"}
    assert all("*" in per for per in meta["thresholds"].values())
    again = tmp_path / "again.npz"
    retrained = runner.invoke(app, ["text", "train", str(data), "--out", str(again), "--folds",
                                    "2", "--json"])  # fmt: skip
    assert retrained.exit_code == 0, retrained.output
    with np.load(model) as first, np.load(again) as second:
        for name in first.files:
            assert np.array_equal(first[name], second[name]), name
    assert (
        json.loads(again.with_suffix(".json").read_text("utf-8"))["thresholds"]
        == meta["thresholds"]
    )

    line = json.dumps({"id": "x", "messages": [{"sender": "A", "text": "ur so stupid"}]})
    analysed = runner.invoke(app, ["text", "analyze", "-", "--json", "--model", str(model)],
                             input=line + "\n")  # fmt: skip
    assert analysed.exit_code == 0, analysed.output
    assert json.loads(analysed.stdout)["id"] == "x"


@pytest.mark.slow
def test_one_repeat_of_the_threshold_cross_validation(tmp_path: Path) -> None:
    data = write_dataset(tmp_path)
    trained = runner.invoke(app, ["text", "train", str(data), "--out", str(tmp_path / "m.npz"),
                                  "--folds", "2", "--repeats", "1", "--json"])  # fmt: skip
    assert trained.exit_code == 0, trained.output
    assert "repeat" not in trained.stderr and "fold 2/2" in trained.stderr
    refused = runner.invoke(app, ["text", "train", str(data), "--out", str(tmp_path / "n.npz"),
                                  "--repeats", "0"])  # fmt: skip
    assert refused.exit_code != 0 and "--repeats" in refused.output


def test_analyze_jsonl_with_invalid_utf8_and_a_bad_line() -> None:
    good = json.dumps({"id": "a", "messages": [{"sender": "A", "text": "hello"}]}).encode()
    bad_utf8 = b'[{"sender": "A", "text": "caf\xc3 \xff\xfe junk"}]'
    wrong_shape = b'{"messages": 5}'
    not_json = b"{nope"
    stdin = b"\n".join([good, bad_utf8, wrong_shape, not_json]) + b"\n"
    result = runner.invoke(app, ["text", "analyze", "-", "--json"], input=stdin)
    assert result.exit_code == 2
    lines = [json.loads(x) for x in result.stdout.strip().splitlines()]
    assert lines[0]["id"] == "a"
    assert lines[1]["messages"] == 1  # invalid UTF-8 replaced, message still analysed
    assert lines[2]["line"] == 3
    assert lines[2]["error"] == {
        "code": "invalid_input",
        "message": "'messages' must be a list, not int",
    }
    assert lines[3]["line"] == 4 and "not valid JSON" in lines[3]["error"]["message"]
    assert "Traceback" not in result.output


def test_analyze_readable_summary(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps([{"sender": "A", "text": "dont tell anyone about us"}]) + "\n")
    result = runner.invoke(app, ["text", "analyze", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "secrecy_isolation" in result.stdout


def test_missing_file_and_data_are_clear_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["text", "analyze", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 4 and "does not exist" in " ".join(result.output.split())
    result = runner.invoke(app, ["text", "eval", str(tmp_path / "nope")])
    assert result.exit_code == 4 and "does not exist" in " ".join(result.output.split())
    data = write_dataset(tmp_path)
    result = runner.invoke(app, ["text", "train", str(data), "--out", str(tmp_path / "m.npz"),
                                 "--mistakes", str(tmp_path / "no" / "m.jsonl")])  # fmt: skip
    assert result.exit_code == 2 and "does not exist" in " ".join(result.output.split())
    assert not (tmp_path / "m.npz").exists()


def test_malformed_training_data_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "messages": [{"text": "hi"}]}\n{broken\n')
    result = runner.invoke(app, ["text", "train", str(bad), "--out", str(tmp_path / "m.npz")])
    assert result.exit_code == 2 and "bad.jsonl:2" in "".join(result.output.split())


def test_cli_flags_are_audited_like_the_api(tmp_path: Path) -> None:
    from childguard.config import Settings
    from childguard.store.db import Database
    from childguard.store.models import AuditRecord

    chat = [
        {"sender": "A", "text": "i have your pics"},
        {"sender": "A", "text": "pay me or i send them to your school, you have 1 hour"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "chat-7", "messages": chat}) + "\n")
    result = runner.invoke(app, ["text", "analyze", str(path), "--json"])
    assert result.exit_code == 0, result.output
    flagged = json.loads(result.stdout.strip().splitlines()[0])["flagged"]
    assert flagged  # the example is meant to be flagged
    db = Database.open(Settings())
    try:
        with db.session() as s:
            (rec,) = s.query(AuditRecord).filter(AuditRecord.action == "text.flag").all()
    finally:
        db.dispose()
    assert rec.target == "conversation:chat-7" and rec.actor.startswith("local:cli:")
    assert json.loads(rec.details)["flagged"] == flagged
    assert "pics" not in rec.details  # ids, labels and scores only
