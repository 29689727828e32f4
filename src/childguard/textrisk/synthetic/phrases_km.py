# ruff: noqa: E501  (phrase banks: one line of phrases reads better than wrapped strings)
"""Khmer phrase banks: Khmer script (``km``) and romanised Khmer as typed in chats (``kmr``).

The Khmer-script phrases are the lexicons' own phrases and the documentation's examples, kept
short and literal; the generator adds the training split's hand-written Khmer messages to them.
Romanised Khmer follows the spellings of the hand-written ``km-en`` conversations ("oun", "bong",
"chnam", "phteah").
"""

from __future__ import annotations

KM: dict[str, tuple[str, ...]] = {
    "GROOMING/access_profiling": (
        "អូនរៀនថ្នាក់ទីប៉ុន្មាន?", "អូនរៀននៅសាលាណា?", "អូនរស់នៅឯណា?",
        "អូននៅជាមួយអ្នកណា?", "ផ្ទះអូននៅណា?",
    ),
    "GROOMING/trust_gifts": (
        "បងទិញកាដូឲ្យអូន", "បងដាក់ពេជ្រឲ្យអូន", "បងផ្ញើលុយឲ្យអូន", "បងទិញទូរស័ព្ទឲ្យអូន",
    ),
    "GROOMING/flattery_romance": (
        "អូនស្អាតណាស់", "បងស្រឡាញ់អូន", "បងនឹកអូន", "អូនពិសេសណាស់", "អូនមិនដូចក្មេងផ្សេង",
    ),
    "GROOMING/risk_assessment": (
        "ប៉ាម៉ាក់អូននៅផ្ទះទេ?", "អូននៅផ្ទះម្នាក់ឯងមែនទេ?",
        "អ្នកណាមើលទូរស័ព្ទអូន?", "ម៉ាក់ឆែកទូរស័ព្ទអូនទេ?",
    ),
    "GROOMING/secrecy_isolation": (
        "កុំប្រាប់អ្នកណា", "រឿងសម្ងាត់របស់យើង", "លុបសារចោលណា",

    ),
    "GROOMING/image_request": (
        "ថតរូបមកបង", "ខលវីដេអូជាមួយបង",
        "បើកកាមេរ៉ា", "រូបឯកជន តែបងម្នាក់មើល",
    ),
    "GROOMING/meeting": ("ជួបគ្នាទេ?", "បងទៅទទួលអូន", "មកផ្ទះបង", "ក្រោយម៉ោងរៀនជួបគ្នា"),
    "GROOMING/platform_migration": (
        "ឆាតតាមតេឡេក្រាម", "អេដតេឡេក្រាមបង", "អូនមានតេឡេក្រាមទេ?", "ប្តូរទៅតេឡេក្រាម",
    ),
    "SEXTORTION/threat_to_expose": (
        "បងនឹងបង្ហោះរូបឯងទៅឲ្យប៉ាម៉ាក់", "ផុសរូបឯង", "ឲ្យគេដឹងទាំងអស់",
    ),
    "SEXTORTION/demand": (
        "បើមិនផ្ញើលុយ១០០ដុល្លារ បងនឹងបង្ហោះរូបឯង", "ផ្ញើលុយមក", "ផ្ញើរូបបន្ថែម", "វេរលុយ ៥០ដុល្លារ",
    ),
    "SEXTORTION/deadline": ("ត្រឹមយប់នេះ", "ចុងក្រោយ", "២ម៉ោងទៀត"),
    "BULLYING/insult": ("អាឆ្កួត", "មីជ្រូក", "អាអត់ប្រយោជន៍", "ធាត់ដូចជ្រូក"),
    "BULLYING/threat": ("ចាំមើល", "ទៅស្លាប់ទៅ", "វាយឯង"),
    "BULLYING/exclusion": ("កុំលេងជាមួយវា", "ចេញពីក្រុមទៅ"),
    "BULLYING/humiliation": ("គេសើចឯង", "គេចំអកឯងទាំងអស់គ្នា", "មើលងាយ"),
    "CSAM_TRADE/advertising": ("លក់វីដេអូក្មេង", "មានឃ្លីបក្មេងថ្មី", "លក់លីងក្មេង"),
    "CSAM_TRADE/offering": ("១០ដុល្លារមួយឃ្លីប", "5$មួយលីង", "ឆាតមកសុំលីង"),
    "CSAM_TRADE/requesting": ("អ្នកណាមានវីដេអូក្មេង?", "ចង់ទិញឃ្លីបក្មេង", "រកលីងក្មេង"),
    "CSAM_TRADE/payment_contact": ("បង់តាម ABA", "វេរលុយតាម wing"),
    "CUE/minor": ("ខ្ញុំរៀនថ្នាក់ទី៧", "អូនជាសិស្ស", "អូនអាយុ14ឆ្នាំ"),
    "CUE/adult": ("បងធ្វើការរួចហើយ", "បងអាយុ៣០ឆ្នាំ"),
    "SAFE/smalltalk": ("ចាស", "សួស្តី", "អូខេ", "ញ៉ាំបាយហើយឬនៅ?", "ហាហា"),
}  # fmt: skip

