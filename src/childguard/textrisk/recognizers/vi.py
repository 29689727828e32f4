"""Vietnamese pattern recognizers.

Patterns are written without diacritics and read the ``folded`` layer, where diacritics are removed
and common teencode is spelled out ("ko dc noi vs ai" -> "khong duoc noi voi ai"), so one pattern
meets text typed with diacritics, without them, or in teencode.
"""

from __future__ import annotations

from typing import ClassVar

from childguard.textrisk.recognizers.base import CONTEXT, PatternRecognizer, Rule, rules

#: Pronouns an adult uses to a child, and the child's.
# "mẹ nuôi", "bố nuôi" (godparent): a cover groomers give themselves as often as a real one
ME = r"(?:anh|chu|toi|minh|tao|ta|bac|co|chi|(?:me|bo|ba) nuoi)"
YOU = r"(?:em|ban|con|may|mi|cau|be|chau)"
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
                rf"\b{ME} (?:se )?(?:mua|tang|gui|nap|chuyen|cho|thuong) (?:cho )?{YOU}\b.{{0,25}}"
                rf"(?:qua|tien|card|the|kim cuong|skin|quan huy|dien thoai|do|ao|giay|robux)",
                r"\b(?:nap|card|the cao|kim cuong|quan huy|robux|skin)\b.{0,20}"
                r"\b(?:cho em|mien phi|free|tang em)\b", r"\bli xi\b")
        + rules("GROOMING", "flattery_romance", 0.5,
                rf"\b{YOU} (?:that |rat |qua |la |trong |thiet )?(?:xinh|dep|de thuong|cute|"
                rf"truong thanh|chin chan|dac biet|hot|sexy)\b",
                rf"\b{ME} (?:yeu|thuong|nho|thich|me) {YOU}\b",
                rf"\b(?:lam )?(?:nguoi yeu|ban gai|ban trai|vo) (?:cua )?{ME}\b",
                rf"\b{YOU} khac (?:voi )?(?:may dua|nhung dua|nhung ban|ban) (?:khac|cung tuoi)\b",
                rf"\b{YOU} (?:gioi|ngoan|hieu chuyen) qua\b",
                # seeming older than one's age: "13 mà nhìn trưởng thành ghê", "ko giống 13 tuổi"
                r"\b(?:1[0-7]|tuoi) ma (?:nhin|trong|noi chuyen) (?:nhu )?"
                r"(?:truong thanh|chin chan|lon|nguoi lon)\b",
                r"\b(?:ko|k|khong|hong|cha) (?:giong|nhu) (?:1[0-7]|con nit|tre con)\b")
        + rules("GROOMING", "risk_assessment", 0.65,
                rf"\b{PARENTS} (?:{YOU} )?(?:co )?(?:o nha|di lam|ve chua|ngu chua|co kiem tra|"
                rf"hay xem|xem dien thoai|kiem tra)\b",
                rf"\b{YOU} (?:dang )?(?:o nha )?(?:mot minh|1 minh)\b",
                r"\b(?:ai|co ai) (?:xem|doc|kiem tra|cam) (?:dien thoai|tin nhan|dt)\b",
                rf"\b(?:phong|cua) (?:{YOU} )?(?:co )?khoa\b",
                rf"\bmay gio {PARENTS} (?:ve|di ngu)\b")
        + rules("GROOMING", "secrecy_isolation", 0.75,
                rf"\b(?:dung|khong duoc|dung co|cam|khong nen|khoi|khong can) "
                rf"(?:noi|ke|ke lai|bao|ho) "
                rf"(?:voi |cho )?(?:ai|{PARENTS}|ban be|nguoi khac|bat ky ai)\b",
                r"\bbi mat (?:cua )?(?:hai |2 )?(?:anh em|chung ta|minh|ta)\b",
                # "then we won't tell mom": the adult and the child agreeing to keep it from them
                rf"\b(?:minh|ta|chung ta|hai {ME} {YOU}) (?:khong|ko|k|dung|se khong) "
                rf"(?:noi|ke|bao) (?:voi |cho )?(?:ai|{PARENTS})\b",
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
        # Possession claims ("t co anh cua m", "quay man hinh lai het roi"), the audience named
        # (friend list, whole school), "muon t xoa thi ...", card codes and "qua 1 tieng la ...".
        + rules("SEXTORTION", "threat_to_expose", 0.85,
                r"\b(?:co|giu|luu|chup duoc|quay|record|screenshot)(?: duoc| lai| du|"
                r" het)? (?:het |du |toan bo |"
                r"may |vai |ca |du bo )?(?:tam |cai |bo )?(?:anh|hinh|clip|video|vid|hinh anh|"
                r"clip call|"
                r"video call|cuoc goi) (?:rieng (?:tu )?)?(?:cua )?(?:may|mi)\b",
                r"\b(?:clip|video|anh|hinh|cuoc goi|call|video call|snaps?)\b.{0,25}\b(?:luu|giu|"
                r"quay lai|"
                r"chup man hinh|screenshot|record)(?: lai)? (?:het|du)\b",
                r"\b(?:quay|chup) man hinh (?:lai )?(?:het|roi)\b",
                r"\b(?:screenshot|record) (?:lai )?het\b",
                r"\b(?:anh|hinh|clip|video) (?:rieng |cu )?(?:cua )?(?:may|mi|em) (?:tao|"
                r"anh) (?:van )?"
                r"(?:giu|co|luu|gui)\b",
                r"\b(?:danh sach|list) (?:ban be|friend|ban)\b",
                r"\b(?:thi|la|mai|de|se) (?:sang mai |toi nay )?(?:ca|toan) (?:truong|lop|khoi|"
                r"guild|clan) "
                r"(?:\w+ )?(?:se )?(?:biet|thay|xem|coi|nhan)\b",
                r"\b(?<!dang )(?<!up )(?:anh|hinh|clip|video|file) (?:\w+ )?(?:se )?len (?:mang|"
                r"fb|facebook|group|nhom|"
                r"tiktok|page)\b",
                r"\b(?:la|thi) (?:tao|anh) (?:bam )?(?:dang|post)(?: len| luon| ngay|$|[^\w ])",
                r"\b(?:hack|chiem quyen|chiem)\b.{0,20}\b(?:icloud|nick|fb|facebook|tai khoan)\b",
                r"\bghep mat (?:may|mi|em)\b")
        + rules("SEXTORTION", "threat_to_expose", 0.5,
                r"\b(?:may |vai |cai )?(?:tam |buc )?(?:anh|hinh|clip|video) (?:rieng )?(?:em|may|"
                r"mi) "
                r"(?:da )?gui (?:cho )?(?:anh|tao|minh|thang|con)\b")
        + rules("SEXTORTION", "demand", 0.65,
                r"\bmuon (?:tao |anh |minh )?(?:xoa|im|tha)\b",
                r"\b(?:gui|them) (?:them )?(?:\d+|mot|vai|may) (?:tam|buc|anh|hinh|clip)\b",
                r"\b\d+ tam (?:nua|moi)\b",
                r"\b(?:gui|nap|mua) (?:cho (?:tao|anh) )?\d+ (?:the|ma)\b",
                r"\b(?:ma the|seri|ma)\b.{0,10}\b(?:qua day|vao day|cho tao)\b",
                r"\b(?:lay|xin|muon|vay) tien (?:cua )?(?:bo me|me|bo|ba|nha)\b",
                r"\bbao (?:la )?dong (?:tien )?(?:hoc|hoc phi|tien hoc)\b",
                r"\bkhong co (?:tien )?thi (?:di )?(?:vay|muon|lay)\b")
        + rules("SEXTORTION", "deadline", 0.6,
                r"\b\d+ ?(?:p|phut|tieng|gio|h) nua (?:khong|ma khong|la|thi)\b",
                r"\b(?:qua|tre|cham) (?:\d+ ?(?:phut|p|gio|h|tieng)|gio)\b.{0,10}\b(?:la|thi)\b",
                r"\b(?:khong thay|chua thay|khong co) (?:tien|the|ma the)\b.{0,10}\b(?:la|thi)\b",
                r"\b(?:dong ho|thoi gian) (?:dang )?(?:chay|dem nguoc)\b", r"\bdem den \d+\b",
                r"\bhan \d+ ?(?:tieng|gio|phut|h|p)\b",
                r"\b\d+ ?(?:h|gio)(?: \d+)? (?:toi nay|sang mai|trua mai|toi mai|dem nay)\b",
                r"\b(?:time is running out|\d+ ?(?:h|hours?) to decide)\b")
    )  # fmt: skip


