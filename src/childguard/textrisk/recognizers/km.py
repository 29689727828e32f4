"""Khmer pattern recognizers.

Khmer is written without spaces between words, so these patterns are substrings matched on the
``khmer`` layer: the message with spaces and zero-width separators removed and the two look-alike
subscripts (COENG DA, COENG TA) unified, so that one spelling of a phrase meets the others.
Latin words in code-mixed messages are read by the English recognizers.
"""

from __future__ import annotations

from typing import ClassVar

from childguard.textrisk.recognizers.base import CONTEXT, PatternRecognizer, Rule, rules

#: "you" as an adult says it to a child or a peer: អូន (younger one), ឯង, នាង, ប្អូន, ក្មួយ.
YOU = "(?:អូន|ឯង|នាង|ប្អូន|ក្មួយ|អ្នក|ហែង|ហ្អែង|ចៅ)"
ME = "(?:បង|ខ្ញុំ|ពូ|អញ|យើង)"
PARENTS = "(?:ឪពុកម្តាយ|ប៉ាម៉ាក់|ម៉ាក់ប៉ា|ម៉ាក់|ប៉ា|ឪពុក|ម្តាយ|គ្រួសារ|គ្រូ|បងប្អូន)"
PIC = "(?:រូប|រូបថត|វីដេអូ|វីឌីអូ|ឃ្លីប|សែលហ្វី|selfie|pic|photo)"
APPS = (
    "(?:តេឡេក្រាម|តេលេក្រាម|ថេឡេក្រាម|តេឡេ|វ៉ាត់សាប|ស្នេបឆាត|ហ្វេសប៊ុក|មែសេនជឺ|ម៉ែសេនជ័រ|អ៊ីនស្តា|"
    "តិកតុក|ឡាញ|telegram|whatsapp|snapchat|messenger|facebook|instagram|signal|discord|zalo|"
    "line|tiktok)"
)
KIDS = "(?:ក្មេង|កុមារ|ក្មេងតូច|ក្មេងស្រី|ក្មេងប្រុស|សិស្ស|អនីតិជន)"
#: the media of an abuse-material trade, Khmer or Latin as typed in Khmer chats.
MEDIA = "(?:វីដេអូ|ឃ្លីប|រូប|លីង|តំណ|video|vid|clip|link|folder|pack|collection|archive|រឿង)"
GIVE = "(?:ឲ្យ|អោយ|អោ្យ)"


def _km(label: str, stage: str, score: float, *patterns: str) -> list[Rule]:
    return rules(label, stage, score, *patterns, layer="khmer")