KMR: dict[str, tuple[str, ...]] = {
    "GROOMING/access_profiling": (
        "oun ayu ponman?", "oun rean tnak ti ponman?", "oun rean sala na?", "oun nov na?",
        "oun nov jea muy nak na?", "oun ayu ponman hz?",
    ),
    "GROOMING/trust_gifts": (
        "bong tinh kado oy oun", "bong dak pech oy oun", "bong top up card oy oun",
        "bong tinh phone thmei oy oun",
    ),
    "GROOMING/flattery_romance": (
        "oun sart nas", "bong srolanh oun", "bong nek oun nas", "oun kit chas jeang ayu",
        "oun min doch kmeng dtey te",
    ),
    "GROOMING/risk_assessment": (
        "ba mak oun nov phteah te?", "oun nov phteah mneak eng men?", "nak na mel phone oun?",
        "mak oun check phone oun te?",
    ),
    "GROOMING/secrecy_isolation": (
        "kom prab ke na", "kom prab ba mak na", "tuk jea secret yerng pi nak", "lub chat chol tv",
    ),
    "GROOMING/image_request": (
        "phnhae rup mok bong mel", "send pic mok bong", "video call jea muy bong", "thort rup oy bong",
    ),
    "GROOMING/meeting": ("tov juob knea", "bong tov yok oun kroy rean", "mok phteah bong leng"),
    "GROOMING/platform_migration": ("add tele bong tov", "chat tam telegram vinh", "oun mean tele te?"),
    "SEXTORTION/threat_to_expose": (
        "bong mean rup oun", "bong post rup oun kdal FB", "bong send rup oy ba mak oun",
    ),
    "SEXTORTION/demand": ("send luy {amount}$ mok", "ber min send luy, bong post", "send rup thaem"),
    "SEXTORTION/deadline": ("{hours} mong deadline", "knong 1 maong tiet", "yub nis jong kroy"),
    "BULLYING/insult": ("a lngong", "a chkout", "a ot prayoch", "doch jruk"),
    "BULLYING/threat": ("cham mel, anh vay aeng", "cham aeng kroy rean"),
    "BULLYING/exclusion": ("kmean nak na chol chet aeng te", "jenh pi group tv"),
    "CSAM_TRADE/advertising": ("luk video kmeng", "mean clip kmeng thmei"),
    "CSAM_TRADE/offering": ("{price}$ muoy folder", "inbox som link"),
    "CSAM_TRADE/payment_contact": ("pay ABA ru Wing", "chat tam tele pay ABA"),
    "CUE/minor": ("oun {age} chnam", "oun rean tnak ti {grade}", "mak oun min oy leng phone yub"),
    "CUE/adult": ("bong tver kar ruoch", "bong {aage} chnam"),
    "SAFE/smalltalk": ("jas bong", "ok bong", "arkun bong", "hehe", "nh am bay nov?", "ot te"),
    "SAFE/adult_flirt": ("bong nek oun nas", "yub nis juob knea nh", "oun sart nas yub nis"),
    "SAFE/sales": ("luk ao {price}$", "pay ABA nh bong", "inbox som tamlai"),
}  # fmt: skip
