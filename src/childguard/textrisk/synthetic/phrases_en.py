# ruff: noqa: E501  (phrase banks: one line of phrases reads better than wrapped strings)
"""English phrase banks for synthetic conversations (non-graphic: intent only).

Keys are ``LABEL/stage`` for risky messages, ``CUE/...`` for context (minor or adult cues) and
``SAFE/...`` for ordinary messages and the hard negatives (adults flirting, family, friends
teasing, sales). Slots in braces are filled by the generator: {age} a minor's age, {aage} an
adult's, {grade}, {app}, {price}, {amount}, {hours}, {name}, {place}, {game}, {item}.
"""

from __future__ import annotations

PHRASES: dict[str, tuple[str, ...]] = {
    # ---- grooming ------------------------------------------------------------------------------
    "GROOMING/access_profiling": (
        "how old r u btw", "wait how old are u", "what grade are you in",
        "what school do you go to", "which school u at", "asl?", "where do u live",
        "who do you live with", "u still in middle school?", "are u in high school yet",
        "what year r u in at school", "so what age are you, 12? 13?", "u look young, whats ur age",
        "r u old enough to have a phone lol", "what time do u finish school",
        "do u walk home from school alone", "which bus do you take after school",
    ),
    "GROOMING/trust_gifts": (
        "i can buy you {item} if u want", "i'll send you a {item}, no big deal",
        "want me to top up your {game} account", "i have extra {item}, i'll gift you some",
        "i'll pay for your phone credit", "let me get you that skin you wanted",
        "i sent u 500 diamonds, check ur account", "i got u a gift card, just for you",
        "i can give you money for the new phone", "if u need anything just ask me, i'll buy it",
    ),
    "GROOMING/flattery_romance": (
        "ur really mature for {age}", "you're so pretty",
        "ur not like other girls ur age", "i never met anyone like you", "i think i love you",
        "you're special, you know that?", "be my girlfriend", "u understand me better than anyone",
        "i think about u all the time", "you're so cute in ur profile pic",
        "you seem way older than {age}", "i miss u so much when ur at school",
        "ur the only one who gets me", "boys your age don't deserve u",
    ),
    "GROOMING/risk_assessment": (
        "r ur parents around rn", "is anyone else home with u",
        "are u home alone", "who checks your phone", "does ur mom read ur messages",
        "when do your parents get back from work", "is your door locked", "are u alone in ur room",
        "when does ur mom go to bed", "do ur parents check ur chats", "is ur dad strict",
    ),
    "GROOMING/secrecy_isolation": (
        "don't tell your parents we talk", "this is our little secret ok", "dont tell anyone",
        "delete our chat after", "keep this between us", "ur parents wouldn't understand",
        "only i understand you", "dont show anyone these messages", "ur friends would be jealous",
        "if ur mom asks, say im a friend from school", "clear the chat before ur mom sees",
        "nobody needs to know about us", "don't mention me to your teacher",
    ),
    "GROOMING/desensitising": (
        "everyone your age does it, it's normal", "have you ever kissed anyone",
        "it's normal for people who love each other", "did u ever have a boyfriend",
        "your body is changing, it's natural", "you can talk to me about grown up things",
        "it's not a big deal, lots of girls ur age do it", "r u still a virgin lol",
    ),
    "GROOMING/image_request": (
        "send me a pic", "can u send a selfie",
        "show me what you look like now", "let's video call tonight", "turn on ur camera",
        "send a pic in ur school uniform", "no one else will see it i promise",
        "send more pics just for me", "take a pic for me when ur in bed",
        "i want to see u, send a photo", "facetime me when ur alone",
    ),
    "GROOMING/meeting": (
        "let's meet after school", "i'll pick you up after class", "come to my place",
        "wanna hang out this weekend, just us", "i can give u a ride home",
        "meet me at the {place} after school", "where can we meet without ur parents knowing",
        "i'll wait for u near ur school", "let's meet irl, i'll buy u food",
        "come alone ok", "i'll book a room, we can hang out",
    ),
    "GROOMING/platform_migration": (
        "add me on {app}", "let's move to {app}, it's safer", "do you have {app}?",
        "my {app} is @{handle}", "text me on {app} instead", "{app} is more private",
        "message me on {app}, messages disappear there", "download {app} so we can talk",
        "here's my {app}: @{handle}", "lets chat on {app}, ur parents wont see",
    ),
    # ---- sextortion ----------------------------------------------------------------------------
    "SEXTORTION/image_request": (
        "send more pics or else", "i need more photos now", "send another one, a better one",
        "send a video this time", "i want more pics tonight",
    ),
    "SEXTORTION/threat_to_expose": (
        "i will send your photos to your school", "i'll post your pics on facebook",
        "i'll send them to all your friends", "everyone will see your pics",
        "i have your pics and i'll share them", "ur parents will see everything",
        "i'll send it to your family group chat", "i'll make your photos go viral",
        "i have screenshots of everything, ur whole school will know",
        "i know who ur followers are, they'll all get the pics",
    ),
    "SEXTORTION/demand": (
        "pay me ${amount} in gift cards", "send ${amount} or else", "send me money now",
        "buy me a ${amount} steam card and send the code", "transfer ${amount} to this account",
        "send more pics or i post these", "pay me and i'll delete them",
        "i want ${amount} via cash app", "send the money and nobody sees anything",
    ),
    "SEXTORTION/deadline": (
        "you have {hours} hours", "you have 1 hour", "last chance", "tonight or never",
        "by midnight or i post", "u have 30 mins", "clock is ticking", "before 9pm or it's over",
    ),
    # ---- bullying ------------------------------------------------------------------------------
    "BULLYING/insult": (
        "you're so ugly", "you're such a loser", "ur a fat pig",
        "everyone thinks ur disgusting", "you're a worthless idiot", "shut up freak",
        "ur so dumb its embarrassing", "what a pathetic loser", "ur face makes me sick",
        "you smell, nobody wants to sit near u", "ur a waste of space",
    ),
    "BULLYING/threat": (
        "i'm gonna beat you up after school", "watch your back tomorrow",
        "we'll get u at the bus stop", "you're dead at lunch", "i'll make ur life hell",
        "come to school tomorrow and see what happens", "kill urself", "go die",
    ),
    "BULLYING/exclusion": (
        "leave the group", "no one wants you here",
        "we removed u from the chat lol", "don't sit with us", "nobody will ever be ur friend",
        "everyone hates you", "get out of our group chat",
    ),
    "BULLYING/humiliation": (
        "everyone is laughing at you", "we posted your photo lol", "the whole class saw ur video",
        "look at this pic of u, so embarrassing", "we made a meme of u",
        "i screenshotted ur message and sent it to everyone",
    ),
    "BULLYING/sexual_harassment": (
        "rate your body", "slut", "everyone knows ur easy", "send body pics or ur a prude",
    ),
    "BULLYING/identity_hate": (
        "go back to your country", "ur kind doesn't belong here", "people like u are disgusting",
    ),
    "BULLYING/doxxing": (
        "here's her address", "posting ur phone number in the group",
        "everyone now knows where u live",
    ),
    # ---- abuse-material trade (coded terms only) -----------------------------------------------
    "CSAM_TRADE/advertising": (
        "selling young content, new folders", "new kids videos just dropped",
        "private collection for sale", "teen packs available, fresh",
        "got cp links, updated weekly", "young content, big folders, cheap",
        "underage pics, new drop", "pthc mega folder available",
    ),
    "CSAM_TRADE/offering": (
        "{price}$ per folder, dm for links", "{price} usd per link", "dm me for the link",
        "links for {price}$ each", "full folder {price}$", "{price}$ a vid, bulk discount",
        "drive links only, {price} per folder",
    ),
    "CSAM_TRADE/requesting": (
        "anyone have kids videos links?", "looking for young content", "who has cp",
        "need private collection links", "buying teen packs", "where can i get young content",
        "anyone selling kids vids",
    ),
    "CSAM_TRADE/payment_contact": (
        "pay via btc, contact on {app}", "payment in crypto only, dm on {app}",
        "pay with ABA then i send the link", "send to this wallet then message me on {app}",
        "gift card payment ok, contact @{handle}",
    ),
    # ---- context cues --------------------------------------------------------------------------
    "CUE/minor": (
        "im {age}", "i'm {age}", "im only {age} lol", "i'm in grade {grade}", "im in {grade}th grade",
        "i have school tomorrow", "my mom says i have to sleep at 9", "i just got home from school",
        "my teacher gave us so much homework", "i cant, my dad checks my phone", "im {age} years old",
        "my mom will kill me if she finds out", "after class i have tutoring", "i'm in year {grade}",
        "i'm not allowed to have instagram yet", "my parents are strict", "im {age} turning {age1}",
    ),
    "CUE/adult": (
        "just got off work", "im {aage}", "i'm {aage} btw", "long day at the office",
        "my rent is due", "after my shift", "had a few beers with coworkers", "at my apartment",
        "my divorce was finalised last year", "my boss is annoying", "im {aage}, you?",
        "just paid my taxes", "my kids are asleep", "my flight lands at 8",
    ),
    # ---- ordinary and hard-negative messages ---------------------------------------------------
    "SAFE/smalltalk": (
        "hey", "hey whats up", "nm u?", "lol", "haha", "yeah", "cool", "same",
        "what are you doing", "just chilling", "did u eat yet", "im bored", "gtg", "brb",
        "that's funny", "omg", "nice", "for real?", "idk", "sure", "maybe later", "see ya",
        "good morning", "night", "thanks", "np", "what do u mean", "hmm",
        "did u watch the game", "this weather is crazy", "i'm so tired today",
    ),
    # the long, aimless talk of chat rooms and messengers (the informal chats): none of it risky
    "SAFE/chitchat": (
        "u there?", "r u there", "u still there?", "hello??", "helloooo", "im back", "back",
        "sry was eating", "sorry phone died", "wat u up to", "wyd", "wyd rn", "hbu", "sup",
        "not much u?", "nm just chillin", "wat time is it there", "its like 9 here",
        "wat music u like", "i like rap n stuff", "i listen to everything lol",
        "wats ur fav movie", "seen any good movies", "so wat do u like to do", "tell me about urself",
        "nice to meet u", "wats ur name", "where u from", "im from texas", "cool cool", "kk",
        "ya", "ya same", "omg same", "lmao", "thats funny", "wat do u mean lol", "oh ok",
        "u wanna talk", "wanna talk for a bit", "i dont mind", "ok then", "hows ur day",
        "my day was ok", "it was boring", "i just woke up", "ugh mondays", "wat u doin this wknd",
        "nothin much", "prob just sleep lol", "u play any games", "i watch youtube mostly",
        "its raining here", "so hot today", "i need coffee", "im hungry", "wat u eating",
        "pizza lol", "nice", "thats cool", "lol ok", "haha ya", "u funny", "idk wat to say",
        "so...", "anyway", "hmm ok", "brb bathroom", "k back", "ttyl", "cya later", "gn",
        "u online tomorrow?", "talk later?", "ok bye", ":)", ":P", "xD", "hehe", "hey", "lol",
    ),
    # ages said the chat-room way ("asl? 14 f"), and a child's everyday constraints
    "CUE/minor_chat": (
        "{age} f", "{age}/f", "{age} m", "{age}/f/{state}", "asl? {age} f {state}", "{age} f u?",
        "i have school tmrw", "its a school night", "my mom is yelling brb", "my dad took my phone",
        "my mom gets home at 6", "i gotta do hw", "im in middle school", "im not 18 lol",
    ),
    "CUE/adult_chat": (
        "{aage} m", "{aage}/f", "{aage} f here", "{aage}/m/{state}", "asl? {aage} f {state}",
        "just got off work lol", "im at work rn", "my shift ends at 5",
    ),
    "SAFE/gaming": (
        "gg that last round was insane", "you carried us", "wanna play {game} later",
        "im gonna destroy you next round lol", "rematch?", "my wifi is so laggy",
        "join my squad", "that boss fight was hard", "i'll kill you next game 💀",
        "bro ur aim is trash lol", "new season drops friday", "add me in {game}",
    ),
    "SAFE/family": (
        "did you finish your homework?", "dinner is ready",
        "don't forget your jacket", "grandma is coming sunday", "love you sweetie",
        "send me a photo of your report card", "where are you?", "call me when you get home",
        "is your brother home?", "dad will pick you up after school", "be home by 8 ok",
        "can u send a pic of the shopping list", "your teacher called about the trip",
    ),
    "SAFE/friends_teasing": (
        "bro your haircut looks like a broom", "ur such a nerd lol", "shut up lol love u",
        "you're so dumb sometimes 😂", "loser buys pizza", "idiot i miss u",
        "ur a clown fr 🤡", "lmao ur so weird", "nobody asked lol jk", "ok weirdo see u tmrw",
    ),
    "SAFE/adult_flirt": (
        "you looked amazing tonight", "i can't stop thinking about you", "send me a pic babe",
        "wanna come over tonight?", "u up? 😏", "miss you already", "you're so hot",
        "let's meet for drinks friday", "i'll pick you up after work",
        "send me something sexy 😘", "i want you so bad", "last night was amazing",
        "add me on {app} babe", "don't tell my coworkers about us lol", "facetime me later babe",
        "i love you", "you're beautiful", "let's get a hotel this weekend",
    ),
    "SAFE/sales": (
        "selling my old phone, {price}$", "{price}$ per pair, dm for sizes", "pay via ABA",
        "contact me on {app} for the price list", "new stock just arrived", "free delivery in phnom penh",
        "selling {game} account, {price}$", "price is {price}$, negotiable",
        "send payment and i'll ship tomorrow", "do you have this in blue?", "how much for two?",
    ),
    "SAFE/school": (
        "tomorrow we have science", "see you tomorrow", "we have a test tomorrow", "study group tomorrow at 4?",
        "bring your notebook on monday", "ok sir", "don't forget your homework", "i'll study tonight",
        "what time is class tomorrow", "can we study together after school", "math is so hard lol",
        "i'll bring the charger tomorrow", "wear your uniform tomorrow, we have photos", "i'll show up early tomorrow",
        "tomorrow is the school trip", "i'll be there tomorrow for sure", "our teacher is nice",
        "did u finish the math homework", "the test is on friday", "teacher said bring ur book",
        "what page was the homework", "class starts at 7 tomorrow", "i forgot my pencil case",
        "can u send me a photo of the notes", "we have PE tomorrow", "the field trip got cancelled",
    ),
    "SAFE/safety_talk": (
        "if anyone online asks for pics, tell me right away", "never keep secrets from us about people online",
        "adults who ask you to keep secrets are not safe", "if someone offers you gifts in a game, tell mom",
        "don't meet anyone from the internet alone", "you can always tell me, you won't be in trouble",
        "our school had a talk about online safety today", "the police officer said never send photos to strangers",
        "if a stranger says don't tell your parents, that's a red flag", "block and report anyone who makes you uncomfortable",
        "nobody should ask you to delete our chats, tell me if they do", "remember the rule: no secrets with online friends",
    ),
    "SAFE/sex_ed": (
        "is it normal to have questions about puberty at {age}", "my body is changing, is that normal?",
        "we learned about puberty in health class", "talk to a parent or the school nurse if you're worried",
        "that's totally normal at your age", "is it normal if it's irregular the first year",
        "everyone goes through changes at different times", "you can ask me anything, this chat is confidential",
        "safe adults don't ask kids to keep secrets or send photos",
    ),
    "SAFE/news": (
        "did u see the news about the man arrested for grooming kids online",
        "the school sent a letter about online safety", "police warned parents about sextortion scams",
        "we learned about online safety in class today", "report anyone who asks for pics",
    ),
}  # fmt: skip
