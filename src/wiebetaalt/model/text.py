"""Free text in a case: which characters a name may hold, one spelling per name, and how a message
quotes text a person typed.

A case's text reaches terminals, spreadsheets and logs, and is compared with the names a rule file
writes. So a name holds no control or invisible character, is compared in one composition (NFC)
whatever its case or spacing, and a message never echoes a value, only where the bad character is.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import StringConstraints

#: Unicode categories no name holds: control characters (Cc: escape sequences, tabs, bells),
#: invisible format characters (Cf: zero width space, right-to-left override, soft hyphen), lone
#: surrogates (Cs: bytes that were not UTF-8) and the line and paragraph separators (Zl, Zp).
#: Each can reach a terminal or make a look-alike of a real name ("Vlaardingen\u200b").
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_INVISIBLE_NAMES = {
    "Cc": "een stuurteken",
    "Cf": "een onzichtbaar opmaakteken",
    "Cs": "een losse surrogaat (bytes die geen UTF-8 zijn)",
    "Zl": "een regelscheidingsteken",
    "Zp": "een alineascheidingsteken",
}

# Checked by pydantic's compiled regex rather than a Python validator per text field: parse_case
# runs for every row of a caseload (docs/engine.md has the measurement). Rust strings cannot hold a
# lone surrogate (Cs), so pydantic refuses those itself (string_unicode).
VISIBLE = r"^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$"
#: A name in a case (a municipality, an SWV, a school board): trimmed, visible, at most 120 characters.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=VISIBLE)]
#: :data:`VISIBLE` as the regular expressions of JSON Schema validators understand it: they do not
#: all know Unicode classes, so this lists the usual invisible characters one by one.
SCHEMA_INVISIBLE = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u200b-\\u200f\\u202a-\\u202e\\u2028\\u2029\\u2060-\\u2064\\ufeff]*$"


def find_invisible(text: str) -> tuple[int, str, str] | None:
    """The first character of ``text`` in :data:`INVISIBLE_CATEGORIES`: (index, character, category)."""
    # Every such character is unprintable, so isprintable (one pass in C) clears most text at once.
    # The unprintable characters it lets through (a no-break space, private use) are visible or blank.
    if text.isprintable():
        return None
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category in INVISIBLE_CATEGORIES:
            return index, char, category
    return None


def invisible_problem(value: str) -> str:
    """What :func:`find_invisible` finds in a text field's ``value``, as a message: the character's
    kind, code point and 1-based position in the value as written, never the value itself (it may
    be a name or a BSN typed in the wrong field)."""
    stripped = value.strip()
    found = find_invisible(stripped)
    offset = len(value) - len(value.lstrip())
    if found is None:  # a character pydantic does not strip, but Python does (U+001C–U+001F)
        found, offset = find_invisible(value), 0
    if found is None:  # the Unicode tables of pydantic's regex and of Python differ
        return "bevat een stuurteken of onzichtbaar teken"
    index, char, category = found
    return f"bevat {_INVISIBLE_NAMES[category]} (U+{ord(char):04X}) op positie {offset + index + 1}"


def name_key(name: str) -> str:
    """What two spellings of one name share: case, runs of whitespace and composition aside."""
    return unicodedata.normalize("NFC", " ".join(name.split())).casefold()


def shown(text: str, limit: int = 60) -> str:
    """Input text as an error message quotes it: short, and encodable (pydantic fails to render a
    message whose context holds a lone surrogate, and raises UnicodeEncodeError instead)."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown_key(part: object) -> str:
    """A key of a case as a message names it: control characters escaped, a long one cut short."""
    text = str(part)
    if len(text) <= 40 and text.isprintable():
        return text
    cut = text[:40]
    # repr escapes what a terminal would act on (\x1b) or not show (\u200b)
    escaped = "".join(char if char.isprintable() else repr(char)[1:-1] for char in cut)
    return escaped + "…" if len(text) > 40 else escaped
