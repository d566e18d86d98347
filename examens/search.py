"""Name searches whose cost is linear in their words, and numbers that never enter a URL.

- One condition per word (the word in any of the name fields), AND-ed in one
  `filter()`: each word adds two LIKEs to one statement, never a join, a
  subquery or a second copy of the query (`qs.filter(A) | qs.filter(B)` per
  word doubled the statement with every word).
- At most `settings.SEARCH_MAX_WORDS` distinct words; the rest is dropped and
  the page says how many.
- A query holding eight or more digits (dots, spaces or dashes between them
  allowed: `123456782`, `1234.56.782`, `123 456 782`) looks like a BSN. It is
  never searched by GET, where it would sit in the address bar, the browser
  history and every access log on the way: search forms send by POST, the
  POST view looks the number up, and a GET that carries one is answered with
  a page that points to the look-up, without the number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote_plus

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

_NUMBER = re.compile(r"\d(?:[\s.\-]*\d){7,}")


MAX_QUERY_LENGTH = 100


def clean_query(text: str) -> str:
    """`text` without control characters (a NUL cannot reach PostgreSQL), at most
    MAX_QUERY_LENGTH characters, spaces collapsed."""
    printable = "".join(ch if ch.isprintable() else " " for ch in (text or "")[:MAX_QUERY_LENGTH])
    return " ".join(printable.split())


def looks_like_bsn(text: str) -> bool:
    """Whether `text` holds a number that could be a BSN (eight or more digits, with
    spaces, dots, dashes or control characters between them)."""
    spaced = "".join(ch if ch.isprintable() else " " for ch in (text or ""))
    return bool(_NUMBER.search(spaced))


@dataclass(frozen=True)
class NameQuery:
    words: tuple[str, ...]
    dropped: int  # words over the cap, not searched

    @property
    def text(self) -> str:
        return " ".join(self.words)


def max_words() -> int:
    return max(1, int(settings.SEARCH_MAX_WORDS))


def name_query(text: str) -> NameQuery:
    """The distinct words of `text` (case-insensitively), at most `max_words()` of them."""
    words: list[str] = []
    seen: set[str] = set()
    for word in clean_query(text).split():
        if word.casefold() not in seen:
            seen.add(word.casefold())
            words.append(word)
    cap = max_words()
    return NameQuery(words=tuple(words[:cap]), dropped=max(0, len(words) - cap))


def name_filter(words: Sequence[str], *fields: str) -> Q:
    """Every word in at least one of `fields` (icontains): one Q, AND-ed per word."""
    condition = Q()
    for word in words:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    return condition


def dropped_words_notice(search: NameQuery) -> str:
    """What the page says when words were left out ("" when none were)."""
    if not search.dropped:
        return ""
    return ngettext(
        "%(dropped)d word was left out: a search uses at most %(max)d words.",
        "%(dropped)d words were left out: a search uses at most %(max)d words.",
        search.dropped,
    ) % {"dropped": search.dropped, "max": max_words()}


def number_in_address_notice() -> str:
    """The answer to a GET search that carries a number (the number itself is not repeated)."""
    return _(
        "This looks like a BSN. A BSN is never searched through the page address: "
        "type it in the search box and press the button, or use the BSN look-up; "
        "the number is then sent privately."
    )


def return_path(request) -> str:
    """Where the language switch sends the person back: this page, without its query when
    the query carries a number (it must not travel to a second address)."""
    if looks_like_bsn(unquote_plus(request.META.get("QUERY_STRING", ""))):
        return request.path
    return request.get_full_path()