class KmGroomingRecognizer(PatternRecognizer):
    """Khmer grooming stages."""

    name = "KmGroomingRecognizer"
    language = "km"
    labels = ("GROOMING",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        _km("GROOMING", "access_profiling", 0.55,
            "អាយុប៉ុន្មាន", "រៀនថ្នាក់ទីប៉ុន្មាន", "រៀនថ្នាក់ណា", "រៀននៅសាលាណា", "រៀនសាលាណា",
            f"{YOU}?(?:រស់)?នៅឯណា", f"{YOU}?នៅផ្ទះណា", "នៅជាមួយអ្នកណា", "ផ្ទះនៅណា")
        + _km("GROOMING", "trust_gifts", 0.55,
              # Not a demand: "if you don't send money" (មិន…) or "send money here" (…មក) is
              # sextortion's or a seller's line, not a gift.
              f"{ME}?(?<!មិន)(?:ទិញ|ផ្ញើ|ឲ្យ|អោយ|អោ្យ)(?:កាដូ|លុយ|ពេជ្រ|កាត|ទូរស័ព្ទ|អាវ|ស្បែកជើង)"
              f"(?!មក)(?:ឲ្យ|អោយ)?{YOU}?",
              f"(?:ទិញ|ដាក់)(?:ឲ្យ|អោយ){YOU}", "កាដូ(?:ឲ្យ|អោយ|សម្រាប់)", "ដាក់ពេជ្រ",
              "ដាក់កាត(?:ឲ្យ|អោយ)")
        + _km("GROOMING", "flattery_romance", 0.5,
              f"{YOU}?ស្អាត(?:ណាស់|ម្លេះ|មែន)", f"{ME}?(?:ស្រឡាញ់|ស្រលាញ់|នឹក){YOU}",
              "គួរឲ្យស្រឡាញ់", "គួរអោយស្រលាញ់", f"{YOU}ពិសេស", f"ធ្វើសង្សារ{ME}",
              "ចាស់ទុំជាងអាយុ", "ចាស់ជាងអាយុ", "(?:មើលទៅ|មើលមុខ)(?:ដូច)?(?:មនុស្ស)?(?:ចាស់|ធំ)",
              f"{YOU}មិនដូចក្មេងផ្សេង")
        + _km("GROOMING", "risk_assessment", 0.65,
              f"{PARENTS}(?:{YOU})?នៅផ្ទះ(?:ទេ|អត់|ឬទេ)", "នៅផ្ទះម្នាក់ឯង", f"{YOU}នៅម្នាក់ឯង",
              "អ្នកណា(?:មើល|ឆែក|កាន់)ទូរស័ព្ទ", f"{PARENTS}(?:ឆែក|មើល)ទូរស័ព្ទ",
              f"{PARENTS}(?:ទៅធ្វើការ|មកផ្ទះវិញ|ដេក)(?:ម៉ោងប៉ុន្មាន|នៅ|ហើយ)")
        + _km("GROOMING", "secrecy_isolation", 0.75,
              f"កុំ(?:ទាន់)?(?:ប្រាប់|និយាយ(?:ប្រាប់)?|call|ខល|តេ)(?:ទៅ)?(?:អ្នកណា|នរណា|គេ|{PARENTS})",
              "រឿងសម្ងាត់", "សម្ងាត់(?:របស់)?(?:យើង|បងនិងអូន)", "លុបសារ", "លុបចោល(?:សារ|ឆាត)",
              "រវាងយើង(?:ពីរនាក់|២នាក់|2នាក់)", f"{PARENTS}មិនយល់(?:ពី)?{YOU}",
              f"មានតែ{ME}(?:ទេ)?ដែលយល់",
              # "did you tell mom about us?": a relationship the child is to hide
              f"ប្រាប់{PARENTS}(?:ពី|អំពី|រឿង)(?:យើង|បង|ពូ)")
        + _km("GROOMING", "desensitising", 0.5,
              "(?:ធម្មតា|រឿងធម្មតា)ទេ", "គេធ្វើ(?:គ្រប់គ្នា|ទាំងអស់គ្នា)", "ធ្លាប់មានសង្សារ",
              "ធ្លាប់ថើប", "រាងកាយ(?:អូន|ឯង)(?:កំពុង)?(?:ធំ|ផ្លាស់ប្តូរ)")
        + _km("GROOMING", "image_request", 0.55,
              f"(?:ផ្ញើ|ថត|ផ្ញេី|បញ្ជូន|សុំ){PIC}", f"{PIC}(?:មក|មកមើល)", "(?:ខល|ហៅ)វីដេអូ",
              # "ផ្ញើទំហំ និងរូបប្អូនមួយមក": a photo of the reader asked for with something else
              f"(?:ផ្ញើ|សុំ)[^។?!]{{0,20}}{PIC}{YOU}",
              "វីដេអូខល", "បើក(?:កាមេរ៉ា|កាមេរា)")
        + _km("GROOMING", "image_request", 0.8,
              f"{PIC}(?:ឯកជន|សម្ងាត់)", f"(?:មើល)?តែ{ME}(?:ម្នាក់)?(?:មើល|ឃើញ)",
              "គ្មាននរណា(?:ដឹង|ឃើញ)")
        + _km("GROOMING", "meeting", 0.6,
              "ជួបគ្នា", f"(?:ចង់|មក|ទៅ)ជួប{ME}?",
              f"{ME}(?:នឹង)?(?:ទៅ|មក)(?:ទទួល|យក|រង់ចាំ|ជូន)(?:{YOU}|កូន)",
              f"(?:មក|ទៅ)(?:ផ្ទះ|បន្ទប់){ME}", "សណ្ឋាគារ", "ផ្ទះសំណាក់", "ហូតែល",
              "ក្រោយម៉ោងរៀន(?:ជួប|ទៅ)")
        + _km("GROOMING", "platform_migration", 0.6,
              f"(?:ឆាត|អេដ|ផ្ញើសារ|ខល|ទាក់ទង|និយាយ)(?:តាម|ក្នុង|នៅ){APPS}",
              f"(?:អេដ|ខល)(?:មក)?{ME}?(?:តាម|ក្នុង)?{APPS}", f"{APPS}(?:របស់)?{ME}",
              f"(?:ប្តូរ|ផ្លាស់)ទៅ{APPS}", f"{YOU}មាន{APPS}(?:ទេ|អត់)")
    )  # fmt: skip


