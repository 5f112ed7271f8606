"""What a resident types and what the handbook wrote are often the same thing
spelled two ways: "H1B" and "H-1B", "DS2019" and "DS-2019", "apartment" and
"flat", "UK" and "United Kingdom". Pure functions of text, used on both sides:
the search vector is built from `canonical` text, and a query is `canonical`
too, with each word widened to its synonyms. No database here."""

import re

from django_countries import countries

# A form or visa code: one to three letters, an optional hyphen, digits and an
# optional letter ("H-1B", "J1", "DS-2019", "I-94", "PGY-1"). Written as one
# token ("h1b") on both sides; PostgreSQL's parser would split "H-1B" into
# "h-1b", "h" and "1b", and "H1B" into "h1b": they would never meet.
CODE = re.compile(r"(?<![\w-])([A-Za-z]{1,3})-?(\d{1,4}[A-Za-z]?)(?![\w-])")


def canonical(text: str) -> str:
    """`text` with every code written without its hyphen: "H-1B" → "H1B"."""
    return CODE.sub(r"\1\2", text)


def hyphenated(text: str) -> str:
    """Codes the way the handbook prints them ("h1b" → "h-1b"), so the snippet
    of a page can mark the words as they stand in its text."""
    return CODE.sub(r"\1-\2", text)


# Words that mean the same to a reader. Each group is symmetric; a multi-word
# entry is searched as a phrase. Kept short on purpose: every synonym widens a
# search, and a wide search buries the page that answers it.
SYNONYM_GROUPS = [
    ("apartment", "flat", "rental", "housing"),
    ("license", "licence"),
    ("licensing", "licence"),
    ("ssn", "social security number"),
    ("spouse", "partner", "husband", "wife"),
    ("kids", "children", "child"),
    ("ead", "work permit"),
    ("green card", "permanent resident"),
    ("vacation", "holiday"),
    ("car", "driving", "driver"),
    ("stamp", "visa stamp"),
    ("landlord", "rent", "lease"),
    ("tax", "taxes", "irs"),
]
SYNONYMS: dict[str, set[str]] = {}
for group in SYNONYM_GROUPS:
    for word in group:
        SYNONYMS.setdefault(word, set()).update(w for w in group if w != word)

# Names people use for a country besides the one in the ISO list.
COUNTRY_ALIASES = {
    "AE": ["UAE", "Emirates", "Dubai"],
    "BD": ["Bangladeshi"],
    "CN": ["Chinese", "PRC"],
    "EG": ["Egyptian"],
    "GB": ["UK", "Britain", "Great Britain", "England", "Scotland", "Wales", "British"],
    "GH": ["Ghanaian"],
    "IN": ["Indian", "Bharat"],
    "IR": ["Iran", "Iranian", "Persia"],
    "JO": ["Jordanian"],
    "KR": ["Korea", "South Korea", "Korean"],
    "LB": ["Lebanese"],
    "MX": ["Mexican"],
    "NG": ["Nigerian"],
    "NP": ["Nepali", "Nepalese"],
    "PH": ["Philippine", "Filipino", "Pilipinas"],
    "PK": ["Pakistani"],
    "RU": ["Russia", "Russian"],
    "SA": ["Saudi", "KSA"],
    "SY": ["Syria", "Syrian"],
    "TW": ["Taiwan", "Taiwanese"],
    "US": ["USA", "America", "United States"],
    "VE": ["Venezuela", "Venezuelan"],
    "VN": ["Vietnam", "Viet Nam", "Vietnamese"],
    "BR": ["Brazilian", "Brasil"],
    "CO": ["Colombian"],
    "LK": ["Sri Lankan", "Ceylon"],
}


def country_names(code: str) -> list[str]:
    """Every name a reader might type for the country `code`."""
    names = [str(countries.name(code)), *COUNTRY_ALIASES.get(code, [])]
    return [n for n in names if n]


def damerau(a: str, b: str, limit: int = 3) -> int:
    """The number of single-letter edits (insert, delete, change, swap two
    neighbours) from `a` to `b`, capped at `limit`."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    before, row = None, list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if before and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                current[j] = min(current[j], before[j - 2] + 1)
        before, row = row, current
    return min(row[-1], limit)


def plausible_typo(typed: str, word: str) -> bool:
    """Would a person who meant `word` type `typed`? The same first letter
    (people rarely get it wrong: "housing" is not a typo of "using", nor
    "apartment" of "department") and one edit in a short word, two in a long
    one."""
    if not typed or not word or typed[0] != word[0]:
        return False
    return damerau(typed, word) <= (1 if len(typed) <= 5 else 2)
