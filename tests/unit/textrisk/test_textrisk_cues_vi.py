"""Vietnamese cues for early grooming moves, cruel bullying, sextortion pressure and coded trade
terms, typed with or without diacritics and in teencode; benign near-misses stay quiet."""

from __future__ import annotations

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import PatternRecognizer, vi

G = vi.ViGroomingRecognizer
S = vi.ViSextortionRecognizer
B = vi.ViBullyingRecognizer
T = vi.ViCsamTradeRecognizer


def stages(recognizer: type[PatternRecognizer], text: str) -> set[str | None]:
    art = build_artifacts(text)
    rec = recognizer()
    assert rec.applies_to(art)
    return {f.stage for f in rec.analyze(art)}


POSITIVE = [
    (G, "thi xong chú thưởng cho cháu cái điện thoại mới nhé", "trust_gifts"),
    (G, "thì mình không nói mẹ, chú gửi tới trường cho", "secrecy_isolation"),
    (G, "khỏi nói với mẹ, để chú lo", "secrecy_isolation"),
    (G, "mẹ nuôi gửi con 200k qua momo mua bánh nhé", "trust_gifts"),
    (B, "béo vậy mà cũng đòi nhảy", "insult"),
    (B, "con ngu nay lai dang anh", "insult"),
    (B, "nhìn mặt nó là thấy ngứa mắt", "insult"),
    (B, "tao voi may anh lop 9 doi o cong sau", "threat"),
    (B, "mai vào lớp thì biết tay", "threat"),
    (B, "kick thằng Hải ra khỏi nhóm đi", "exclusion"),
    (B, "đứa nào chơi với nó là ra đảo", "exclusion"),
    (B, "gửi ảnh đó lên page confession đi", "humiliation"),
    (B, "cho ca lop cuoi mot tran", "humiliation"),
    (B, "về rừng mà ở đi", "identity_hate"),
    (B, "nó ở ngõ 12 đó, ai rảnh ghé", "doxxing"),
    (S, "tao có clip của mày rồi đấy", "threat_to_expose"),
    (S, "cuoc goi hom qua t quay man hinh lai het roi", "threat_to_expose"),
    (S, "t có danh sách bạn bè của m rồi", "threat_to_expose"),
    (S, "muốn t xóa thì làm theo", "demand"),
    (S, "gửi 3 thẻ 100k vào đây", "demand"),
    (S, "2 tieng nua khong thay la xong", "deadline"),
    (S, "quá giờ là hết cơ hội", "deadline"),
    (T, "co link 2k12 ko ae", "advertising"),
    (T, "hàng non mới về, ib", "advertising"),
    (T, "có private collection, ai đổi", "offering"),
]


@pytest.mark.parametrize(("recognizer", "text", "stage"), POSITIVE)
def test_vi_cue_is_found(recognizer: type[PatternRecognizer], text: str, stage: str) -> None:
    assert stage in stages(recognizer, text)


BENIGN = [
    (B, "có, cô vào check tiến độ mỗi nhóm"),
    (B, "kinh tởm thật, bắt được cả người mua"),
    (B, "anh đón em sau giờ làm"),
    (B, "mặt như cái bánh bao chiều =))"),
    (B, "dang cho con ngu, ti goi lai"),
    (B, "may ngu di mai con di hoc"),
    (B, "mai con đi học sớm nha mẹ"),
    (B, "thử cái đó đi"),
    (S, "chuyển khoản qua momo nhé, 289k"),
    (S, "bao tao ly tra sua thi tao tha"),
    (S, "bố thấy con đăng ảnh lên fb có cả tên trường"),
    (S, "mã thẻ với seri đây nhé, nạp thử báo lại"),
    (T, "bán quần áo hàng trẻ em size 4-6"),
    (T, "video bé nhà mình tập đi nè"),
]


@pytest.mark.parametrize(("recognizer", "text"), BENIGN)
def test_vi_near_miss_stays_quiet(recognizer: type[PatternRecognizer], text: str) -> None:
    assert not stages(recognizer, text)
