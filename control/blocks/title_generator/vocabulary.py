"""Lookup tables and compiled patterns for the archive's naming vocabulary.

Every table here was built from the real NAS listing (samples/nas_scan_result.json);
keeping them apart from the parser lets the parsing logic stay readable.
"""

from __future__ import annotations

import re

# Extensions are stripped repeatedly because the archive has names like "ME25 Part 1.mov.mov".
EXTENSION = re.compile(r"\.(?:mp4|mov|mxf|mkv|avi|m4v|ts|wmv|mpg|mpeg)$", re.I)
# A stray extension inside a name ("x .mp4 y") must not reach a title either.
EXTENSION_INSIDE = re.compile(r"\.(?:mp4|mov|mxf|mkv|avi|m4v|wmv|mpg|mpeg)\b", re.I)

# Brands, most specific first; group "loc" captures a location where the name carries one.
SERIES_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"#?\bWSOP[\s-]*Paradise\b", re.I), "WSOP Paradise"),
    (re.compile(r"#?\bWSOP[\s-]*Europe\b|#?\bWSOPE\b", re.I), "WSOP Europe"),
    (re.compile(r"\bWSOP[\s-]*APAC\b", re.I), "WSOP APAC"),
    (
        re.compile(
            r"\bWSOP\s+(?:International\s+)?Super\s+Circuit(?:\s*-\s*|\s+)"
            r"(?P<loc>Cyprus|London)?|\bWSOP\s+Super\s+Ciruit\b",
            re.I,
        ),
        "WSOP Super Circuit",
    ),
    (
        re.compile(r"\bWSOP(?:[\s-]*Circuit|-C)\b(?:\s*(?P<loc>Los\s+Angeles|LA)\b)?", re.I),
        "WSOP Circuit",
    ),
    (re.compile(r"#?\bWSOP\b|\bWorld\s+Series\s+of\s+Poker\b", re.I), "WSOP"),
    (re.compile(r"\bPoker\s+After\s+Dark\b|\bPAD\b", re.I), "PAD"),
    (re.compile(r"\bGOG\b|\bGame\s+of\s+Gold\b", re.I), "GOG"),
    (re.compile(r"\bMPP\b"), "MPP"),
    (re.compile(r"\bGGMillions\b", re.I), "GGMillions"),
)

SERIES_DISPLAY = {"GOG": "Game of Gold", "PAD": "Poker After Dark"}

LOCATIONS = {
    "la": "Los Angeles",
    "los angeles": "Los Angeles",
    "cyprus": "Cyprus",
    "london": "London",
}
# Locations that appear bare in names or folders ("2025 MPP Cyprus", "WSOP 2005 Lake Tahoe CC").
LOCATION = re.compile(r"\b(Cyprus|London|Lake\s+Tahoe|New\s+Orleans|Rincon)\b", re.I)
# The 2005 ESPN "CC" shows are the first WSOP Circuit season's stops.
CIRCUIT_STOP = re.compile(r"\b(Lake\s+Tahoe|New\s+Orleans|Rincon|Rio)\b", re.I)

# Compact production codes: WS11, WSOP15, WSOPE08, WSE13, WE24, WCLA24, WP23, WPLA24, WV22.
CODE = re.compile(
    r"^(?P<brand>WSOPE|WSOP|WSE|WS|WE|WCLA|WPLA|WP|WV)(?P<yy>\d{4}|\d{2})(?=[_\-\s])(?P<rest>.*)$",
    re.I,
)
CODE_SERIES: dict[str, tuple[str, str | None]] = {
    "WSOPE": ("WSOP Europe", None),
    "WSE": ("WSOP Europe", None),
    "WE": ("WSOP Europe", None),
    "WS": ("WSOP", None),
    "WSOP": ("WSOP", None),
    "WCLA": ("WSOP Circuit", "Los Angeles"),
    "WP": ("WSOP Paradise", None),
    "WPLA": ("WSOP", None),  # meaning unknown; scored down as an unknown code
    "WV": ("WSOP", "Las Vegas"),
}
# Event codes inside compact names: ME06, BO01, NC02, HU01, PPC01, GM01 ...
CODE_EVENTS: dict[str, str | None] = {
    "ME": "Main Event",
    "BO": "Big One for One Drop",
    "NC": "National Championship",
    "HU": "Heads-Up Championship",
    "PPC": "Poker Players Championship",
    "GCC": "Global Casino Championship",
    "GM": None,  # unknown meaning; kept as a tag, never guessed
}
# Clip kinds of the subclip codes (WCLA24-PE-03, WP23-ET-01); EP/HB are unknown.
CLIP_KINDS: dict[str, str | None] = {"PE": "player emotion", "ET": "extra", "EP": None, "HB": None}

