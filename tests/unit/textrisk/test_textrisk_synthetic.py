"""The synthetic conversation generator: deterministic, well-formed, varied, and built only from
the training split of the hand-written data."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import LABELS, STAGES
from childguard.textrisk.synthetic import (
    generate,
    generate_informal,
    harvest,
    is_family_talk,
    write,
)
from childguard.textrisk.synthetic.__main__ import main
from childguard.textrisk.synthetic.augment import homoglyphs, leet, spaced, zero_width
from childguard.textrisk.training import INFORMAL_ID, is_test_id, load_data

HAND_WRITTEN = {
    "id": "hw-1",
    "lang": "km",
    "category": "grooming",
    "labels": ["GROOMING"],
    "first_risky_message": 0,
    "messages": [
        {"sender": "A", "text": "MARKER-RISKY", "labels": ["GROOMING"], "stage": "meeting"},
        {"sender": "B", "text": "MARKER-AGE", "labels": [], "stage": "stated_minor_age"},
        {"sender": "B", "text": "MARKER-REPLY"},
    ],
}


def test_same_seed_same_conversations_and_different_seed_differs() -> None:
    banks = harvest([HAND_WRITTEN])
    a = generate(7, 60, banks)
    assert a == generate(7, 60, banks)
    assert a != generate(8, 60, banks)


def test_records_are_consistent_with_their_labels() -> None:
    convs = generate(3, 400, harvest([HAND_WRITTEN]))
    kinds = Counter(c["category"] for c in convs)
    assert {"grooming", "sextortion", "bullying", "csam_trade", "hard_negative"} <= set(kinds)
    assert kinds["hard_negative"] >= 0.3 * len(convs)
    for c in convs:
        risky = [i for i, m in enumerate(c["messages"]) if m.get("labels")]
        if c["labels"]:
            assert risky and c["first_risky_message"] == risky[0]
            for i in risky:
                m = c["messages"][i]
                assert m["labels"][0] in c["labels"]
                assert m["stage"] in STAGES[m["labels"][0]]
        else:
            assert not risky and c["first_risky_message"] is None
        assert set(c["labels"]) <= set(LABELS)


def test_languages_lengths_and_noise_are_varied() -> None:
    convs = generate(5, 600, harvest([HAND_WRITTEN]))
    langs = Counter(c["lang"] for c in convs)
    assert set(langs) == {"en", "km", "vi", "km-en", "vi-en"}
    lengths = [len(c["messages"]) for c in convs]
    assert min(lengths) <= 4 and max(lengths) >= 25
    texts = [m["text"] for c in convs for m in c["messages"]]
    assert any(any("\u1780" <= ch <= "\u17ff" for ch in t) for t in texts)  # Khmer script
    assert any("oun" in t.split() for t in texts)  # romanised Khmer
    assert any(ch in t for t in texts for ch in "\u200b\u200c\u200d\u2060\ufeff")
    grooming = [c for c in convs if c["category"] == "grooming"]
    with_minor_cue = [
        c for c in grooming if any(m.get("stage") == "stated_minor_age" for m in c["messages"])
    ]
    assert len(with_minor_cue) >= 0.7 * len(grooming)
    flirts = [c for c in convs if c["negative_type"] == "adult_flirt"]
    assert flirts and not any(
        m.get("stage") == "stated_minor_age" for c in flirts for m in c["messages"]
    )


def test_harvested_lines_keep_their_role() -> None:
    convs = generate(11, 1500, harvest([HAND_WRITTEN]))
    marked = [m for c in convs for m in c["messages"] if "marker" in m["text"].lower()]
    labelled = [m for m in marked if m.get("labels")]
    ages = [m for m in marked if m.get("stage") == "stated_minor_age"]
    # The risky line (however noisy) is only ever a risky message of its stage, the age only a
    # minor cue, the reply never a risky message.
    assert labelled and ages
    assert all(m["labels"] == ["GROOMING"] and m["stage"] == "meeting" for m in labelled)
    assert all("age" in m["text"].lower() for m in ages)
    # Every chat that used a hand-written line names that conversation among its sources.
    for c in convs:
        used = any("marker" in m["text"].lower() for m in c["messages"])
        assert ("hw-1" in c["sources"]) == used


def test_evasions_are_undone_by_the_normaliser() -> None:
    rng = random.Random(1)
    for evasion in (leet, spaced, homoglyphs, zero_width):
        changed = 0
        for _ in range(20):
            noisy = evasion("send telegram", rng)
            changed += noisy != "send telegram"
            assert build_artifacts(noisy).folded == "send telegram", (evasion.__name__, noisy)
        assert changed >= 10, evasion.__name__


def test_command_reads_only_the_training_split(tmp_path: Path) -> None:
    source = tmp_path / "hand"
    source.mkdir()
    records = []
    for i in range(40):
        rec = json.loads(json.dumps(HAND_WRITTEN))
        rec["id"] = f"hw-{i}"
        rec["messages"][0]["text"] = f"MARKER {rec['id']}"
        records.append(rec)
    (source / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", "utf-8")
    out = tmp_path / "synthetic"
    main([str(source), "--out", str(out), "--n", "300", "--seed", "2"])
    texts = [m.text.lower() for c in load_data([out]) for m in c.messages]
    used = {match for t in texts for match in re.findall(r"hw-\d+", t)}
    assert used
    assert all(not is_test_id(conv_id) for conv_id in used)
    assert any(is_test_id(r["id"]) for r in records)  # there was a test split to leave out


def test_write_makes_one_file_per_language(tmp_path: Path) -> None:
    convs = generate(9, 100, harvest([HAND_WRITTEN]))
    paths = write(convs, tmp_path)
    assert {p.name for p in paths} == {f"synthetic-{c['lang']}.jsonl" for c in convs}
    assert sum(len(p.read_text("utf-8").splitlines()) for p in paths) == len(convs)


def test_informal_chats_are_long_english_and_leave_the_main_set_alone() -> None:
    banks = harvest([HAND_WRITTEN])
    informal = generate_informal(4, 200, banks)
    assert informal == generate_informal(4, 200, banks)
    assert generate(4, 50, banks) == generate(4, 50, harvest([HAND_WRITTEN]))
    assert {c["lang"] for c in informal} == {"en"}
    assert all(INFORMAL_ID.match(c["id"]) for c in informal)
    kinds = Counter(c["negative_type"] or c["category"] for c in informal)
    assert set(kinds) == {"chitchat", "grooming", "adult_flirt"}
    chit = [c for c in informal if c["negative_type"] == "chitchat"]
    assert min(len(c["messages"]) for c in chit) >= 10
    assert not any(m.get("labels") for c in chit for m in c["messages"])
    # Ages come up the chat-room way ("14 f"), for adults and for teenagers, with nothing risky.
    ages = [m for c in chit for m in c["messages"] if m.get("stage")]
    assert {m["stage"] for m in ages} == {"stated_minor_age", "stated_adult_age"}
    assert any(re.fullmatch(r"\d\d ?/?[fm].*", m["text"].lower()) for m in ages)


def test_informal_chats_are_their_own_source(tmp_path: Path) -> None:
    paths = write(generate_informal(2, 30, harvest([HAND_WRITTEN])), tmp_path, "informal")
    assert {p.name for p in paths} == {"informal-en.jsonl"}
    assert {c.source for c in load_data([tmp_path])} == {"informal"}


def test_a_familys_small_talk_never_fills_a_risky_chat() -> None:
    """Small talk drawn from family chats ("hi grandma!! ok wait") fills hard negatives only: no
    groomer, extortionist, bully or seller writes it, and the scorer withdraws grooming from a
    chat with it. The committed synthetic files hold to it too."""
    convs = generate(3, 1500, harvest([HAND_WRITTEN]))
    risky = [c for c in convs if c["category"] != "hard_negative"]
    assert risky
    assert not any(is_family_talk(m["text"]) for c in risky for m in c["messages"])
    families = [c for c in convs if c["category"] == "hard_negative"]
    assert any(is_family_talk(m["text"]) for c in families for m in c["messages"])
    committed = Path(__file__).parents[3] / "datasets" / "text" / "synthetic"
    for path in committed.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            conv = json.loads(line)
            if conv["category"] != "hard_negative":
                assert not any(is_family_talk(m["text"]) for m in conv["messages"]), conv["id"]
