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

#: More Khmer-script lines composed from the lexicons' words (recognizers/km.py, khmer_words.py)
#: and the hand-written km-* training conversations: victims' replies, hard negatives that use the
#: same words as risky talk (parents, photos, Telegram, ABA) and more ways to say each stage.
KM_MORE: dict[str, tuple[str, ...]] = {
    "GROOMING/access_profiling": (
        "អូនអាយុប៉ុន្មានឆ្នាំហើយ?", "អូនរៀនថ្នាក់ទីប៉ុន្មានហើយ?", "អូនរៀនសាលាណាដែរ?",
        "អូនមានទូរស័ព្ទផ្ទាល់ខ្លួនទេ?", "អូនទៅរៀនម៉ោងប៉ុន្មាន?",
    ),
    "GROOMING/risk_assessment": (
        "ឪពុកម្តាយអូនទៅធ្វើការទេ?", "ម៉ាក់ប៉ាអូនមកផ្ទះម៉ោងប៉ុន្មាន?",
        "ឪពុកម្តាយអូនដឹងទេថាអូនឆាតជាមួយបង?", "យប់នេះអូននៅផ្ទះម្នាក់ឯងទេ?",
        "ប៉ាម៉ាក់អូនចេញទៅក្រៅហើយឬនៅ?", "ឪពុកម្តាយអូនគេងហើយឬនៅ?", "ម៉ាក់អូនមិននៅផ្ទះមែនទេ?",
    ),
    "GROOMING/flattery_romance": (
        "អូនគួរឲ្យស្រឡាញ់ណាស់", "បងចូលចិត្តអូនណាស់", "អូនចាស់ជាងអាយុ", "បងគិតតែពីអូន",
    ),
    "GROOMING/secrecy_isolation": (
        "កុំប្រាប់ម៉ាក់ណា", "នេះជាសម្ងាត់រវាងយើងពីរនាក់", "កុំឲ្យប៉ាម៉ាក់ដឹង",
        "លុបសារទាំងអស់ចោលណា", "មិត្តអូនមិនយល់អូនដូចបងទេ",
    ),
    "GROOMING/image_request": (
        "ផ្ញើរូបអូនមកបង", "ថតរូបខ្លួនឯងផ្ញើមក", "ផ្ញើរូបថ្មីមកបងមួយ", "បងចង់ឃើញរូបអូន",
        "ផ្ញើរូបមួយមក កុំឲ្យអ្នកណាដឹង", "ថតរូបក្នុងបន្ទប់ផ្ញើមកបង",
    ),
    "GROOMING/meeting": ("ចេញមកជួបបងនៅមុខសាលា", "ចុងសប្តាហ៍នេះជួបគ្នាទេ?", "បងមកយកអូនក្រោយរៀន"),
    "GROOMING/platform_migration": ("ប្តូរទៅឆាតក្នុងតេឡេក្រាម", "អេដតេឡេក្រាមបងទៅ ងាយស្រួលជាង"),
    "SEXTORTION/threat_to_expose": (
        "បងនឹងផ្ញើរូបឯងទៅសាលា", "ផុសរូបឯងលើហ្វេសប៊ុក", "បងនឹងឲ្យមិត្តឯងឃើញរូបទាំងអស់",
    ),
    "SEXTORTION/demand": ("ផ្ញើលុយ២០០ដុល្លារមក", "វេរលុយមកភ្លាម", "ផ្ញើរូបទៀត បើមិនចង់ឲ្យគេដឹង"),
    "SEXTORTION/deadline": ("ក្នុង២ម៉ោង", "មុនម៉ោង៨យប់នេះ", "បងរង់ចាំតែ៣០នាទី"),
    "BULLYING/insult": ("អាល្ងង់ខ្លៅ", "មីល្ងង់", "ឯងល្ងង់ណាស់", "អាកំសាក"),
    "BULLYING/threat": (
        "ចាំខ្ញុំវាយឯងក្រោយម៉ោងរៀន", "ស្អែកឯងស្លាប់ហើយ", "ខ្ញុំនឹងវាយឯងឲ្យឈឺ", "ចាំមើលឯងនៅសាលា",
    ),
    "BULLYING/exclusion": (
        "គ្មានអ្នកណាចង់រាប់អានឯងទេ", "ឯងមិនមែនជាក្រុមយើងទេ", "កុំមកជិតយើង", "ទាំងថ្នាក់ស្អប់ឯង",
    ),
    "BULLYING/humiliation": ("ថតរូបឯងដាក់ក្រុមឲ្យគេសើច", "អ្នកណាក៏សើចដាក់ឯង"),
    "CSAM_TRADE/advertising": ("មានវីដេអូក្មេងលក់", "លក់ឃ្លីបក្មេងតម្លៃថោក", "ក្រុមលក់វីដេអូក្មេង"),
    "CSAM_TRADE/offering": ("២០ដុល្លារមួយហ្វូលឌ័រ", "ទិញច្រើនបញ្ចុះតម្លៃ", "ផ្ញើលីងក្រោយបង់លុយ"),
    "CSAM_TRADE/requesting": ("អ្នកណាលក់ឃ្លីបក្មេង?", "ខ្ញុំចង់បានវីដេអូក្មេងថ្មី"),
    "CSAM_TRADE/payment_contact": (
        "ទាក់ទងតេឡេក្រាម បង់លុយមុន", "បង់តាម Wing រួចបងផ្ញើលីង", "វេរលុយតាម ABA ហើយផ្ញើវិក្កយបត្រ",
        "ឆាតតេឡេក្រាមដើម្បីទិញ", "បង់តាម ABA ឬ Wing ក៏បាន",
    ),
    "REPLY/GROOMING": (
        "ចាស", "ចាសបង", "អត់ទេ", "ខ្មាស់", "ម៉េចចឹង?", "ខ្ញុំមិនដឹងទេ", "អូនខ្លាចម៉ាក់ដឹង", "អូនមិនហ៊ានទេ",
    ),
    "REPLY/SEXTORTION": (
        "សុំទោស", "កុំធ្វើបែបនេះ", "ខ្ញុំគ្មានលុយទេ", "ខ្ញុំខ្លាចណាស់", "សូមអង្វរ", "សុំកុំធ្វើអញ្ចឹង",
    ),
    "REPLY/BULLYING": (
        "ឈប់ចំអកខ្ញុំ", "កុំធ្វើអញ្ចឹង", "ខ្ញុំមិនបានធ្វើអីឯងទេ", "ហេតុអីនិយាយអញ្ចឹង?",
        "ទុកខ្ញុំចោលទៅ", "កុំអី", "ខ្ញុំនឹងប្រាប់លោកគ្រូ", "ឈប់ទៅណា",
    ),
    "REPLY/CSAM_TRADE": ("តម្លៃប៉ុន្មាន?", "មានថ្មីទេ?", "បង់ហើយ", "ចង់បានពីរឃ្លីប", "ផ្ញើលេខ ABA មក"),
    "CUE/minor": (
        "ខ្ញុំអាយុ១៣ឆ្នាំ", "អូនអាយុ១២ឆ្នាំ", "ខ្ញុំទើបអាយុ១៤ឆ្នាំ", "អូនរៀនថ្នាក់ទី៦", "១១ឆ្នាំ",
        "ខ្ញុំអាយុ១១ឆ្នាំ", "អូនជាសិស្សថ្នាក់ទី៨",
    ),
    "SAFE/smalltalk": ("បាទបង", "អរគុណច្រើន", "មិនអីទេ", "ល្អណាស់", "ចាំបន្តិច"),
    "SAFE/gaming": (
        "លេងហ្គេមទៀតទេ?", "វគ្គមុនឯងលេងពូកែណាស់", "ស្អែកលេងរួមគ្នាទៀត", "ចាញ់ហើយ ហាហា",
        "ឡើងរ៉េងបានហើយ", "ក្រោយម៉ោងរៀនលេងហ្គេមទេ?",
    ),
    "SAFE/family": (
        "ម៉ាក់ធ្វើម្ហូបហើយ", "ប៉ាមកទទួលកូនម៉ោង៥", "កូនធ្វើកិច្ចការផ្ទះហើយឬនៅ?",
        "ប៉ាម៉ាក់នៅផ្ទះហើយ មកញ៉ាំបាយ", "ម៉ាក់ទៅផ្សារ ចាំនៅផ្ទះជាមួយប្អូន", "ផ្ញើរូបប្អូនមកម៉ាក់មើល",
    ),
    "SAFE/school": (
        "ស្អែកប្រឡងភាសាខ្មែរ", "លោកគ្រូឲ្យកិច្ចការផ្ទះច្រើនណាស់", "ម៉ោងរៀនចប់ម៉ោង៥",
        "យកសៀវភៅគណិតមកផង", "ថ្ងៃនេះរៀនវិទ្យាសាស្ត្រ", "ផ្ញើរូបលំហាត់មកមើលផង",
    ),
    "SAFE/friends_teasing": ("ឯងឆ្កួតមែន ហាហា", "លេងសើចទេ កុំខឹង", "ល្ងង់ណាស់ ហាហា ស្រឡាញ់ឯង"),
    "SAFE/adult_flirt": (
        "បងនឹកអូន យប់នេះជួបគ្នា", "ចេញពីធ្វើការហើយ ទៅញ៉ាំកាហ្វេ", "អូនស្អាតណាស់ថ្ងៃនេះ",
        "ផ្ញើរូបអូនមកបង នឹកណាស់", "យប់នេះមកផ្ទះបងទេ?",
    ),
    "SAFE/sales": (
        "អាវនេះ១០ដុល្លារ", "បង់តាម ABA បាន", "ដឹកជញ្ជូនដល់ផ្ទះ", "ឆាតតាមតេឡេក្រាមដើម្បីកុម្ម៉ង់",
        "ផ្ញើរូបទំនិញមកមើល", "វេរលុយតាម Wing ហើយផ្ញើវិក្កយបត្រ",
    ),
    "SAFE/safety_talk": (
        "កុំផ្ញើរូបទៅមនុស្សមិនស្គាល់", "បើមាននរណាសុំរូប ប្រាប់ម៉ាក់", "កុំប្រាប់អាសយដ្ឋានផ្ទះទៅអ្នកមិនស្គាល់",
        "បើគេគំរាម ប្រាប់ប៉ាម៉ាក់ឬលោកគ្រូភ្លាម",
    ),
    "SAFE/sex_ed": ("រាងកាយយើងផ្លាស់ប្តូរពេលពេញវ័យ", "អាចសួរលោកគ្រូពេទ្យបាន"),
    "SAFE/news": ("ថ្ងៃនេះភ្លៀងខ្លាំង", "មើលព័ត៌មានថ្ងៃនេះទេ?", "ផ្លូវកកស្ទះណាស់"),
}  # fmt: skip
