"""Vietnamese pattern recognizers.

Patterns are written without diacritics and read the ``folded`` layer, where diacritics are removed
and common teencode is spelled out ("ko dc noi vs ai" -> "khong duoc noi voi ai"), so one pattern
meets text typed with diacritics, without them, or in teencode.
"""

from __future__ import annotations

from typing import ClassVar

from childguard.textrisk.recognizers.base import CONTEXT, PatternRecognizer, Rule, rules

#: Pronouns an adult uses to a child, and the child's.
ME = r"(?:anh|chu|toi|minh|tao|ta|bac|co|chi)"
YOU = r"(?:em|ban|con|may|mi|cau|be)"
PIC = r"(?:anh|hinh|hinh anh|clip|video|vid|tam anh|tam hinh)"
APPS = (
    r"(?:zalo|telegram|messenger|facebook|fb|whatsapp|snapchat|instagram|discord|tiktok|signal|"
    r"line|viber|wechat)"
)
PARENTS = r"(?:bo me|ba me|cha me|phu huynh|bo|me|ba|gia dinh|thay co|co giao|thay giao|nha)"
KIDS = r"(?:tre em|tre con|con nit|hoc sinh|be gai|be trai|em be|vi thanh nien|loli\w*|cp|be)"


class ViGroomingRecognizer(PatternRecognizer):
    """Vietnamese grooming stages (with or without diacritics, teencode included)."""

    name = "ViGroomingRecognizer"
    language = "vi"
    labels = ("GROOMING",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules("GROOMING", "access_profiling", 0.55,
              rf"\b{YOU} (?:nam nay )?(?:bao nhieu|may) tuoi\b",
              r"\bhoc lop (?:may|mấy)\b", r"\bhoc (?:o )?truong nao\b",
              rf"\b(?:nha )?{YOU} (?:o|song o) (?:dau|cho nao|khu nao)\b",
              rf"\b{YOU} (?:o|song) voi ai\b", r"\bnha (?:em|ban|con) o dau\b")
        + rules("GROOMING", "trust_gifts", 0.55,
                rf"\b{ME} (?:se )?(?:mua|tang|gui|nap|chuyen|cho) (?:cho )?{YOU}\b.{{0,25}}"
                rf"(?:qua|tien|card|the|kim cuong|skin|quan huy|dien thoai|do|ao|giay|robux)",
                r"\b(?:nap|card|the cao|kim cuong|quan huy|robux|skin)\b.{0,20}"
                r"\b(?:cho em|mien phi|free|tang em)\b", r"\bli xi\b")
        + rules("GROOMING", "flattery_romance", 0.5,
                rf"\b{YOU} (?:that |rat |qua |la |trong |thiet )?(?:xinh|dep|de thuong|cute|"
                rf"truong thanh|chin chan|dac biet|hot|sexy)\b",
                rf"\b{ME} (?:yeu|thuong|nho|thich|me) {YOU}\b",
                rf"\b(?:lam )?(?:nguoi yeu|ban gai|ban trai|vo) (?:cua )?{ME}\b",
                rf"\b{YOU} khac (?:voi )?(?:may dua|nhung dua|nhung ban|ban) (?:khac|cung tuoi)\b",
                rf"\b{YOU} (?:gioi|ngoan|hieu chuyen) qua\b")
        + rules("GROOMING", "risk_assessment", 0.65,
                rf"\b{PARENTS} (?:{YOU} )?(?:co )?(?:o nha|di lam|ve chua|ngu chua|co kiem tra|"
                rf"hay xem|xem dien thoai|kiem tra)\b",
                rf"\b{YOU} (?:dang )?(?:o nha )?(?:mot minh|1 minh)\b",
                r"\b(?:ai|co ai) (?:xem|doc|kiem tra|cam) (?:dien thoai|tin nhan|dt)\b",
                rf"\b(?:phong|cua) (?:{YOU} )?(?:co )?khoa\b",
                rf"\bmay gio {PARENTS} (?:ve|di ngu)\b")
        + rules("GROOMING", "secrecy_isolation", 0.75,
                rf"\b(?:dung|khong duoc|dung co|cam|khong nen) (?:noi|ke|ke lai|bao|ho) "
                rf"(?:voi |cho )?(?:ai|{PARENTS}|ban be|nguoi khac|bat ky ai)\b",
                r"\bbi mat (?:cua )?(?:hai |2 )?(?:anh em|chung ta|minh|ta)\b",
                r"\b(?:xoa|xoa het|xoa di) (?:tin nhan|doan chat|chat|cuoc tro chuyen|het)\b",
                rf"\b(?:chi co )?{ME} (?:moi )?hieu {YOU}\b",
                rf"\b{PARENTS} (?:khong|se khong|chang) hieu (?:{YOU}|duoc)\b",
                r"\bchuyen (?:cua )?(?:hai |2 )?(?:anh em|chung ta|minh)\b")
        + rules("GROOMING", "desensitising", 0.5,
                r"\b(?:chuyen )?(?:nay |do )?(?:binh thuong ma|ai cung (?:lam|vay|the))\b",
                rf"\b{YOU} (?:da )?(?:co nguoi yeu|hon ai|tung hon) (?:chua|bao gio)\b",
                rf"\b(?:co the|than the) {YOU} (?:dang )?(?:lon|thay doi|phat trien)\b")
        + rules("GROOMING", "image_request", 0.55,
                rf"\b(?:gui|chup|cho|send) (?:{ME} )?(?:xem )?(?:mot |1 |vai |them |may )?"
                rf"(?:tam |cai )?(?:hinh|clip|video|vid|anh cua em|anh em|selfie)\b",
                r"\b(?:goi|call) (?:video|vid|facetime)\b", r"\bbat (?:cam|camera)\b")
        + rules("GROOMING", "image_request", 0.8,
                rf"\b{PIC} (?:rieng tu|nong|sexy|rieng)\b",
                rf"\bchi (?:cho )?(?:minh )?{ME} (?:xem|thay)\b",
                r"\bkhong ai (?:khac )?(?:thay|biet) dau\b")
        + rules("GROOMING", "meeting", 0.6,
                rf"\b(?:gap|hen|di choi|di an) (?:nhau|{ME}|{YOU})\b",
                rf"\b{ME} (?:den|qua|toi) (?:don|ruoc|tim) {YOU}\b",
                rf"\b(?:den|qua|toi|ve) (?:nha|phong|khach san|nha nghi) (?:cua )?{ME}\b",
                r"\b(?:cuoi tuan|toi nay|ngay mai|mai|sau gio hoc|tan hoc)\b.{0,20}"
                r"\b(?:gap|di choi|hen)\b")
        + rules("GROOMING", "platform_migration", 0.6,
                rf"\b(?:add|ket ban|nhan tin|chat|inbox|qua|sang|chuyen sang|lien lac|lien he|"
                rf"noi chuyen) (?:{ME} |voi {ME} )?(?:qua |tren |o |bang |ben )?{APPS}\b",
                rf"\b{APPS} (?:cua )?{ME} (?:la|:)",
                rf"\b{YOU} co {APPS} (?:khong|chua)\b")
    )  # fmt: skip