class KmSextortionRecognizer(PatternRecognizer):
    """Khmer sextortion: threats to expose, demands and deadlines."""

    name = "KmSextortionRecognizer"
    language = "km"
    labels = ("SEXTORTION",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        _km("SEXTORTION", "image_request", 0.45, f"{PIC}(?:ឯកជន|សម្ងាត់)", f"ផ្ញើ{PIC}ថែម")
        + _km("SEXTORTION", "threat_to_expose", 0.85,
              f"(?:បង្ហោះ|ផុស|ចែករំលែក|ផ្ញើ|ចែក)(?:{PIC})?(?:{YOU})?(?:ទៅ|ឲ្យ|អោយ)"
              f"(?:{PARENTS}|សាលា|មិត្តភក្តិ|គេ|អ្នកទាំងអស់|ហ្វេសប៊ុក)",
              f"(?:បង្ហោះ|ផុស){PIC}", "(?:ឲ្យ|អោយ)គេ(?:ដឹង|មើល|ឃើញ)(?:ទាំងអស់)?", "បែកធ្លាយ",
              "ខ្មាស់គេ")
        + _km("SEXTORTION", "demand", 0.65,
              # An amount alone is a price (a sale), not a demand: it needs a verb of paying.
              "(?:ផ្ញើ|វេរ|បង់|ឲ្យ|អោយ|ផ្ទេរ)លុយ", r"(?:ផ្ញើ|វេរ|បង់|ផ្ទេរ) ?\d+ ?(?:ដុល្លារ|\$|រៀល)",
              f"ផ្ញើ{PIC}(?:បន្ថែម|ទៀត)", "បើមិន(?:ចង់|ផ្ញើ|ឲ្យ|អោយ)")
        + _km("SEXTORTION", "deadline", 0.6,
              r"(?:ក្នុងរយៈពេល|\d+)(?:ម៉ោង|នាទី|ថ្ងៃ)ទៀត", "មុនម៉ោង", "ត្រឹមយប់នេះ",
              "ចុងក្រោយ", "(?:១|1|មួយ)ម៉ោង")
        # "I have your photos", "I recorded the call": the hold over the victim.
        + _km("SEXTORTION", "threat_to_expose", 0.8,
              f"(?:{ME}|ញ៉ុម)(?:នៅ)?មាន(?:{PIC}|videocall)(?:របស់)?(?:{YOU}|ដែល{YOU})",
              f"{PIC}(?:ដែល)?{YOU}(?:ផ្ញើ|នៅក្នុង(?:ដៃ|ទូរស័ព្ទ|folder)|នឹងល្បី|viral|ទៅដល់|ចេញមុន)",
              "(?:ថត|record|screenshot)ទុក(?:ហើយ|រួច)",
              f"{PIC}(?:{YOU})?ទៅ(?:ដល់)?(?:group|ក្រុម|{PARENTS})",
              f"(?:post|share|ផុស|បង្ហោះ)(?:រូប|វីដេអូ|video){YOU}?(?:ទាំងអស់)?"
              "(?:ក្នុង|ចូល|ទៅ|លើ)(?:group|facebook|fb|page|tiktok|ក្រុម)",
              "ស្គាល់រូប(?:នេះ)?ទេ", "tag(?:មិត្ត|សាលា|page)", "(?:ឃើញ|មើល)រូបមុនគេ")
        + _km("SEXTORTION", "demand", 0.65,
              r"(?:វេរ|សង)(?:លុយ)?មក", r"(?:ផ្ញើ|ឲ្យ|អោយ)លុយមក",
              r"(?:វេរ|ផ្ញើ|ឲ្យ|អោយ|សង)\d+(?:ម៉ឺន|ពាន់)?(?:\$|ដុល្លារ|រៀល|ម៉ឺន)?មក",
              "(?:ចង់ឲ្យ|ចង់អោយ)(?:អញ|ខ្ញុំ|បង)លុប",
              f"ផ្ញើ{PIC}ថ្មី", f"{PIC}ថ្មីមក",
              r"\d+សន្លឹក(?:ទៀត)?(?:មក)?", "(?:gift ?card|googleplay|usdt|កាតgoogle)",
              "បើមិន(?:ចឹង|បង់|សង|ធ្វើ)")
        + _km("SEXTORTION", "deadline", 0.6,
              r"នៅសល់\d+", r"មានពេល\d+", r"(?:២៤|24)ម៉ោង", "ត្រឹមស្អែក",
              "ហួសម៉ោង", "បើ(?:អត់|មិន)(?:ឃើញ|បាន)(?:លុយ)?")
    )  # fmt: skip


