"""English pattern recognizers, one per risk label plus context signals.

Patterns read the ``folded`` layer (lower case, leetspeak undone, app names spelled out). They are
written from the published descriptions of grooming, sextortion and bullying, not fitted to the
test split, and they state intent only.
"""

from __future__ import annotations

from typing import ClassVar

from childguard.textrisk.recognizers.base import CONTEXT, PatternRecognizer, Rule, rules

U = r"(?:you|u|ya|yu)"
UR = r"(?:your|ur|yr|youre)"
URE = r"(?:you'?re|you are|ur|u r|youre|u are)"
IWILL = (
    r"(?:i'?ll|i will|i'?m gonna|im gonna|i am going to|i gonna|imma|i'?m going to|we'?ll|"
    r"we will)"
)
PIC = (
    r"(?:pics?|photos?|pictures?|selfies?|vids?|videos?|nudes?|noods?|snaps?|images?|"
    r"screenshots?)"
)
APPS = (
    r"(?:telegram|whatsapp|zalo|snapchat|signal|discord|instagram|line|kik|wickr|messenger|"
    r"tiktok|viber|wechat|session|threema)"
)
#: Words of a game: a threat among them is trash talk between players, not a threat to a child.
GAME_TALK = (
    r"(?:next|last|this|that) (?:round|game|match)|rematch|1v1|gg|noob|respawn|lobby|in game|"
    r"in the game|boss|ranked|fortnite|minecraft|valorant|roblox|fifa|pubg|free fire|"
    r"mobile legends|ml"
)
#: Not "your mom said no": a parent the speaker names as somebody else's.
NOT_OTHERS_PARENT = r"(?<!your )(?<!ur )(?<!his )(?<!her )(?<!their )(?<!ya )"
MOM_DAD = r"(?:mama|mom|mum|mommy|mummy|dad|daddy|papa|abah|ibu|nanay|tatay|parents?)"
PARENTS = r"(?:parents?|mom|mum|mother|dad|father|family|teachers?|mama|papa|folks)"
# "kids stuff" (clothes, toys) and "new cpu" are what shops sell: no "stuff", and "cp" whole.
CODED = (
    r"(?:cp\b|c ?[.*\-] ?p\b|pthc|young content|kids? (?:videos?|vids|content|pics)|"
    r"child (?:content|videos?|pics)|underage (?:content|videos?|pics|girls?|boys?)|"
    r"teen (?:packs?|content)|"
    r"private collection|(?:young|little) (?:girls?|boys?|ones?) (?:videos?|vids|content|pics)|"
    r"pedo\w* (?:content|links?|videos?|stuff)|loli\w*|jailbait)"
)


# A school grade that is not the speaker's: a teacher's class, a parent's child, another person.
NOT_SOMEONE_ELSES = (
    r"^(?!.*\b(?:teach\w*|tutor\w*|my (?:son|daughter|kids?|students?|class|nephew|niece)|"
    r"our (?:son|daughter|kids?)|his|her|their)\b)"
)
# Homework that is college coursework, not a child's.
NOT_COLLEGE = (
    r"^(?!.*\b(?:college|uni|university|professor|prof|lecture|semester|midterms?|thesis|"
    r"grad school|campus|stats class|my (?:class|course)es)\b)"
)