class ViSextortionRecognizer(PatternRecognizer):
    """Vietnamese sextortion: threats to expose, demands and deadlines."""

    name = "ViSextortionRecognizer"
    language = "vi"
    labels = ("SEXTORTION",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules("SEXTORTION", "image_request", 0.45,
              rf"\b{PIC} (?:rieng tu|nong|sexy)\b", rf"\bgui them {PIC}\b")
        + rules("SEXTORTION", "threat_to_expose", 0.85,
                rf"\b{ME} (?:se )?(?:gui|dang|phat tan|tung|share|chia se|post|cho) "
                rf"(?:het )?{PIC}\b.{{0,30}}(?:len|cho|toi|den|vao)"
                rf" (?:mang|facebook|fb|truong|{PARENTS}|ban be|lop|moi nguoi|group|nhom)",
                rf"\b(?:cho|de) (?:ca |moi |tat ca )?(?:truong|lop|moi nguoi|{PARENTS}|ban be) "
                rf"(?:biet|xem|thay)\b",
                r"\b(?:phat tan|tung len|boc phot|tung clip|tung anh)\b")
        + rules("SEXTORTION", "demand", 0.65,
                rf"\b(?:chuyen|gui|dua|nap|tra) (?:cho )?(?:{ME} )?(?:\d+ ?(?:k|tr|trieu|nghin|"
                rf"ngan|dong|d|\$|usd)\b|tien|card|the cao)",
                rf"\bgui them {PIC}\b",
                r"\b(?:neu khong|khong thi|hoac la|bang khong)\b")
        + rules("SEXTORTION", "deadline", 0.6,
                r"\b(?:trong|con|cho) (?:\d+|mot|hai|ba) (?:phut|tieng|gio|ngay)\b",
                r"\b(?:truoc|den|cham nhat) (?:toi nay|nua dem|ngay mai|\d+ ?(?:h|gio))\b",
                r"\b(?:lan cuoi|canh bao cuoi|het gio)\b")
    )  # fmt: skip