class KmBullyingRecognizer(PatternRecognizer):
    """Khmer bullying: insults, threats, exclusion, humiliation, harassment, hate, doxxing."""

    name = "KmBullyingRecognizer"
    language = "km"
    labels = ("BULLYING",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        _km("BULLYING", "insult", 0.55,
            "(?:អា|មី)?(?:ល្ងង់|ឆ្កួត|ភ្លើ|ចង្រៃ|ឆ្កែ)", "ធាត់ដូចជ្រូក", "អាជ្រូក", "មីជ្រូក",
            "អត់ប្រយោជន៍", "(?:អា|មី)អាក្រក់", "អាក្រក់មើល", "គ្មានប្រយោជន៍")
        + _km("BULLYING", "threat", 0.7,
              f"(?:វាយ|វ៉ៃ|សម្លាប់|កាប់|ធ្វើបាប){YOU}", f"{YOU}ស្លាប់", "ទៅស្លាប់ទៅ")
        # "wait and see" is a threat only with what follows; "wait for you" (ចាំឯង) is not one.
        + _km("BULLYING", "threat", 0.5, "ចាំមើល")
        + _km("BULLYING", "exclusion", 0.6,
              "(?:គ្មាន|អត់មាន)(?:នរណា|អ្នកណា)(?:ចូលចិត្ត|លេងជាមួយ|ចង់)", "កុំលេងជាមួយ",
              "(?:ដក|ចេញ|ដេញ)(?:ចេញ)?ពីក្រុម", "មិនរាប់អាន")
        + _km("BULLYING", "humiliation", 0.6,
              "សើចដាក់", f"គេ(?:សើច|ចំអក){YOU}", "ចំអក", "មើលងាយ", "ធ្វើឲ្យខ្មាស")
        + _km("BULLYING", "sexual_harassment", 0.6, "ស្រីខូច", "ស្រីពេស្យា", "ស្រីរកស៊ី")
        + _km("BULLYING", "identity_hate", 0.6, "អាខ្ទើយ", "ខ្ទើយ", "អាយួន", "មីយួន", "អាខ្មៅ")
        + _km("BULLYING", "doxxing", 0.65,
              "ផ្ទះ(?:វា|នាង|អា)នៅ", "លេខទូរស័ព្ទ(?:វា|នាង)", f"ដឹងថា{YOU}នៅណា",
              "អាសយដ្ឋាន(?:វា|នាង|ឯង)")
        # Cruel in themselves: likening a face to an animal or a ghost, "should not live", smells.
        + _km("BULLYING", "insult", 0.6,
              "មុខដូច(?:ស្វា|ជ្រូក|ឆ្កែ|ខ្មោច|ត្រី|គោ)", "ដូចខ្មោច", "មិនគួររស់", "ស្លាប់ទៅប្រសើរ",
              "ធុំក្លិន", "ក្លិនស្អុយ", "(?:អា|មី)(?:ខ្វាក់|ខ្វិន|កំសាក|ខ្សោយ|ក្រ(?!ក់)|ស្គម|ធាត់|ស្រុកស្រែ)",
              "ក្មេងខ្វិន", "ស្រីស្គម", "ជ្រូកធាត់", f"អ្នកក្រដូច{YOU}", "គួរ(?:ឲ្យ)?ស្អប់",
              f"ស្អប់{YOU}", "ទៅឃ្វាលគោ", "ឈឺភ្នែក")
        + _km("BULLYING", "exclusion", 0.6,
              r"(?:kick|ដេញ)(?:មី|អា)?\S{0,8}ចេញ", "ចេញពី(?:group|ក្រុម|សាលាយើង)",
              "កុំ(?:ឲ្យ|អោយ)វា(?:មក|ចូល)", "កុំ(?:add|ហៅ)វា", "គ្មាននរណា(?:និយាយជាមួយ|ជឿ)",
              "មិនសមមក", "(?:កុំ|មិនចង់)អង្គុយ(?:ជិត|ជាមួយ)", "ទៅលេងម្នាក់ឯងទៅ", "មិនចាំបាច់ឲ្យវា")
        + _km("BULLYING", "humiliation", 0.6,
              f"{GIVE}(?:វា|ឯង|ហ្អែង)ខ្មាស", "ឲ្យគេ(?:សើច|មើលលេង)",
              "(?:សាលា|ថ្នាក់)ទាំងមូល(?:មើល|ឃើញ)?", "ថតលួច", "(?:រូប|video|វីដេអូ)វា(?:ដើរ|ដេក|គេង|យំ|ដួល)",
              "(?:post|share|ផុស|បង្ហោះ)(?:រូប)?(?:វា|ឯង|ហ្អែង)?(?:ក្នុង|ចូល|ទៅ)group(?:ថ្នាក់)",
              "screenshotផ្ញើ")
        + _km("BULLYING", "threat", 0.65,
              "វាយ(?:វា|ឯង|ហ្អែង)?(?:ឲ្យដេកពេទ្យ|ម្តងទៀត|តែម្តង)", "(?:អញ|ពួកយើង|ពួកខ្ញុំ)ចាំ(?:នៅ)?",
              "ចាំអញនៅ", "រកដល់ផ្ទះ", "យកដំបង", "ដុត(?:ផ្ទះ|ហាង)", "គប់ថ្ម", "ឲ្យវាដឹងខ្លួន",
              "អញ(?:វាយ|វ៉ៃ)", "បោះចោលក្នុង")
        + _km("BULLYING", "doxxing", 0.65,
              "ផ្ទះ(?:ហ្អែង|ឯង|អាស្រី|មី(?!ង))", "ដឹងថា(?:ឯង|ហ្អែង)នៅ", "លេខ(?:ទូរស័ព្ទ)?ម៉ាក់(?:ឯង|ហ្អែង)",
              "(?:ឈ្មោះ|សាលា)វាផង", "ipឯង")
        + _km("BULLYING", "identity_hate", 0.6,
              "ខ្មៅដូចធ្យូង", "មីខ្មៅ", "ខ្មែរលើ", "មិនមែនខ្មែរ", "ត្រឡប់ទៅស្រុក", "ពួកចាម", r"ខ្ទ\*")
    )  # fmt: skip