class EnGroomingRecognizer(PatternRecognizer):
    """English grooming stages, from profiling to moving the chat to another app."""

    name = "EnGroomingRecognizer"
    language = "en"
    labels = ("GROOMING",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules("GROOMING", "access_profiling", 0.55,
              rf"\bhow old (?:are|r) {U}\b", rf"\bwhat grade (?:are|r) {U}\b",
              rf"\bwhat (?:school|class) (?:do|are|r) {U}\b", r"\ba ?/ ?s ?/ ?l\b",
              rf"\bwhere (?:do|d) {U} live\b", rf"\bwho do {U} live with\b",
              r"\bwhich school\b", rf"\bwhat(?:'?s| is) {UR} (?:address|school)\b",
              rf"\bdo {U} (?:live|stay) (?:w|w/|with) {UR} {PARENTS}\b",
              rf"\bdo {U} have {UR} own room\b",
              # a child's routine: when they are alone on the way home
              rf"\bwhat time (?:do|d) {U} (?:usually |normally )?(?:walk|go|get|come) home\b")
        + rules("GROOMING", "trust_gifts", 0.55,
                rf"\b(?:i'?ll|i will|i can|let me|i could|want me to) (?:buy|get|gift|send|give|"
                rf"top ?up) {U}\b",
                r"\b(?:robux|v ?bucks|diamonds|skins?|battle ?pass|gift ?cards?|game credits?|"
                r"top ?up)\b.{0,30}\b(?:for (?:you|u)|free|on me|gift)\b",
                r"\bi'?ll pay for\b", r"\bgift\b.{0,20}\b(?:for (?:you|u)|just for)\b",
                r"\bi (?:give|send|gift|buy)\b.{0,25}\b(?:robux|v ?bucks|diamonds|skins?|load|"
                r"gcash|top ?ups?|gift ?cards?|uc)\b")
        + rules("GROOMING", "flattery_romance", 0.5,
                rf"\b{URE} (?:so |really |very |such a |soo+ )?(?:mature|special|beautiful|"
                rf"pretty|gorgeous|cute|hot|sexy|perfect|different)\b",
                rf"\bmature for {UR} age\b", rf"\bi (?:love|luv|adore) {U}\b",
                r"\bnot like (?:other|the other) (?:girls|boys|kids)\b",
                r"\bbe my (?:girlfriend|boyfriend|gf|bf|baby)\b",
                rf"\bnever met anyone like {U}\b", rf"\bthink(?:ing)? about {U} all\b",
                # a child told they seem older than they are: "u look older than ur age",
                # "u dont look 12", "no way ur only 13"
                rf"\b{U}\b.{{0,15}}\b(?:older|more mature|grown[- ]?up) (?:than|for) "
                rf"(?:{UR} age|a? ?1[0-7]\b)",
                rf"\b{U} (?:dont|don'?t|do not) (?:look|act|seem|sound) (?:like )?1[0-7]\b",
                rf"\bno way {URE}? ?(?:only |just )?1[0-7]\b",
                r"\bmiss (?:you|u) so much\b", rf"\b{U} understand me\b")
        + rules("GROOMING", "risk_assessment", 0.65,
                rf"\b(?:are|r|is) {UR} {PARENTS} (?:home|around|there|awake|asleep|strict|out)\b",
                rf"\bwho (?:else )?(?:reads|checks|sees|looks at|has access to) {UR} "
                rf"(?:phone|messages|chats|dms)\b",
                rf"\b(?:are|r) {U} (?:home )?alone\b", r"\bhome alone\b",
                rf"\bdo {UR} {PARENTS} (?:check|read|look at|know)\b",
                rf"\bwhen do {UR} {PARENTS} (?:come home|get back|sleep|go to bed|leave|"
                rf"go to work|work)\b",
                rf"\b(?:is|are) (?:anyone|anybody|someone) (?:else )?(?:there|around|home|"
                rf"with {U})\b", rf"\b{UR} (?:door|room) (?:locked|closed)\b")
        + rules("GROOMING", "secrecy_isolation", 0.75,
                rf"\b(?:don'?t|dont|do not|never|dnt) (?:tell|show|mention (?:it|this|me) to) "
                rf"(?:anyone|any1|anybody|nobody|{UR} {PARENTS}|{UR} friends|them)\b",
                r"\b(?:our|a) (?:little )?secret\b",
                r"\b(?:delete|clear|erase|unsend) (?:this|the|our|these|all) (?:chat|messages?|"
                r"convo|conversation|texts?|dms?)\b",
                r"\bkeep (?:this|it|us) (?:between us|secret|private|a secret|just us)\b",
                r"\bbetween (?:just )?(?:us|you and me)\b",
                rf"\b(?:they|{UR} {PARENTS}|nobody|no one|they'?d)"
                rf" (?:wouldn'?t|would not|won'?t|don'?t|dont|would never|never) understand\b",
                rf"\bonly i (?:understand|get|know) {U}\b",
                r"\b(?:don'?t|dont) (?:mention|say) (?:it|this|anything|me) to\b",
                rf"\bno need to (?:tell|involve|ask|bother) "
                rf"(?:her|him|them|anyone|{UR} {PARENTS})\b",
                rf"\b(?:a lot of |most |some )?{PARENTS} (?:always )?overreact\b",
                rf"\b(?:tell|told|telling|tellin) (?:{UR} {PARENTS}|{PARENTS}|anyone|any1|anybody|"
                rf"some1|someone|ur friends) about us\b")
        + rules("GROOMING", "desensitising", 0.5,
                r"\b(?:it'?s|its|that'?s) (?:totally |completely )?(?:normal|natural)\b.{0,40}"
                r"\b(?:age|body|bodies|couples?|us|people who love)\b",
                r"\beveryone (?:your age |ur age )?(?:does|do) (?:it|this)\b",
                rf"\b(?:have|did) {U} ever (?:kissed|had a (?:boyfriend|girlfriend)|been with)\b",
                rf"\b(?:are|r) {U} (?:still )?a virgin\b",
                rf"\b{UR} body (?:is )?(?:changing|growing|developing)\b",
                r"\btalk about (?:bodies|ur body|your body|grown ?up things)\b")
        + rules("GROOMING", "image_request", 0.55,
                rf"\b(?:send|show|snd|sent|give) (?:me )?(?:a |some |another |more |one |ur |"
                rf"your |a few |a couple (?:of )?|couple |few |(?:[2-9]|two|three) )?(?:more )?"
                rf"(?:cute |new |quick |recent )?{PIC}\b",
                rf"\bshow me what {U} look like\b",
                rf"\b(?:wanna|want to|wana|i'?d like to) see (?:what {U} look like|{UR} face)\b",
                r"\b(?:video|facetime|cam|webcam) ?(?:call|chat)\b",
                rf"\bturn on {UR} (?:cam|camera|webcam)\b",
                # chat-room webcam talk: "u got a cam?", "get on cam", "c2c"
                rf"\b(?:{U} )?(?:got|have|has|own) (?:a |ur |your )?(?:cam|webcam)\b",
                r"\b(?:get|go|come|hop|be) on (?:cam|webcam)\b", r"\b(?:cam ?2 ?cam|c2c)\b")
        + rules("GROOMING", "image_request", 0.8,
                rf"\b(?:private|special|secret|spicy|naughty|sexy) {PIC}\b",
                rf"\b{PIC}\b.{{0,30}}\b(?:just|only) for me\b",
                rf"\b(?:just|only) for me\b.{{0,30}}\b{PIC}\b",
                r"\bno one (?:else )?(?:will )?see\b",
                rf"\b{PIC}\b.{{0,30}}\b(?:just|only) to me\b")
        + rules("GROOMING", "meeting", 0.6,
                r"\b(?:let'?s|lets|wanna|want to|can we|we should|we could|i want to) "
                r"(?:meet|hang out|see each other|link up)\b",
                rf"\b{IWILL} (?:pick {U} up|give {U} a ride|come to {UR}|drive {U})\b",
                rf"\b(?:{IWILL}|could|can|let me) walk {U} home\b",
                r"\bmeet (?:me )?(?:after school|alone|tonight|this weekend|irl|in person)\b",
                r"\b(?:where|when) (?:can|could|should) we meet\b",
                r"\bcome (?:over )?to my (?:place|house|apartment|hotel|room|car)\b",
                rf"\b(?:can|could|would) {U} sneak out\b", r"\bsneak out (?:and|to) (?:meet|see)\b",
                r"\bcome (?:by yourself|alone|on your own|without (?:ur|your) (?:friends?|parents|"
                r"mom|dad))\b(?! or\b)",
                r"\b(?:better|best|more fun) (?:if (?:u|you) come )?alone\b")
        + rules("GROOMING", "platform_migration", 0.6,
                rf"\b(?:add|text|message|dm|msg|find|hit|follow|call) me (?:up )?(?:on|at|in) "
                rf"{APPS}\b",
                rf"\b(?:move|switch|talk|chat|continue|go|come) (?:to|on|over to|onto) {APPS}\b",
                rf"\b(?:do|d) {U} (?:have|got) {APPS}\b",
                rf"\b(?:my|here'?s my|heres my) {APPS} (?:is|id|name|username|:)",
                rf"\b{APPS}\b.{{0,25}}\b(?:is (?:safer|better|easier|more private)|instead|"
                rf"disappear)\b")
    )  # fmt: skip