class ViBullyingRecognizer(PatternRecognizer):
    """Vietnamese bullying, including common abusive abbreviations."""

    name = "ViBullyingRecognizer"
    language = "vi"
    labels = ("BULLYING",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules("BULLYING", "insult", 0.55,
              r"\b(?:may|mi|con|thang|do|bon may|tui may|ban|nhu) (?:la )?(?:ngu|oc cho|dan don|"
              r"xau xi|beo|map|heo|lon|cho|khung|dien|rac|vo dung|ngu si|khon nan|hoc dot|"
              r"mat day|mat lon|ngu nhu bo|xau)\b",
              r"\b(?:im mom|cam mom|cut di|cut|cam cai mom)\b",
              r"\b(?:dm|dmm|dcm|vcl|vkl|clm|dit me|du ma|oc cho|dcmm)\b")
        + rules("BULLYING", "threat", 0.7,
                r"\b(?:tao|bon tao|chung tao|tui tao) (?:se )?(?:danh|giet|xu|dap|chem|tim|"
                r"cho an) (?:may|mi|ban|con|thang)\b",
                r"\b(?:may|mi) (?:chet|tieu) (?:chac|roi|voi tao)\b",
                r"\b(?:coi chung|liu hon|ra cong truong|cho do)\b",
                r"\b(?:di chet|chet di|tu tu di|tu sat di)\b")
        + rules("BULLYING", "exclusion", 0.6,
                r"\b(?:khong ai|chang ai|cha ai) (?:thich|choi voi|muon|quan tam|ua) "
                r"(?:may|ban|mi|no)\b",
                r"\b(?:dung|khong|dung co) (?:choi|noi chuyen|ngoi) (?:voi|gan) "
                r"(?:no|may|con do|thang do|con nay|thang nay)\b",
                r"\b(?:kick|duoi|cho ra khoi|xoa khoi|da khoi|out khoi) (?:nhom|group|lop)\b")
        + rules("BULLYING", "humiliation", 0.6,
                r"\b(?:ca lop|ca truong|moi nguoi|ca group) (?:dang )?(?:cuoi|cuoi nhao|che cuoi|"
                r"che) (?:may|ban|no)\b",
                rf"\b(?:dang|up|share|gui) {PIC} (?:xau|xau ho|bi dim|dim) (?:cua )?"
                rf"(?:may|no|ban)\b",
                r"\b(?:lam )?(?:meme|anh che) (?:ve )?(?:may|no|ban)\b")
        + rules("BULLYING", "sexual_harassment", 0.6,
                r"\b(?:con di|do di|phong bat|di khach|cave|gai goi)\b")
        + rules("BULLYING", "identity_hate", 0.6,
                r"\b(?:bede|be de|pede|bac ky|nam ky|ba que|nha que|moi ro)\b",
                r"\b(?:cut ve|ve) nuoc (?:may|mi)\b")
        + rules("BULLYING", "doxxing", 0.65,
                r"\b(?:nha|dia chi|so dien thoai|sdt|facebook|fb) (?:cua )?(?:no|may|con do|"
                r"thang do|con nay|thang nay) (?:la|o|:)",
                r"\b(?:tao|bon tao) biet nha (?:may|mi)\b")
    )  # fmt: skip


