"""Language-independent recognizers (``*``): they also read messages of unknown language.

They catch what looks the same in every language: a handle or link for another chat app, a stated
age written with digits, coded names for abuse material, and a price per folder or link.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar

from childguard.textrisk.artifacts import TextArtifacts
from childguard.textrisk.recognizers.base import (
    CONTEXT,
    Explanation,
    Finding,
    PatternRecognizer,
    RiskRecognizer,
    Rule,
    rules,
)

APPS = (
    r"(?:telegram|whatsapp|zalo|snapchat|signal|discord|instagram|line|kik|wickr|messenger|"
    r"tiktok|viber|wechat|session|threema)"
)
CODED = (
    r"(?:\bcp\b|\bpthc\b|\bptsc\b|hurtcore|\bloli(?:ta|con)?\b|\bshota\w*|jailbait|childporn|"
    r"kiddie ?porn|pedo ?(?:content|links?|videos?|pics|stuff|folders?)|young content|"
    r"kids? (?:vids|videos|content|pics) ?(?:links?|folders?|packs?)?)"
)


class GenericPlatformRecognizer(PatternRecognizer):
    """A handle, invitation link or number for another chat app, in any language."""

    name = "GenericPlatformRecognizer"
    language = "*"
    labels = ("GROOMING",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules("GROOMING", "platform_migration", 0.45,
              rf"\b{APPS}\s*(?:id|name|user|acc|account)?\s*[:=\-]\s*@?[\w.+]{{3,}}",
              rf"\b{APPS}\s+@[\w.]{{3,}}",
              r"(?:t\.me|telegram\.me|wa\.me|discord\.gg|snapchat\.com/add|zalo\.me|"
              r"m\.me|instagram\.com)/\S+", layer="norm")
    )  # fmt: skip


class GenericCsamTermsRecognizer(PatternRecognizer):
    """Coded names of abuse material and price-per-unit offers, in any language."""

    name = "GenericCsamTermsRecognizer"
    language = "*"
    labels = ("CSAM_TRADE",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules("CSAM_TRADE", "advertising", 0.45, CODED)
        + rules("CSAM_TRADE", "advertising", 0.8,
                rf"{CODED}.{{0,40}}(?:links?|folders?|mega|packs?|sale|\$|usd|price|dm|"
                rf"telegram)",
                rf"(?:links?|folders?|mega|packs?|sale|selling|trade).{{0,30}}{CODED}")
        + rules("CSAM_TRADE", "advertising", 0.6,
                r"\bno adults?\b",
                # "kids stuff" or a "pizza menu" is what a shop sells; a "kids folder" is not.
                r"\b(?:young|teen|kids?|girls?|boys?) (?:packs?|folders?)\b",
                r"\b(?:candy|teddy|pizza) (?:folders?|links?|packs?)\b")
        + rules("CSAM_TRADE", "requesting", 0.8, r"\bthe younger the better\b")
        + rules("CSAM_TRADE", "payment_contact", 0.4,
                r"\busdt\b", r"\btrc ?2[o0]\b", r"\b(?:vip|lifetime) (?:access|\d+)")
        + rules("CSAM_TRADE", "offering", 0.7,
                r"\b\d+ ?(?:gb|tb)\W{0,3}\d+ ?(?:\$|usd|usdt)",
                r"(?:\$ ?\d+|\d+ ?(?:\$|usd|k|dollars?))\s*(?:per|a|each|/|1|mot|moi)\s*"
                r"(?:folder|link|pack|gb|collection|thu muc|ថត|លីង)")
    )  # fmt: skip


#: Before a romanised Khmer age or school year: somebody else's ("vea ayu ponman?", how old is
#: he; "kmeng thnak ti 3", the grade-3 children a teacher marks, but not "oun jea kmeng thnak ti
#: 8", I am a grade-8 kid; "koun bong", your child).
_NOT_OF_OTHERS = (
    r"(?<!vea )(?<!koun )(?<!kon )(?<!(?<!jea )kmeng )(?<!sis )(?<!sisa )(?<!koun bong )"
    r"(?<!koun oun )"
)


class GenericRomanisedKhmerRecognizer(PatternRecognizer):
    """Khmer typed in Latin letters ("ba mak oun nov phteah te?"): language identification calls
    it unknown, so its commonest grooming phrases, insults and cues of a minor are read here."""

    name = "GenericRomanisedKhmerRecognizer"
    language = "*"
    labels = ("GROOMING", "BULLYING", CONTEXT)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules("GROOMING", "risk_assessment", 0.65,
              r"\b(?:ba mak|mak pa|pa mak|ov pok mdai)(?: oun)? nov phteah\b",
              r"\boun nov phteah mneak\b")
        + rules("GROOMING", "secrecy_isolation", 0.75,
                r"\bkom (?:prab|brab|niyay prab) (?:ke|nak na|neak na|ba mak|mak|pa)\b",
                r"\bsecret yerng\b", r"\brueng samngat\b")
        + rules("GROOMING", "image_request", 0.55,
                r"\b(?:phnhae|phnher|pnhae|send) (?:rup|pic|photo)\b.{0,20}\bbong\b")
        + rules("GROOMING", "access_profiling", 0.55,
                _NOT_OF_OTHERS + r"\b(?:oun )?ayu ponman\b",
                r"\b(?:rean )?th?nak(?: ti)? ?(?:ponman|bonman)\b",
                r"\brean sala na\b")
        + rules(CONTEXT, "minor_cue", 0.6,
                _NOT_OF_OTHERS + r"\bayu ponman\b", r"\brean th?nak\b", r"\bkroy (?:mong )?rean\b",
                r"\brean (?:nov )?sala\b", r"\bba mak\b",
                # a child's day in romanised Khmer: homework, the teacher's exercises, secondary
                # school, the school uniform, a mother who takes the phone or forbids it
                r"\bki?e?chh?kar (?:ph|p)teah\b", r"\bkr(?:o)?u oy\b",
                r"\b(?:anu)?vi(?:t|th)(?:y|he?)?e?alai\b", r"\ba[ou] sala\b",
                r"\b(?:mak|mae|pa|ba mak) (?:yok|dak|check|chhek|mel|hat) (?:phone|tel|turasap)\b",
                r"\b(?:mak|mae|pa|ba mak) (?:ot|min) (?:oy|aoy|ao) (?:leng|chat|jenh|tov)\b")
        + rules(CONTEXT, "stated_minor_age", 0.8,
                _NOT_OF_OTHERS + r"\bth?nak ?ti ?(?:[1-9]|1[0-2])\b")
        # bullying, as the Khmer-script rules read it: "a lngong", "muk dauch chrouk", the
        # anti-LGBT slur "kteuy", "kom mok sala tiet" (don't come to school again)
        + rules("BULLYING", "insult", 0.55,
                r"\b(?:a|mi) ?(?:lngong|lngoung|lngung|chkuot|chkourt|pleu|chongrai|jongrai|chkae|"
                r"chke|chrouk|kmeng kmeng)\b")
        + rules("BULLYING", "insult", 0.6,
                r"\bmuk (?:dauch|doch|douch) (?:sva|chrouk|chkae|chke|kmoch|khmoch|trey|ko)\b",
                r"\b(?:thiat|thyat) (?:dauch|doch|douch) chrouk\b")
        + rules("BULLYING", "identity_hate", 0.6,
                r"\b(?:a )?(?:kteuy|ktoey|khteuy|khtuoy|kteouy|ktuey)\b",
                r"\b(?:a|mi) (?:yuon|kmao|khmao)\b")
        + rules("BULLYING", "exclusion", 0.6,
                r"\bkom (?:mok|chol) (?:sala|school|group|krom|thnak)(?: tiet)?\b",
                r"\bkom leng (?:jea|chea) mouy (?:vea|ah|mi|a)\b",
                r"\bkmean (?:nak|neak) na (?:chol chet|leng jea mouy|chong)\b")
    )  # fmt: skip


class GenericSchoolYearRecognizer(PatternRecognizer):
    """A school year given as a short answer at the start of a message ("grade 7 bong", "gr 8",
    "lớp 9 ạ"): too short for language identification, so read here for every language."""

    name = "GenericSchoolYearRecognizer"
    language = "*"
    labels = (CONTEXT,)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules(CONTEXT, "stated_minor_age", 0.8,
              r"^\W*(?:grade|gr|lop) ?(?:[1-9]|1[0-2])\b"
              r"(?!\s*(?:students|kids|class|teacher|parents|math|english|science))")
    )  # fmt: skip


class GenericBanterRecognizer(PatternRecognizer):
    """Markers of banter among friends, in any language: laughs ("lol", "haha", "=))", "kkk",
    "ហាហា", 😂), "just kidding" ("jk", "đùa thôi", "និយាយលេង") and game talk ("gg", "rematch").

    A context signal for the conversation scorer: the same insult weighs less in a chat full of
    laughs and game talk than in a one-sided one. It never lowers a finding by itself."""

    name = "GenericBanterRecognizer"
    language = "*"
    labels = (CONTEXT,)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules(CONTEXT, "banter", 0.5,
              r"\b(?:lo+l+|lmf?ao+|rofl|(?:ha){2,}h?|(?:he){2,}|(?:hi){2,}|kkk+|xd+|kek)\b",
              r"[=:;]\)\)+", r"[\U0001F602\U0001F923\U0001F606\U0001F639\U0001F61C\U0001F61D"
              r"\U0001F61B\U0001F643\U0001F605\U0001F601]")
        + rules(CONTEXT, "banter", 0.5,
                r"\b(?:jk|j/k|just (?:kidding|joking)|kidding|joking|no offen[cs]e)\b",
                r"\b(?:dua|gion) (?:thoi|ty|ma|chut|ti)\b", r"\bnoi dua\b")
        + rules(CONTEXT, "banter", 0.5, r"(?:ហាហា|និយាយលេង|លេងសើច|និយាយលេងទេ)",
                layer="khmer")
        + rules(CONTEXT, "banter", 0.5,
                r"\b(?:gg|ggwp|ez|noob|nub|rematch|respawn|1v1|lagg?(?:ing|y)?|ranked|"
                r"headshot|skill issue|next (?:round|match|game)|tran sau|van sau)\b")
    )  # fmt: skip


_MOM_DAD = (
    r"(?:mom|mum|mommy|mummy|momma|mama|dad|papa|grandma|grandpa|granny|grandad|granddad|nana|"
    r"nanna|auntie|aunty)"
)
#: Words before a trailing "mom" that make it someone's mother, not the one addressed: "tell
#: mom", "ur mom", "a single mom".
_NOT_ADDRESSED = (
    r"(?<!\bmy)(?<!\bur)(?<!\byr)(?<!\byour)(?<!\bhis)(?<!\bher)(?<!\btheir)(?<!\bthe)"
    r"(?<!\ba)(?<!\band)(?<!\bor)(?<!\bto)(?<!\bwith)(?<!\btell)(?<!\bcall)(?<!\bask)"
    r"(?<!\bstep)(?<!\bsingle)(?<!\bsoccer)(?<!\bnew)(?<!\bhot)(?<!\bfor)(?<!'s)(?<!\bs)"
    # "tell ya mum", "yer mam"; Tagalog "kay mama", "si mama" (to / the mother, not addressed)
    r"(?<!\bya)(?<!\byo)(?<!\byer)(?<!\bkay)(?<!\bsi)(?<!\bni)"
)
_VI_PARENT = r"(?:mẹ|bố|ba|má|mạ|cha)"
#: A family member, whose birthday or surprise a child helps plan ("surprise for ur mom").
_KIN_EN = (
    r"(?:(?:ur|your|my) )?(?:dad|mom|mum|mommy|mama|papa|father|mother|grandma|grandpa|granny|"
    r"nana|lola|lolo|tita|tito|auntie|aunty|aunt|uncle)"
)
_KM_PARENT = r"(?:ម៉ាក់|ម្ដាយ|ម្តាយ|ម៉ែ|ពុក|ប៉ា(?!ន់|តង់|រីស|ស់|ក់))(?!ធម៌)"


class GenericKinRecognizer(PatternRecognizer):
    """Markers of a chat between a parent and their child: the child addresses the other as
    "mom" or "dad" ("ok mom", "dạ mẹ", "ចាស ម៉ាក់"), or a Khmer parent speaks of themself as
    mother or father to "កូន" ("ម៉ាក់ស្រលាញ់កូន").

    A context signal for the conversation scorer: a parent's "where are you, send me a photo,
    don't tell dad about the surprise" reads like grooming word by word. Not a marker: someone
    else's parents ("don't tell ur mom", "bố mẹ em có nhà k", "កុំប្រាប់ម៉ាក់"), "daddy" (a
    sexual address as often as a child's), godparents ("mẹ nuôi"), whom groomers claim to be, and
    a Vietnamese "mẹ đón con" (a child says it of their mother to an adult stranger as well).
    Also a marker: a family member's birthday or surprise being planned ("mom's birthday",
    "sinh nhật mẹ", "ខួបកំណើតយាយ").
    It never lowers a finding by itself."""

    name = "GenericKinRecognizer"
    language = "*"
    labels = (CONTEXT,)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules(CONTEXT, "kin", 0.5,
              rf"^\W*{_MOM_DAD}\W*$", rf"^\W*{_MOM_DAD}\s*[,!?:]",
              # not "tell ya mum" ("ya" is "your" there)
              r"(?<!tell )(?<!ask )(?<!call )(?<!text )(?<!to )(?<!with )"
              r"\b(?:hi|hey|hiya|ok|okay|kk|yes|yeah|yea|ya|yep|no|nope|sorry|thanks|omg|ugh|"
              r"thank you|thank u|thanku|tysm|thx|ty|love you|love u|luv u|luv you|ily|night|"
              r"goodnight|good night|morning|bye|coming|omw|fine|alright|please|pls|plz)\W{0,3}"
              rf"{_MOM_DAD}\b"
              # (an emoji after it is a word in the folded text: "ok mum 🤐" reads "ok mum secret")
              r"(?=\W*$|\s*[^\w\s']|\s+(?:i|i'?m|i'?ll|u|you|we|can|pls|please|love|fine)\b|"
              r"(?:\s+(?:secret|love|kiss|gift))+\W*$)",
              # a relative speaking of themself: "send auntie a pic with your cake"
              rf"\b(?:send|show|give) {_MOM_DAD} (?:a |the |ur |your )?(?:pic|photo|picture|selfie|"
              r"kiss|hug)",
              rf"[a-z?!.]{_NOT_ADDRESSED}[ ,]+{_MOM_DAD}\W*$")
        + rules(CONTEXT, "kin", 0.5,
                rf"\b(?:dạ|vâng|vầng)\W*{_VI_PARENT}\b"
                r"(?!\s*(?:mẹ|bố|ba|má|em|e|cháu|con|mình|mk|tui|tôi|t|nuôi|mìn|bảo|nói|dặn|kêu|bắt|"
                r"cấm|không|ko|k|hông|đi|về|đang|sẽ|mới|vừa|có|ký|kí|đồng ý|cho|biết|hỏi|gọi|la|"
                r"mắng|đã|thì|ở|làm)\b)",
                r"\bcon (?:chào|thưa|xin lỗi|cảm ơn|thương|yêu|nhớ|hứa với|xin phép) "
                rf"{_VI_PARENT}\b(?!\s*(?:nuôi|mìn|của))",
                rf"\b(?:rồi|nhé|nha|nhe|ạ|đó|đây|nè|luôn|chưa|hả|mà) {_VI_PARENT}\b"
                r"(?=\s*(?:[,.!?]|$))",
                rf"\bchụp (?:cho )?{_VI_PARENT} (?:tấm|cái|hình|ảnh)",
                r"\b(?:dạ|vâng|con chào|cháu chào|con cảm ơn|cháu cảm ơn|con thương|cháu thương|"
                r"con nhớ|cháu nhớ) (?:bà|ông) (?:nội|ngoại)\b",
                r"\b(?:dạ|vâng|cháu chào|cháu cảm ơn|cháu thương|cháu nhớ) (?:dì|mợ|thím)\b"
                r"(?!\s*(?:nuôi|ghẻ))",
                layer="norm")
        + rules(CONTEXT, "kin", 0.5,
                r"\b(?:oke|ok|okie|dc|duoc|da|vang|r|roi|nha|nhe)\s+(?:ba|me|bo)\s*(?:$|[,.!?=])",
                r"\b(?:cha|chas|jas|bat|baat|nis|nh|ng)\s+(?:mak|mae)\b"
                r"(?!\s*(?:oun|eng|aeng|hg|ke|pa|pok|ba|nov|ot|min))")
        + rules(CONTEXT, "kin", 0.5,
                rf"(?:ចាស|ចា៎ស|ចាះ|បាទ|បាត|ណា|ណា៎|ហើយ|ហ្នឹង|អរគុណ|ទៅ|ទេ|អូយ)\s*{_KM_PARENT}"
                r"(?![\u1780-\u17ff])(?!\s+[\u1780-\u17ff])",
                rf"^\W*{_KM_PARENT}(?:ៗ|\s*កុំ)",
                r"(?:ចាស|ចា៎ស|បាទ|អរគុណ)\s*(?:លោកយាយ|លោកតា|យាយ|តា)(?![\u1780-\u17ff])")
        + rules(CONTEXT, "kin", 0.5,
                rf"(?<!ប្រាប់)(?<!ឲ្យ)(?<!អោយ)(?<!មិត្ត)(?<!ជំនួស)(?<!ប៉ា){_KM_PARENT}"
                r"(?:ស្រលាញ់|ស្រឡាញ់|នឹក|មកយក|ទៅយក|ទិញ|ផ្ញើ|ចង់|មិនខឹង|ខឹង|អរគុណ|សុំទោស|"
                r"រង់ចាំ|ជួយ|ធ្វើម្ហូប|ទុកចិត្ត)[^។?!]{0,20}កូន(?!ស្រី|ប្រុស|ក្មេង)",
                rf"(?:ផ្ញើ|ផ្ញើ[^។?!ទ]{{0,8}}មក|[^បទ]មក){_KM_PARENT}"
                r"(?!ឯង|អូន|ហ្អែង|កូន|គេ|វា|ខ្ញុំ|ប៉ា|ម៉ាក់|អត់|មិន|នឹង|ឃើញ|ដឹង)",
                layer="khmer")
        # a family member's celebration being planned: "mom's birthday", "surprise for grandma",
        # "sinh nhật mẹ", "khuop mae", "ខួបកំណើតយាយ" (the secret kept is a surprise, not a
        # groomer's; "say you're at a friend's birthday" is a groomer's cover story, not this)
        + rules(CONTEXT, "kin", 0.5,
                rf"\b{_KIN_EN}'?s (?:birthday|bday|b-day|anniversary|surprise)\b",
                r"\b(?:birthday|bday|b-day|anniversary|surprise|surprise party|gift|present|cake) "
                rf"(?:for|of) {_KIN_EN}\b",
                r"\b(?:sinh nhat|sn|ky niem) (?:cua |cho )?(?:bo|me|ba|ma|ong|ba noi|ba ngoai|"
                r"ong noi|ong ngoai|cau|di|mo|co|chu|bac)\b(?! (?:oi|em|con|noi gi))",
                r"\bkhuop (?:kamnaet |kamnert )?(?:mae|mak|pa|pok|yeay|ta|ming|pu|om)\b")
        + rules(CONTEXT, "kin", 0.5,
                r"ខួប(?:កំណើត)?(?:របស់)?(?:ប៉ា|ម៉ាក់|ម្ដាយ|ម្តាយ|ម៉ែ|ពុក|យាយ|តា|ឪពុក|លោកយាយ|លោកតា)",
                layer="khmer")
        # a relative who keeps the child's parent in the loop: money sent through the parent's
        # account, the parent asked to call back or to bring the child, a photo for grandma
        # ("aunty sent $20 to your mum's ABA", "tell her to call me", "chuyển qua momo của mẹ",
        # "ផ្ទេរលុយតាម ABA ទៅម៉ាក់") -- what a groomer, who keeps the parent out, does not say
        + rules(CONTEXT, "kin", 0.5,
                # money, not a threat: "i'll send it to your mom's number" is sextortion
                r"(?:\$\s?\d|\d\s?(?:\$|usd|k\b|dollars?|riel|pesos?)|"
                r"\b(?:load|money|li xi|gift)\b)"
                rf"[^.!?]{{0,40}}\b(?:to|via|through|thru|in|into|on) (?:ur|your|yr) {_KIN_EN}"
                r"(?:'?s)? (?:aba|wing|gcash|momo|account|acc|acct|bank|card|phone|number|"
                r"wallet)\b",
                rf"\btell (?:ur|your) {_KIN_EN} (?:to )?(?:call|text|message|msg) me\b",
                r"\btell (?:her|him) to (?:call|text) me\b",
                rf"\b(?:ur|your) {_KIN_EN} (?:can |will |could |should )?(?:bring|drop|pick) "
                r"(?:u|you)\b",
                r"\b(?:for|show|to show|send to) (?:grandma|grandpa|lola|lolo|granny|nana|ba noi|"
                r"ba ngoai|ong noi|ong ngoai|yeay|lok yeay)\b",
                r"\b(?:qua|vao|cho) (?:momo|tai khoan|tk|stk|zalo|so) (?:cua )?(?:me|bo|ba|ma) "
                r"(?:con|chau|em|e)\b",
                r"\b(?:noi|bao|dan) (?:me|bo|ba|ma) (?:con |chau )?(?:goi|nhan tin|lien lac) "
                r"(?:cho )?(?:chu|co|di|bac|cau|mo|thim|ba|ong)\b",
                r"\b(?:de|cho) (?:chu|co|di|bac|cau|mo) (?:khoe|gui) (?:ba noi|ba ngoai|ong noi|"
                r"ong ngoai|ca nha)\b")
        + rules(CONTEXT, "kin", 0.5,
                r"(?:ផ្ទេរ|វេរ|ផ្ញើលុយ)(?:លុយ)?[^។?!]{0,25}(?:ទៅ|ឲ្យ|អោយ|តាម)(?:ម៉ាក់|ប៉ា|ម្ដាយ|ម្តាយ)"
                r"(?:ក្មួយ|ចៅ|អូន|កូន)?",
                r"(?:ប្រាប់|អោយ|ឲ្យ)(?:ម៉ាក់|ប៉ា)(?:ក្មួយ|ចៅ|អូន)?(?:call|តេ|ទូរស័ព្ទ|ខល)(?:មក)?"
                r"(?:មីង|ពូ|អ៊ំ|យាយ|តា)",
                r"(?<!កុំ)(?:ឲ្យ|អោយ)(?:យាយ|តា|លោកយាយ|លោកតា)(?:មើល|ឃើញ)",
                layer="khmer")
    )  # fmt: skip


class GenericNewsRecognizer(PatternRecognizer):
    """Markers of talk about abuse from the outside: news of arrests and trials, articles,
    warnings to parents ("did u see the news", "police arrested two men", "công an vừa bắt",
    "ឃើញព័ត៌មាន", "ចាប់ខ្លួន").

    A context signal for the conversation scorer: parents and friends discussing a news story
    quote its words ("sold 'young collection' folders on Telegram", "asked the girl if her
    parents were home"), which read like trade and grooming word by word. Not a marker: a bare
    "police" (sextortionists threaten with it, and fake-police scams are sextortion), personal
    "information" (ព័ត៌មានផ្ទាល់ខ្លួន). It never lowers a finding by itself."""

    name = "GenericNewsRecognizer"
    language = "*"
    labels = (CONTEXT,)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules(CONTEXT, "news", 0.5,
              r"\b(?:in|on|saw|see|seen|read|watch(?:ed)?|did (?:u|you|yall|you guys) see|about|"
              r"from) (?:the |this |that |a )?(?:news|article|headline|news report|paper|"
              r"newspaper)\b",
              r"\b(?:news|article|headline|report|police|cops|authorities) (?:say|said|says|"
              r"reported|reports|warned|warn|arrested|caught|charged)\b",
              r"\b(?:was|were|got|been|being|is|are) (?:arrested|jailed|sentenced|charged with|"
              r"convicted)\b",
              r"\b(?:arrested|jailed|sentenced) (?:a|an|the|two|three|four|five|\d+|some)\b",
              r"\b(?:scam alert|warning to (?:all )?parents|dear parents|online safety (?:talk|"
              r"workshop|week|tips))\b",
              r"\b(?:doc bao|bao dua tin|bao noi|tren bao|tin tuc|thoi su|bai bao|len bao|vtv)\b",
              r"\b(?:cong an|canh sat) (?:vua |da |moi )?(?:bat|triet pha|khoi to|bat giu|"
              r"canh bao)\b",
              r"\b(?:bat giu|khoi to|tuyen an|linh an|bi bat giu|bi cong an bat|vua bi bat)\b",
              r"\b(?:canh bao phu huynh|kinh gui phu huynh|thong bao toi phu huynh)\b")
        + rules(CONTEXT, "news", 0.5,
                r"(?:ឃើញ|មើល|អាន|តាម|ចេញ|ផ្សាយ)(?:ព័ត៌មាន|ពត៌មាន)",
                r"(?:ព័ត៌មាន|ពត៌មាន)(?:ថា|ថ្ងៃនេះ|ម្សិលមិញ|ទូរទស្សន៍)",
                r"(?:កាសែត|ចាប់ខ្លួន|ឃាត់ខ្លួន|ផ្ដន្ទាទោស|ផ្តន្ទាទោស|ជាប់គុក)",
                layer="khmer")
    )  # fmt: skip


_STRANGER = (
    r"(?:a |any )?(?:stranger|strangers|someone|somebody|anyone|anybody|a person|people|ppl|"
    r"a guy|some guy|a man|an adult|a grown ?up|an older (?:guy|man|person))"
)
_DONT_KNOW = r"(?:(?:you|u|ya|we) (?:don'?t|dont|do not|never) (?:know|met)|(?:you|u) just met)"
_SAFETY_ASK = (
    r"(?:photos?|pics?|pix|pictures?|selfies?|images?|videos?|video calls?|nudes?|secrets?|"
    r"private|meet|address|location)"
)


class GenericSafetyAdviceRecognizer(PatternRecognizer):
    """Markers of advice about abuse: a child asking what to do if a stranger asks for photos,
    a parent, teacher, sibling or helpline saying never to send them to people you don't know
    and to tell an adult ("what should i do if someone online asks for pics", "tell me if
    anyone asks you to keep secrets", "nếu có người lạ xin ảnh", "កុំផ្ញើរូបឲ្យអ្នកមិនស្គាល់").

    A context signal for the conversation scorer, as ``CONTEXT/news`` is: advice names the
    moves it warns of ("a stranger who asks for a private photo and to keep it secret"), which
    read like grooming word by word. Not a marker: a groomer's own "if anyone asks, say I'm your
    cousin" (no request for photos, secrets or a meeting follows the "if"). It never lowers a
    finding by itself."""

    name = "GenericSafetyAdviceRecognizer"
    language = "*"
    labels = (CONTEXT,)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules(CONTEXT, "advice", 0.5,
              rf"\bif {_STRANGER}\b(?: (?:online|on (?:the )?(?:internet|games?|insta|tiktok|"
              rf"discord|facebook|messenger))| {_DONT_KNOW})?[^.?!]{{0,25}}\b(?:asks?|asked|"
              rf"wants?|tells?|pressures?|keeps? asking|messages?|dms?|threatens?|offers?)\b"
              rf"[^.?!]{{0,30}}\b{_SAFETY_ASK}",
              r"\bwhat (?:should|can|shud|shld) (?:i|we|u|you|ppl|people) do (?:if|when)\b",
              r"\bwhat do (?:i|we) do (?:if|when)\b",
              r"\bwhat to do (?:if|when) (?:a |some|any|u|you|ur|your|ppl|people|strangers?)",
              rf"(?<!said )(?<!says )(?<!told me )(?<!told us )(?<!tells me )(?<!said not to )"
              rf"\b(?:never|don'?t|dont|do not|shouldn'?t|should not) (?:ever )?(?:send|"
              rf"share|give|post)\b[^.?!]{{0,30}}\b(?:to|with) (?:strangers?|people {_DONT_KNOW}|"
              rf"anyone {_DONT_KNOW}|someone {_DONT_KNOW}|anyone online|people online|"
              rf"ppl online)\b",
              r"\b(?:tell|talk to|come to|show|call|text) (?:me|mom|mum|dad|us|a teacher|"
              r"(?:your|ur|a) (?:teacher|parents?|mom|mum|dad|counsell?or)|an adult|"
              r"a trusted adult|a grown ?up|someone (?:you|u) trust)\b[^.?!]{0,25}\b(?:if|when) "
              r"(?:anyone|someone|somebody|anybody|a stranger|strangers|people|ppl|a person)\b",
              r"\b(?:block (?:and|&|n) report|report (?:and|&|n) block|online safety|"
              r"stranger danger|groomers?|grooming|online predators?|child predators?|"
              r"trusted adults?|safe adults?|warning signs?|red flags?|helpline|childhelp)\b",
              rf"\bwhat if (?:someone|somebody|anyone|a (?:guy|stranger|boy|girl|person|man)|he|"
              rf"she|they|my (?:bf|gf|boyfriend|girlfriend|friend|crush))\b[^.?!]{{0,30}}\b"
              rf"(?:asks?|wants?|pressures?|threatens?|keeps? asking)\b[^.?!]{{0,30}}\b"
              rf"{_SAFETY_ASK}",
              r"\b(?:bae|ber|bor|bertae) (?:mean |min )?(?:nak|neak|ke|mnus|mnous)\b"
              r"[^.?!]{0,25}\b(?:som|sum|tam|bongkhom|kom ram)\b",
              r"\bprab (?:mnus|mnous|menus|mnuh) (?:thom|thum)\b",
              r"\bneu (?:co )?(?:ai|nguoi la|nguoi nao|ke la|ai do|mot nguoi|nguoi ta)\b"
              r"[^.?!]{0,40}\b(?:xin|doi|bat|yeu cau|ru|hoi|nhan tin|gui|de doa)\b[^.?!]{0,25}"
              r"\b(?:anh|hinh|clip|video|bi mat|gap|rieng tu|dia chi)\b",
              r"\b(?:phai|nen|can) lam (?:sao|gi|the nao) (?:neu|khi)\b",
              r"\b(?:dung|khong duoc|khong nen|dung bao gio|khong bao gio|dung co) (?:gui|dua|"
              r"chia se|cho|dang)\b[^.?!]{0,25}\b(?:nguoi la|nguoi khong quen|ai khong quen|"
              r"nguoi minh khong quen|tren mang)\b",
              r"\b(?:bao|ke|noi) (?:ngay )?(?:cho |voi )?(?:bo me|ba me|me|ba|bo|thay co|co giao|"
              r"thay giao|nguoi lon|chi|anh)\b[^.?!]{0,20}\bneu (?:co )?(?:ai|nguoi la|"
              r"nguoi nao)\b",
              r"\bnguoi lon (?:ma |ma em |ma con |)(?:em |con |minh )?tin (?:tuong|cay)\b",
              r"\bdau hieu (?:nguy hiem|canh bao|bat thuong)\b",
              r"\b(?:tong dai|duong day nong|goi) ?111\b|\bchan (?:va|roi|r) bao cao\b|"
              r"\b(?:xam hai tre em|ke xau tren mang|dau doi tre em)\b")
        + rules(CONTEXT, "advice", 0.5,
                r"(?:ប្រសិនបើ|បើ)(?:មាន)?\s*(?:នរណា|អ្នកណា|មនុស្ស|អ្នកមិនស្គាល់|មនុស្សចម្លែក|គេ)"
                r"[^។?!]{0,30}(?:សុំ|ទារ|បង្ខំ|គំរាម)[^។?!]{0,20}(?:រូប|វីដេអូ|ជួប|សម្ងាត់|អាសយដ្ឋាន)",
                r"(?<!ថា)(?<!ថា )កុំ(?:ផ្ញើ|ឲ្យ|អោយ|ចែក)[^។?!]{0,20}(?:អ្នកមិនស្គាល់|មនុស្សមិនស្គាល់|មនុស្សចម្លែក|"
                r"តាមអនឡាញ|តាមអ៊ីនធឺណិត)",
                r"(?:ធ្វើដូចម្ដេច|ធ្វើដូចម្តេច|ធ្វើម៉េច|គួរធ្វើអ្វី|គួរធ្វើយ៉ាងណា)[^។?!]{0,10}"
                r"(?:បើ|ប្រសិនបើ)",
                r"(?:1280|១២៨០|ខ្សែទូរស័ព្ទជំនួយ|ខ្សែជំនួយ|ជំនួយកុមារ|សញ្ញាគ្រោះថ្នាក់)",
                r"(?<!កុំ)(?<!មិន)(?<!អត់)(?<!មិនត្រូវ)(?<!កុំអោយ)(?<!កុំឲ្យ)ប្រាប់(?:មនុស្សធំ|អ្នកធំ)",
                r"មនុស្សធំ(?:ដែល)?[^។?!]{0,4}ទុកចិត្ត",
                layer="khmer")
    )  # fmt: skip


#: What follows a number that is a time, an amount or a rank, not an age.
_NOT_A_UNIT = (
    r"(?!\s*(?:min|mins|minutes?|hours?|hrs?|h\b|secs?|seconds?|dollars?|usd|am\b|pm\b|"
    r"o'?clock|%|miles?|km\b|th\b|st\b|nd\b|rd\b))"
)

#: Ages spelled out, as chat writes them ("im thirteen", "fourteen years old").
NUMBER_WORDS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip
_SPELLED = "(" + "|".join(NUMBER_WORDS) + ")"


def spoken_number(word: str) -> int:
    """The value of an age in digits or spelled out (``NUMBER_WORDS``)."""
    return NUMBER_WORDS[word] if word in NUMBER_WORDS else int(word)


#: The other's age said back or asked: "ur only 14", "r u really 13?", "u 13?". It says who is in
#: the chat, not who the speaker is.
_OTHERS_AGE_PATTERNS = (
    re.compile(r"\b(?:ur|you'?re|u r|you are|r u|are you|are u)\s+(?:only |just |really |actually "
               r"|still )?(\d{1,2})\b(?![\d:.$%])"
               r"(?!\s*(?:min|hour|hr|mins|minutes|miles|km|dollars?|usd|%))"),
    re.compile(r"^(?:u|you)\s+(\d{1,2})\s*\?"),
)  # fmt: skip
#: What the explanation of a finding over the other's age says its pattern is.
_OTHERS_AGE = "the other's age: "

_AGE_PATTERNS = (
    re.compile(
        r"(?<![\d.,:$\-–])(?<!\d den )(?<!\d toi )(?<!\d to )(?<!\d and )(\d{1,2})\s*"
        r"(?:yo\b|y/o|y\.o\b|(?:yrs?|years?)[ -]olds?\b|tuoi\b)"
    ),
    # Khmer says an age with "ឆ្នាំ" (year) alone: "ខ្ញុំទើបតែ១៣ឆ្នាំ", "thnak ti 7, 13 chnam"; not a
    # span ("៥ឆ្នាំមុន", years ago) or the end of a range ("9-14 chnam", "៩ ដល់ ១៥ឆ្នាំ").
    re.compile(r"(?<![\d.,:$\-–])(?<!ដល់)(?<!ដល់ )(?<!\dទៅ)(?<!\d ទៅ )(?<!\d to )(?<!\d dol )"
               r"(\d{1,2})\s*(?:ឆ្នាំ|chnam\b)"
               r"(?!\s*(?:មុន|ក្រោយ|mun\b|kroy\b|ago\b))"),
    # English "years" without "old" is a duration as often as an age ("married 15 years", "12
    # years ago", "i teach 8 yrs already"): an age only at the start of the message or after
    # "i'm" or "age", and not followed by what makes it a span of time.
    re.compile(r"(?:^\W*|\b(?:i'?m|i am|im|me|age|aged)\s+)(\d{1,2})\s*(?:yrs?|years?)\b"
               r"(?!\s*(?:ago|later|before|after|together|since|of|in|with|now|already|married|"
               r"experience|exp|running|straight|more|apart)\b)"),
    # Vietnamese chat writes "tuổi" as a bare "t" after the number: "e 11t", "16t".
    re.compile(r"(?<![\d.,:$])\b(\d{1,2})t\b"),
    # "im only 14", "em mới 13", "e chỉ 12"; not "15 mins", "15th", "em chỉ 5 điểm" -- but "15
    # tho" is an age, not "15th"
    re.compile(r"(?<!\d )\b(?:i'?m|i am|im|em|e|con|minh|toi|tui|anh|age|aged|age:)\s*"
               r"(?:(?:only|just|still|barely|almost|nearly|like|literally|moi|chi|van|sap|"
               r"nam nay|con)\s+)?(\d{1,2})\b"
               r"(?![\d:.$%])"
               r"(?!\s*(?:min|hour|hr|h\b|k\b|dollars?|usd|am\b|pm\b|th\b|st\b|nd\b|rd\b|%|cm|"
               r"kg|m\b|phut|gio|diem|d\b|dong|nghin|ngan|tr\b|trieu|lan\b|cai\b|nguoi|ngay|"
               r"thang|tuan|buoi|tiet|bai\b|cau\b|trang|p\b|s\b|giay|km\b|lit|ly\b|ve\b|"
               r"mon\b|kiem|sao\b|level|lvl|the\b|tieng|chuc|tram|goi\b|tin\b|ban\b|tam\b|"
               r"buc\b|clip|video|hinh))"),
    # not a range ("ចន្លោះអាយុ ៩ ដល់ ១៥", "អាយុ ១២ ទៅ ១៤ ឆ្នាំ": ages 9 to 15)
    re.compile(r"(?<!ចន្លោះ)(?<!ចន្លោះ )អាយុ\s*(\d{1,2})(?!\s*(?:ដល់|ទៅ|-|–|to|dol)\s*\d)"),
    # ... but a range guessed of "you" is the other's age: "ឯងអាយុ 16-17 ហើយមែន?", "មើលទៅអាយុ ១៤-១៥"
    re.compile(r"(?:ឯង|អូន|ប្អូន(?!ៗ)|មើលទៅ)[^។?!]{0,8}អាយុ\s*(\d{1,2})(?=\s*(?:ដល់|ទៅ|-|–)\s*\d)"),
    # Chat-room "asl" answers: "14 f", "13/f/ohio", "asl? 22 m", "f 15". A bare number and a sex
    # say an age only at the start of a message or after "asl" / "i'm", and not "5 m away".
    re.compile(r"(?:^|\basl\W*|\b(?:i'?m|im|i am)\s+)([1-8]\d)\s*[/,.\-]?\s*"
               r"(?:f|m|fem|female|male|girl|boy|gurl|grl)\b"
               r"(?!\s*(?:away|ago|left|more|later|walk|drive|mins?|minutes?|miles?|"
               r"from (?:here|there|u|you|me|my))\b)"),
    re.compile(r"(?:^|\basl\W*)(?:f|m|female|male|girl|boy)\s*[/,\-]?\s*([1-8]\d)\b(?![\d:.$%])"),
    *_OTHERS_AGE_PATTERNS,
    # An age about to change: "i just turned 13", "im turnin 14 next month", "ill be 15 in may".
    re.compile(r"\b(?:just turned|turned|turning|turnin|i'?ll be|i will be|ima be|imma be|"
               r"i'?m gonna be|im going to be)\s+(\d{1,2})\b(?![\d:.$%])" + _NOT_A_UNIT),
    # Spelled out: "im thirteen", "i'm only fourteen", "fifteen years old".
    re.compile(r"\b(?:i'?m|i am|im)\s+"
               r"(?:(?:only|just|still|barely|almost|nearly|like|literally)\s+)?" + _SPELLED
               + r"\b(?!\s*(?:min|minutes?|hours?|hrs?|dollars?|bucks|percent|days?|weeks?|"
               r"months?|times|more|of|in|on)\b)"),
    re.compile(r"\b" + _SPELLED + r"[ -](?:yo|years?[ -]old|yrs?[ -]old)\b"),
    # A short chat-room answer: "me 13", "13 here".
    re.compile(r"^(?:me|me:)\s+([1-8]\d)\b(?![\d:.$%])" + _NOT_A_UNIT),
    re.compile(r"^([1-8]\d)\s+here\b"),
)  # fmt: skip


_YEAR = r"((?:19[4-9]|20[0-2])\d)"
#: A word just before "born in 2012" that makes the year somebody else's ("my son was born in
#: 2012", "em trai sinh 2015").
_OTHERS_BIRTH = re.compile(
    r"\b(?:my|our|his|her|their|he|she|they|son|daughter|kids?|child|baby|brother|bro|sister|sis|"
    r"cousin|friend|nephew|niece|trai|gai|chau)\b[^.!?]{0,20}$|(?:កូន|ប្អូន|គាត់)[^.!?]{0,10}$"
)
#: A birth year said instead of an age (group 1: the year, its "2k" digits or the "9x" decade).
#: Teens in Vietnam and Cambodia give their age this way as often as in years ("e 2k12", "sinh
#: năm 2011", "born 2013"), adults their decade ("anh 9x", "đời 8x").
_BIRTH_YEAR_PATTERNS = (
    re.compile(r"\b(?:born|sinh|kert)(?: in| nam| chnam)?\s+" + _YEAR + r"\b(?![\d.,:$%])"),
    re.compile(r"កើត(?:ឆ្នាំ)?\s*" + _YEAR + r"\b"),
    # The whole answer: "2012 ạ", "em 2k12", "2k11 nha", "i'm a 2012 kid".
    re.compile(r"^\W*(?:(?:em|minh|tui|toi|con|i'?m|im|me)\s+(?:la\s+|a\s+)?)?"
               r"(" + _YEAR[1:-1] + r"|2k[01]\d)(?:\s+(?:baby|kid|bb))?\W*"
               r"(?:(?:anh|chi|a|nha|ne|day|ja|jas|bong|lol|haha|hehe|ចាស|បាទ|បង)\W*)?$"),
    re.compile(r"\b(?:em|minh|tui|toi|con|la|i'?m|im|sinh(?: nam)?)\s+(2k[01]\d)\b"),
    re.compile(r"(?:^|\b(?:anh|chi|em|minh|tui|toi|doi|the he)\s+)([5-9]x)\b"),
)  # fmt: skip


def birth_year_age(found: str, today: date | None = None) -> int:
    """The age this year of a birth year as `_BIRTH_YEAR_PATTERNS` find it: "2012", "2k12" or
    a decade "9x" (taken at its middle)."""
    if found.startswith("2k"):
        year = 2000 + int(found[2:])
    elif found.endswith("x"):
        year = 1905 + 10 * int(found[0])
    else:
        year = int(found)
    return (today or date.today()).year - year


def age_stage(age: int) -> tuple[str, float] | None:
    """The CONTEXT stage and score of an age somebody gives as their own: a minor's (5-17), an
    adult's (18-89), or ``None`` for a number no chat partner would be."""
    if 5 <= age <= 17:
        return "stated_minor_age", 0.85
    if 18 <= age <= 89:
        return "stated_adult_age", 0.75
    return None


def context_finding(stage: str, score: float, name: str, pattern: str, words: str) -> Finding:
    """A CONTEXT finding of ``stage`` made by the recognizer (or pass) ``name`` with ``pattern``
    over ``words``."""
    return Finding(
        label=CONTEXT,
        stage=stage,
        score=score,
        explanation=Explanation(
            source="recognizer",
            name=name,
            pattern=pattern,
            words=(words,),
            score_before_context=score,
        ),
    )


#: A word right before an age that makes it somebody else's: "my 13 yr old", "a 12 year old".
_THIRD_PARTY = re.compile(r"\b(my|our|his|her|their|a|an|the|this|that)\s+$")
#: Words right before an age that make it a child's the speaker has or speaks of: "có 1 bé 5t",
#: "có 1 bé trai 6 tuổi", "con trai em 8 tuổi", "កូនខ្ញុំអាយុ ៨ ឆ្នាំ". A bare "bé 12", "con 12
#: tuổi" or "កូនអាយុ១២" is the speaker's own (children call themselves so).
_KIN_BEFORE = re.compile(
    r"(?:\bco (?:\d+ |mot |hai |ba )?(?:be|con|dua|nhoc|chau)(?: (?:trai|gai|nho))?|"
    r"\b(?:be|con|dua|chau) (?:trai|gai|nho)(?: (?:cua )?(?:em|anh|chi|toi|minh|tui))?|"
    # Khmer "កូនខ្ញុំអាយុ ៨ ឆ្នាំ" (my child is 8): a bare "កូន" is how a child names themself
    r"កូន(?:ប្រុស|ស្រី)?(?:ខ្ញុំ|យើង|បង|គាត់)\s*(?:អាយុ)?)\s*$"
)
#: A child of the speaker's named shortly before the age, with words between: "my son just
#: turned 9", "bé nhà em, bé 9 tuổi", "thằng nhỏ nhà anh 8 tuổi", "កូនស្រីខ្ញុំក៏ចឹង អាយុ ៩".
#: The age is the child's, and says the speaker is a parent.
_OWN_CHILD_BEFORE = re.compile(
    r"(?:\bmy (?:little |lil |baby |eldest |oldest |youngest )?(?:son|daughter|kid|child|boy|girl|"
    r"baby|bub|little one)s?\b(?! ?(?:sister|brother|sis|bro|cousin|friend|bestie|bff))|"
    r"\b(?:be|con|dua|nhoc|thang nho|con be|thang be|chau)(?: (?:trai|gai|nho|lon|ut))? "
    r"(?:nha|cua) (?:em|anh|chi|toi|minh|tui|tao)\b|"
    r"កូន(?:ប្រុស|ស្រី)|កូន(?:ខ្ញុំ|យើង))[^.!?]{0,25}$"
)
#: A third person as the subject just before the age: "he is 9 years old", "she's 12", "nó 12
#: tuổi", "em ấy 13 tuổi", "វាអាយុ ៤ ឆ្នាំ". The age is not the speaker's.
_THIRD_PERSON_BEFORE = re.compile(
    r"(?:\b(?:he|she|they|he'?s|she'?s|they'?re)(?: (?:is|was|are|were|will be|'?ll be|just|only|"
    r"already|now|turned|turns|turning|gonna be))*|"
    r"\b(?:no|em ay|be ay|con be|thang be|thang nho|anh ay|chi ay|ban ay)(?: (?:moi|da|nam nay|"
    r"gio|chi|co|la))*|"
    r"(?:វា|គាត់|គេ)(?:ទើបតែ|ទើប|មាន)?(?:អាយុ)?)\s*$"
)
#: After "my 13 yr old": somebody of the speaker's own age group (a sibling, a friend), not the
#: speaker's child.
_NOT_OWN_CHILD = re.compile(
    r"\s*(?:old\s*)?(?:little |lil |baby |big |younger |older )?(?:brother|bro|sister|sis|"
    r"cousin|friend|bestie|bff|niece|nephew|neighbou?r|classmate|crush|bf|gf|boyfriend|girlfriend)"
)


def is_others_age(finding: Finding) -> bool:
    """Whether ``finding`` is an age the speaker gave back to or asked of the other ("ur only 14",
    "u r 29 tho"): a person of that age is in the chat, but it is not the speaker."""
    return finding.explanation.name == GenericAgeRecognizer.name and (
        (finding.explanation.pattern or "").startswith(_OTHERS_AGE)
    )


class GenericAgeRecognizer(RiskRecognizer):
    """A stated age in digits, or a birth year ("e 2k12", "born 2011", "anh 9x"): a minor
    (5-17) or an adult (18-89) context signal."""

    name = "GenericAgeRecognizer"
    language = "*"
    labels = (CONTEXT,)

    def analyze(self, artifacts: TextArtifacts) -> list[Finding]:
        """One finding for the first plausible age stated in the message, else for a birth year
        the speaker gives as their own. The age of somebody the speaker names ("a 13 year old",
        "her 12 yo brother", "my son was born in 2012") is not the speaker's; a parent's "my 13
        yr old", "có 1 bé 5t" or "កូនខ្ញុំអាយុ ៨ ឆ្នាំ" says the speaker is an adult."""
        text = artifacts.folded
        for pattern in _AGE_PATTERNS:
            for age_match in pattern.finditer(text):
                found = self._owned_age(text, age_match)
                if found is not None:
                    words = age_match.group(0).strip()
                    described = pattern.pattern[:60]
                    if pattern in _OTHERS_AGE_PATTERNS:
                        described = _OTHERS_AGE + described
                    return [context_finding(*found, self.name, described, words)]
        for pattern in _BIRTH_YEAR_PATTERNS:
            match = pattern.search(text)
            if match is None:
                continue
            if _OTHERS_BIRTH.search(text, 0, match.start()):
                continue
            stated = age_stage(birth_year_age(match.group(1)))
            if stated is not None:
                words = match.group(0).strip()
                return [context_finding(*stated, self.name, pattern.pattern[:60], words)]
        return []

    @staticmethod
    def _owned_age(text: str, match: re.Match[str]) -> tuple[str, float] | None:
        """The stage and score of the age ``match`` found, by whose it is: the speaker's own (a
        minor's or an adult's), the speaker's child's (an adult's: a parent speaks), or ``None``
        for somebody else's ("he is 9", "a 13 year old") or a number no person is."""
        before = match.start()
        if _KIN_BEFORE.search(text, 0, before) or _OWN_CHILD_BEFORE.search(text, 0, before):
            # "có 1 bé trai 6 tuổi" (I have a boy of 6), "my son just turned 9": a parent
            return "stated_adult_age", 0.7
        # only where the number (or Khmer "អាយុ") opens the match: in "no im 14" the subject
        # is "im", not "nó"
        opening = text[before : match.start(1)].strip()
        if opening in ("", "អាយុ") and _THIRD_PERSON_BEFORE.search(text, 0, match.start(1)):
            return None
        owner = _THIRD_PARTY.search(text, 0, before)
        if owner is not None:
            if owner.group(1) not in ("my", "our") or _NOT_OWN_CHILD.match(text, match.end()):
                return None
            return "stated_adult_age", 0.7
        return age_stage(spoken_number(match.group(1)))