class EnSextortionRecognizer(PatternRecognizer):
    """English sextortion steps: image request, threat to expose, demand, deadline."""

    name = "EnSextortionRecognizer"
    language = "en"
    labels = ("SEXTORTION",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules("SEXTORTION", "image_request", 0.45,
              rf"\b(?:private|special|secret|spicy|naughty|sexy) {PIC}\b",
              rf"\b(?:send|show) (?:me )?more {PIC}\b")
        + rules("SEXTORTION", "threat_to_expose", 0.85,
                rf"\b{IWILL} (?:send|post|share|leak|show|spread|upload|expose|forward|"
                rf"release) (?:it|them|this|these|those|{UR}|the|everything|{U})\b",
                rf"\b(?:send|post|share|leak|show|spread|forward) (?:{UR}|the|these|those|all) "
                rf"(?:\w+ )?{PIC} to (?:{UR}|all {UR}|every) ?(?:school|{PARENTS}|friends|"
                rf"followers|class|contacts|everyone)\b",
                r"\beveryone (?:will|is gonna|gonna) (?:see|know)\b",
                rf"\b(?:expose|ruin) (?:{U}|{UR} (?:life|reputation))\b",
                rf"\bi (?:have|got|saved|kept) {UR} {PIC}\b",
                rf"\bwhat (?:would|will) {UR} {PARENTS} (?:think|say)\b",
                r"\bor (?:i|ill|i'?ll|i will|else i) (?:post|send|share|upload|leak|put|forward)\b",
                rf"\b(?:it|they|them|this|everything) (?:goes|go|will go|gets? sent) to "
                rf"(?:{UR}|every|all)\b",
                rf"\b(?:everyone|every contact|everybody|{UR} whole \w+|all {UR} \w+) "
                rf"(?:sees|will see|gets (?:it|them)|will know)\b",
                rf"\b(?:post|send|share|upload|leak|put) (?:it|them|this|{UR} pics?|everything) "
                rf"(?:on|to|in|into) (?:{UR}|the) (?:school|class|group ?chat|groupchat|facebook|"
                rf"fb|instagram|contacts|family|followers|friends|boss|teacher|mom|dad)",
                rf"\b{U} want (?:it|them|this) (?:gone|deleted|to stay private)\b",
                # already sent, or told second-hand: "i sent ur pic to ur bestie already",
                # "they said they'll send my pics to my mom"
                rf"(?:^|\s)(?:i|1) (?:already |just )?(?:sent|posted|shared|leaked|forwarded) {UR} "
                rf"(?:\w+ )?{PIC} to\b",
                r"\b(?:they|he|she|this (?:guy|girl|account|person))(?:'?ll| will| is gonna"
                r"| are gonna| gonna| wants? to| threatened to) "
                r"(?:send|post|share|leak|expose|show) (?:my|me)\b",
                r"\bor (?:they|it|them|these|those|the (?:pics?|photos?|videos?|vids?)) "
                r"(?:go|goes|gets?|will go) (?:public|online|viral|(?:on|to|in) (?:a |the )?"
                r"(?:public|site|web|internet|every|all|ur|your|facebook|fb|insta|instagram|tiktok|"
                r"school|class|group))\b",
                r"\b(?:it'?s|its|they'?re|theyre|everything'?s) (?:\d+% |all |def |definitely )"
                r"going (?:out|public|online|viral)\b",
                r"\b(?:it'?s|its|they'?re|theyre|everything'?s) going (?:public|viral)\b",
                rf"\bi (?:made|started|created) a (?:group|gc|group ?chat|chat) with {UR} "
                rf"(?:mom|mum|dad|parents|family|friends|followers|coach|teacher|school|boss)\b")
        + rules("SEXTORTION", "threat_to_expose", 0.6,
                rf"\b(?:i|we) (?:still )?(?:have|got|kept|saved) "
                rf"(?:the|all the|those|these|all {UR}) {PIC}(?: {U} sent(?: me)?)?"
                rf"\s*(?:[.!]|$|\b(?:and|so|tho|though|btw|remember)\b)",
                rf"\bwe (?:have|got) (?:the|ur|your) {PIC} {U} sent\b",
                rf"\bi (?:found|know|have) {UR} (?:linkedin|boss|manager|employer|wife|husband|"
                rf"followers|contacts|friends list)\b")
        + rules("SEXTORTION", "threat_to_expose", 0.6,
                r"\bi (?:recorded|screenshotted|screenrecorded|screen ?recorded|saved|kept) "
                r"(?:it|everything|all|ur|your|the)\b",
                r"\bi (?:have|got) screenshots\b")
        + rules("SEXTORTION", "threat_to_expose", 0.85,
                r"\b(?:send|sent|upload|post)(?: it| them)? to (?:everyone|everybody|"
                rf"all) {U} follow\b",
                rf"\b(?:to|sees?|see it|gets? (?:it|them)) (?:all )?{UR} (?:contacts?|followers|"
                r"friends) "
                rf"list\b",
                rf"\bif {U} block me\b", r"\bignoring me (?:wont|won'?t|will not) (?:work|help)\b",
                r"\b(?:upload|post|put) (?:it |them )?(?:on|to) (?:youtube|pornhub|reddit)\b",
                rf"\b(?:if not|or|else) (?:everyone in )?{UR} (?:whole )?(?:\w+ )?(?:guild|server|"
                r"class|school|family|followers|friends|contacts|brother|sister|cousin|mom|dad|"
                r"boss)"
                rf" (?:sees|will see|gets)\b",
                rf"\bi (?:have|got|found) (?:a list of |all )?{UR} (?:\w+ )?(?:followers|friends|"
                rf"contacts|school page|homeroom teacher)\b")
        + rules("SEXTORTION", "demand", 0.65,
                r"\b(?:pay|send|give|transfer|wire) (?:me )?(?:\$ ?\d+|\d+ ?(?:\$|usd|dollars?|"
                r"bucks|k\b)|money|cash|gift ?cards?|steam (?:card|gift)|itunes|google play|"
                r"bitcoin|btc|crypto|usdt)",
                rf"\b(?:send|give) (?:me )?more {PIC}\b",
                r"\b(?:buy|get) me (?:a |some )?(?:gift ?cards?|steam cards?|itunes cards?)\b",
                rf"\bif {U} (?:don'?t|dont|do not|won'?t) (?:pay|send)\b",
                r"\bor else\b",
                r"\b(?:\d+ )?(?:google play|steam|itunes|apple|amazon|roblox) (?:gift ?)?(?:codes?|"
                r"cards?)\b",
                r"\b(?:then |just |now )?pay (?:up|now|me|it|\$ ?\d+|\d+)\b",
                r"\b(?:btc|bitcoin|crypto|usdt|wallet) address\b",
                r"\b(?:cashapp|cash app|venmo)\b",
                r"(?:\$ ?\d+|\b\d+ ?(?:\$|usd|dollars?|bucks|k\b)) (?:in|of) (?:btc|bitcoin|crypto|"
                r"usdt|eth|gift ?cards?|steam|itunes)\b",
                r"\bsend (?:me )?(?:\d+|one|two|three|five) more\b")
        + rules("SEXTORTION", "demand", 0.65,
                rf"\b(?:ask|use|take) {UR} (?:parents|mom'?s|dad'?s|moms|dads|parents'?) "
                r"(?:card|money|for (?:it|the money))\b",
                r"\bpay and (?:nobody|no one|it'?s over|its over|it gets deleted)\b",
                r"\bthen pay\b", r"\b(?:paypal|cashtag)\b", r"\bdo what i say\b",
                r"\b(?:btc|bitcoin|crypto|usdt) to this wallet\b")
        + rules("SEXTORTION", "deadline", 0.6,
                rf"\b(?:{U} (?:have|got|get)|you'?ve got|{U}'?ve got) (?:\d+|one|two|three|an?|"
                rf"only|just) ?(?:\d+ )?(?:min|mins|minutes?|hours?|hrs?|days?|seconds?)\b",
                r"\b(?:by|before) (?:tonight|tomorrow|midnight|\d{1,2} ?(?:am|pm|o'?clock))\b",
                r"\b(?:last|final) (?:chance|warning)\b", r"\b(?:times? up|clock is ticking)\b",
                r"\bwithin \d+ ?(?:h|hrs?|hours?|min|mins|minutes?)\b",
                r"\b(?:until|by|before) \d{1,2}(?::\d\d)? ?(?:am|pm)\b",
                r"\b\d+ (?:min|mins|minutes|hours|hrs)\W*$", r"\b(?:deadline|tick ?tock)\b",
                r"\bi'?m waiting\b")
        + rules("SEXTORTION", "deadline", 0.6,
                rf"\b{U} (?:have|got|get|has) (?:till|until|til) (?:\d|tonight|midnight|tomorrow|"
                r"tmrw|"
                r"noon|morning|sunday|monday|friday|saturday)",
                r"\b\d+ (?:hours?|hrs?|min|mins|minutes?) (?:left|only)\b",
                r"\bclock (?:started|is running)\b", r"\bevery minute (?:late|u wait|you wait)\b")
    )  # fmt: skip