class ViCsamTradeRecognizer(PatternRecognizer):
    """Vietnamese abuse-material trade in coded terms."""

    name = "ViCsamTradeRecognizer"
    language = "vi"
    labels = ("CSAM_TRADE",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules("CSAM_TRADE", "advertising", 0.8,
              rf"\b(?:ban|co|hang moi|chia se|pass|share) (?:\w+ )?(?:clip|video|anh|link|hang|"
              rf"tai lieu|kho|nhom) (?:\w+ )?{KIDS}\b",
              rf"\b(?:link|nhom|group|kho|folder|thu muc) (?:clip|video|hang|anh) {KIDS}\b")
        # "hang nhi", "clip nhi": slang for children's content, read with its diacritic
        # ("nhỉ", a question particle, folds to the same letters).
        + rules("CSAM_TRADE", "advertising", 0.6,
                r"\b(?:clip|video|hàng|link|ảnh|hình|kho|nhóm) nhí\b", layer="norm")
        + rules("CSAM_TRADE", "offering", 0.75,
                r"\d+ ?(?:k|\$|usd|trieu|tr|nghin)\s*(?:/|mot|1|moi) ?(?:link|folder|thu muc|"
                r"goi|clip|video|nhom)\b",
                r"\b(?:ib|inbox|nhan tin|lien he) (?:de |lay |mua |xem )?(?:link|gia|hang|thu muc|"
                r"bang gia)\b")
        + rules("CSAM_TRADE", "requesting", 0.8,
                rf"\b(?:ai|co ai|can|tim|mua|xin) (?:co |ban |chia se |share |pass )?(?:link|clip|"
                rf"video|hang|nhom|kho|anh) (?:\w+ )?{KIDS}\b")
        + rules("CSAM_TRADE", "payment_contact", 0.45,
                r"\b(?:chuyen khoan|thanh toan|tra tien)\b.{0,20}\b(?:momo|zalopay|vietcombank|"
                r"ngan hang|stk|the cao|usdt|btc|crypto)\b")
    )  # fmt: skip


class ViContextRecognizer(PatternRecognizer):
    """Vietnamese context signals."""

    name = "ViContextRecognizer"
    language = "vi"
    labels = (CONTEXT,)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules(CONTEXT, "stated_minor_age", 0.8,
              r"\b(?:em|con|minh|toi|tui) (?:dang )?hoc lop (?:[1-9]|1[0-2])\b",
              r"\b(?:em|con) (?:moi|chi|van) (?:la )?(?:hoc sinh|tre con|con nit)\b")
        + rules(CONTEXT, "minor_cue", 0.6,
                r"\bbao (?:nhieu|nhiu) tuoi\b", r"\bhoc lop (?:may|mấy|\d+)\b", r"\btan hoc\b",
                r"\bbai tap\b", r"\b(?:bo me|ba me|me|bo|ba) (?:em|con)\b", r"\bco giao\b",
                r"\bthay giao\b", r"\bdi hoc\b", r"\bcong truong\b", r"\bcap (?:1|2|3)\b")
        + rules(CONTEXT, "distress", 0.7,
                r"\b(?:em|con|minh|toi) (?:so|sợ|run|khoc|hoang)\b",
                r"\b(?:lam on|xin) (?:dung|tha|dung lam)\b", r"\b(?:cuu|giup) (?:em|con|toi)\b",
                r"\b(?:em|toi|minh) (?:muon|mun) chet\b", r"\bkhong biet phai lam sao\b")
        + rules(CONTEXT, "personal_details", 0.6,
                r"\bnha (?:em|con|minh|toi) o\b", r"\b(?:em|con|minh) hoc (?:o )?truong\b",
                r"\bso (?:dien thoai|dt) (?:cua )?(?:em|minh|toi) la\b")
    )  # fmt: skip