class KmCsamTradeRecognizer(PatternRecognizer):
    """Khmer abuse-material trade in coded terms."""

    name = "KmCsamTradeRecognizer"
    language = "km"
    labels = ("CSAM_TRADE",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        _km("CSAM_TRADE", "advertising", 0.8,
            f"(?:លក់|មាន|ចែក).{{0,12}}(?:វីដេអូ|ឃ្លីប|រូប|លីង|តំណ){KIDS}",
            f"(?:វីដេអូ|ឃ្លីប|រូប|លីង|តំណ){KIDS}(?:ថ្មី|លក់|មាន)")
        # Latin media words in Khmer chats ("video ក្មេងៗ", "folder ក្មេងស្រី"); coded goods.
        + _km("CSAM_TRADE", "advertising", 0.75,
              f"(?:លក់|មាន|ចែក|ប្រមូល|ទិញ|ចង់បាន).{{0,10}}{MEDIA}{KIDS}",
              f"{MEDIA}{KIDS}(?:ៗ)?(?:ថ្មី|ពី|ពិសេស)", f"{KIDS}(?:ៗ)?ថ្មីៗ",
              f"(?:privatecollection|ឯកជន){KIDS}", f"{KIDS}(?:ៗ)?(?:ផ្សេងៗ)?ផ្ញើរូបឯកជន")
        + _km("CSAM_TRADE", "requesting", 0.75,
              f"ចង់បាន{KIDS}\\d+ឆ្នាំ", f"{KIDS}តូចជាងនេះ", f"(?:folder|link){KIDS}")
        + _km("CSAM_TRADE", "offering", 0.6,
              r"\d+(?:folder|pack|ឈុត|set)=?\d+\$", r"(?:folder|pack|ឈុត|set)\d+=?\d+\$",
              "មិនទាន់leak", r"ប្តូរ\(?trade")
        + _km("CSAM_TRADE", "offering", 0.75,
              r"\d+ ?(?:ដុល្លារ|\$)(?:មួយ|ក្នុងមួយ|/)(?:ឃ្លីប|វីដេអូ|លីង|តំណ|folder|link|ថត)",
              "(?:ឆាត|ផ្ញើសារ|ទាក់ទង)(?:មក)?(?:សុំ|ដើម្បី)(?:លីង|តំណ|តម្លៃ)")
        + _km("CSAM_TRADE", "requesting", 0.8,
              f"(?:អ្នកណា|នរណា|រក|ចង់ទិញ|សុំ)(?:មាន)?(?:វីដេអូ|ឃ្លីប|រូប|លីង|តំណ){KIDS}")
        + _km("CSAM_TRADE", "payment_contact", 0.45,
              "(?:បង់|វេរ|ផ្ទេរ)(?:លុយ)?(?:តាម|ទៅ)(?:aba|wing|អេប៊ីអេ|វីង|ធនាគារ|true ?money)")
    )  # fmt: skip