# PokerGO clip slugs: words that belong to the event name; anything else is the hand story.
SLUG_EVENT_WORDS: dict[str, str] = {
    "nlh": "NLH",
    "plo": "PLO",
    "hr": "High Roller",
    "shr": "Super High Roller",
    "ppc": "Poker Players Championship",
    "huc": "Heads-Up Championship",
    "27td": "2-7 Triple Draw",
    "2-7td": "2-7 Triple Draw",
    "27sd": "2-7 Single Draw",
    "champions": "Champions",
    "reunion": "Reunion",
    "mystery": "Mystery",
    "millions": "Millions",
    "stud": "Stud",
    "ladies": "Ladies",
    "mixed": "Mixed",
    "omaha": "Omaha",
    "hi": "Hi",
    "lo": "Lo",
    "championship": "Championship",
    "wsop": "WSOP",
    "kickoff": "Kickoff",
    "gladiators": "Gladiators",
    "millionaire": "Millionaire",
    "maker": "Maker",
    "monster": "Monster",
    "stack": "Stack",
    "shootout": "Shootout",
    "super": "Super",
    "turbo": "Turbo",
    "bounty": "Bounty",
    "me": "Main Event",
    "platinumhighroller": "Platinum High Roller",
    "nlh6max": "NLH 6-Max",
}

# Spelling normalisation inside event names (display only; game_type is separate).
EVENT_SPELLING: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bNo[\s-]?Limit\s+Hold'?em\b", re.I), "No-Limit Hold'em"),
    (re.compile(r"\bPot[\s-]?Limit\s+Omaha\b", re.I), "Pot-Limit Omaha"),
    (re.compile(r"\bNL\s+Hold'?em\b", re.I), "NL Hold'em"),
    (re.compile(r"\bLimit\s+Hold'?em\b", re.I), "Limit Hold'em"),
    (re.compile(r"\bLimit\s+Omaha\b", re.I), "Limit Omaha"),
    (re.compile(r"\bTexas\s+Hold'?em\b", re.I), "Texas Hold'em"),
    (re.compile(r"\bNL(?:H?TH|HM)\b", re.I), "NLH"),
    (re.compile(r"\b7CS\b", re.I), "Seven Card Stud"),
    (re.compile(r"\bH\.?O\.?R\.?S\.?E\.?(?=\s|$)", re.I), "H.O.R.S.E."),
    (re.compile(r"\bTou?r?nament\s+of\s+Champs\b|\bTOC\b", re.I), "Tournament of Champions"),
    (re.compile(r"\bChamp\s+Invitational\b", re.I), "Champions Invitational"),
    (re.compile(r"\bChamp\b", re.I), "Championship"),
    (re.compile(r"\bHeads[\s-]?Up\b", re.I), "Heads-Up"),
    (re.compile(r"\bMonsterstack\b", re.I), "Monster Stack"),
    (re.compile(r"\bGGMillion", re.I), "GGMillion"),
    (re.compile(r"\bMyestery\b", re.I), "Mystery"),
    (re.compile(r"\bMY\.?BO\b", re.I), "Mystery Bounty"),
    (re.compile(r"\bBIG\s+ONE\b", re.I), "Big One for One Drop"),
    (re.compile(r"\bNAT\s+CHAMP(?:ionship)?\b", re.I), "National Championship"),
    (re.compile(r"\bBest\s+of\b", re.I), "Best of"),
    (re.compile(r"\bAll[\s-]?Ins\b", re.I), "All-Ins"),
    (re.compile(r"\bMoney\s?Maker\b", re.I), "Moneymaker"),
)

# Compact forms for short titles, which sit under thumbnails.
SHORT_NAMES: tuple[tuple[str, str], ...] = (
    ("No-Limit Hold'em", "NLH"),
    ("Pot-Limit Omaha", "PLO"),
    ("Poker Players Championship", "PPC"),
)

