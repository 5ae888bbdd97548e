"""The search framework that every app's search provider uses.

A query becomes a few plain words (``parse_terms``): letters and digits only, so no operator or
quote the user types ever reaches the database's query parser. Providers start from the
queryset the access policy allows and narrow it with ``search_filter``, so results, counts and
snippets only ever come from rows the user may see.

On PostgreSQL, models with a stored search vector use full-text search with the Dutch
configuration: every term matches as a prefix (``onderhoud`` finds "onderhouden" through
stemming and "onderhoudsconcept" through the prefix), ranked with the field weights
(title A, summary B, the rest C), with highlighted snippets (``headline``). When a query finds
nothing at all, ``with_corrections`` adds the known words most like each term (pg_trgm over
``SearchWord``), so a typo such as "onderhuod" still finds "onderhoud".

On SQLite every term must occur (as a substring) in one of the provider's text fields; hits
whose title holds the terms rank first and snippets are plain excerpts around the first match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, reduce
from operator import and_, or_
from typing import Any, TypeVar, cast

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramSimilarity,
)
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    Model,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Greatest, Lower, StrIndex, Substr
from django.db.models.query import EmptyQuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import SearchWord

M = TypeVar("M", bound=Model)

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
MIN_TERM_LENGTH = 2
# PostgreSQL text search configuration: Dutch stemming and stop words.
CONFIG = "dutch"
# Field weights for SearchRank, in PostgreSQL's order D, C, B, A.
RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]
# Typo correction: at most this many similar words per term, at least this similar (pg_trgm).
CORRECTIONS_PER_TERM = 4
CORRECTION_MIN_LENGTH = 4
# Words kept for typo correction.
WORD_MIN_LENGTH = 3
WORD_MAX_LENGTH = 40

# Highlight markers for ts_headline: characters from Unicode's private use area, which no text
# in the portal carries (``strip_markers`` removes them from indexed text). The headline is
# HTML-escaped as a whole and only then are the markers turned into <mark>.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_STOP}", re.S)

# Letters and digits; everything else (operators, quotes, colons, underscores) separates words.
_WORD = re.compile(r"[^\W_]+")


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def parse_terms(text: str) -> tuple[str, ...]:
    """The distinct lowercase words of ``text`` that the search uses, in order, bounded."""
    terms: list[str] = []
    for word in _WORD.findall(text[:MAX_QUERY_LENGTH].lower()):
        word = word[:MAX_TERM_LENGTH]
        if len(word) >= MIN_TERM_LENGTH and word not in terms:
            terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return tuple(terms)


@dataclass(frozen=True)
class SearchTerms:
    """The parsed query: its terms and, per term, the similar words it may also match."""

    terms: tuple[str, ...]
    corrections: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def parse(cls, text: str) -> SearchTerms:
        return cls(terms=parse_terms(text))

    def __bool__(self) -> bool:
        return bool(self.terms)

    @cached_property
    def unknown(self) -> bool:
        """Whether a term begins no known word (PostgreSQL, before corrections): most likely
        a typo, so full-text search first asks whether anything matches at all
        (``search_filter``). Only a hint: a word can match without being in the word list
        (another form of a known word), and that look finds it. Asked once per search, by
        the first type that needs it.
        """
        if self.corrections or not is_postgresql():
            return False
        # One round trip for all terms; each test is a range scan of the word's pattern index.
        # The terms are letters and digits only (``parse_terms``): nothing to escape in LIKE.
        table = connection.ops.quote_name(SearchWord._meta.db_table)
        test = f"EXISTS (SELECT 1 FROM {table} WHERE word LIKE %s)"  # noqa: S608 (a constant)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join([test] * len(self.terms)),
                [f"{term}%" for term in self.terms],
            )
            known = cursor.fetchone()
        return not all(known)

    @property
    def corrected(self) -> bool:
        return any(self.corrections)

    def alternatives(self) -> list[tuple[str, ...]]:
        """Per term, the words that satisfy it: the term itself and its corrections."""
        extra = list(self.corrections[: len(self.terms)])
        extra += [()] * (len(self.terms) - len(extra))
        return [
            (term, *(w for w in more if w != term))
            for term, more in zip(self.terms, extra, strict=True)
        ]

    def words(self) -> list[str]:
        return [word for words in self.alternatives() for word in words]

    def raw_tsquery(self) -> str:
        """A prefix match per word, ANDed per term; built from sanitised words only."""
        return " & ".join(
            "(" + " | ".join(f"{word}:*" for word in words) + ")" for words in self.alternatives()
        )

    def tsquery(self) -> SearchQuery:
        return SearchQuery(self.raw_tsquery(), config=CONFIG, search_type="raw")


def with_corrections(terms: SearchTerms) -> SearchTerms:
    """``terms`` with the known words most similar to each term (PostgreSQL only).

    Used when the plain query found nothing the user may see. The word list also holds words
    of items the user may not see: a correction only widens the query, which the access policy
    still filters, and no correction is ever shown except as a highlight in a visible result.
    """
    if not is_postgresql() or not terms:
        return terms
    corrections: list[tuple[str, ...]] = []
    for term in terms.terms:
        if len(term) < CORRECTION_MIN_LENGTH or not term.isalpha():
            corrections.append(())
            continue
        similar = (
            SearchWord.objects.filter(word__trigram_similar=term)
            .annotate(similarity=TrigramSimilarity("word", term))
            .order_by("-similarity", "word")
            .values_list("word", flat=True)[:CORRECTIONS_PER_TERM]
        )
        corrections.append(tuple(w for w in similar if w != term))
    return SearchTerms(terms=terms.terms, corrections=tuple(corrections))


# --- Filtering and ranking ---------------------------------------------------------------------


@dataclass(frozen=True)
class SearchField:
    """A field a provider searches, with its weight: "A" (title) down to "D". ``ids`` gives,
    for one word, the keys of the rows it matches through related rows, when a plain
    ``icontains`` on ``lookup`` will not do: one or more ``values()`` querysets of a single
    column (subqueries, which never repeat a row the way a join would)."""

    lookup: str
    weight: str = "C"
    ids: Callable[[str], Sequence[QuerySet[Any]]] | None = None

    def id_sets(self, word: str) -> list[QuerySet[Any]]:
        return [] if self.ids is None else [ids.order_by() for ids in self.ids(word)]

    def condition(self, word: str) -> Q:
        if self.ids is not None:
            return _in_any("pk", self.id_sets(word))
        return Q(**{f"{self.lookup}__icontains": word})


def _in_any(lookup: str, id_sets: Sequence[QuerySet[Any]]) -> Q:
    """``lookup`` is in one of ``id_sets``: one ``IN (… UNION …)``, so the database sees a
    single set of keys (and estimates its size) instead of an OR of subqueries."""
    first, *rest = id_sets
    return Q(**{f"{lookup}__in": first.union(*rest) if rest else first})


# A common word ("onderhoud") matches most of a maintenance portal, and ranking every match
# reads every search vector: 150 ms for 43,000 of the 50,000 knowledge items of the scale data
# set. Full-text search (PostgreSQL) therefore ranks the most recently changed matches only,
# this many per type, and the page says there are more (``is_capped``): adding a word narrows
# the search. A rarer word is found among all items, as before. Finding the candidates means
# testing the vectors of the most recent items until enough match, some 2 µs each: for words
# in a quarter of the items, 500 candidates read about 2,000 vectors (8 ms), 200 read 800.
RANK_CANDIDATES = 200


def is_capped(total: int) -> bool:
    """Whether a full-text ``total`` stopped at ``RANK_CANDIDATES`` (there may be more)."""
    return is_postgresql() and total >= RANK_CANDIDATES


_SUBSTRING_SCORE = {"A": 4.0, "B": 2.0, "C": 1.0, "D": 0.5}


def search_filter(
    queryset: QuerySet[M],
    terms: SearchTerms,
    *,
    fields: Sequence[SearchField],
    vector: str | None = None,
) -> QuerySet[M]:
    """``queryset`` narrowed to the rows matching every term, annotated with ``search_rank``.

    With ``vector`` (a search vector kept in step with the fields) PostgreSQL uses full-text
    search; otherwise, and always on SQLite, each term (or one of its corrections) must occur
    in one of ``fields``. The caller orders by ``search_rank`` (after any adjustments).
    """
    if not terms:
        return queryset.none()
    if vector is not None and is_postgresql():
        query = terms.tsquery()
        # Nothing matches at all: no need to ask what the user may see of it. (A count, not
        # exists(): with LIMIT 1, PostgreSQL expects an early match and reads the whole table.)
        if terms.unknown and not queryset.model._default_manager.filter(**{vector: query}).count():
            none = queryset.none().annotate(search_rank=Value(0.0, output_field=FloatField()))
            return cast("QuerySet[M]", none)
        # Only the RANK_CANDIDATES most recently changed matches are ranked: see there. The
        # candidates come from ``queryset``, so the access policy has already chosen them; the
        # outer query only looks them up by key (with the filters repeated there, PostgreSQL
        # would scan the whole table again to join them).
        candidates = (
            queryset.filter(**{vector: query})
            .order_by("-updated_at", "-pk")
            .values("pk")[:RANK_CANDIDATES]
        )
        ranked = queryset.model._default_manager.filter(pk__in=candidates).annotate(
            search_rank=SearchRank(F(vector), query, weights=RANK_WEIGHTS, normalization=1)
        )
        return cast("QuerySet[M]", ranked)
    return substring_filter(queryset, terms, fields=fields)


def substring_filter(
    queryset: QuerySet[M], terms: SearchTerms, *, fields: Sequence[SearchField]
) -> QuerySet[M]:
    """Every term (or a correction of it) occurs in one of ``fields``; a term found in a
    heavier field scores more."""
    matches = []
    scores: list[Any] = []
    model = queryset.model
    for words in terms.alternatives():
        # Each field's condition for the term, built once: the related rows' key sets are
        # subqueries, and building them is most of the cost of a query in Python.
        per_field: list[tuple[SearchField, Q]] = []
        id_sets: list[QuerySet[Any]] = []
        for text_field in fields:
            if text_field.ids is None:
                per_field.append(
                    (text_field, reduce(or_, (text_field.condition(w) for w in words)))
                )
            else:
                sets = [ids for w in words for ids in text_field.id_sets(w)]
                per_field.append((text_field, _in_any("pk", sets)))
                id_sets.extend(sets)
        plain = [q for text_field, q in per_field if text_field.ids is None]
        if not id_sets:
            # Only the row's own columns: a plain condition.
            matches.append(reduce(or_, plain))
        else:
            # With keys found through related rows, the plain columns match together in one
            # subquery of the table itself, so PostgreSQL can combine their trigram indexes
            # (network 0003) instead of reading every row, and the keys join them in a union.
            if plain:
                own = model._default_manager.order_by().filter(reduce(or_, plain)).values("pk")
                id_sets.insert(0, own)
            matches.append(_in_any("pk", id_sets))
        scores.append(_substring_score(per_field))
    total = reduce(lambda a, b: a + b, scores)
    return cast("QuerySet[M]", queryset.filter(reduce(and_, matches)).annotate(search_rank=total))


def _substring_score(per_field: Sequence[tuple[SearchField, Q]]) -> Case:
    """The weight of the first field (in ``fields`` order) that matches a term.

    Every row scored has matched the term in some field, so once the fields left all weigh
    the same, one of them matched and none needs testing: people's posts (a subquery, the
    costliest condition) weigh as much as the expertise after them and are never tested.
    """
    whens: list[When] = []
    default = 0.0
    for i, (text_field, q) in enumerate(per_field):
        weight = _SUBSTRING_SCORE.get(text_field.weight, 1.0)
        if {_SUBSTRING_SCORE.get(f.weight, 1.0) for f, _q in per_field[i:]} == {weight}:
            default = weight
            break
        whens.append(When(q, then=Value(weight)))
    return Case(*whens, default=Value(default), output_field=FloatField())


def ranked_page(
    matches: QuerySet[M], *, ordering: Sequence[Any], offset: int, limit: int
) -> tuple[list[M], int]:
    """One page of ``matches`` in ``ordering``, and how many matches there are in all.

    The count rides along as a window function, so a page costs one query, not two (the
    database has to look at every match anyway to rank them). ``limit`` 0 asks for the count
    only.
    """
    if isinstance(matches, EmptyQuerySet):
        # Nothing can match (``search_filter`` found no row at all): Django would still
        # compile the whole ranked query, headlines and all, before finding that out.
        return [], 0
    if limit <= 0:
        return [], matches.count()
    rows = list(
        matches.annotate(search_total=Window(Count("pk"))).order_by(*ordering)[
            offset : offset + limit
        ]
    )
    if rows:
        return rows, int(getattr(rows[0], "search_total", len(rows)))
    return [], matches.count() if offset else 0


def rank_factor(condition: Q, factor: float) -> Case:
    """A multiplier for ``search_rank``: ``factor`` where ``condition`` holds, else 1."""
    return Case(When(condition, then=Value(factor)), default=Value(1.0), output_field=FloatField())


# --- Snippets ------------------------------------------------------------------------------------


def strip_markers(text: str) -> str:
    """``text`` without the highlight markers, for everything that goes into an index."""
    return text.replace(MARK_START, "").replace(MARK_STOP, "")


def marked_html(text: str) -> SafeString:
    """Safe HTML for a headline with markers: everything escaped, marked words in <mark>."""
    parts: list[str] = []
    position = 0
    for match in _MARKED.finditer(text):
        parts.append(escape(strip_markers(text[position : match.start()])))
        parts.append(f"<mark>{escape(strip_markers(match.group(1)))}</mark>")
        position = match.end()
    parts.append(escape(strip_markers(text[position:])))
    return mark_safe("".join(parts))  # noqa: S308  (every piece is escaped above)


# ts_headline's options as Django renders them, per set of options (see ``_Headline``).
_HEADLINE_OPTIONS: dict[tuple[tuple[str, Any], ...], str] = {}


class _Headline(SearchHeadline):
    """``SearchHeadline`` with its options rendered once per set of options.

    Django renders the options (``StartSel=…, MaxWords=…``) on every compile, each through a
    fresh psycopg cursor, for a text that never changes. The options stay one parameter of the
    query, as in Django.
    """

    def as_sql(  # type: ignore[override]
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        options: dict[str, Any] = getattr(self, "options", {})
        if not options or extra_context:
            sql, params = super().as_sql(compiler, connection, function, template)
            return sql, list(params)
        key = tuple(options.items())
        rendered = _HEADLINE_OPTIONS.get(key)
        if rendered is None:
            rendered = ", ".join(
                connection.ops.compose_sql(f"{option}=%s", [value])
                for option, value in options.items()
            )
            _HEADLINE_OPTIONS[key] = rendered
        sql, params = Func.as_sql(
            self, compiler, connection, function=function, template=template, options=", %s"
        )
        return sql, [*params, rendered]


def headline(expression: Combinable | str, terms: SearchTerms) -> SearchHeadline:
    """A highlighted snippet of ``expression`` (PostgreSQL), to annotate a ranked page with
    (``marked_html`` turns it into HTML).

    ts_headline reads the whole text, so it must only run for the hits shown: PostgreSQL
    computes such a costly column after the sort and the limit, for the page's rows alone
    (``tests/core/test_search.py`` checks the plan).
    """
    source: Any = F(expression) if isinstance(expression, str) else expression
    return _Headline(
        source,
        terms.tsquery(),
        config=CONFIG,
        start_sel=MARK_START,
        stop_sel=MARK_STOP,
        max_words=20,
        min_words=10,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def plain_snippet(text: str, terms: SearchTerms, *, width: int = 200) -> SafeString:
    """An excerpt of ``text`` around the first match of any term (or correction), with every
    match in <mark>; the whole excerpt is escaped. Without a match, the start of the text."""
    text = " ".join(strip_markers(text).split())
    if not text:
        return mark_safe("")
    words = sorted(set(terms.words()), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.I) if words else None
    first = pattern.search(text) if pattern else None
    start = 0
    if first is not None and first.start() > width // 3:
        start = text.rfind(" ", 0, first.start() - width // 3) + 1
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    excerpt = text[start:end]
    if pattern is not None:
        excerpt = pattern.sub(lambda m: f"{MARK_START}{m.group(0)}{MARK_STOP}", excerpt)
    html = marked_html(excerpt)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(f"{prefix}{html}{suffix}")  # noqa: S308  (escaped by marked_html)


def excerpt_source(
    expression: Combinable | str, terms: SearchTerms, *, before: int = 150, length: int = 600
) -> Substr:
    """The part of a (long) text around the first occurrence of the first term, computed by
    the database, so that ``plain_snippet`` never needs the whole text."""
    source: Any = F(expression) if isinstance(expression, str) else expression
    if not terms:
        return Substr(source, 1, length)
    position = StrIndex(Lower(source), Value(terms.terms[0]))
    return Substr(source, Greatest(position - before, Value(1)), length)


def marked_words(snippets: Iterable[str]) -> list[str]:
    """The distinct highlighted words in snippets (as the user sees them), lowercased."""
    seen: list[str] = []
    for snippet in snippets:
        for word in re.findall(r"<mark>(.*?)</mark>", snippet, re.S):
            word = word.strip().lower()
            if word and word not in seen:
                seen.append(word)
    return seen


# --- The word list for typo correction ----------------------------------------------------------


def words_in(texts: Iterable[str]) -> set[str]:
    """The words of ``texts`` worth keeping for typo correction: letters only, 3 to 40 long."""
    words: set[str] = set()
    for text in texts:
        for word in _WORD.findall((text or "").lower()):
            if WORD_MIN_LENGTH <= len(word) <= WORD_MAX_LENGTH and word.isalpha():
                words.add(word)
    return words


def search_words_register(texts: Iterable[str]) -> int:
    """Add the words of ``texts`` to the word list (existing words are left alone).

    Returns how many distinct words were offered.
    """
    words = sorted(words_in(texts))
    if words:
        SearchWord.objects.bulk_create(
            [SearchWord(word=w) for w in words], ignore_conflicts=True, batch_size=1000
        )
    return len(words)
