"""Small registries through which domain apps plug into core without core importing them.

Apps register in ``AppConfig.ready()``; core iterates the registered providers. Digest
providers return sections for one user's digest, search providers return one group of hits
for one user's query (see lmi_portal.core.search), demo seeders fill the demo and scale data
sets in dependency order. Organisation section providers add a block to an organisation's
profile page for one viewer (e.g. the initiatives it takes part in), so partners can show them
without importing later apps; person section providers do the same for a person's page in
network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from .search import SearchTerms

F = TypeVar("F", bound=Callable[..., Any])


class DigestPart:
    """The parts of a digest, in the order the email shows them."""

    ACTIONS = "actions"  # "Acties voor jou": what needs this user
    NEW = "new"  # "Nieuw en gewijzigd" in the user's topics
    SUCCESSES = "successes"
    NETWORK = "network"  # short network news

    ORDER = (ACTIONS, NEW, SUCCESSES, NETWORK)


@dataclass(frozen=True)
class DigestLine:
    """One line of a digest. ``meta`` is a short fact ("te laat", an organisation);
    ``sort`` orders lines within a part (smaller first, e.g. overdue before due)."""

    part: str
    text: str
    url: str = ""
    meta: str = ""
    sort: int = 100


@dataclass(frozen=True)
class DigestBatch:
    """What a digest provider gets: a batch of recipients (all with one language, which is
    active while the provider runs), the period, the access policy for exactly these users
    (``partners.access.BatchAccess``) and each user's follows by model label, e.g.
    ``follows[user_id]["core.theme"]`` is a set of theme ids. A provider answers in a fixed
    number of queries, whatever the number of users."""

    users: tuple[Any, ...]
    since: datetime
    until: datetime
    access: Any
    follows: Mapping[int, Mapping[str, frozenset[int]]]

    def followed(self, user: Any, label: str) -> frozenset[int]:
        return self.follows.get(user.pk, {}).get(label, frozenset())


@dataclass(frozen=True)
class SearchHit:
    """One result. ``snippet`` is safe HTML (escaped text with <mark>), built by
    ``lmi_portal.core.search``; ``meta`` are short plain facts (organisation, kind, status)."""

    kind: str
    title: str
    url: str
    snippet: str = ""
    score: float = 0.0
    meta: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchRequest:
    """One provider call: the parsed terms, which slice of the ranked hits (``limit`` 0 asks
    for the count only) and the results page's options (e.g. a knowledge kind), which each
    provider validates itself."""

    terms: SearchTerms
    limit: int = 5
    offset: int = 0
    options: Mapping[str, str] = field(default_factory=dict)
    # The live results in the header show no snippets; they need not be computed.
    snippets: bool = True

    def option(self, name: str) -> str:
        return self.options.get(name, "")


@dataclass(frozen=True)
class SearchFilter:
    """A filter a provider offers on the results page: a select, or a checkbox ("check")."""

    name: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    value: str = ""
    widget: str = "select"


@dataclass(frozen=True)
class SearchGroup:
    """One type of result for one user: the hits of the requested slice and how many there
    are in all, both from the same access-filtered query."""

    key: str
    label: str
    hits: tuple[SearchHit, ...]
    total: int
    filters: tuple[SearchFilter, ...] = ()
    # True when ``total`` is the cap of full-text search (``core.search.RANK_CANDIDATES``):
    # there are at least this many, and the hits are the best of the most recent ones.
    capped: bool = False
    # False when the provider searches the typed words only (never their typo corrections):
    # a retry with corrections then keeps this group as it is instead of asking again.
    uses_corrections: bool = True

    @property
    def total_label(self) -> str:
        return f"{self.total}+" if self.capped else str(self.total)


@dataclass(frozen=True)
class SectionLink:
    text: str
    url: str
    meta: str = ""


@dataclass(frozen=True)
class OrganisationSection:
    """A block on an organisation's profile page; the provider filters by the viewer's access."""

    title: str
    links: tuple[SectionLink, ...]
    empty_text: str = ""


@dataclass(frozen=True)
class PersonSection:
    """A block on a person's page; the provider filters by the viewer's access."""

    title: str
    links: tuple[SectionLink, ...]
    empty_text: str = ""


class Registry(Generic[F]):
    """An ordered set of named providers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._providers: dict[str, tuple[int, F]] = {}

    def register(self, key: str, provider: F, *, order: int = 100) -> None:
        if key in self._providers and self._providers[key][1] is not provider:
            raise ValueError(f"{self.name}: provider {key!r} is already registered")
        self._providers[key] = (order, provider)

    def unregister(self, key: str) -> None:
        self._providers.pop(key, None)

    def items(self) -> Iterator[tuple[str, F]]:
        for key, (_order, provider) in sorted(self._providers.items(), key=lambda kv: kv[1][0]):
            yield key, provider

    def __contains__(self, key: object) -> bool:
        return key in self._providers

    def __len__(self) -> int:
        return len(self._providers)