# Game families, most specific first: (pattern, game_type).
GAME_TYPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"2-7|\b27\b|27TD|Lowball|Single\s+Draw|Triple\s+Draw", re.I), "2-7 Draw"),
    (re.compile(r"Short\s+Deck", re.I), "Short Deck"),
    (re.compile(r"H\.?O\.?R\.?S\.?E|\bHorse\b", re.I), "HORSE"),
    (re.compile(r"Poker\s+Players|\bPPC\b|Big\s+Bet\s+Mix|\bMixed\s+(?!Omaha)", re.I), "Mixed"),
    (re.compile(r"Hi-?Lo|8\s+or\s+Better", re.I), "O8"),
    (re.compile(r"Pot[\s-]?Limit\s+Omaha|\bPLO\b|(?<!Limit )\bOmaha\b", re.I), "PLO"),
    (re.compile(r"\bLimit\s+Omaha\b", re.I), "Limit Omaha"),
    (re.compile(r"Seven\s+Card\s+Stud|\b7CS\b|\bStud\b", re.I), "Stud"),
    (re.compile(r"\bRazz\b", re.I), "Razz"),
    (re.compile(r"(?<!No-)(?<!No )\bLimit\s+Hold'?em\b|\bLimit\s*$", re.I), "LHE"),
    (re.compile(r"No[\s-]?Limit|\bNL\b|\bNLH|\bNLTH|Hold'?em", re.I), "NLH"),
)

# Production tags: (pattern, tag). Matches are removed from the title and kept as tags.
NOISE_TAGS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"\bfinal[\s_]edit\b", re.I), None),
    (re.compile(r"찐최종|최종"), "final cut"),
    (re.compile(r"클린본|\bclean\b", re.I), "clean"),
    (re.compile(r"\bPGM\b"), "program feed"),
    (re.compile(r"\bdirty\b", re.I), "dirty"),
    (re.compile(r"\bNB\b|\bno\s?bug\b", re.I), "no bug"),
    (re.compile(r"\bNC\b"), "no commentary"),
    (re.compile(r"\b4CH(?:AN)?\b", re.I), "4-channel audio"),
    (re.compile(r"\bTEXT\b", re.I), "text"),
    (re.compile(r"\bCC\b"), "CC"),
    (re.compile(r"\bH264\b|\bHi-?Res\b|MPEG-2\s+[\d.]+Mbps\s+2-pass", re.I), None),
    (re.compile(r"\bv\d\b", re.I), None),
    (re.compile(r"\b(?:updated|correct|outro)\b", re.I), None),
    (re.compile(r"\bEuroS(?:po)?rt\b", re.I), "Eurosport"),
    (re.compile(r"\bReAir\b", re.I), "re-air"),
    (re.compile(r"\bGeneric\b", re.I), "generic"),
    (re.compile(r"\bMaster\b", re.I), "master"),
    (re.compile(r"\bVHS\s+DUB\b", re.I), "VHS"),
    (re.compile(r"\bESPN\b"), "ESPN"),
    (re.compile(r"\bEOE\b"), "EOE"),
    (re.compile(r"(?<!No )\bCommentary\b", re.I), "commentary"),
    (re.compile(r"\(?\b(?:1080|720)p\b\)?", re.I), "HD"),
    (re.compile(r"\((?:PokerGO)\)|\bPokerGO\b\s*$", re.I), "PokerGO"),
    (re.compile(r"\(YouTube\)|\(YouTube\s+Stream\)", re.I), "YouTube"),
    (re.compile(r"\blive\s+from\s+King'?s\b", re.I), "live"),
    (re.compile(r"-?\s*FULL\s+EPISODE\b", re.I), "full episode"),
    (re.compile(r"\bFinalLook\b", re.I), "final look"),
    (re.compile(r"\bGGPoker\b", re.I), None),
    (re.compile(r"\b\d{2,3}MINUTE\b", re.I), None),
)

# Asset ids and take numbers: ESPN house numbers, GMPO numbers, recorder takes, upload ids.
ASSET_IDS = re.compile(
    r"(?<![A-Za-z])ES[MO0]?\d{7,}(?!\d)|[\s_-]*(?<![A-Za-z])GMPO\s*\d+|_\d_prob\d\b|_\d{7,}$|\s*-\d{3}$|\s*\(\d\)",
    re.I,
)
HASHTAGS = re.compile(r"(?<!\S)#(?:wsop|poker)\b", re.I)