class ViBullyingRecognizer(PatternRecognizer):
    """Vietnamese bullying, including common abusive abbreviations."""

    name = "ViBullyingRecognizer"
    language = "vi"
    labels = ("BULLYING",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        # "ngu" folded is also "ngủ" (sleep): "cho con ngủ", "mày ngủ đi", "con ngủ rồi"
        rules("BULLYING", "insult", 0.55,
              r"\b(?<!cho )(?<!ru )(?<!do )(?:may|mi|con|thang|do|bon may|tui may|ban|nhu) (?:la )?"
              r"(?:ngu(?! (?:roi|chua|di|som|muon|ngon|say|trua|day|dc|duoc|nha|nhe|thoi|mot|"
              r"lai)\b)|oc cho|dan don|"
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
                # folded, "con đi học" and "làm cái đó đi" read "con di", "do di": "con đĩ" is
                # the insult only at the end of a phrase or before a word that goes with it
                r"\bcon di\b(?=\s*(?:$|[^\w\s]|(?:nay|kia|mang|ranh|rach|ay|the|nhu|ngu|"
                r"bien thai)\b))",
                r"\b(?<!cai )(?<!lam )(?<!chuyen )(?<!vu )(?<!viec )(?<!cho )do di\b",
                r"\b(?:phong bat|di khach|cave|gai goi)\b")
        + rules("BULLYING", "identity_hate", 0.6,
                r"\b(?:bede|be de|pede|bac ky|nam ky|ba que|nha que|moi ro)\b",
                r"\b(?:cut ve|ve) nuoc (?:may|mi)\b")
        + rules("BULLYING", "doxxing", 0.65,
                r"\b(?:nha|dia chi|so dien thoai|sdt|facebook|fb) (?:cua )?(?:no|may|con do|"
                r"thang do|con nay|thang nay) (?:la|o|:)",
                r"\b(?:tao|bon tao) biet nha (?:may|mi)\b")
        # Phrasings cruel in themselves (a lone "ngu" is also friends' banter): appearance and
        # poverty mockery, backup at the school gate, group kicks, shaming posts, addresses.
        + rules("BULLYING", "insult", 0.55,
                r"\b(?:ngua mat|muon oi|mac oi|buon non|phat tom)\b",
                r"\b(?:beo|map|xau|den|lun|ngu|ngheo) (?:the |vay |vl |vcl |nhu vay )?ma (?:cung |"
                r"con )?"
                r"(?:dam|doi|bay dat|noi|nhay|quay|choi|hoc)\b",
                r"\bngheo (?:ma|rot|vl|ban|kiet)\b", r"\b(?:nhat|ban|di nhat) ve chai\b",
                r"\bdo (?:ngheo|que mua|mot sach|hen|mach leo|an bam)\b",
                r"\b(?:thang|dua) (?:hen|mach leo|mot sach|que mua|an trom)\b",
                r"\bsoi guong\b", r"\b(?:sinh ra|ton tai) (?:la|da la) sai\b",
                r"\bdang bi (?:vay|the|nhu vay)\b", r"\bton (?:cho|com|dat|khong khi)\b",
                r"\b(?:xoa|delete|uninstall) (?:acc|app|nick|tai khoan)\b",
                r"\b(?:cho|do) (?:lop|nhom|truong) (?:sach|chat|nhe)\b")
        + rules("BULLYING", "threat", 0.7,
                r"\b(?:tao|tui|bon tao) (?:voi|vs) (?:may |mot vai |dan |hoi )?(?:anh|dua|thang|"
                r"dan anh|"
                r"anh em|dan em)\b.{0,25}\b(?:doi|cho|xu|danh|dap|qua|chan)\b",
                r"\b(?:ra|o) cong (?:sau|truong)\b.{0,30}\b(?:doi|cho|xu|danh|dap|biet tay)\b",
                r"\b(?:doi|cho|chan) (?:may |mi )?(?:o |tai )?cong (?:sau|truong)\b",
                r"\bbiet tay\b", r"\b(?:thi|la|se|bi|cho) an (?:don|dap|dam)\b", r"\bnhap vien\b",
                r"\b(?:mach|mec|noi voi|to cao|ke voi)\b.{0,15}\b(?:la|thi|roi) (?:chet|biet tay|"
                r"an don)\b",
                r"\b(?:mang|nop|dua) \d+ ?k?\b.{0,20}\b(?:cho tao|thi tha|nop)\b",
                r"\bbao ke\b", r"\b(?:qua|toi|den|vao) tan (?:nha|lop)\b", r"\bchan duong\b")
        + rules("BULLYING", "exclusion", 0.6,
                r"\b(?:kick|duoi|da|xoa|out) (?:no |may |con \w+ |thang \w+ |\w+ )?(?:ra )?khoi "
                r"(?:nhom|group|lop|clan|team)\b",
                r"\bkick (?:no|may|di|luon|theo)\b", r"\bda kick\b", r"\btay chay\b",
                # "full" to the one left out: "server full rồi Khang ơi", "xe hết chỗ rồi"
                r"\b(?:server|sv|phong|nhom|team|xe|ban) (?:full|het cho|du nguoi|khong con cho)\b",
                r"\b(?:ai|dua nao|thang nao|con nao)(?: ma)?(?: con)? (?:noi chuyen|choi|ngoi|di) "
                r"(?:voi|vs|chung voi|canh|gan) (?:no|may|mi)\b",
                r"\b(?:khong|chang|cha) (?:ai|dua nao) (?:muon|thich|them) (?:noi chuyen|ngoi|"
                r"choi) "
                r"(?:voi|vs|canh|gan)\b",
                r"\b(?:nhom|lop|hoi|team) (?:moi )?(?:khong|deo) co (?:may|no|mi)\b",
                r"\bkhong co (?:may|mi) =\)",
                r"\b(?:dung|khoi)(?: ai| co)? (?:ru|ngoi (?:ban|canh|gan|chung))\b",
                r"\b(?:tu |cung )?out (?:nhom|luon)\b", r"\bunfollow (?:no|di)\b")
        + rules("BULLYING", "humiliation", 0.6,
                r"\b(?:dang|gui|up|share|tha|nem) (?:len |vao )?(?:page|group|nhom|confession|"
                r"tuong)"
                r" ?(?:lop|truong|khoi|confession)\b", r"\bconfession\b",
                r"\bcho (?:ca |toan )(?:lop|truong|khoi|nhom|group) (?:cuoi|coi|xem|biet|cham)\b",
                r"\bcho (?:no|may|mi) nhuc\b", r"\bnhuc chua\b",
                r"\b(?:lam meme|ghep (?:mat|chu|them|tai|mom|mui)|edit them|roast|ca khia)\b",
                r"\b(?:anh|clip|video|hinh) (?:cua )?(?:con|thang|nhoc) \w+(?: \w+)? (?:bi te|te|"
                r"ngu gat|"
                r"chay dai|khoc|thay do|bi danh)\b",
                r"\b(?:thang|con) \w+ (?:ngu gat|bi te|chay dai)\b",
                r"\b(?:ai|dua nao|con nao|thang nao) (?:xau|ngu|beo|den|ban|ghe) nhat (?:lop|"
                r"truong|khoi|nhom)\b",
                r"\b(?:hoi|nhom|group) anti\b",
                r"\bdoi (?:ten|avatar) (?:nhom|group) thanh\b")
        + rules("BULLYING", "identity_hate", 0.6,
                r"\b(?:do|bon|thang|con|lu) (?:dan toc|rung|thieu nang|khuyet tat)\b",
                r"\b(?:do|bon|lu) moi(?: vao| kia| nay|$|[^\w ])",
                r"\bnguoi rung\b",
                r"\bve (?:rung|ban) (?:di|ma)\b", r"\bdan toc (?:ma|thi|nhu|gi)\b",
                r"\bpe de\b", r"\bcon mien\b",
                r"\bnhu (?:nguoi|thang|con|dua) (?:thieu nang|tu ky|khuyet tat|rung)\b",
                r"\b(?:da )?den nhu (?:cuc than|cot nha|than)\b")
        # "đen thui" (pitch black) with its diacritics: folded, it is also "đến thui" (just come)
        + rules("BULLYING", "identity_hate", 0.55, r"\b(?:da )?đen thui\b", layer="norm")
        + rules("BULLYING", "doxxing", 0.65,
                r"\b(?:sdt|so dt|so dien thoai|so) (?:cua )?(?:(?:bo|me|ba|nha) )?(?:no|con \w+|"
                r"thang \w+)"
                r" (?:\w+ )?xphone\b",
                r"\bgoi (?:ma |dien )?(?:chui|spam|treu)\b",
                r"\b(?:hem|ngo|kiet|ngach) \d+\b",
                r"\b(?:tao|tui tao|bon tao) (?:biet|tra ra|tim ra|co) (?:het )?(?:nha|fb|dia chi|"
                r"sdt|"
                r"truong|lop) (?:cua )?(?:may|mi|no)\b",
                r"\bbiet (?:may|mi|nha may) (?:o|hoc) (?:dau|lop nao|truong nao)\b")
        + rules("BULLYING", "sexual_harassment", 0.6,
                r"\b(?:di|choi) (?:voi|vs) (?:may )?ong gia\b", r"\bbao nhieu (?:1|mot) dem\b",
                r"\bnguc lep\b", r"\bre tien\b", r"\b(?:danh gia|cham diem) (?:body|than hinh)\b")
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
        # Coded content terms: "clip em nho", "link 2k10", "hang be/tre/non" (not "hang tre em",
        # children's clothes), "young links", "private collection".
        + rules("CSAM_TRADE", "advertising", 0.8,
                r"\b(?:clips?|videos?|vids?|anh|hinh|links?|hang|folders?|kho|goi|tai lieu|khoa|"
                r"bo|nhom kin|"
                r"nhom|collection|content) (?:\w+ )?(?:em nho|be nho|nho tuoi|be hoc sinh|2k1\d|"
                r"young)\b",
                r"\b(?:young|kids?) (?:private |new |fresh )?(?:links|vids|folders|collection)\b",
                r"\bhang (?:be|tre|non)\b(?! em)",
                r"\b(?:clip|video|hang|link|tai lieu|goi|nguon) nhi (?:moi|full|vip|hiem|rieng|\d|"
                r"hoa hong|"
                r"chat luong|tuoi|that)\b",
                r"\b(?:anh|clip|video) (?:be|be gai|be trai)\W{0,2} (?:rieng tu|private|hiem)\b")
        + rules("CSAM_TRADE", "advertising", 0.6,
                r"\b(?:tài liệu|gói|nguồn|bộ) nhí\b", layer="norm")
        + rules("CSAM_TRADE", "offering", 0.75,
                r"\b(?:bo suu tap|folder|thu muc) (?:rieng|private)\b", r"\bprivate collection\b")
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
                r"\bthay giao\b", r"\bdi hoc\b", r"\bcong truong\b", r"\bcap (?:1|2|3)\b",
                # a school year said alone ("lop 8"), not remembered ("hoi lop 8": back in year 8)
                # and not a parent's "con em lop 8" (my child is in year 8)
                r"^(?!.*\bcon (?:em|toi|minh|chi|anh|tui|co|chu)\b).*?"
                r"(?<!hoi )(?<!nam )(?<!tu )(?<!dua )(?<!hoc sinh )(?<!hs )(?<!day )"
                r"(?<!chu nhiem )\blop (?:[1-9]|1[0-2])\b", r"\b(?:thcs|thpt)\b",
                # a parent's say over the day: "mẹ ko cho em đi", "mẹ thu điện thoại", "phải xin
                # mẹ đã", "mẹ bắt con học"
                r"\b(?:me|bo|ba|bo me|ba me) (?:em |con |e |minh )?(?:ko|khong|k|hong|"
                r"chang|hok) cho\b",
                r"\b(?:me|bo|ba|bo me|ba me) (?:em |con |e |minh )?(?:thu|giu|cam|tich thu|lay) "
                r"(?:dien thoai|dt|dthoai|đt|may)\b",
                r"\bxin (?:phep )?(?:me|bo|ba|bo me|ba me)\b",
                r"\b(?:me|bo|ba) bat (?:em |con |e |minh )?(?:hoc|di hoc|ve|ngu|lam bai)\b")
        # an adult's life, as the English and Khmer rules read "my wife", "after work": a
        # spouse, one's own child ("bé nhà em", "đón con xong"), work, a salary, rent, university
        # -- not a parent's work a child tells of ("mẹ em đi làm")
        + rules(CONTEXT, "stated_adult_age", 0.7,
                r"\bvo chong (?:anh|em|chi|minh|toi)\b",
                r"\b(?<!co )(?<!la )be (?:nha|cua) (?:anh|em|e|chi|toi|minh|tui)\b",
                r"(?<!me )(?<!bo )(?<!ba )(?<!ma )\b(?:don|dua) (?:con|be|hai dua|tui nho|cac con|"
                r"con be|thang be) (?:di hoc|ve|xong|roi)\b",
                r"(?<!me )(?<!bo )(?<!ba )(?<!ma )(?<!me em )(?<!bo em )\b(?:anh|em|chi|toi|minh|"
                r"tui) (?:moi |vua |dang |sap |phai |con )?(?:tan lam|tang ca|di lam ve|lam ca dem|"
                r"xin nghi phep)\b",
                r"\b(?:sep|dong nghiep|cong ty) (?:cua )?(?:anh|em|chi|toi|minh|tui)\b",
                r"\b(?:nhan|lanh) luong\b",
                # office life: "chạy KPI", "phòng marketing", "sếp bắt họp", "lên công ty"
                r"\bkpi\b",
                r"\bphong (?:marketing|ke toan|nhan su|kinh doanh|sale|sales|hanh chinh|ky thuat|"
                r"ke hoach|tai chinh|hr)\b",
                r"\bsep (?:bat|giao|mang|keu|chui|goi|duyet|cho nghi|hop)\b",
                r"\b(?:hop|bao cao) (?:voi |cho )?sep\b",
                r"(?<!me )(?<!bo )(?<!ba )(?<!ma )(?<!me em )(?<!bo em )\b(?:anh|em|chi|toi|minh|"
                r"tui) (?:dang |moi |vua |con |phai )?(?:o|len|den|ve tu|tai) "
                r"(?:cong ty|van phong)\b",
                r"\b(?:sinh vien nam|luan van|do an tot nghiep|ky tuc xa|ktx|hoc cao hoc)\b",
                # the end of one's own shift (not a parent's: "mẹ em tan ca"), an internship, a
                # thesis, marking pupils' work
                r"(?<!me )(?<!bo )(?<!ba )(?<!me em )(?<!bo em )(?<!ba em )\btan ca\b",
                r"\b(?:tieu luan|luan an|thuc tap(?! sinh))\b",
                r"\bcham (?:xong )?(?:\d+ )?(?:bai|bai kiem tra|bai van|bai thi)\b")
        # the same with the diacritics that tell "vợ anh" (my wife) from "vô ảnh" (into the
        # photo) and "bé nhà em" from "còn nha em"
        + rules(CONTEXT, "stated_adult_age", 0.7,
                r"\b(?:vợ (?:anh|tôi|tui)|chồng (?:em|chị|tôi|tui))\b",
                r"(?<!cô )(?<!là )\b(?:con|đứa nhỏ|thằng nhỏ|con bé) (?:nhà|của) (?:anh|em|chị|tôi|"
                r"mình|tui)\b",
                r"\b(?:tiền nhà|thuê nhà|tiền trọ|phòng trọ)\b", layer="norm")
        + rules(CONTEXT, "distress", 0.7,
                r"\b(?:em|con|minh|toi) (?:so|sợ|run|khoc|hoang)\b",
                r"\b(?:lam on|xin) (?:dung|tha|dung lam)\b", r"\b(?:cuu|giup) (?:em|con|toi)\b",
                r"\b(?:em|toi|minh) (?:muon|mun) chet\b", r"\bkhong biet phai lam sao\b")
        + rules(CONTEXT, "personal_details", 0.6,
                r"\bnha (?:em|con|minh|toi) o\b", r"\b(?:em|con|minh) hoc (?:o )?truong\b",
                r"\bso (?:dien thoai|dt) (?:cua )?(?:em|minh|toi) la\b")
    )  # fmt: skip