# (batch) -> {user id: lines}; users without lines may be left out.
DigestProvider = Callable[[DigestBatch], Mapping[int, Iterable[DigestLine]]]
# (user, request) -> the user's hits of one type, or None when the user may not search it.
SearchProvider = Callable[[Any, SearchRequest], SearchGroup | None]
Seeder = Callable[[dict[str, Any]], None]
# (viewer, organisation) -> a section, or None to show nothing.
OrganisationSectionProvider = Callable[[Any, Any], OrganisationSection | None]

digest_providers: Registry[DigestProvider] = Registry("digest")
# Set by partners: who receives digests (a queryset of users), and the access policy for a
# batch of them (users -> an object with ``can_view``, ``visible``, ``prepare``).
DigestRecipients = Callable[[], Any]
digest_recipients: Registry[DigestRecipients] = Registry("digest_recipients")
DigestAccessFactory = Callable[[Iterable[Any]], Any]
digest_access: Registry[DigestAccessFactory] = Registry("digest_access")
search_providers: Registry[SearchProvider] = Registry("search")
demo_seeders: Registry[Seeder] = Registry("demo")
scale_seeders: Registry[Seeder] = Registry("scale")
organisation_sections: Registry[OrganisationSectionProvider] = Registry("organisation_sections")
# (viewer, network.Person) -> a section, or None to show nothing.
PersonSectionProvider = Callable[[Any, Any], PersonSection | None]
person_sections: Registry[PersonSectionProvider] = Registry("person_sections")


# Called with a membership (partners.Membership) whenever one starts, changes or ends, inside
# the transaction that changed it; network keeps people's affiliations in step this way.
MembershipListener = Callable[[Any], None]
membership_listeners: Registry[MembershipListener] = Registry("membership")


# () -> groups of people who work together, each as (source label, user ids), e.g.
# ("initiative:12", [3, 8]); network links every pair in a group with a derived tie.
CollaborationGroupProvider = Callable[[], Iterable[tuple[str, list[int]]]]
collaboration_groups: Registry[CollaborationGroupProvider] = Registry("collaboration_groups")


# Handovers: called as ``mover(departing_person, successor_person, dry_run=...)`` and return
# what they moved (or, with dry_run=True, would move) as {kind: count}, e.g.
# {"initiative_leads": 2}. With dry_run=False they run inside the handover's transaction; a
# mover that cannot move everything raises (ValidationError) so that nothing moves at all.
# With dry_run=True the successor may be None (the preview before one is chosen).
HandoverMover = Callable[..., dict[str, int]]
handover_movers: Registry[HandoverMover] = Registry("handover_movers")


@dataclass(frozen=True)
class InitiativeSection:
    """A block on an initiative's page from a later app (e.g. related knowledge items)."""

    title: str
    links: tuple[SectionLink, ...]
    empty_text: str = ""


# (viewer, initiatives.Initiative) -> a section, or None; the provider filters by the viewer's
# access. Lets knowledge show related items on an initiative without initiatives importing it.
InitiativeSectionProvider = Callable[[Any, Any], InitiativeSection | None]
initiative_sections: Registry[InitiativeSectionProvider] = Registry("initiative_sections")


# Called with (initiative, actor) inside the transaction that closes an initiative as Geborgd;
# knowledge turns its lessons into lesson-learned items this way.
InitiativeClosedListener = Callable[[Any, Any], None]
initiative_closed_listeners: Registry[InitiativeClosedListener] = Registry(
    "initiative_closed_listeners"
)


@dataclass(frozen=True)
class WerkgroepLine:
    """One change in the weekly werkgroep view. ``agenda_key`` (e.g. "knowledge:12") lets the
    programme manager put it on the agenda with one click; empty when that makes no sense."""

    text: str
    url: str = ""
    meta: str = ""
    agenda_key: str = ""


@dataclass(frozen=True)
class WerkgroepSection:
    """A block of the weekly view ("Sinds vorige werkgroep"); ``total`` may exceed the lines
    shown (every section is a bounded query)."""

    key: str
    title: str
    lines: tuple[WerkgroepLine, ...]
    total: int
    empty_text: str = ""


# (viewer, since: datetime, limit: int) -> a section, or None; the provider filters by the
# viewer's access. Lets knowledge add "new knowledge items and lessons" to the weekly view
# without initiatives importing it.
WerkgroepSectionProvider = Callable[[Any, datetime, int], WerkgroepSection | None]
werkgroep_sections: Registry[WerkgroepSectionProvider] = Registry("werkgroep_sections")


# Called with an email address that bounced permanently (the mail server refused it, or a
# bounce report arrived); network marks the people with that address as bouncing this way.
# Returns how many records it marked.
EmailBounceListener = Callable[[str], int]
email_bounce_listeners: Registry[EmailBounceListener] = Registry("email_bounce_listeners")


# () -> a queryset of the accounts whose address is currently marked as bouncing, as rows with
# ``user_id`` and ``bounced_at``; the admins' delivery log (partners) uses it as a subquery, so
# it shows bouncing addresses without importing network.
BouncingAccounts = Callable[[], Any]
bouncing_accounts: Registry[BouncingAccounts] = Registry("bouncing_accounts")