# Words kept upper-case when an ALL-CAPS name is re-cased for display.
ACRONYMS = frozenset(
    {
        "WSOP",
        "WSOPE",
        "NLH",
        "PLO",
        "GTD",
        "MPP",
        "PAD",
        "GOG",
        "HORSE",
        "H.O.R.S.E.",
        "ME",
        "NL",
        "PPC",
        "LA",
        "TV",
        "ESPN",
        "OK",
        "II",
        "III",
        "HU",
        "APAC",
        "KK",
        "AA",
        "QQ",
        "JJ",
        "AK",
        "AQ",
        "AJ",
        "FT",
        "CC",
        "GG",
    }
)
SMALL_WORDS = frozenset(
    {
        "vs",
        "of",
        "the",
        "a",
        "an",
        "and",
        "for",
        "to",
        "with",
        "in",
        "on",
        "at",
        "thru",
        "by",
        "from",
    }
)


# ---- Free-text patterns: what the generic reader looks for in names and folder names
YEAR = re.compile(r"(?<![\d,.$€#])(?<!PRE-)(19[7-9]\d|20[0-4]\d)(?!\d)", re.I)
EVENT_NO = re.compile(r"\bEvent\s*#\s*(\d{1,3})\b|(?<![\w$€])#\s?(\d{1,3})\b", re.I)
BRACELET = re.compile(r"\[?\bBRACELET(?:\s+EVENT)?\s*#\s*(\d{1,3})\]?|\bBracelet\s+Events?\b", re.I)
MONEY = re.compile(
    r"(?P<cur>[$€])\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<mult>[KM])?(?![\w])"
    r"|(?P<num2>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<mult2>[KM])?\s?€",
    re.I,
)
BARE_MONEY = re.compile(
    r"^(?P<num>\d+(?:\.\d+)?)(?P<mult>[K])\b|^(?P<plain>\d{3,5})\s+(?=\D)", re.I
)
NOT_BUY_IN = re.compile(
    r"\[?(?:[$€]\s?[\d,.]+\s?[KM]?\s*(?:GTD|(?:First\s+)?Prize)|[$€][\d,]+\s+for\s+1st"
    r"|\bfor\s+\$[\d,]+|\(?\d+€\s+Bounty\)?)\]?",
    re.I,
)
INNER_K = re.compile(r"(?<![\w$€.,])(\d{1,3}(?:\.\d)?)K\b(?!\s*(?:GTD|Prize|for))", re.I)
CASH_GAME = re.compile(r"\bcash\s+game\b", re.I)
DAY = re.compile(
    r"\bday\s*0*(?P<n>\d{1,2})\s?(?P<fl>[a-f]{1,4}(?:[\s/&]+[a-f](?![a-z']))*)?(?![a-z0-9'])", re.I
)
STAGE = re.compile(
    r"\bfinal[\s_-]*table\b|\bfinal\s+day\b|\bfinal\s+four\b|\bfinal\s*\)?\s*$", re.I
)
PART = re.compile(r"\(?\b(?P<label>part|pt|session|hour)\.?\s*0*(?P<n>\d{1,2})\)?", re.I)
SHOW = re.compile(r"\b(?P<label>show|episode|ep)\s*0*(?P<n>\d{1,3})\b", re.I)
EVENT_CODE = re.compile(r"\bME\s?0*(?P<n>\d{1,2})\b")
SEASON = re.compile(r"\bseason\s*(\d{1,2})\b|\bS(\d{1,2})\b", re.I)
BARE_SHOW = re.compile(r"^[\s-]*0*(?P<n>\d{1,2})(?:-(?P<part>\d))?(?!\d)")
DATE6 = re.compile(r"^(?P<y>\d{2})(?P<m>\d{2})(?P<d>\d{2})_")
DATE8 = re.compile(r"(?<!\d)(?P<y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})(?!\d)")
ORDER_PREFIX = re.compile(r"^(?:\d{4}_(?=\D)|\d{1,2}_(?=\d{4}\b))")
HAND_NOTATION = re.compile(r"\b(?:10|[AKQJT2-9]){2}[so]?\s+vs\b", re.I)
MAIN_EVENT = re.compile(r"(?:(?:Super|Mini)\s+)?Main\s+Event", re.I)


