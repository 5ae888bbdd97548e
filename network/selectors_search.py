"""People in the portal search: the who's-who, for active members only.

The same people as the directory (``person_directory``): a current post at an active
organisation, not anonymised. Found by name, expertise, post and organisation.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lmi_portal.core.registry import SearchGroup, SearchHit, SearchRequest
from lmi_portal.core.search import (
    SearchField,
    SearchTerms,
    plain_snippet,
    ranked_page,
    search_filter,
)
from partners.access import can_view_people
from partners.models import Organisation

from .models import Affiliation, Person
from .selectors import directory_posts, person_directory


def _post_matches(word: str) -> list[QuerySet[Any]]:
    """People with a current post whose title or organisation contains ``word``: subqueries of
    person ids (not a join, so nobody appears twice; not correlated, so each runs once)."""
    # The organisations first (a thousand names, not one per post): matching each post's
    # organisation name through the join cost three text matches per post.
    organisations = Organisation.objects.filter(
        Q(name__icontains=word) | Q(short_name__icontains=word),
        status=Organisation.Status.ACTIVE,
    )
    # Two subqueries, not one with OR: each can use its index (the trigram index on the title,
    # network 0003, and the one on the organisation).
    posts = Affiliation.objects.current().filter(organisation__status=Organisation.Status.ACTIVE)
    by_title = posts.filter(title__icontains=word)
    at_organisation = posts.filter(organisation__in=organisations.values("pk"))
    return [by_title.values("person_id"), at_organisation.values("person_id")]


# A name weighs most; a post, its organisation and the expertise a person lists weigh the
# same: "who knows about hydraulics" is answered by both.
FIELDS = (
    SearchField("first_name", "A"),
    SearchField("last_name", "A"),
    SearchField("posts", "B", ids=_post_matches),
    SearchField("expertise", "B"),
)


def person_search_hits(user: Any, request: SearchRequest) -> SearchGroup | None:
    if not can_view_people(user):
        return None
    # Names are not in the word list that typo correction draws on; leaving corrections out
    # keeps this a scan of the plain terms.
    terms = SearchTerms(terms=request.terms.terms)
    ranking, total = _ranking(user, terms, offset=request.offset, limit=request.limit)
    people = {person.pk: person for person in _people([pk for pk, _score in ranking])}
    hits = tuple(_hit(people[pk], request, score) for pk, score in ranking if pk in people)
    return SearchGroup(
        key="people", label=_("Personen"), hits=hits, total=total, uses_corrections=False
    )


def _ranking(
    user: Any, terms: SearchTerms, *, offset: int, limit: int
) -> tuple[list[tuple[int, float]], int]:
    """The keys and scores of one page of matches, and how many there are.

    Every member who may search people searches the same directory, so a ranking is kept
    for all of them for ``NETWORK_SEARCH_CACHE_SECONDS``: a common word matches thousands of
    posts, and ranking them is most of a search. The people shown are read again on every
    search (``_people``), so someone who left or was anonymised drops out at once; only a
    new match can take that long to appear.
    """
    words = "\x00".join(terms.terms)
    digest = hashlib.sha256(f"{timezone.localdate()}|{words}|{offset}|{limit}".encode())
    key = f"people-search:{digest.hexdigest()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    matches = search_filter(person_directory(user=user), terms, fields=FIELDS)
    page, total = ranked_page(
        matches.prefetch_related(None).only("pk"),
        ordering=(F("search_rank").desc(), F("last_name"), F("first_name"), F("pk")),
        offset=offset,
        limit=limit,
    )
    ranking = ([(p.pk, float(getattr(p, "search_rank", 0.0))) for p in page], total)
    cache.set(key, ranking, settings.NETWORK_SEARCH_CACHE_SECONDS)
    return ranking


def _people(ids: list[int]) -> list[Person]:
    """The people ``ids`` as the directory has them now, with their current posts: one query
    of the posts that list them in the directory (someone gone or anonymised has none)."""
    if not ids:
        return []
    posts = (
        directory_posts(ids)
        .select_related("person", "organisation")
        .only(
            "title",
            "person",
            "organisation",
            "person__first_name",
            "person__last_name",
            "person__expertise",
            "organisation__name",
            "organisation__short_name",
        )
        .order_by("organisation__name", "pk")
    )
    people: dict[int, Person] = {}
    for post in posts:
        person = people.setdefault(post.person_id, post.person)
        person.__dict__.setdefault("search_posts", []).append(post)
    return list(people.values())


def _hit(person: Person, request: SearchRequest, score: float) -> SearchHit:
    posts = getattr(person, "search_posts", [])
    meta = tuple(
        " · ".join(part for part in (post.title, post.organisation.display_name) if part)
        for post in posts[:2]
    )
    return SearchHit(
        kind=_("Persoon"),
        title=person.full_name,
        url=person.get_absolute_url(),
        snippet=(
            plain_snippet(person.expertise, request.terms)
            if request.snippets and person.expertise
            else ""
        ),
        score=score,
        meta=meta,
    )