class KmContextRecognizer(PatternRecognizer):
    """Khmer context signals."""

    name = "KmContextRecognizer"
    language = "km"
    labels = (CONTEXT,)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        # a school year ("រៀនថ្នាក់ទី៧", "ថ្នាក់ទី៨បង"), not a parent's child's ("កូនខ្ញុំ...") nor
        # a teacher's own pupils' ("ឆែកសៀវភៅសិស្សថ្នាក់ទី4", "ខ្ញុំបង្រៀនថ្នាក់ទី៥"); a tutor's "I
        # saw you in the grade 9 group" still says the reader is a pupil
        _km(CONTEXT, "stated_minor_age", 0.8,
            r"^(?!.*(?:កូន(?:ប្រុស|ស្រី)?(?:ខ្ញុំ|យើង|បង|អូន)|(?:ខ្ញុំ|បង|អូន)បង្រៀនថ្នាក់|"
            r"(?:ឆែក|កែ|មើល)(?:សៀវភៅ|កិច្ចការ|ពិន្ទុ|វិញ្ញាសា)សិស្ស|សិស្ស(?:របស់)?(?:ខ្ញុំ|បង)))"
            r".*?ថ្នាក់ទី(?:[1-9]|1[0-2])(?!\d)",
            "(?:ខ្ញុំ|អូន|ប្អូន)(?:នៅ)?ជាសិស្ស")
        + _km(CONTEXT, "minor_cue", 0.6,
              "អាយុប៉ុន្មាន", "រៀនថ្នាក់", "សាលា", "ម៉ោងរៀន", "ប៉ាម៉ាក់", "ឪពុកម្តាយ", "ម៉ាក់(?:ខ្ញុំ|អូន)",
              "លោកគ្រូ", "អ្នកគ្រូ", "កិច្ចការផ្ទះ", "(?<!សៀវភៅ)(?<!បង្រៀន)(?<!កិច្ចការ)(?<!ពិន្ទុ)សិស្ស",
              "(?:អនុ)?វិទ្យាល័យ", "បឋមសិក្សា",
              # a parent's say over the day ("ម៉ាក់មិនឲ្យ", mum won't let me; "សុំម៉ាក់សិន", ask
              # mum first) and the tutoring class after school ("រៀនគួរ", "class គួរ")
              "(?:ម៉ាក់|ប៉ា|ពុក|ម្តាយ|ម្ដាយ|ឪពុក|ប៉ាម៉ាក់)(?:ខ្ញុំ|អូន)?(?:(?:មិន|អត់)(?:សូវ|ទាន់)?"
              "(?:ឲ្យ|អោយ|ឱ្យ)|ហាម)",
              "សុំ(?:ការអនុញ្ញាត)?(?:ពី)?(?:ម៉ាក់|ប៉ា|ពុក|ម្តាយ|ម្ដាយ)", "រៀនគួរ", "(?:class|ថ្នាក់)\\s*គួរ")
        # an adult's life: a spouse, one's own child, teaching, work, university ("ប្រពន្ធបង",
        # "កូនស្រីខ្ញុំ", "ខ្ញុំបង្រៀន", "ចេញពីធ្វើការ", "thesis"), as the English rules read "my wife"
        + _km(CONTEXT, "stated_adult_age", 0.7,
              "(?:ប្រពន្ធ|ប្ដី|ប្តី)(?:ខ្ញុំ|បង|អូន)", "ខ្ញុំ(?:ជា)?(?:ប៉ា|ម៉ាក់|ម្តាយ|ម្ដាយ|ឪពុក)(?:របស់)",
              "កូន(?:ប្រុស|ស្រី)?(?:ខ្ញុំ|បង)(?!ស្រី|ប្រុស)",
              "ដាក់កូន(?:ប្រុស|ស្រី)?ដេក", "(?:ខ្ញុំ|បង|អូន)(?:ជាគ្រូ|ត្រូវ)?បង្រៀន(?!អូន|ប្អូន|ឯង|កូន)",
              "(?:ឆែក|កែ)(?:សៀវភៅ|កិច្ចការ|ពិន្ទុ)សិស្ស", "សិស្ស(?:របស់)?(?:ខ្ញុំ|បង)",
              "(?:ចេញពី|ចប់|ឈប់សម្រាក|ម៉ោង)ធ្វើការ", "ធ្វើការចប់", "ប្រាក់ខែ", "ថ្លៃផ្ទះ",
              "សាកលវិទ្យាល័យ", "thesis", "សារណា", "និក្ខេបបទ")
        + _km(CONTEXT, "distress", 0.7,
              "(?:ខ្ញុំ|អូន|ប្អូន)ខ្លាច", "ជួយ(?:ខ្ញុំ|អូន)?ផង", "កុំធ្វើ(?:អញ្ចឹង|បែបនេះ)",
              "(?:ខ្ញុំ|អូន)យំ", "ចង់ស្លាប់", "មិនដឹងធ្វើម៉េច", "(?:សុំ|សូម)(?:កុំ|ឈប់)")
        + _km(CONTEXT, "personal_details", 0.6,
              "ផ្ទះ(?:ខ្ញុំ|អូន|ប្អូន)នៅ", "(?:ខ្ញុំ|អូន|ប្អូន)រៀននៅ(?:សាលា)?",
              "លេខ(?:ទូរស័ព្ទ)?(?:ខ្ញុំ|អូន)")
    )  # fmt: skip