# ---- Compact naming families: PokerGO slugs, hand clips, PAD, GOG, recorder files
POKERGO_SLUG = re.compile(r"^\d+-wsop-(?P<year>\d{4})-(?P<kind>be|me)-(?P<rest>.+)$", re.I)
WSOPE_SLUG = re.compile(r"^(?P<brand>wsope?)-(?P<year>\d{4})-(?P<rest>.+)$", re.I)
HAND_CLIP = re.compile(
    r"^\d{4}_Hand_?\s*(?P<n>\d+)[_\s]+(?P<rest>.+?)(?:_(?P<feed>Clean|PGM))?$", re.I
)
PAD_CODE = re.compile(r"^pad[-_]s(?P<season>\d+)[-_]ep(?P<ep>\d+)(?P<rest>.*)$", re.I)
GOG_CODE = re.compile(r"^E(?P<ep>\d+)_GOG(?P<rest>.*)$", re.I)
HYPERDECK = re.compile(r"^HyperDeck_(?P<n>\d+)", re.I)
TAKE_SUFFIX = re.compile(r"(?:[-_]\d{3}|_\d_prob\d)$", re.I)
TOKEN_SPLIT = re.compile(r"[_\-\s]+")
SLUG_DAY = re.compile(r"^day0*(?P<n>\d{1,2})(?P<fl>[a-d]{0,4})$", re.I)
SLUG_MONEY = re.compile(r"^(?P<num>\d+)(?P<mult>k)?$", re.I)
CARD_WORD = re.compile(r"^(?P<ranks>(?:10|[AKQJT2-9])+)(?P<suffix>[sdhco]{0,2})$", re.I)
ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$", re.I)
SLUG_NOISE = frozenset({"clean", "dirty", "updated", "outro", "correct", "hs", "nobug", "prob4"})
SLUG_WORDS = {"ov": "over", "fh": "full house", "fl": "flush", "thru": "thru", "str": "straight"}


# ---- Folders and brands
FOLDER_HINTS: tuple[tuple[re.Pattern[str], str | None, str | None], ...] = (
    (re.compile(r"\bHand\s+Clip\b|\bPokerGo\s+Clip\b", re.I), "hand clip", None),
    (re.compile(r"\bSUBCLIP\b|^Clips$", re.I), "clip", None),
    (re.compile(r"^STREAM$|\bSTREAM$", re.I), "stream", None),
    (re.compile(r"\bNO\s+COMMENTARY\b", re.I), None, "no commentary"),
    (re.compile(r"\bPlayer\s+Emotion\b", re.I), "player emotion", None),
)
# Folder words that describe the storage, not the content; removed before a folder is read.
CONTAINER = re.compile(
    r"\b(?:MOVs|MXFs|Masters|Generics?|Mastered|Clean|ARCHIVE|GGPNAs|SUBCLIP|STREAM|Clips?"
    r"|Hand\s+Clip|PokerGo\s+Clip|NO\s+COMMENTARY\s+WITH\s+GRAPHICS\s+VER"
    r"|Player\s+Emotion\s*&?\s*ETC)\b",
    re.I,
)
WSOP_BRANDS = frozenset(
    {"WSOP Europe", "WSOP Paradise", "WSOP Circuit", "WSOP Super Circuit", "WSOP APAC"}
)
CLIP_LABELS = frozenset({"Clip", "Player Emotion", "Extra"})
CODE_TOKEN = re.compile(r"^(ME|BO|NC|HU|PPC|GM|PE|ET|EP|HB)(\d*)$")
PART_TOKEN = re.compile(r"^P\d+$")
SLUG_27TD = re.compile(r"2-7td", re.I)
SLUG_27SD = re.compile(r"(?<=-)27-SD(?=-)", re.I)
NON_DIGITS = re.compile(r"\D")
GLUED_VS = re.compile(r"(?<=[a-z])vs\b")  # "AhKdvs Addamo"
GLUED_PAREN = re.compile(r"(?<=\w)\(")  # "Lehmann(9th)"
BEST_OF = re.compile(r"best\s?of", re.I)
DATE6_ANYWHERE = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})(?!\d)")
WORD = re.compile(r"[^\W\d_]{2,}")
LETTER = re.compile(r"[^\W\d_]")
DASH_SPLIT = re.compile(r"\s+[-\u2013]\s+")
SECOND_EVENT = re.compile(r"\s&\s(?=[$€])")  # "Main Event Day 1B & $100K PLO Final Table"
HIGHLIGHT = re.compile(r"\bbest\s+of\b|highlight", re.I)