class EnBullyingRecognizer(PatternRecognizer):
    """English bullying: insults, threats, exclusion, humiliation, harassment, hate, doxxing."""

    name = "EnBullyingRecognizer"
    language = "en"
    labels = ("BULLYING",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules("BULLYING", "insult", 0.55,
              # "so trash at this" judges a player's play, not the player
              rf"\b(?:{URE}|{U}|ur such) (?:so |such an? |a |an |fucking |a fucking |really |"
              rf"just an? )?(?:stupid|idiot|dumb|ugly|fat|loser|freak|moron|pathetic|worthless|"
              rf"disgusting|trash|useless|pig|clown|bitch|whore|slut|retard\w*|weirdo|"
              rf"failure|joke|creep)\b(?! at (?:this|it|that|the game|{GAME_TALK})\b)",
              r"\b(?:shut up|stfu|shut ur mouth|nobody asked)\b",
              r"\b(?:dumb|stupid|ugly|fat|fucking) (?:bitch|pig|cow|loser|idiot|freak|ass)\b",
              r"\bdelete (?:ur|your) account\b", r"\bcry about it\b",
              r"\bugly (?:inside and out|af)\b")
        # cruel in themselves: friends' banter and trash talk use the insult words, not these
        + rules("BULLYING", "insult", 0.55,
                rf"\bwhy do {U} (?:even )?(?:still )?(?:exist|come to school|bother)\b",
                rf"\bwhy (?:do|does|r|are) (?:{U}|she|he) (?:even )?(?:look|like) (?:like )?"
                r"(?:that|this)\b",
                rf"\b{UR} (?:whole )?existence\b", r"\beverything about (?:u|you|her|him) is\b",
                r"\b(?:ur|your|her|his) face (?:makes|is the reason)\b",
                rf"^(?!.*\b(?:{GAME_TALK}|strategy)\b).*?\bcry (?:more|harder)\b",
                r"\bgo cry (?:to|2)\b", r"\bimagine thinking\b", r"\bhow pathetic\b",
                r"\bwalking (?:l|joke|disaster)\b", rf"\bfeel sorry for {U}\b",
                rf"\b{UR} (?:family|mom|dad|parents) would be (?:relieved|happier|better off)\b",
                r"\b(?:nobody|no one|no1|noone) (?:would|will|'?d) (?:even )?(?:notice|care)\b",
                rf"\b(?:nobody|no one) cares (?:about )?(?:{UR}|{U}|what {U})\b",
                r"\bleave the planet\b")
        + rules("BULLYING", "threat", 0.7,
                # not game talk: "i'm gonna kill you next round" is trash talk between players
                rf"^(?!.*\b(?:{GAME_TALK})\b).*?\b{IWILL} (?:beat|hurt|kill|punch|stab|smash|jump|"
                rf"get|find|fight|slap) {U}(?: up)?\b",
                r"\b(?:bring|brings|bringing|got|have) (?:a|my|my \w+'?s|his|her) (?:knife|gun|"
                r"blade)\b",
                rf"\b(?:we|i|they) know (?:{UR}|her|his) (?:route|way|walk) (?:home|to school)\b",
                rf"\b(?:wait|waiting|show up|be) (?:for (?:{U}|her|him) )?outside (?:{UR}|her|his) "
                r"(?:house|home|door|class)\b",
                rf"\bswat (?:{UR}|her|his) (?:house|home)\b",
                rf"\b(?:world|everyone) (?:would be|is|will be) better (?:off )?without {U}\b",
                r"\b(?:don'?t|dont|never) (?:come|show up) (?:to|at) school\b",
                rf"^(?!.*\b(?:{GAME_TALK})\b).*?\b(?:watch (?:ur|your) back|wait (?:till|until) "
                r"(?:after school|tomorrow)|see what happens)\b",
                # "you're done" ends a sentence; "ur finished painting" does not threaten
                rf"^(?!.*\b(?:{GAME_TALK})\b).*?\b{URE} (?:so )?(?:dead|done|finished)"
                r"(?:\s*(?:[.!,]|$)| (?:now|bro|after school))",
                r"\b(?:kill (?:yourself|urself|ur self)|kys|go die)\b",
                rf"\bwe know where {U} \w+", r"\bit'?ll be worse\b", r"\blunch money\b")
        + rules("BULLYING", "threat", 0.7,
                rf"\b{URE} (?:so )?dead (?:tmrw|tomorrow|tmr|monday|after school)\b",
                rf"\b(?:{URE}|{U}) (?:gonna )?(?:getting|get) jumped\b",
                r"\bsnitches get stitches\b",
                r"\b(?:it|things) (?:gets?|will get|gonna get|'?ll get) worse\b",
                r"\bor (?:it'?s|its) worse\b",
                rf"\bwe'?ll find {UR} (?:house|home)\b",
                rf"\b(?:wait|waiting) (?:at|by|outside) {UR} (?:bus stop|house|home|school|"
                r"class)\b",
                rf"\b{URE} not getting home\b", r"\bgonna need a hospital\b",
                r"\bdon'?t bother coming to school\b")
        + rules("BULLYING", "exclusion", 0.6,
                rf"\b(?:nobody|no one|no1|noone) (?:likes|wants|cares about|will miss) {U}\b",
                rf"\b{URE} not (?:invited|welcome|one of us|part of|in (?:the|our) group)\b",
                r"\b(?:kick(?:ed)?|remove[d]?|ban(?:ned)?) (?:her|him|them|you|u) (?:out )?"
                r"(?:from|of) (?:the|our) (?:group|chat|team|squad)\b",
                r"\b(?:don'?t|dont|nobody) (?:talk|sit|play|hang) with (?:her|him|them)\b",
                r"\b(?:nobody|no one|noone) (?:is |'?s )?(?:sitting|talking|playing|hanging out|"
                r"hanging) with (?:her|him|them|the)\b",
                rf"\beveryone hates {U}\b", r"\bleave (?:the|our) (?:group|chat)\b",
                r"\bnobody wants (?:her|him|them|you|u)\b", r"\b(?:remove|kick) (?:her|him)\b",
                r"\bwho (?:invited|let) (?:her|him|this)\b",
                r"\bmake (?:him|her|them) (?:quit|leave)\b",
                r"\bget out of (?:our|the|my) (?:class|group|chat|team|school)\b")
        + rules("BULLYING", "exclusion", 0.6,
                rf"\b(?:nobody|no one|no1|noone) (?:will|would|wants to|is gonna|gonna) (?:ever )?"
                rf"(?:play|sit|hang|talk|be friends) with {U}\b",
                rf"\b(?:nobody|no one|no1|noone) (?:here )?wants (?:{UR}|to (?:see|hear|smell))\b",
                r"\beveryone (?:unfollow|block|ignore|report|unfriend|mute) (?:her|him|them|"
                r"this)\b",
                r"\b(?:block|unfollow|ignore) (?:her|him) everyone\b", r"\bvote (?:to )?kick\b",
                r"\b(?:kick|remove|ban) (?:\w+ )?(?:from|out of) (?:the|this|our) (?:squad|group|"
                r"gc|"
                r"server|chat|team)\b",
                r"\b(?:we are|we'?re|were) not (?:adding|inviting|letting)\b",
                rf"\b{URE} (?:not in it|off the (?:team|server|squad|group))\b",
                rf"\b(?:sit|go) (?:somewhere else|with (?:{UR}|your) own (?:people|kind))\b",
                r"\bdo (?:everyone|us|the world) a favou?r\b",
                rf"\b{U} can leave\b", r"\bmaybe leave\b",
                rf"\b(?:{URE}|still) not one of us\b",
                rf"\b{U} (?:dont|don'?t|do not) belong (?:here|with us|in)\b",
                # without a cruel word: "just leave the clan", "new gc without her", "ask teacher
                # to put u in other group", "kick ko na u"
                r"\b(?:just|pls|plz|please|go|u should|you should|u can|you can|better) leave "
                r"(?:the|our|this) (?:group|chat|gc|clan|squad|team|server|guild|lineup)\b",
                r"\bnew (?:gc|group ?chat|group|chat|server|squad) without\b",
                r"\bput (?:u|you|her|him) (?:in|into|to) (?:an?other|a different|other) "
                r"(?:group|team)\b",
                rf"\b{U} (?:should|can|better|go) (?:find|join) (?:an?other|a different) "
                r"(?:group|team|squad|table)\b",
                r"\bkick(?:ing|ed)? (?:ko na |ko |na )?(?:u|you)\b(?! in\b)",
                # "full" said to one who asks to join: "ya we're full sorry dara", "server full
                # again"
                r"\b(?:we'?re|were|we are|group'?s|group is|server'?s|server is|server|squad'?s|"
                r"squad is|team'?s|team is|lobby'?s|lobby) (?:already |all |kinda )?full\b"
                r"(?!\s*(?:of|tonight|this (?:week|month)|booked))")
        + rules("BULLYING", "humiliation", 0.6,
                rf"\b(?:everyone|the whole (?:school|class)|everybody) (?:is )?(?:laughing|"
                rf"laughed|will laugh) at {U}\b",
                rf"\b(?:post(?:ed)?|share[d]?|spread|sent) (?:an? |that |the )?(?:ugly |"
                rf"embarrassing |funny )?{PIC} of (?:you|u|her|him)\b",
                r"\b(?:made|make|making) (?:a )?(?:meme|group|page|account) (?:about|of|mocking|"
                r"to roast) (?:you|u|her|him)\b",
                r"\blooks? like a (?:pig|monkey|cow|whale|dog|rat)\b",
                r"\bwho'?s the (?:ugliest|fattest|dumbest|weirdest|smelliest|worst looking)\b",
                r"\b(?:record|film|video) (?:her|him) (?:for|and (?:post|send|share))\b",
                r"\b(?:steal|hide|throw) (?:his|her) (?:clothes|bag|shoes|phone)\b",
                r"\b([a-z])-\1-\1",  # mocking a stutter: "s-s-sam"
                r"\b(?:walks?|talks?|runs?) like a (?:robot|retard|duck|penguin|zombie)\b")
        + rules("BULLYING", "humiliation", 0.6,
                r"\b(?:everyone|everybody|the whole (?:class|school|grade)|ppl|"
                rf"people)(?: in(?: \w+){{1,2}})? "
                rf"(?:is )?(?:laughs?|laughing|laughed) at (?:{U}|her|him)\b",
                r"\beveryone (?:look|laugh) at\b",
                r"\b(?:send|post|put|sending|posting|sent|posted) (?:it|this|that|the (?:pic|vid|"
                r"video|"
                r"clip|screenshot)) (?:in|to|on) (?:the |our |my )?(?:class |grade |\w+ grade )?"
                r"(?:gc|group ?chat|chat|server)\b",
                r"\b(?:make|made) it (?:a sticker|a meme|the gc pic|a sound)\b",
                r"\bscreenshotted by\b",
                r"\bwe made (?:u|you|her|him) a (?:fan page|page|account)\b",
                r"\b(?:look|zoom in) (?:at|on) (?:this|the) (?:pic|photo|vid|video)\b",
                r"\blook what \w+ (?:sent|posted|wrote|said)\b", r"\bzoom in on\b",
                r"\b(?:pics|screenshots?|photos?) of \w+'?s (?:diary|texts|messages|dms)\b",
                r"\b(?:i|we) got it on (?:video|camera|vid)\b",
                r"\bsend the (?:pic|vid|video) of (?:her|him)\b", r"\btag everyone\b",
                r"\b(?:order|send) (?:\d+|like \d+|ten|twenty) pizzas\b",
                r"\b(?:ugly|worst|embarrassing) (?:selfies?|pics?|photos?)\b", r"\bclown filter\b")
        + rules("BULLYING", "sexual_harassment", 0.6,
                r"\b(?:slut|whore|hoe|thot)\b", r"\brate (?:your|ur|her) body\b",
                r"\bsend (?:me )?nudes\b", r"\bsexemoji\b",
                # a sexual rumour about a classmate
                r"\b(?:she|he)(?:'?ll| will|'?d| would)? sends? (?:pics|photos|nudes|anything) to "
                r"(?:anyone|everyone|any guy|every guy|anybody)\b",
                r"\beveryone knows what (?:she|he)(?:'?s| is) like\b")
        + rules("BULLYING", "identity_hate", 0.6,
                rf"\bgo back to (?:{UR}|{UR} own|where {U} came from)(?: country)?\b",
                r"\bcame here on a boat\b",
                r"\b(?:took|take|steal|stealing) our (?:parents'? )?jobs\b",
                rf"\b(?:because|cause|cuz|coz) {URE} (?:gay|black|poor|fat|a girl|disabled|"
                rf"muslim|lesbian|trans|vietnamese|khmer|chinese|an immigrant)\b",
                r"\b(?:dirty|stupid|filthy) (?:vietnamese|khmer|cambodian|chinese|immigrants?|"
                r"foreigners?)\b",
                rf"\b(?:{UR}|your own) kind\b", rf"\bpeople like {U} (?:ruin|are|should)\b",
                r"\b(?:talks?|looks?|smells?|dresses) like a (?:farmer|peasant|villager|hick|"
                r"beggar)\b")
        + rules("BULLYING", "identity_hate", 0.6,
                r"\bgo back to (?:eating|wherever)\b", rf"\b(?:in|to) {UR} own country\b",
                r"\b(?:ur|your|her|his) (?:weird|smelly|stinky) (?:food|lunch|accent|head ?scarf|"
                r"clothes)\b",
                r"\b(?:lunch|food) (?:always )?(?:stinks|smells)\b", r"\bstinks up\b",
                r"\bcan'?t (?:even )?speak english\b",
                rf"\b(?:ppl|people) like (?:her|him|them|{U}) (?:shouldn'?t|shouldnt|should not)\b",
                r"\bthe (?:gay|trans|fat|poor) kid\b", r"\bsend them back\b",
                rf"\bnobody wants to hear {UR} accent\b", rf"\bwhy is {UR} skin so\b")
        + rules("BULLYING", "doxxing", 0.65,
                rf"\b(?:i|we) know where {U} live\b",
                r"\b(?:here'?s|heres|posting|post|leak(?:ing)?|sharing) (?:her|his|their|ur|your) "
                r"(?:address|number|phone number|location|home address)\b",
                r"\b(?:she|he) lives (?:at|on)\b", r"\blives (?:on|at) \d+",
                r"\b(?:post|leak|share) (?:his|her|their) (?:mom'?s |dad'?s )?"
                r"(?:number|address|ip)\b",
                rf"\bi know {UR} (?:ip|address|password)\b",
                rf"\b(?:found|got|have|leaked) (?:{UR}|her|his|their) (?:address|home address|ip|"
                r"phone number|number|location)\b",
                r"\b(?:everyone|let'?s all|lets all|y'?all|yall|u guys) (?:spam|call|report|dm|"
                r"message|text) (?:her|him|them|this (?:girl|guy|kid))\b",
                r"\b(?:spam|call|text) (?:her|him) \d+ times\b")
    )  # fmt: skip


