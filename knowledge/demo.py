"""Demo and scale data for the knowledge hub. Every person here is fictional.

The demo library holds what LMI participants bring and fetch: a Boxer maintenance concept as a
PDF and a Fennek field-maintenance instruction as a Word file (two versions each, so the
history and the older download show), lessons learned at every stage (two of them from the
Scania spare-parts pool that was closed as a success), best practices, experiences with the new
performance-based contract, the report of the materieellogistiek diner and a link. Most items
are GREEN; a few are AMBER for a named audience, one is RED and one CLEAR; one is a draft, one
archived and one overdue for review, owned by Sanne so that her review list is not empty.

Items are written directly (like the initiatives demo) with their dates backdated; files go
through the real upload service so they are stored privately like any upload, and their text is
extracted at once so search finds file contents without a worker. Idempotent: an item is filled
the first time it is seen and left alone afterwards.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from initiatives.models import Initiative
from lmi_portal.core.markdown import render_markdown
from lmi_portal.core.models import Activity, System, Theme
from lmi_portal.core.search import search_words_register
from lmi_portal.core.vocabularies import vocabularies_ensure
from partners.models import TLP, Membership, Organisation, SharingGroup, User

from . import demo_files
from .models import DocumentVersion, KnowledgeItem
from .services.documents import document_version_add
from .services.lessons import lessons_from_closed_initiative
from .services.search_index import knowledge_item_reindex, knowledge_search_text
from .storage import store_chunks
from .tasks import knowledge_extract_text

Kind = KnowledgeItem.Kind
Stage = KnowledgeItem.LessonStage
Status = KnowledgeItem.Status

PM = "pm@lmi.example"
SANNE = "sanne.bakker@ddvs.example"
JORIS = "joris.visser@ddvs.example"
LOTTE = "lotte.smit@rmmv.example"
DAAN = "daan.mulder@rmmv.example"
RUBEN = "ruben.meijer@13lbrig.example"
EVA = "eva.dijkstra@dgs.example"
TOM = "tom.hendriks@bp3d.example"

# The initiative whose closing as Geborgd turned its lessons into knowledge items.
CLOSED_INITIATIVE = "Reservedelenpool Scania Gryphus"


@dataclass(frozen=True)
class File:
    """One version of a demo document, uploaded ``days`` ago."""

    name: str
    paragraphs: tuple[str, ...]
    days: int
    by: str
    note: str = ""

    @property
    def content(self) -> bytes:
        title = self.paragraphs[0]
        if self.name.endswith(".pdf"):
            return demo_files.pdf_bytes(title, self.paragraphs[1:])
        return demo_files.docx_bytes(title, self.paragraphs[1:])

    @property
    def content_type(self) -> str:
        if self.name.endswith(".pdf"):
            return demo_files.PDF_CONTENT_TYPE
        return demo_files.DOCX_CONTENT_TYPE


@dataclass(frozen=True)
class Demo:
    title: str
    kind: str
    owner_org: str
    owner: str
    summary: str
    body: str = ""
    tlp: str = TLP.GREEN
    status: str = Status.PUBLISHED
    stage: str = ""
    url: str = ""
    themes: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()
    initiatives: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    export_controlled: bool = False
    created: int = 30  # days ago
    updated: int | None = None  # days ago; by default the last file or the creation
    attested: int | None = None  # days ago
    # Days from today (negative: overdue); by default a year after the last change.
    review: int | None = None
    files: tuple[File, ...] = field(default=())


BOXER_V1 = (
    "Onderhoudsconcept Boxer: aandrijflijn en eindaandrijvingen",
    "Dit onderhoudsconcept beschrijft hoe Defensie en Dutch Defence Vehicle Systems de "
    "aandrijflijn van de Boxer onderhouden: wat preventief gebeurt, wat op basis van de toestand "
    "en wie welke werkzaamheden uitvoert.",
    "Preventief onderhoud: olie van motor en versnellingsbak verversen volgens het "
    "onderhoudsschema, de eindaandrijvingen elke 5.000 kilometer inspecteren op lekkage en "
    "speling, de kabelbomen controleren bij elke grote beurt.",
    "Onderhoud op toestand: oliemonsters uit de eindaandrijvingen laten analyseren; bij "
    "metaaldeeltjes boven de grenswaarde wordt het voertuig binnengeroepen.",
    "Rolverdeling: de herstelpelotons doen het eerstelijns onderhoud in het veld, de werkplaats "
    "van DGS het tweedelijns onderhoud, DDVS levert onderdelen, technische ondersteuning en "
    "opleiding.",
)
BOXER_V2 = (
    *BOXER_V1,
    "Nieuw in deze versie: drempelwaarden uit de pilot voorspellend onderhoud. Een oplopende "
    "lagertemperatuur van meer dan 15 graden boven het vlootgemiddelde, of een verschuiving in "
    "het trillingsspectrum van de eindaandrijving, is aanleiding om het voertuig binnen twee "
    "weken te laten onderhouden.",
    "De pilot bij 13 Lichte Brigade liet zien dat de helft van de storingen in de "
    "eindaandrijving zich weken vooraf aankondigde. Met deze drempelwaarden plant de werkplaats "
    "het onderhoud in de oefenplanning in plaats van erdoorheen.",
)
FENNEK_V1 = (
    "Werkinstructie onderhoud Fennek in het veld",
    "Deze werkinstructie is bedoeld voor monteurs van de herstelpelotons die de Fennek tijdens "
    "oefeningen onderhouden, zonder werkplaats in de buurt.",
    "- Dagelijks: bandenspanning, oliepeil en koelvloeistof controleren.",
    "- Na elke rit door zand of stof: luchtfilter uitkloppen en de voorfilter reinigen.",
    "- Wekelijks: scharnieren en sloten van de luiken smeren, accupolen controleren.",
    "Meld afwijkingen direct aan de werkplaats, met een foto en de kilometerstand.",
)
FENNEK_V2 = (
    *FENNEK_V1,
    "Aanvulling na de oefening in de Lüneburger Heide: neem een reservevoorfilter per voertuig "
    "mee. Bij langdurig rijden in stof bleek eenmaal per dag reinigen niet genoeg; vervang de "
    "voorfilter dan na elke rit.",
)
BOXER_RED = (
    "Storingsanalyse eindaandrijving Boxer",
    "Vertrouwelijke analyse van twaalf storingen in de eindaandrijving van de Boxer in het "
    "afgelopen jaar, met de vermoedelijke oorzaken per serienummer.",
    "Bij acht van de twaalf storingen bleek een afdichtring van één leverancier de oorzaak. "
    "DDVS bespreekt een vervangingsprogramma met de fabrikant; tot die tijd geldt een verkorte "
    "inspectietermijn.",
)

DEMO_ITEMS: tuple[Demo, ...] = (
    Demo(
        title="Onderhoudsconcept Boxer: aandrijflijn en eindaandrijvingen",
        kind=Kind.DOCUMENT,
        owner_org="ddvs",
        owner=SANNE,
        summary="Hoe Defensie en DDVS de aandrijflijn van de Boxer onderhouden: preventief, op "
        "toestand en met drempelwaarden uit de pilot voorspellend onderhoud.",
        body="Het onderhoudsconcept is de basis voor de afspraken tussen de herstelpelotons, de "
        "werkplaats van DGS en DDVS. **Versie 2** voegt de drempelwaarden uit de pilot toe.\n\n"
        "Vragen en aanvullingen graag via Sanne Bakker.",
        themes=("slim-voorspellend-onderhoud", "life-cycle-support"),
        systems=("boxer",),
        initiatives=("Voorspellend onderhoud Boxer met sensordata",),
        created=210,
        files=(
            File("onderhoudsconcept-boxer-aandrijflijn.pdf", BOXER_V1, 210, SANNE, "Eerste versie"),
            File(
                "onderhoudsconcept-boxer-aandrijflijn-v2.pdf",
                BOXER_V2,
                35,
                SANNE,
                "Drempelwaarden uit de pilot toegevoegd",
            ),
        ),
    ),
    Demo(
        title="Werkinstructie onderhoud Fennek in het veld",
        kind=Kind.DOCUMENT,
        owner_org="dgs",
        owner=EVA,
        summary="Dagelijks en wekelijks onderhoud van de Fennek tijdens oefeningen, voor monteurs "
        "van de herstelpelotons.",
        body="Een korte werkinstructie die in elk voertuig past. Aangevuld met de ervaringen uit "
        "de laatste oefening in stoffig terrein.",
        themes=("veldonderhoud", "opleiding-training"),
        systems=("fennek",),
        created=300,
        files=(
            File("werkinstructie-fennek-veld.docx", FENNEK_V1, 300, EVA, "Eerste versie"),
            File(
                "werkinstructie-fennek-veld.docx",
                FENNEK_V2,
                25,
                EVA,
                "Aanvulling na de oefening: reservevoorfilter",
            ),
        ),
    ),
    Demo(
        title="Storingsanalyse eindaandrijving Boxer (vertrouwelijk)",
        kind=Kind.DOCUMENT,
        owner_org="ddvs",
        owner=SANNE,
        summary="Analyse van twaalf storingen in de eindaandrijving; alleen voor genoemde "
        "personen.",
        tlp=TLP.RED,
        people=(SANNE, PM),
        export_controlled=True,
        themes=("slim-voorspellend-onderhoud",),
        systems=("boxer",),
        created=50,
        files=(File("storingsanalyse-eindaandrijving.pdf", BOXER_RED, 50, SANNE),),
    ),
    Demo(
        title="Luchtfilters Bushmaster raken sneller verstopt op zandige oefenterreinen",
        kind=Kind.LESSON,
        owner_org="13lbrig",
        owner=RUBEN,
        stage=Stage.OBSERVATION,
        summary="Tijdens de laatste oefening moesten drie Bushmasters halverwege stoppen met een "
        "verstopt luchtfilter.",
        body="Waarneming van het herstelpeloton: op zandige terreinen raakt het luchtfilter van de "
        "Bushmaster na twee dagen verstopt, waar het onderhoudsschema uitgaat van een week.\n\n"
        "Nog uit te zoeken: ligt het aan het terrein, aan het filtertype of aan het rijgedrag?",
        themes=("veldonderhoud",),
        systems=("bushmaster",),
        initiatives=("Mobiele veldwerkplaats Bushmaster",),
        created=12,
    ),
    Demo(
        title="Onderdelen Leopard 2A8 pas bestellen na de oefenplanning is te laat",
        kind=Kind.LESSON,
        owner_org="dgs",
        owner=EVA,
        stage=Stage.IDENTIFIED,
        summary="De levertijd van slijtdelen is langer dan de tijd tussen de oefenplanning en de "
        "oefening.",
        body="Les: bestel slijtdelen voor de Leopard 2A8 op basis van het verwachte gebruik over "
        "een half jaar, niet pas als de oefenplanning rond is. De levertijd van rupsbandschakels "
        "is nu veertien weken.",
        themes=("supply-chain-reservedelen",),
        systems=("leopard-2a8",),
        created=60,
        updated=20,
    ),
    Demo(
        title="Loopwerk PzH 2000: inspectie na elke schietserie",
        kind=Kind.LESSON,
        owner_org="lmi",
        owner=PM,
        stage=Stage.ACTION,
        summary="Schade aan het loopwerk werd pas bij de kwartaalinspectie gevonden; de actie is "
        "een korte inspectie na elke schietserie.",
        body="**Actie:** de artilleriebatterijen voeren na elke schietserie een korte inspectie van "
        "het loopwerk uit, met een checklist van tien punten. DGS evalueert na drie maanden of "
        "het aantal grote reparaties daalt.",
        themes=("veldonderhoud", "life-cycle-support"),
        systems=("pzh-2000",),
        created=90,
        updated=15,
    ),
    Demo(
        title="Onderdelenkits per onderhoudsbeurt voor de CV90",
        kind=Kind.BEST_PRACTICE,
        owner_org="ddvs",
        owner=JORIS,
        summary="Alle onderdelen voor een onderhoudsbeurt in één kit, klaargezet voordat het "
        "voertuig binnenkomt.",
        body="Door per onderhoudsbeurt een kit samen te stellen staat een CV90 gemiddeld een dag "
        "korter in de werkplaats. Werkwijze:\n\n"
        "1. De planner zet een week vooraf de kit klaar.\n"
        "2. Ontbrekende onderdelen worden direct besteld.\n"
        "3. Na de beurt gaan ongebruikte onderdelen terug naar het magazijn.",
        themes=("supply-chain-reservedelen", "slim-voorspellend-onderhoud"),
        systems=("cv90",),
        created=120,
        updated=45,
    ),
    Demo(
        title="Smeerschema CV90 bij vorst en sneeuw",
        kind=Kind.BEST_PRACTICE,
        owner_org="ddvs",
        owner=SANNE,
        summary="Aangepaste smeermiddelen en intervallen voor oefeningen in de winter.",
        body="Bij temperaturen onder min tien graden het vet van het loopwerk vervangen door "
        "wintervet en de intervallen halveren. Na de oefening terug naar het normale schema.",
        themes=("veldonderhoud",),
        systems=("cv90",),
        created=420,
        updated=400,
        review=-20,
    ),
    Demo(
        title="Storingsdiagnose op afstand met een videoverbinding",
        kind=Kind.BEST_PRACTICE,
        owner_org="rmmv",
        owner=DAAN,
        summary="Een monteur in het veld laat via een beveiligde videoverbinding een specialist "
        "meekijken.",
        body="Sinds de monteurs een tablet met camera meenemen, lossen we een derde van de "
        "storingen op zonder dat een specialist hoeft af te reizen. Let op: gebruik alleen de "
        "goedgekeurde verbinding, er gaat geen beeld buiten het Defensienetwerk.",
        themes=("veldonderhoud", "data-ai"),
        systems=("boxer",),
        created=75,
        updated=30,
    ),
    Demo(
        title="Ervaringen met 3D-geprinte beugels op de Fennek",
        kind=Kind.BEST_PRACTICE,
        owner_org="bp3d",
        owner=TOM,
        tlp=TLP.AMBER,
        orgs=("dgs", "tno"),
        summary="Welke geprinte beugels de proef doorstonden en welke niet, gedeeld met DGS en "
        "TNO.",
        body="Van de zes geprinte beugels doorstonden er vier de trillingsproef. De twee die "
        "braken, zaten dicht bij de uitlaat: kunststof is daar geen optie.",
        themes=("additive-manufacturing",),
        systems=("fennek",),
        initiatives=("3D-geprinte reservedelen in het veld",),
        created=40,
        updated=18,
    ),
    Demo(
        title="Ervaringen met het nieuwe prestatiegebaseerde contract",
        kind=Kind.CONTRACT_EXPERIENCE,
        owner_org="rmmv",
        owner=LOTTE,
        tlp=TLP.AMBER,
        groups=("LMI-kern",),
        summary="Wat het eerste jaar met een prestatiegebaseerd onderhoudscontract ons leerde: "
        "afspraken over beschikbaarheid in plaats van over uren.",
        body="## Wat werkte\n\n"
        "- Eén gezamenlijke definitie van een inzetbaar voertuig, vooraf vastgelegd.\n"
        "- Maandelijks overleg met de werkplaats over de cijfers.\n\n"
        "## Wat we anders zouden doen\n\n"
        "- De meetmethode eerder afspreken: het eerste kwartaal ging op aan discussie over de "
        "telling.\n"
        "- Onderhoud dat door oefeningen uitvalt apart registreren.",
        themes=("contractvormen",),
        systems=("boxer",),
        initiatives=("Ervaringen met prestatiegebaseerd onderhoudscontract",),
        created=100,
        updated=10,
    ),
    Demo(
        title="Beschikbaarheidscontract DAF-trucks: wat we na een jaar weten",
        kind=Kind.CONTRACT_EXPERIENCE,
        owner_org="dgs",
        owner=EVA,
        summary="Ervaringen van DGS met een contract waarin de leverancier betaald wordt naar de "
        "beschikbaarheid van de trucks.",
        body="De beschikbaarheid steeg van 78 naar 86 procent. Belangrijkste ervaring: leg vast "
        "hoe onderhoud tijdens oefeningen telt, anders ontstaat er discussie over elke "
        "stilstand.",
        themes=("contractvormen", "life-cycle-support"),
        systems=("daf-trucks",),
        created=150,
        updated=60,
    ),
    Demo(
        title="Verslag materieellogistiek diner",
        kind=Kind.EVENT_REPORT,
        owner_org="lmi",
        owner=PM,
        tlp=TLP.CLEAR,
        summary="Verslag van het materieellogistiek diner met gasten uit Defensie, industrie en "
        "wetenschap, ook zonder commerciële relatie met Defensie.",
        body="Aan tafel zaten dertig gasten: de LMI-cel, de werkplaatsen, de vijf kernbedrijven, "
        "TNO en voor het eerst twee bedrijven zonder commerciële relatie met Defensie.\n\n"
        "**Opbrengst van de avond**\n\n"
        "- Drie nieuwe ideeën voor slimmer onderhoud, waaronder het delen van "
        "onderhoudsgegevens tussen werkplaatsen.\n"
        "- Afspraak om de gedeelde monteurspool verder te verkennen.\n"
        "- Het motto bleef hangen: *geen contracten maar contacten*.",
        themes=("personeel", "slim-voorspellend-onderhoud"),
        created=55,
    ),
    Demo(
        title="Verslag werkgroep: digital twins in het onderhoud",
        kind=Kind.EVENT_REPORT,
        owner_org="lmi",
        owner=PM,
        summary="De werkgroep besprak wat een digital twin van de Leopard 2A8 kan opleveren voor "
        "het onderhoud, en wat er eerst nodig is.",
        body="TNO liet zien hoe een digital twin slijtage kan voorspellen. Conclusie van de "
        "werkgroep: eerst de onderhoudsgegevens op orde, dan pas een model.",
        themes=("digital-twins", "data-ai"),
        systems=("leopard-2a8",),
        initiatives=("Digital twin Leopard 2A8",),
        created=80,
    ),
    Demo(
        title="Defensie Strategie voor Industrie en Innovatie (D-SII)",
        kind=Kind.LINK,
        owner_org="lmi",
        owner=PM,
        url="https://www.defensie.nl/",
        summary="De strategie met het basisgebied Logistiek: slim en voorspellend onderhoud, "
        "supply chain, transport en life-cycle support. Te vinden op defensie.nl.",
        themes=("slim-voorspellend-onderhoud", "supply-chain-reservedelen", "life-cycle-support"),
        created=200,
        updated=100,
        attested=100,
    ),
    Demo(
        title="Concept: onderhoudsplan digital twin Leopard 2A8",
        kind=Kind.BEST_PRACTICE,
        owner_org="ddvs",
        owner=JORIS,
        status=Status.DRAFT,
        summary="Eerste opzet, nog niet gedeeld: welke meetgegevens een digital twin nodig heeft.",
        body="Nog aan te vullen met de eisen van de werkplaats.",
        themes=("digital-twins",),
        systems=("leopard-2a8",),
        created=6,
    ),
    Demo(
        title="Werkinstructie accu-onderhoud DAF-trucks (vervallen)",
        kind=Kind.BEST_PRACTICE,
        owner_org="dgs",
        owner=EVA,
        status=Status.ARCHIVED,
        summary="Vervangen door de instructie van de leverancier bij het nieuwe "
        "beschikbaarheidscontract.",
        body="Deze instructie geldt niet meer; zie het beschikbaarheidscontract.",
        themes=("life-cycle-support",),
        systems=("daf-trucks",),
        created=700,
        updated=160,
    ),
)


def _ago(now: datetime, days: int) -> datetime:
    # Working hours of the day, as in the initiatives demo.
    moment = now - timedelta(days=days)
    return moment.replace(hour=9 + days % 8, minute=(days * 11) % 60, second=0, microsecond=0)


def _last_change(spec: Demo) -> int:
    if spec.updated is not None:
        return spec.updated
    return min([spec.created, *(f.days for f in spec.files)])


def _review_by(spec: Demo, now: datetime) -> date:
    if spec.review is not None:
        return timezone.localdate(now) + timedelta(days=spec.review)
    since = min(_last_change(spec), spec.attested if spec.attested is not None else 10**6)
    return timezone.localdate(_ago(now, since)) + timedelta(days=365)


def _upload(item: KnowledgeItem, spec: File, users: dict[str, User], now: datetime) -> None:
    """Store one file through the upload service, read its text at once and backdate it."""
    upload = SimpleUploadedFile(spec.name, spec.content, content_type=spec.content_type)
    version = document_version_add(actor=users[spec.by], item=item, upload=upload, note=spec.note)
    knowledge_extract_text(version.pk)  # synchronously: search works without a worker
    moment = _ago(now, spec.days)
    DocumentVersion.objects.filter(pk=version.pk).update(created_at=moment, updated_at=moment)


def _seed_one(
    spec: Demo,
    item: KnowledgeItem,
    orgs: dict[str, Organisation],
    users: dict[str, User],
    groups: dict[str, SharingGroup],
    initiatives: dict[str, Initiative],
    now: datetime,
) -> None:
    item.themes.set(Theme.objects.filter(slug__in=spec.themes))
    item.systems.set(System.objects.filter(slug__in=spec.systems))
    item.related_initiatives.set([initiatives[t] for t in spec.initiatives if t in initiatives])
    item.shared_with_groups.set([groups[name] for name in spec.groups])
    item.shared_with_organisations.set([orgs[key] for key in spec.orgs])
    item.shared_with_people.set([users[email] for email in spec.people])
    for version in sorted(spec.files, key=lambda f: -f.days):
        _upload(item, version, users, now)
    item.refresh_from_db()
    knowledge_item_reindex(item)
    # Last, with update(): auto_now would overwrite these on save().
    KnowledgeItem.objects.filter(pk=item.pk).update(
        created_at=_ago(now, spec.created),
        updated_at=_ago(now, _last_change(spec)),
        review_by=_review_by(spec, now),
        attested_at=_ago(now, spec.attested) if spec.attested is not None else None,
    )


def _lessons_from_the_closed_initiative(initiatives: dict[str, Initiative]) -> None:
    """Closing the spare-parts pool as Geborgd turned its lessons into lesson items (the
    service takes each lesson once, however often the demo is loaded)."""
    seeded = initiatives.get(CLOSED_INITIATIVE)
    # From the database: the initiatives demo sets the closing date with update().
    initiative = Initiative.objects.filter(pk=seeded.pk).first() if seeded else None
    if initiative is None:
        return
    closing = initiative.phase_changes.order_by("-created_at").first()
    closed_by = closing.actor if closing is not None and closing.actor else initiative.lead
    if closed_by is None:
        return
    lessons = KnowledgeItem.objects.filter(source_initiative=initiative)
    before = set(lessons.values_list("pk", flat=True))
    lessons_from_closed_initiative(initiative, closed_by)
    new = list(lessons.exclude(pk__in=before).values_list("pk", flat=True))
    if new and initiative.closed_at is not None:
        # Dated from the closing (their activity too), with a review due a year after it.
        closed = initiative.closed_at
        KnowledgeItem.objects.filter(pk__in=new).update(
            created_at=closed,
            updated_at=closed,
            review_by=timezone.localdate(closed) + timedelta(days=365),
        )
        Activity.objects.filter(
            target_ct=ContentType.objects.get_for_model(KnowledgeItem), target_id__in=new
        ).update(created_at=closed)


@transaction.atomic
def seed_demo(data: dict[str, Any]) -> None:
    orgs: dict[str, Organisation] = data["organisations"]
    users: dict[str, User] = data["users"]
    groups: dict[str, SharingGroup] = data["sharing_groups"]
    initiatives: dict[str, Initiative] = data.get("initiatives", {})
    now = timezone.now()
    seeded: dict[str, KnowledgeItem] = {}
    for spec in DEMO_ITEMS:
        owner = users[spec.owner]
        item, created = KnowledgeItem.objects.get_or_create(
            title=spec.title,
            owner_organisation=orgs[spec.owner_org],
            defaults={
                "kind": spec.kind,
                "summary": spec.summary,
                "body": spec.body,
                "body_html": render_markdown(spec.body),
                "url": spec.url,
                "tlp": spec.tlp,
                "status": spec.status,
                "lesson_stage": spec.stage,
                "export_controlled": spec.export_controlled,
                "owner": owner,
                "created_by": owner,
            },
        )
        if created:
            _seed_one(spec, item, orgs, users, groups, initiatives, now)
        seeded[spec.title] = item
    _lessons_from_the_closed_initiative(initiatives)
    data["knowledge_items"] = seeded


# --- Scale data -------------------------------------------------------------------------------

SCALE_PREFIX = "Schaalkennis "
KNOWLEDGE_PER_INITIATIVE = 5
SCALE_BATCH = 2000
# Share of the new scale documents that get one or two stored file versions (about 270 versions
# for 50,000 items): enough for realistic version panels and file-text search, without writing
# thousands of files.
SCALE_VERSIONED_SHARE = 0.016

# topic, theme slug
SCALE_TOPICS: tuple[tuple[str, str], ...] = (
    ("voorspellend onderhoud", "slim-voorspellend-onderhoud"),
    ("preventief onderhoud", "slim-voorspellend-onderhoud"),
    ("sensordata van de aandrijflijn", "data-ai"),
    ("storingsdiagnose", "data-ai"),
    ("reservedelen", "supply-chain-reservedelen"),
    ("levertijden van onderdelen", "supply-chain-reservedelen"),
    ("transport naar het oefenterrein", "transport"),
    ("het onderhoudsconcept", "life-cycle-support"),
    ("levensduurverlenging", "life-cycle-support"),
    ("monteurs werven en behouden", "personeel"),
    ("opleiding van monteurs", "opleiding-training"),
    ("3D-geprinte onderdelen", "additive-manufacturing"),
    ("een digital twin", "digital-twins"),
    ("het prestatiegebaseerde contract", "contractvormen"),
    ("samenwerking met de werkplaats", "contractvormen"),
    ("onderhoud in het veld", "veldonderhoud"),
)
SCALE_TITLES: dict[str, tuple[str, ...]] = {
    Kind.DOCUMENT: (
        "Handreiking {topic} {system}",
        "Werkinstructie {topic} voor de {system}",
        "Rapportage {topic} {system}",
    ),
    Kind.LESSON: (
        "Les over {topic} bij de {system}",
        "Waarneming: {topic} op de {system}",
    ),
    Kind.BEST_PRACTICE: (
        "Zo regelen we {topic} voor de {system}",
        "Goede ervaring met {topic} ({system})",
    ),
    Kind.CONTRACT_EXPERIENCE: (
        "Ervaringen met {topic} in het contract voor de {system}",
        "Contractervaring: {topic} ({system})",
    ),
    Kind.EVENT_REPORT: (
        "Verslag werkgroep over {topic}",
        "Verslag werkplaatsbezoek: {topic} {system}",
    ),
    Kind.LINK: ("Artikel over {topic}", "Presentatie {topic} {system}"),
}
SCALE_SUMMARIES = (
    "Wat we leerden over {topic} bij de {system}, en wat we anders zouden doen.",
    "Ervaringen van de werkplaats met {topic}: wat werkte en wat niet.",
    "Een korte beschrijving van {topic} voor monteurs en planners van de {system}.",
    "Afspraken over {topic} tussen Defensie en industrie, na een jaar in de praktijk.",
)
SCALE_PARAGRAPHS = (
    "De werkplaats onderhoudt de voertuigen volgens het onderhoudsconcept; afwijkingen "
    "worden besproken in de werkgroep.",
    "Sensoren op de aandrijflijn laten zien wanneer een voertuig onderhouden moet worden, "
    "voordat er iets stukgaat.",
    "De levertijd van **reservedelen** bleek het grootste knelpunt, niet de techniek.",
    "Monteurs van Defensie en industrie werkten samen in één ploeg; dat verkortte de "
    "stilstand met een week.",
    "Ervaring met het contract: leg vooraf vast hoe onderhoud tijdens oefeningen telt.",
    "Preventief onderhoud in de oefenpauze voorkomt uitval tijdens de oefening.",
    "- controleer de filters na elke rit door zand\n- meld afwijkingen met een foto\n"
    "- bestel slijtdelen op tijd",
    "De data blijft van Defensie; de partner mag haar binnen LMI gebruiken voor analyse.",
    "Het onderhoud in het veld vraagt om een kleine set gereedschap en een goede checklist.",
    "Na de proef nemen we de werkwijze op in het reguliere onderhoudsprogramma.",
    "De beschikbaarheid van de vloot steeg, maar de administratie kostte meer tijd dan gedacht.",
    "Een digital twin helpt pas als de onderhoudsgegevens op orde zijn.",
    "Geprinte onderdelen mogen alleen in het voertuig na keuring door DGS.",
    "Nieuwe monteurs leren het vak sneller met een buddy van de partner.",
    "Transport van voertuigen naar het oefenterrein plannen we samen met de logistiek.",
    "Bespreek knelpunten vroeg: een probleem dat te laat gedeeld wordt, kost weken.",
)
SCALE_FILE_PARAGRAPHS = (
    "Bijlage bij het kennisitem: meetgegevens en de afspraken met de werkplaats.",
    "Olie- en trillingsmetingen zijn per voertuig vastgelegd; de drempelwaarden staan in de "
    "tabel van het onderhoudsconcept.",
)
KINDS = (
    [Kind.DOCUMENT] * 5
    + [Kind.LESSON] * 4
    + [Kind.BEST_PRACTICE] * 4
    + [Kind.CONTRACT_EXPERIENCE] * 2
    + [Kind.EVENT_REPORT] * 2
    + [Kind.LINK] * 3
)
SCALE_TLPS = [TLP.GREEN] * 11 + [TLP.AMBER] * 4 + [TLP.AMBER_STRICT, TLP.CLEAR, TLP.CLEAR, TLP.RED]
SCALE_STATUSES = [Status.PUBLISHED] * 45 + [Status.DRAFT] * 2 + [Status.ARCHIVED] * 3
STAGES = [s for s, _ in Stage.choices]


@contextmanager
def _keeping_timestamps(*models: type[Any]) -> Iterator[None]:
    """Let bulk_create store the rows' own created_at/updated_at instead of now (auto_now
    would overwrite them), for as long as the block runs."""
    fields = [m._meta.get_field(name) for m in models for name in ("created_at", "updated_at")]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _scale_members(org_ids: Sequence[int]) -> dict[int, list[int]]:
    by_org: dict[int, list[int]] = defaultdict(list)
    for user_id, org_id in (
        Membership.objects.current()
        .filter(organisation_id__in=org_ids)
        .order_by("pk")
        .values_list("user_id", "organisation_id")
    ):
        by_org[org_id].append(user_id)
    return by_org


@dataclass
class _Vocabulary:
    """Ids and names the scale rows pick from."""

    org_ids: list[int]
    members: dict[int, list[int]]
    themes: dict[str, int]
    systems: list[tuple[int, str]]
    initiatives: list[int]
    rendered: dict[str, str]


def _scale_vocabulary(org_ids: list[int]) -> _Vocabulary:
    return _Vocabulary(
        org_ids=org_ids,
        members=_scale_members(org_ids),
        themes=dict(Theme.objects.values_list("slug", "pk")),
        systems=list(System.objects.order_by("position", "pk").values_list("pk", "name_nl")),
        initiatives=list(
            Initiative.objects.filter(title__startswith="Schaalinitiatief ")
            .order_by("pk")
            .values_list("pk", flat=True)[:5000]
        ),
        rendered={p: render_markdown(p) for p in SCALE_PARAGRAPHS},
    )


@dataclass
class _Links:
    """The many-to-many rows of one batch, by position in the batch."""

    themes: list[list[int]] = field(default_factory=list)
    systems: list[list[int]] = field(default_factory=list)
    initiatives: list[list[int]] = field(default_factory=list)
    organisations: list[list[int]] = field(default_factory=list)
    people: list[list[int]] = field(default_factory=list)


def _scale_item(
    rng: random.Random, number: int, vocab: _Vocabulary, now: datetime, links: _Links
) -> KnowledgeItem:
    kind = rng.choice(KINDS)
    topic, theme = rng.choice(SCALE_TOPICS)
    system_id, system = rng.choice(vocab.systems)
    words = {"topic": topic, "system": system}
    title = f"{SCALE_PREFIX}{number:06d}: " + rng.choice(SCALE_TITLES[kind]).format(**words)
    summary = rng.choice(SCALE_SUMMARIES).format(**words)
    paragraphs = rng.sample(SCALE_PARAGRAPHS, k=rng.randint(2, 4))
    body = "\n\n".join(paragraphs)
    owner_org = rng.choice(vocab.org_ids)
    people = vocab.members.get(owner_org, [])
    owner = rng.choice(people) if people else None
    tlp = rng.choice(SCALE_TLPS)
    created = now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
    # Most changes are recent: the square pulls the update towards now.
    updated = created + (now - created) * (1 - rng.random() ** 2)
    attested = None
    if now - updated > timedelta(days=300) and rng.random() < 0.7:
        attested = updated + (now - updated) * rng.random()
    review_by = (max(updated, attested or updated) + timedelta(days=365)).date()

    themes = [vocab.themes[theme]] if theme in vocab.themes else []
    extra = rng.choice(SCALE_TOPICS)[1]
    if rng.random() < 0.3 and extra in vocab.themes and vocab.themes[extra] not in themes:
        themes.append(vocab.themes[extra])
    links.themes.append(themes)
    links.systems.append([system_id] if rng.random() < 0.9 else [])
    links.initiatives.append(
        [rng.choice(vocab.initiatives)] if vocab.initiatives and rng.random() < 0.15 else []
    )
    shared_orgs: list[int] = []
    if tlp == TLP.AMBER and rng.random() < 0.5:
        shared_orgs = rng.sample(vocab.org_ids, k=min(rng.randint(1, 3), len(vocab.org_ids)))
    links.organisations.append([pk for pk in shared_orgs if pk != owner_org])
    named: list[int] = []
    if tlp == TLP.RED:
        other = vocab.members.get(rng.choice(vocab.org_ids), [])
        named = [pk for pk in {owner, *rng.sample(other, k=min(2, len(other)))} if pk]
    links.people.append(named)
    return KnowledgeItem(
        kind=kind,
        title=title,
        summary=summary,
        body=body,
        body_html="\n".join(vocab.rendered[p] for p in paragraphs),
        url=f"https://kennis.example/artikel/{number}" if kind == Kind.LINK else "",
        tlp=tlp,
        status=rng.choice(SCALE_STATUSES),
        lesson_stage=rng.choice(STAGES) if kind == Kind.LESSON else "",
        owner_organisation_id=owner_org,
        owner_id=owner,
        created_by_id=owner,
        review_by=review_by,
        attested_at=attested,
        search_text=knowledge_search_text(title=title, summary=summary, body=body),
        created_at=created,
        updated_at=updated,
    )


def _store_links(items: list[KnowledgeItem], links: _Links) -> None:
    relations: tuple[tuple[Any, str, list[list[int]]], ...] = (
        (KnowledgeItem.themes, "theme_id", links.themes),
        (KnowledgeItem.systems, "system_id", links.systems),
        (KnowledgeItem.related_initiatives, "initiative_id", links.initiatives),
        (KnowledgeItem.shared_with_organisations, "organisation_id", links.organisations),
        (KnowledgeItem.shared_with_people, "user_id", links.people),
    )
    for relation, column, per_item in relations:
        through = relation.through
        rows = [
            through(knowledgeitem_id=item.pk, **{column: pk})
            for item, pks in zip(items, per_item, strict=True)
            for pk in pks
        ]
        through.objects.bulk_create(rows, batch_size=SCALE_BATCH, ignore_conflicts=True)


def _scale_versions(rng: random.Random, items: list[KnowledgeItem]) -> None:
    """One or two small stored PDF versions for a few of the new documents."""
    documents = [item for item in items if item.kind == Kind.DOCUMENT]
    wanted = max(round(len(documents) * SCALE_VERSIONED_SHARE), 1 if documents else 0)
    chosen = rng.sample(documents, k=wanted)
    versions = []
    for item in chosen:
        for number in range(1, rng.choice((1, 1, 2)) + 1):
            paragraphs = (item.summary, *SCALE_FILE_PARAGRAPHS)
            content = demo_files.pdf_bytes(item.title, paragraphs)
            stored = store_chunks([content])
            moment = item.created_at + (item.updated_at - item.created_at) * (number / 2)
            versions.append(
                DocumentVersion(
                    item=item,
                    number=number,
                    storage_key=stored.key,
                    original_name=f"bijlage-{item.pk}-v{number}.pdf",
                    content_type=demo_files.PDF_CONTENT_TYPE,
                    size=len(content),
                    sha256=stored.sha256,
                    uploaded_by_id=item.owner_id,
                    note="Eerste versie" if number == 1 else "Metingen bijgewerkt",
                    extraction_status=DocumentVersion.ExtractionStatus.DONE,
                    extracted_text="\n".join((item.title, *paragraphs)),
                    created_at=moment,
                    updated_at=moment,
                )
            )
    with _keeping_timestamps(DocumentVersion):
        DocumentVersion.objects.bulk_create(versions, batch_size=SCALE_BATCH)
    latest: dict[int, str] = {}
    for version in versions:
        latest[version.item_id] = version.extracted_text
    for item in chosen:
        item.search_text = knowledge_search_text(
            title=item.title, summary=item.summary, body=item.body, file_text=latest[item.pk]
        )
    KnowledgeItem.objects.bulk_update(chosen, ["search_text"], batch_size=500)


def _scale_search_words() -> None:
    texts = [topic for topic, _ in SCALE_TOPICS]
    texts += list(SCALE_PARAGRAPHS) + list(SCALE_SUMMARIES) + list(SCALE_FILE_PARAGRAPHS)
    texts += [t for titles in SCALE_TITLES.values() for t in titles]
    texts += list(System.objects.values_list("name_nl", flat=True))
    search_words_register(texts)


@transaction.atomic
def seed_scale(data: dict[str, Any]) -> None:
    """Top up to ``data['n_knowledge']`` (by default five per initiative: 50,000) scale
    knowledge items of every kind, TLP level and status, spread over three years (some overdue
    for review), with themes, systems, audiences, a few stored files and their search text."""
    rng = random.Random(int(data.get("seed", 2026)) + 40)
    wanted = data.get("n_knowledge")
    if wanted is None:
        wanted = KNOWLEDGE_PER_INITIATIVE * int(data.get("n_initiatives", 10_000))
    target = int(wanted)
    org_ids: list[int] = data["scale_organisation_ids"]
    vocabularies_ensure(Theme, System)
    existing = KnowledgeItem.objects.filter(title__startswith=SCALE_PREFIX).count()
    if target <= existing or not org_ids:
        return
    vocab = _scale_vocabulary(org_ids)
    now = timezone.now()
    for start in range(existing, target, SCALE_BATCH):
        links = _Links()
        rows = [
            _scale_item(rng, number, vocab, now, links)
            for number in range(start, min(start + SCALE_BATCH, target))
        ]
        with _keeping_timestamps(KnowledgeItem):
            items = KnowledgeItem.objects.bulk_create(rows)
        _store_links(items, links)
        _scale_versions(rng, items)
    # On PostgreSQL a trigger (migration 0003) fills search_vector as the rows go in.
    _scale_search_words()