class EnCsamTradeRecognizer(PatternRecognizer):
    """English abuse-material trade: advertising, offering, requesting, payment or contact."""

    name = "EnCsamTradeRecognizer"
    language = "en"
    labels = ("CSAM_TRADE",)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules("CSAM_TRADE", "advertising", 0.8,
              rf"\b(?:selling|sell|have|got|new|fresh|huge|big) (?:some |new )?{CODED}",
              r"\b(?:links?|folders?|mega|drive|packs?|collection) (?:with|of|full of) "
              r"(?:young|kids?|teens?|underage|cp|little)\b",
              rf"\b{CODED} (?:links?|folders?|mega|packs?|collections?|for sale|available)\b")
        # Content named without a coded term: media of (young, local...) children. The adjective
        # keeps "pics of the kids" in a family chat out.
        + rules("CSAM_TRADE", "advertising", 0.6,
                r"\b(?:young|little|underage|local|small) (?:girls?|boys?|kids?|children) "
                r"(?:vids?|videos?|clips?|pics|photos|content|collection|files|sets?)\b",
                r"\b(?:vids?|videos?|clips?|pics|photos|content|files|sets?) (?:of|with) "
                r"(?:local |little |young |underage |small )(?:girls?|boys?|kids?|children)\b",
                r"\b(?:young|underage) (?:collection|content|files)\b",
                r"\b(?:live|private) (?:rooms?|shows?|streams?|sessions?|cams?)\b.{0,20}\bwith "
                r"(?:a )?(?:young|little|underage) (?:one|ones|girls?|boys?|kids?)\b")
        + rules("CSAM_TRADE", "offering", 0.75,
                r"(?:\$ ?\d+|\d+ ?(?:\$|usd|dollars?|bucks))\s*(?:per|a|for|each|/|for one)\s*"
                r"(?:folder|link|pack|video|vid|gb|collection|set)",
                r"\b(?:dm|message|pm|inbox|text) (?:me )?(?:for|to get|to buy) (?:the )?"
                r"(?:links?|folders?|collection|content|price|menu|list)\b",
                r"\b(?:have|got) (?:new )?(?:folders?|packs?|links?|collections?) "
                r"(?:for sale|available|ready)\b")
        + rules("CSAM_TRADE", "offering", 0.75,
                r"\b(?:new |\d+\+? )?(?:files|folders|vids|v1ds|videos|pics|p1cs|packs|"
                r"drives)\b.{0,25}"
                r"\b(?:(?:ages? )?\d{1,2} ?(?:-|to) ?1\d|(?:under|und3r) 1\d|all young)\b",
                r"\b(?:swap|trade) (?:my|our|your|ur) (?:collection|folders?|drives?|files)\b",
                r"\bwanna (?:swap|trade)\b", r"\b(?:kids|young ones|little ones) only\b",
                rf"\b(?:file|price) list (?:after payment|on {APPS})\b",
                r"\blittle (?:ones|angels) (?:menu|section|folder)\b")
        + rules("CSAM_TRADE", "requesting", 0.8,
                rf"\b(?:anyone|anybody|who|does anyone|any1) (?:have|has|got|selling|sell|trade|"
                rf"trading) {CODED}",
                rf"\b(?:looking for|need|want|buying|wtb|searching for) (?:some )?{CODED}",
                r"\b(?:trade|swap) (?:cp|links|folders|collections?)\b",
                # paying for pictures or films of a particular child
                rf"\bpay\b.{{0,40}}\b(?:film|record|video|take (?:some |a )?{PIC} of|send (?:me )?"
                rf"{PIC} of)\b.{{0,25}}\b(?:{UR}|her|his|the) (?:little |baby |younger |small )?"
                r"(?:sister|brother|cousin|niece|nephew|daughter|son|kids?|students?)\b",
                r"\bpay\b.{0,40}\b(?:take|get|send|film|record)\b.{0,30}\b(?:her|him)\b.{0,30}"
                r"\b(?:sleeping|asleep|in the shower|changing|bathing)\b")
        + rules("CSAM_TRADE", "requesting", 0.8,
                r"\b(?:cheese pizza|yc)\b.{0,30}\b(?:paying|pay|will pay|fresh|anyone)\b",
                r"\b(?:anyone|who) (?:has|have|got) (?:the )?(?:school|teen|kid) (?:pack|sets?|"
                r"stuff)\b",
                r"\b(?:teen|kid|young) (?:stuff|sets)\b.{0,30}\b(?:how young|will pay|paying)\b",
                r"\bhow young exactly\b", r"\bfellow collectors\b")
        + rules("CSAM_TRADE", "payment_contact", 0.45,
                r"\b(?:pay|payment|send money|transfer)\b.{0,20}\b(?:via|with|by|through|on|to) "
                r"(?:aba|wing|momo|zalopay|btc|bitcoin|usdt|crypto|paypal|gift ?cards?)\b",
                r"\b(?:price|cost)s? (?:is|are|:) ?\$? ?\d+")
        + rules("CSAM_TRADE", "payment_contact", 0.45,
                r"\bpay (?:in )?(?:monero|xmr|ltc)\b",
                r"\b(?:btc|crypto) address in (?:the )?pinned\b",
                r"\bvouch channel\b", r"\bafter payment\b")
    )  # fmt: skip


class EnContextRecognizer(PatternRecognizer):
    """English context signals: stated ages, distress and personal details."""

    name = "EnContextRecognizer"
    language = "en"
    labels = (CONTEXT,)
    rules: ClassVar[tuple[Rule, ...]] = tuple(
        rules(CONTEXT, "stated_minor_age", 0.8,
              # not remembered: "the danny from 10th grade", "since 6th grade"
              NOT_SOMEONE_ELSES + r".*?(?<!from )(?<!since )(?<!back in )"
              r"\b(?:[5-9]|1[0-2])th grade\b",
              NOT_SOMEONE_ELSES + r".*?\bin (?:grade|year) (?:[1-9]|1[0-2])\b",
              r"\b(?:middle|primary|elementary|junior high) school\b",
              r"\bim? (?:only )?a (?:kid|child|minor)\b",
              r"\bi'?m (?:not (?:18|eighteen)|under ?(?:18|age)|underage)\b",
              NOT_SOMEONE_ELSES + r".*?\b(?:[5-9]|1[0-2])(?:th)? grader\b",
              r"\b(?:jr\.?|junior) high\b",
              r"\bi'?m (?:only |just |still )?in (?:[5-9]|1[0-2])(?:th)?(?: grade)?\s*[!.?]*$")
        + rules(CONTEXT, "minor_cue", 0.6,
                r"\b(?:what|wat|wut|wht) grade\b", r"\bhigh school\b",
                r"\b(?:after|before) (?:school|class)\b", NOT_COLLEGE + r".*?\bhomework\b",
                r"\bschool uniform\b",
                r"\bmy (?:mom|mum|dad|parents?|mother|father) (?:says?|said|won'?t let|doesn'?t "
                r"let|checks?|will kill|(?:is|are) (?:so )?strict|grounded)\b",
                r"\b(?:my|our) (?:teacher|class ?mates?|homeroom)\b", r"\bnot allowed to\b",
                r"\bbed ?time\b", r"\bgrounded\b", rf"\b(?:are|r|is) {UR} {PARENTS} home\b",
                # the way a child in a chat room says it: "school tmrw", "my mom is yelling brb"
                r"\b(?:have|got) (?:school|class) (?:tomorrow|tmrw|tmr|tomoro|2morrow|2moro|"
                r"in the morning)\b", r"\bschool ?(?:night|nite)\b",
                r"\b(?:do|doing|finish) (?:my )?hw\b",
                r"\bmy (?:mom|mum|dad|mommy|daddy|parents|step ?(?:mom|dad)) "
                r"(?:is |s |'s |are |r )?"
                r"(?:home|yelling|calling me|gets home|took my|takes my|asleep|making me|"
                r"in the room|in my room|right here|next to me|watching|checking)\b",
                r"\bcan'?t drive yet\b", r"\btoo young to (?:drive|date|work|have a job)\b",
                r"\bcurfew\b",
                # a school year in passing ("grade 7 is so hard", not a child's "6, grade 1 na
                # siya" a parent tells of), a parent's rule or the phone
                # taken at night ("mama said i need to finish my module", "my abah keep my phone
                # after 9", "phone goes in the kitchen at 10")
                NOT_SOMEONE_ELSES + r".*?\bgrade (?:[1-9]|1[0-2]) (?:is|iz|was|so|sucks|kills|"
                r"exams?|tests?|finals|modules?|hw|homework|subjects)\b",
                r"\b(?:mama|mom|mum|mommy|dad|papa|abah|ibu|nanay|tatay|ama|ina) "
                r"(?:said|says|told me) i (?:need|have|must|cant|can'?t|should|gotta)\b",
                r"\b(?:my )?(?:mama|mom|mum|dad|papa|abah|ibu|nanay|tatay|parents?) "
                r"(?:keeps?|takes?|took|hides?|collects?) (?:my|the) (?:phone|tablet|ipad)\b",
                r"\bphone (?:goes|stays) (?:in|to) the (?:kitchen|living ?room|drawer)\b",
                # a parent's say over the day: "my mom made me join choir", "i need to ask my
                # mom first", "mama said maybe", "mama at work til 8"
                rf"{NOT_OTHERS_PARENT}\b(?:my )?{MOM_DAD} (?:made|makes|make|forced|forces) me "
                r"(?:join|go|take|do|quit|stay|study|practi[cs]e|learn|sign up|clean|babysit|"
                r"be home|come home|go to bed)\b",
                # too young to drive: "i have my permit", "my mom drives me everywhere"; junior
                # varsity is a high-school team
                r"\b(?:i (?:have|got|just got) my|learner'?s|learners) permit\b",
                rf"{NOT_OTHERS_PARENT}\b(?:my )?{MOM_DAD} (?:drives|drove|picks|takes) me "
                r"(?:up )?(?:eve?ry ?where|to school|from school|to practice|to the mall)\b",
                r"\bjv (?:team|squad|soccer|football|basketball|volleyball|baseball|practice|"
                r"game)\b",
                rf"\b(?:ask|asking|asked) (?:my )?{MOM_DAD} (?:first|if i can|for permission)\b",
                rf"\b(?:ask|asking) (?:my )?{MOM_DAD}\s*$",
                rf"{NOT_OTHERS_PARENT}\b(?:my )?{MOM_DAD} (?:said|says) (?:maybe|no|ok|okay|yes|"
                r"i can|i cant|i can'?t)\b",
                rf"{NOT_OTHERS_PARENT}\b(?:my )?{MOM_DAD} (?:is |s |'s )?(?:at work|working|"
                r"not home|out) (?:til|till|until|untill|tl|tll)\b",
                r"\b(?:do|doing|finish|finishing|finished) my (?:\w+ )?(?:hw|homework|module)\b",
                rf"\b{URE} (?:so |too |still |just |only )(?:young|a kid|a child)\b")
        + rules(CONTEXT, "stated_adult_age", 0.7,
                r"\bi'?m (?:an adult|a grown man|a grown woman|in (?:university|college))\b",
                r"\bmy (?:wife|husband|kids|job|office|boss|coworkers?|rent|shift|apartment)\b",
                r"\b(?:got|get|just got) off work\b", r"\bafter work\b",
                # a teacher, a tutor or a parent speaking of the children they look after
                r"\bi (?:teach|tutor)\b", r"\bmy (?:students|pupils|class of)\b",
                r"\bi'?m a (?:teacher|tutor|single (?:mom|mum|dad|parent)|nurse)\b",
                r"\bmy (?:son|daughter|stepson|stepdaughter)(?:'s| is| just| turned| has)\b",
                # a working adult's or a university student's life
                r"\bi work (?:in|as an?|for an?)\b",
                r"\b(?:my|our|the) (?:prof|professor|lecturer|roommate|roomie|dorm|thesis|"
                r"dissertation|internship|landlord|mortgage|commute|lease)\b",
                r"\b(?:off|on) campus\b", r"\bgrad school\b",
                r"\bnursing (?:school|student|program)\b",
                r"\b(?:last|final|first) (?:semester|year) of (?:nursing|law|med|college|uni|"
                r"university|my degree)\b")
        + rules(CONTEXT, "distress", 0.7,
                r"\bi'?m (?:so )?(?:scared|afraid|terrified|frightened)\b",
                r"\bplease (?:stop|don'?t|dont|leave me alone|no)\b",
                r"\bi (?:want|wanna) (?:to )?die\b", r"\bi don'?t know what to do\b",
                r"\b(?:help me|leave me alone)\b", r"\bi'?m (?:crying|shaking)\b",
                r"\bi can'?t (?:take it|stop crying|sleep|breathe)\b")
        + rules(CONTEXT, "personal_details", 0.6,
                r"\bmy (?:address|house|home) is\b", r"\bi live (?:at|on|near|in)\b",
                r"\bmy (?:phone|number|phone number) is\b",
                r"\bi go to [\w ]{2,30} school\b", r"\bmy school is\b")
    )  # fmt: skip
