"""Demo and scale data for initiatives. Every person here is fictional.

The demo tells the LMI story across every phase: a Boxer pilot with an escalated security
obstacle, a spare-parts pool closed as a success, a paused digital twin, a stopped drone trial,
a field-workshop initiative that went dormant when its only lead left on deployment, a shared
technician pool that hangs on one company, and an invitation waiting for RMMV's admin.
Seeding writes the models directly (not through the services) and is idempotent: an initiative
is filled once, the first time it is seen without phase history, and left alone afterwards.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from lmi_portal.core.markdown import render_markdown
from lmi_portal.core.models import System, Theme
from lmi_portal.core.search import search_words_register
from lmi_portal.core.vocabularies import vocabularies_ensure
from partners.models import TLP, Membership, Organisation, User

from .models import (
    ActionItem,
    Comment,
    Effect,
    Initiative,
    Obstacle,
    Origin,
    Participation,
    ParticipationInvite,
    Phase,
    PhaseChange,
)
from .models.initiative import ACTIVE_PHASES, PHASE_ORDER

C = Obstacle.Category
S = Obstacle.Status
A = ActionItem.Status
PM = "pm@lmi.example"
SANNE = "sanne.bakker@ddvs.example"
JORIS = "joris.visser@ddvs.example"
LOTTE = "lotte.smit@rmmv.example"
DAAN = "daan.mulder@rmmv.example"
RUBEN = "ruben.meijer@13lbrig.example"
EVA = "eva.dijkstra@dgs.example"
TOM = "tom.hendriks@bp3d.example"


@dataclass(frozen=True)
class Part:
    """A participating organisation (by demo key) and what it brings and gets."""

    org: str
    role: str
    brings: str
    gets: str


@dataclass(frozen=True)
class Step:
    """A phase change ``days`` ago; the first step of a history starts from no phase."""

    days: int
    to: str
    reason: str = ""
    actor: str = ""  # defaults to the lead


@dataclass(frozen=True)
class Block:
    """An obstacle; the day counts are days ago (None: not resolved / not escalated)."""

    title: str
    category: str
    description: str
    owner: str | None
    raised: int
    status: str = S.OPEN
    resolved: int | None = None
    escalated: int | None = None


@dataclass(frozen=True)
class Action:
    """An action created ``days`` ago, due ``due`` days from today (negative: in the past)."""

    title: str
    owner: str
    days: int
    due: int
    status: str = A.OPEN
    done: int | None = None


@dataclass(frozen=True)
class Remark:
    """A Markdown comment posted ``days`` ago."""

    days: int
    author: str
    body: str


@dataclass(frozen=True)
class Invite:
    """A pending invitation for an organisation to take part, sent ``days`` ago."""

    org: str
    invited_by: str
    days: int
    message: str


@dataclass(frozen=True)
class Demo:
    title: str
    owner: str
    tlp: str
    phase: str
    summary: str
    why: str
    how: str
    origin: str
    effects: tuple[str, ...]
    expected_effect: str
    themes: tuple[str, ...]
    systems: tuple[str, ...]
    requirement_owner: str
    lead: str
    deputy: str | None
    history: tuple[Step, ...]
    participants: tuple[Part, ...] = ()
    obstacles: tuple[Block, ...] = ()
    actions: tuple[Action, ...] = ()
    comments: tuple[Remark, ...] = ()
    invites: tuple[Invite, ...] = ()
    groups: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    # Days since the last activity; by default the most recent event above.
    active: int | None = None
    dormant: bool = False
    result: str = ""
    lessons: tuple[str, ...] = field(default=())


# Role, brings and gets of the companies hosting technicians in the exchange.
HOST_COMPANY = (
    "Gastorganisatie",
    "Plaatsen voor twee monteurs per half jaar.",
    "Monteurs met ervaring in een Defensiewerkplaats.",
)

DEMO_INITIATIVES: tuple[Demo, ...] = (
    Demo(
        title="Voorspellend onderhoud Boxer met sensordata",
        owner="ddvs",
        tlp=TLP.AMBER,
        phase=Phase.PILOT,
        summary="Trillings- en temperatuurdata van de aandrijflijn gebruiken om onderhoud te plannen "
        "voordat er iets stukgaat. Pilot met tien voertuigen van 13 Lichte Brigade.",
        why="De materiële gereedheid van de Boxer-vloot staat onder druk. Storingen in de aandrijflijn "
        "worden pas ontdekt als een voertuig stilvalt, vaak midden in een oefening. Elke onverwachte "
        "uitval kost gemiddeld drie weken stilstand door wachten op onderdelen en monteurs.",
        how="Bij tien Boxers van 13 Lichte Brigade bouwen we een datalogger in die trillingen en "
        "temperaturen van motor, versnellingsbak en eindaandrijvingen vastlegt. DDVS analyseert de "
        "data samen met de data-analisten van DGS; vooraf spreken we drempelwaarden af waarbij de "
        "werkplaats een voertuig binnenroept. Na zes maanden vergelijken we de uitval met tien "
        "voertuigen zonder logger.",
        origin=Origin.PULL,
        effects=(Effect.READINESS, Effect.COST, Effect.KNOWLEDGE),
        expected_effect="Een derde minder onverwachte uitval, en onderhoud dat in de oefenplanning "
        "past in plaats van erdoorheen.",
        themes=("slim-voorspellend-onderhoud", "data-ai"),
        systems=("boxer",),
        requirement_owner="13lbrig",
        lead=SANNE,
        deputy=RUBEN,
        participants=(
            Part(
                "lmi",
                "Regie en verbinding",
                "Ruimte in de werkgroep, contacten bij DMO en het budget voor de dataloggers.",
                "Een onderbouwd voorbeeld voor andere voertuigvloten.",
            ),
            Part(
                "dgs",
                "Data-analyse en werkplaats",
                "Onderhoudshistorie van drie jaar en twee data-analisten.",
                "Een betere planning van de werkplaatscapaciteit.",
            ),
            Part(
                "13lbrig",
                "Gebruiker en behoeftesteller",
                "Tien voertuigen, monteurs voor de inbouw en ervaringen uit oefeningen.",
                "Minder stilstand tijdens oefeningen.",
            ),
        ),
        history=(
            Step(420, Phase.IDEA),
            Step(370, Phase.EXPLORATION),
            Step(300, Phase.ELABORATION),
            Step(
                190, Phase.PILOT, "Akkoord in de werkgroep; het budget voor de loggers is rond.", PM
            ),
        ),
        obstacles=(
            Block(
                "Sensordata mag pas van het voertuig af na een beveiligingstoets",
                C.SECURITY,
                "De loggers sturen hun data via een 4G-modem. De beveiligingsautoriteit wil eerst "
                "een risicoanalyse zien; tot die tijd lezen monteurs de loggers met de hand uit.",
                PM,
                raised=75,
                status=S.IN_PROGRESS,
                escalated=40,
            ),
            Block(
                "Onduidelijk wie eigenaar is van de trillingsdata",
                C.IP_LIABILITY,
                "DDVS en Defensie dachten verschillend over het gebruik van de data buiten de pilot. "
                "Opgelost met een korte gebruiksafspraak: de data blijft van Defensie, DDVS mag haar "
                "binnen LMI gebruiken voor analyse.",
                SANNE,
                raised=160,
                status=S.RESOLVED,
                resolved=120,
            ),
        ),
        actions=(
            Action(
                "Risicoanalyse datalink aanleveren bij de beveiligingsautoriteit",
                SANNE,
                days=40,
                due=-12,
            ),
            Action(
                "Uitleesschema loggers afstemmen met het herstelpeloton",
                RUBEN,
                days=60,
                due=-30,
                status=A.DONE,
                done=28,
            ),
            Action("Tussenrapportage pilot voor de werkgroep", SANNE, days=20, due=14),
        ),
        comments=(
            Remark(
                150,
                RUBEN,
                "De eerste vier loggers zitten erin. Inbouw kostte per voertuig **twee uur**, "
                "minder dan gedacht. Bij voertuig 3 zat de kabelboom in de weg; de tekening volgt.",
            ),
            Remark(
                60,
                EVA,
                "Vanuit DGS hebben we de storingshistorie van de afgelopen drie jaar gekoppeld. "
                "Opvallend:\n\n- 40% van de uitval zit in de eindaandrijving\n"
                "- de helft daarvan kondigde zich weken vooraf aan met een oplopende temperatuur",
            ),
            Remark(
                20,
                SANNE,
                "Stand van zaken voor de werkgroep van volgende week:\n\n"
                "1. Tien loggers ingebouwd\n"
                "2. Twee voertuigen op basis van de data binnengeroepen, beide met een beginnend "
                "lagerprobleem\n"
                "3. De datalink wacht op de beveiligingstoets (zie belemmeringen)",
            ),
        ),
        active=3,
    ),
    Demo(
        title="3D-geprinte reservedelen in het veld",
        owner="bp3d",
        tlp=TLP.GREEN,
        phase=Phase.EXPLORATION,
        summary="Verkennen welke kunststof en metalen onderdelen veilig in het veld geprint kunnen "
        "worden, en wie de certificering regelt.",
        why="In het veld wachten voertuigen soms dagen op een klein onderdeel: een kapje, een beugel, "
        "een knop. Veel van die onderdelen zijn niet meer leverbaar of hebben lange levertijden.",
        how="Brabant Precisie 3D en TNO maken een lijst van vijftig onderdelen die vaak ontbreken en "
        "beoordelen per onderdeel of het in kunststof of metaal geprint kan worden. DGS bepaalt "
        "welke keuring nodig is voordat een geprint onderdeel in een voertuig mag. Daarna volgt een "
        "proef met een containerprinter bij een veldwerkplaats.",
        origin=Origin.PUSH,
        effects=(Effect.READINESS, Effect.SUPPLY),
        expected_effect="Kortere stilstand door ontbrekende kleine onderdelen en minder afhankelijkheid "
        "van leveranciers die een onderdeel niet meer maken.",
        themes=("additive-manufacturing", "supply-chain-reservedelen", "veldonderhoud"),
        systems=("fennek", "bushmaster", "daf-trucks"),
        requirement_owner="dgs",
        lead=TOM,
        deputy=EVA,
        participants=(
            Part(
                "tno",
                "Kennispartner",
                "Materiaalonderzoek en testfaciliteiten.",
                "Praktijkcases voor het onderzoek naar printen in het veld.",
            ),
            Part(
                "dgs",
                "Keuring en certificering",
                "Tekeningen, keuringseisen en de lijst met vaak ontbrekende onderdelen.",
                "Snellere levering van onderdelen die niet meer gemaakt worden.",
            ),
        ),
        history=(
            Step(330, Phase.IDEA),
            Step(290, Phase.EXPLORATION),
            Step(200, Phase.ELABORATION),
            Step(
                120,
                Phase.EXPLORATION,
                "De keuringseisen voor geprinte metalen onderdelen zijn nog niet duidelijk. Eerst met "
                "DGS uitzoeken welke onderdelen zonder nieuwe typekeuring kunnen; anders printen we "
                "onderdelen die niet gemonteerd mogen worden.",
            ),
        ),
        obstacles=(
            Block(
                "Aanschaf van een containerprinter loopt vast in de aanbesteding",
                C.PROCUREMENT,
                "Een printer voor veldgebruik valt boven de drempel voor onderhandse gunning. De "
                "aanbesteding duurt naar verwachting negen maanden.",
                EVA,
                raised=90,
            ),
            Block(
                "Tekeningen van onderdelen zijn eigendom van de fabrikant",
                C.IP_LIABILITY,
                "Voor een deel van de onderdelen hebben we toestemming van de fabrikant nodig om ze "
                "na te maken. DGS bespreekt dit in het reguliere leveranciersoverleg.",
                TOM,
                raised=100,
                status=S.IN_PROGRESS,
            ),
        ),
        actions=(
            Action(
                "Lijst met vijftig vaak ontbrekende onderdelen opstellen",
                EVA,
                days=110,
                due=-60,
                status=A.DONE,
                done=58,
            ),
            Action("Keuringseisen per soort onderdeel op papier zetten", EVA, days=55, due=-5),
        ),
        comments=(
            Remark(
                118,
                TOM,
                "Jammer maar terecht dat we een stap terug zetten. Liever nu duidelijkheid over de "
                "keuring dan straks een printer vol onderdelen die niet op een voertuig mogen.",
            ),
            Remark(
                45,
                EVA,
                "Van de vijftig onderdelen kunnen er naar een eerste inschatting **achttien** zonder "
                "nieuwe typekeuring. De lijst staat in het verslag van de werkgroep.",
            ),
        ),
        active=14,  # the list of parts was updated two weeks ago
    ),
    Demo(
        title="Gezamenlijke opleiding monteurs wielvoertuigen",
        owner="lmi",
        tlp=TLP.GREEN,
        phase=Phase.ELABORATION,
        summary="Defensie- en bedrijfsmonteurs volgen samen een module aandrijflijnen, zodat ze "
        "elkaars werk kunnen overnemen.",
        why="Er zijn te weinig monteurs, bij Defensie en bij de bedrijven. Ze leren hetzelfde vak op "
        "verschillende plekken en kunnen elkaars werk daardoor slecht overnemen.",
        how="Een gezamenlijke module aandrijflijnen van vier weken voor Defensie- en bedrijfsmonteurs, "
        "gegeven in de werkplaatsen van DGS en de bedrijven. Instructeurs komen van beide kanten; "
        "de module levert een erkend certificaat op.",
        origin=Origin.PULL,
        effects=(Effect.PEOPLE, Effect.KNOWLEDGE),
        expected_effect="Monteurs die bij piekdrukte bij een partner kunnen bijspringen, en een "
        "aantrekkelijker vak voor jonge technici.",
        themes=("opleiding-training", "personeel"),
        systems=("boxer", "scania-gryphus", "daf-trucks"),
        requirement_owner="43mechbrig",
        lead=PM,
        deputy=DAAN,
        participants=(
            Part(
                "ddvs",
                "Opleider",
                "Een instructeur en lesmateriaal over de aandrijflijn van de Boxer.",
                "Monteurs die bij piekdrukte in de Defensiewerkplaats kunnen bijspringen.",
            ),
            Part(
                "rmmv",
                "Opleider",
                "Een instructeur en een werkplaats voor de praktijkdagen.",
                "Kennis van de werkwijze in de Defensiewerkplaatsen.",
            ),
            Part(
                "scania",
                "Opleider",
                "Een trainer voor de Gryphus en twee oefenmotoren.",
                "Instroom van jonge monteurs die het voertuig al kennen.",
            ),
        ),
        history=(
            Step(260, Phase.IDEA),
            Step(210, Phase.EXPLORATION),
            Step(140, Phase.ELABORATION),
        ),
        obstacles=(
            Block(
                "Geen lesbudget voor gemengde klassen in 2026",
                C.FUNDING,
                "Het opleidingsbudget van Defensie is per eenheid verdeeld; een klas met "
                "bedrijfsmonteurs past in geen enkele begroting.",
                PM,
                raised=70,
            ),
            Block(
                "Opleidingen en werkplaatsen hebben elk een eigen budgethouder",
                C.SILOS,
                "Wie de module betaalt, beslist niet over de werkplaats waar de praktijkdagen zijn, "
                "en andersom. Elke afspraak moet daardoor twee keer gemaakt worden.",
                PM,
                raised=50,
            ),
        ),
        actions=(
            Action("Concept-lesprogramma module aandrijflijnen delen", DAAN, days=30, due=21),
            Action(
                "Gesprek met het opleidingscentrum over erkenning van het certificaat",
                PM,
                days=35,
                due=-3,
            ),
        ),
        comments=(
            Remark(
                100,
                LOTTE,
                "RMMV kan in het voorjaar twee praktijkdagen in onze werkplaats aanbieden. Graag "
                "afstemmen met de andere opleiders, zodat de dagen op elkaar aansluiten.",
            ),
            Remark(
                30,
                PM,
                "Concept-lesprogramma besproken in de werkgroep. Besluit: we starten met **één klas "
                "van twaalf**, zes monteurs van Defensie en zes uit de industrie.",
            ),
        ),
    ),
    Demo(
        title="Ervaringen met prestatiegebaseerd onderhoudscontract",
        owner="rmmv",
        tlp=TLP.AMBER_STRICT,
        phase=Phase.IDEA,
        summary="Interne evaluatie van de eerste twee jaar van het contract: wat werkte, wat niet.",
        why="Het prestatiegebaseerde contract loopt twee jaar. Voordat we deze contractvorm bij andere "
        "partners voorstellen, willen we intern scherp hebben wat werkte en wat niet.",
        how="Een korte interne evaluatie met de servicemonteurs en het contractteam. De lessen die we "
        "kunnen delen gaan daarna als kennisitem naar de LMI-partners, zonder tarieven.",
        origin=Origin.PUSH,
        effects=(Effect.COST, Effect.KNOWLEDGE),
        expected_effect="Een onderbouwd beeld van de contractvorm voor de volgende verlenging.",
        themes=("contractvormen",),
        systems=("boxer",),
        requirement_owner="dgs",
        lead=LOTTE,
        deputy=None,
        history=(Step(25, Phase.IDEA),),
        obstacles=(
            Block(
                "Alleen de penvoerder kent de contracthistorie",
                C.ONE_PERSON,
                "De afspraken van de eerste twee jaar staan vooral in het hoofd van één persoon. "
                "We leggen ze vast voordat de evaluatie begint.",
                LOTTE,
                raised=20,
            ),
        ),
        actions=(Action("Interviews met vier servicemonteurs plannen", DAAN, days=20, due=10),),
        comments=(
            Remark(
                18,
                DAAN,
                "Ik kan de eerste twee interviews volgende week doen; de monteurs zijn die week "
                "allemaal op de werkplaats.",
            ),
        ),
    ),
    Demo(
        title="Personeelsuitwisseling Defensie en industrie",
        owner="lmi",
        tlp=TLP.CLEAR,
        phase=Phase.IMPLEMENTATION,
        summary="Technici lopen een half jaar mee bij een partner. Dat houdt vakmensen binnen het "
        "domein en bouwt het netwerk op werkvloerniveau.",
        why="Technici zijn schaars. Defensie verliest monteurs aan de industrie en andersom, en de "
        "werkvloeren kennen elkaar nauwelijks.",
        how="Monteurs en werkvoorbereiders lopen zes maanden mee bij een partner, met behoud van hun "
        "eigen dienstverband. Een vaste contactpersoon per organisatie regelt screening, "
        "verzekering en de terugkeer.",
        origin=Origin.PULL,
        effects=(Effect.PEOPLE, Effect.KNOWLEDGE, Effect.READINESS),
        expected_effect="Vakmensen blijven in het domein en kennen na hun uitwisseling de mensen aan "
        "de andere kant bij naam.",
        themes=("personeel", "opleiding-training"),
        systems=("boxer", "cv90"),
        requirement_owner="lmi",
        lead=PM,
        deputy=LOTTE,
        participants=(
            *(Part(key, *HOST_COMPANY) for key in ("ddvs", "rmmv", "scania", "thales")),
            Part(
                "vhm",
                "Gastorganisatie (mkb)",
                "Eén plaats in de plaatwerkerij.",
                "Zicht op de eisen en de werkwijze van Defensie.",
            ),
        ),
        history=(
            Step(540, Phase.IDEA),
            Step(500, Phase.EXPLORATION),
            Step(430, Phase.ELABORATION),
            Step(330, Phase.PILOT),
            Step(
                150,
                Phase.IMPLEMENTATION,
                "Pilot met vier monteurs geslaagd: alle vier terug en positief.",
            ),
        ),
        obstacles=(
            Block(
                "Screening van bedrijfsmonteurs duurt maanden",
                C.SECURITY,
                "Een monteur van een bedrijf mag pas na een veiligheidsonderzoek in een "
                "Defensiewerkplaats werken. De doorlooptijd is nu vier tot zes maanden.",
                PM,
                raised=130,
                status=S.IN_PROGRESS,
            ),
            Block(
                "Verzekering en aansprakelijkheid bij werk in een Defensiewerkplaats",
                C.IP_LIABILITY,
                "Opgelost met de standaard-detacheringsovereenkomst van DGS.",
                PM,
                raised=300,
                status=S.RESOLVED,
                resolved=250,
            ),
        ),
        actions=(
            Action("Tweede lichting van acht monteurs werven", PM, days=25, due=30),
            Action(
                "Evaluatie eerste lichting delen als kennisitem",
                LOTTE,
                days=90,
                due=-40,
                status=A.DONE,
                done=45,
            ),
            Action(
                "Eigen detacheringsovereenkomst laten toetsen door juristen",
                PM,
                days=280,
                due=-220,
                status=A.CANCELLED,
            ),
        ),
        comments=(
            Remark(
                200,
                DAAN,
                "Na drie maanden bij 13 Lichte Brigade snap ik waarom onderdelen soms weken onderweg "
                "zijn. Een aanrader voor elke servicemonteur.",
            ),
            Remark(
                90,
                RUBEN,
                "Wij houden de twee monteurs van DDVS graag nog een half jaar. Kan dat binnen de "
                "regeling?",
            ),
            Remark(
                85,
                PM,
                "Verlengen kan, zolang de screening nog geldig is. Ik zet het op de agenda van de "
                "werkgroep.",
            ),
        ),
        active=2,
    ),
    Demo(
        title="Reservedelenpool Scania Gryphus",
        owner="scania",
        tlp=TLP.AMBER,
        phase=Phase.EMBEDDED,
        summary="Een gedeelde voorraad kritieke onderdelen verkort de stilstand van voertuigen.",
        why="Vrachtwagens stonden gemiddeld elf dagen stil op een onderdeel dat wel bij Scania of bij "
        "DGS op de plank lag, maar niet bij de eenheid die het nodig had.",
        how="Scania en DGS houden één gedeelde voorraad van veertig kritieke onderdelen aan, met een "
        "gezamenlijk overzicht van wat waar ligt. Wie een onderdeel uit de pool haalt, vult binnen "
        "twee weken aan.",
        origin=Origin.PULL,
        effects=(Effect.READINESS, Effect.SUPPLY, Effect.COST),
        expected_effect="Minder dagen stilstand op ontbrekende onderdelen voor de Gryphus-vloot.",
        themes=("supply-chain-reservedelen", "life-cycle-support"),
        systems=("scania-gryphus",),
        requirement_owner="dgs",
        lead=EVA,
        deputy=PM,
        groups=("LMI-kern",),
        participants=(
            Part(
                "dgs",
                "Mede-eigenaar voorraad",
                "Magazijnruimte en de voorraadadministratie.",
                "Kortere stilstand van de Gryphus-vloot.",
            ),
        ),
        history=(
            Step(720, Phase.IDEA),
            Step(680, Phase.EXPLORATION),
            Step(600, Phase.ELABORATION),
            Step(480, Phase.PILOT),
            Step(330, Phase.IMPLEMENTATION),
            Step(
                90,
                Phase.EMBEDDED,
                "De pool draait een jaar zonder problemen en is opgenomen in de reguliere werkwijze "
                "van DGS en Scania.",
                PM,
            ),
        ),
        obstacles=(
            Block(
                "Financiering van de gedeelde voorraad",
                C.FUNDING,
                "Niemand wilde de eerste voorraad voorfinancieren. Opgelost door de kosten te delen "
                "naar verwacht gebruik.",
                EVA,
                raised=650,
                status=S.RESOLVED,
                resolved=560,
            ),
        ),
        actions=(
            Action(
                "Afspraken over de pool vastleggen in het onderhoudscontract",
                EVA,
                days=200,
                due=-120,
                status=A.DONE,
                done=125,
            ),
        ),
        comments=(
            Remark(
                88,
                PM,
                "Mooi resultaat. Dit nemen we mee als voorbeeld in de werkgroep: **van elf naar vier "
                "dagen stilstand**.",
            ),
        ),
        result="De gemiddelde stilstand door ontbrekende onderdelen daalde van elf naar vier dagen. "
        "De pool is opgenomen in het onderhoudscontract en wordt door DGS en Scania samen beheerd.",
        lessons=(
            "Begin met een korte lijst kritieke onderdelen: veertig bleek genoeg voor het grootste "
            "deel van de stilstand.",
            "Eén gedeeld overzicht van wat waar ligt bleek belangrijker dan de voorraad zelf.",
        ),
    ),
    Demo(
        title="Knelpunten leveringszekerheid (vertrouwelijk)",
        owner="dgs",
        tlp=TLP.RED,
        phase=Phase.EXPLORATION,
        summary="Overzicht van leveranciers met leveringsproblemen; alleen voor genoemde personen.",
        why="Een aantal leveranciers heeft moeite onderdelen op tijd te leveren. Een volledig beeld "
        "ontbreekt en de informatie is bedrijfsgevoelig.",
        how="DGS houdt een overzicht bij van leveranciers met leveringsproblemen en bespreekt dat "
        "alleen met de programmamanager van de LMI-cel.",
        origin=Origin.PULL,
        effects=(Effect.SUPPLY,),
        expected_effect="Tekorten eerder zien aankomen en samen met de leverancier oplossen.",
        themes=("supply-chain-reservedelen",),
        systems=(),
        requirement_owner="dgs",
        lead=EVA,
        deputy=PM,
        people=(EVA, PM),
        history=(Step(120, Phase.IDEA), Step(80, Phase.EXPLORATION)),
        obstacles=(
            Block(
                "Leverancier meldde een tekort aan remschijven pas bij de bestelling",
                C.RAISED_LATE,
                "Het tekort was al maanden bekend bij de leverancier, maar werd pas gemeld toen de "
                "werkplaats bestelde.",
                EVA,
                raised=35,
            ),
        ),
        actions=(Action("Overzicht bijwerken voor het kwartaaloverleg", EVA, days=30, due=7),),
        comments=(
            Remark(
                28,
                PM,
                "Dank voor het overzicht. Laten we de drie meest kritieke leveranciers apart "
                "bespreken, buiten de werkgroep.",
            ),
        ),
    ),
    Demo(
        title="Digital twin Leopard 2A8",
        owner="dgs",
        tlp=TLP.GREEN,
        phase=Phase.PAUSED,
        summary="Een digitaal evenbeeld van de Leopard 2A8 waarmee werkplaats en eenheid slijtage "
        "volgen en onderhoud vooruit plannen.",
        why="De nieuwe Leopard 2A8 komt vanaf 2027. Als we nu afspraken maken over data en modellen, "
        "hoeven we achteraf niet te onderhandelen over toegang tot de voertuigdata.",
        how="TNO en DGS verkennen welk model en welke data nodig zijn; DDVS brengt de ervaring met de "
        "digitale tweeling van de CV90 in. We beginnen met één subsysteem: de koeling van het "
        "aandrijfpakket.",
        origin=Origin.PUSH,
        effects=(Effect.READINESS, Effect.KNOWLEDGE),
        expected_effect="Onderhoud op basis van de werkelijke slijtage vanaf het eerste voertuig.",
        themes=("digital-twins", "slim-voorspellend-onderhoud", "data-ai"),
        systems=("leopard-2a8", "cv90"),
        requirement_owner="43mechbrig",
        lead=EVA,
        deputy=JORIS,
        participants=(
            Part(
                "tno",
                "Kennispartner",
                "Modellen en ervaring met digitale tweelingen.",
                "Toegang tot praktijkdata voor het onderzoek.",
            ),
            Part(
                "43mechbrig",
                "Toekomstige gebruiker",
                "Ervaring van tankbemanningen en monteurs.",
                "Een voertuig dat minder vaak onverwacht uitvalt.",
            ),
            Part(
                "ddvs",
                "Industriepartner",
                "Ervaring met de digitale tweeling van de CV90.",
                "Een plek in de ondersteuning van de Leopard 2A8.",
            ),
        ),
        history=(
            Step(280, Phase.IDEA),
            Step(230, Phase.EXPLORATION),
            Step(
                100,
                Phase.PAUSED,
                "De eerste voertuigen komen pas in 2027 en de fabrikant deelt de technische data nog "
                "niet. We pakken dit weer op zodra er een data-afspraak ligt in het "
                "verwervingstraject.",
                PM,
            ),
        ),
        obstacles=(
            Block(
                "Fabrikant deelt de voertuigdata (nog) niet",
                C.IP_LIABILITY,
                "Zonder technische data van het aandrijfpakket kan TNO geen model bouwen. De afspraak "
                "hoort in het verwervingscontract.",
                EVA,
                raised=110,
            ),
        ),
        actions=(
            Action(
                "Data-afspraak inbrengen bij het verwervingsteam",
                PM,
                days=100,
                due=-70,
                status=A.DONE,
                done=75,
            ),
            Action("Opnieuw agenderen na levering van het eerste voertuig", EVA, days=100, due=240),
        ),
        comments=(
            Remark(
                98,
                JORIS,
                "Jammer, maar logisch. Onze ervaring met de CV90 leert dat data-afspraken achteraf "
                "bijna niet meer lukken; goed dat dit nu bij het verwervingsteam ligt.",
            ),
        ),
    ),
    Demo(
        title="Drones voor spoedlevering van onderdelen op het oefenterrein",
        owner="13lbrig",
        tlp=TLP.GREEN,
        phase=Phase.STOPPED,
        summary="Kleine onderdelen met een drone van de veldwerkplaats naar een stilgevallen voertuig "
        "op het oefenterrein brengen.",
        why="Op grote oefenterreinen duurt het uren voordat een monteur met een klein onderdeel bij "
        "een stilgevallen voertuig is.",
        how="Een proef met een vrachtdrone tussen de veldwerkplaats en drie vaste afhaalpunten op het "
        "oefenterrein, met onderdelen tot vijf kilo.",
        origin=Origin.PUSH,
        effects=(Effect.READINESS,),
        expected_effect="Voertuigen binnen een uur weer rijdend in plaats van een halve dag.",
        themes=("transport", "veldonderhoud"),
        systems=("bushmaster", "boxer"),
        requirement_owner="13lbrig",
        lead=RUBEN,
        deputy=TOM,
        participants=(
            Part(
                "bp3d",
                "Industriepartner",
                "Geprinte houders om onderdelen veilig in de drone te vervoeren.",
                "Praktijkervaring met lichte constructies.",
            ),
            Part(
                "tno",
                "Kennispartner",
                "Advies over vliegveiligheid en luchtruim.",
                "Gebruikerseisen voor logistieke drones.",
            ),
        ),
        history=(
            Step(400, Phase.IDEA),
            Step(350, Phase.EXPLORATION),
            Step(300, Phase.ELABORATION),
            Step(220, Phase.PILOT),
            Step(
                140,
                Phase.STOPPED,
                "De luchtruimregels en beveiligingseisen voor drones boven oefenterreinen maken een "
                "structurele inzet de komende jaren onhaalbaar. De ervaringen zijn vastgelegd en "
                "gedeeld met TNO.",
                PM,
            ),
        ),
        obstacles=(
            Block(
                "Geen toestemming voor vluchten buiten zicht van de bestuurder",
                C.SECURITY,
                "Voor vluchten buiten zicht is per vlucht toestemming nodig; dat past niet bij "
                "spoedleveringen.",
                RUBEN,
                raised=180,
            ),
        ),
        actions=(
            Action(
                "Ervaringen vastleggen als kennisitem",
                RUBEN,
                days=140,
                due=-135,
                status=A.DONE,
                done=130,
            ),
        ),
        comments=(
            Remark(
                138,
                TOM,
                "Jammer dat het stopt. De geprinte houders werkten goed; de ontwerpen zijn "
                "beschikbaar voor wie ze wil gebruiken.",
            ),
        ),
    ),
    Demo(
        title="Ketendata reservedelen: voorraad en levertijden delen",
        owner="ddvs",
        tlp=TLP.GREEN,
        phase=Phase.EXPLORATION,
        summary="Bedrijven en DGS delen voorraad en verwachte levertijden van kritieke onderdelen, "
        "zodat een tekort eerder zichtbaar wordt.",
        why="Tekorten aan onderdelen worden nu pas zichtbaar als een werkplaats bestelt. Iedere partij "
        "ziet alleen het eigen stuk van de keten.",
        how="We beginnen met twintig kritieke onderdelen van CV90 en Boxer. Elke partij levert "
        "wekelijks voorraad en levertijd aan in een eenvoudig gedeeld formaat, zonder prijzen of "
        "tarieven. DGS maakt er één overzicht van.",
        origin=Origin.PULL,
        effects=(Effect.SUPPLY, Effect.READINESS),
        expected_effect="Een tekort weken eerder zien aankomen, zodat er tijd is om bij te sturen.",
        themes=("supply-chain-reservedelen", "data-ai"),
        systems=("cv90", "boxer"),
        requirement_owner="dgs",
        lead=JORIS,
        deputy=EVA,
        participants=(
            Part(
                "dgs",
                "Beheerder van het overzicht",
                "Vraagprognose en de voorraad in de eigen magazijnen.",
                "Eerder zicht op tekorten.",
            ),
        ),
        invites=(
            Invite(
                "rmmv",
                SANNE,
                days=12,
                message="RMMV levert veel onderdelen voor de Boxer. Doen jullie mee met de eerste "
                "twintig onderdelen? Alleen voorraad en levertijden, geen prijzen.",
            ),
        ),
        history=(Step(75, Phase.IDEA), Step(40, Phase.EXPLORATION)),
        obstacles=(
            Block(
                "Bedrijven aarzelen voorraaddata te delen met concurrenten",
                C.TRUST,
                "Voorraad zegt iets over omzet. Nodig is een afspraak dat alleen DGS de ruwe data ziet "
                "en de andere partners een samenvatting.",
                JORIS,
                raised=35,
            ),
        ),
        actions=(
            Action("Lijst met twintig kritieke onderdelen vaststellen", EVA, days=35, due=5),
            Action(
                "Voorstel voor het gegevensformaat rondsturen",
                JORIS,
                days=30,
                due=-8,
                status=A.DONE,
                done=10,
            ),
        ),
        comments=(
            Remark(
                12,
                SANNE,
                "Ik heb RMMV uitgenodigd om mee te doen: zonder hun Boxer-onderdelen is het overzicht "
                "maar half.",
            ),
        ),
    ),
    Demo(
        title="Gedeelde monteurspool wielvoertuigen",
        owner="rmmv",
        tlp=TLP.GREEN,
        phase=Phase.ELABORATION,
        summary="Bij piekdrukte in een werkplaats springen monteurs van een andere partner bij, op "
        "basis van vooraf afgesproken inzet.",
        why="Werkplaatsen van Defensie en de bedrijven hebben piek en dal op verschillende momenten. "
        "Monteurs wachten op werk terwijl elders voertuigen op een monteur wachten.",
        how="Een pool van monteurs die al gescreend zijn en de veiligheidsinstructie van de andere "
        "werkplaatsen hebben gevolgd. Een werkplaats met een piek vraagt via de pool aan; de "
        "verrekening spreken de partners onderling af, buiten de portal.",
        origin=Origin.PULL,
        effects=(Effect.READINESS, Effect.PEOPLE),
        expected_effect="Kortere doorlooptijd in de werkplaats tijdens pieken, zonder extra personeel.",
        themes=("personeel", "veldonderhoud"),
        systems=("boxer", "scania-gryphus"),
        requirement_owner="13lbrig",
        lead=LOTTE,
        deputy=DAAN,  # both RMMV while three other organisations take part
        participants=(
            Part(
                "ddvs",
                "Poolpartner",
                "Twee monteurs wielvoertuigen.",
                "Hulp bij de eigen pieken.",
            ),
            Part(
                "dgs",
                "Werkplaats",
                "Werkplaatsruimte en de veiligheidsinstructie.",
                "Extra handen bij grote revisies.",
            ),
            Part(
                "13lbrig",
                "Gebruiker",
                "Aanvragen bij piekdrukte en feedback op de inzet.",
                "Voertuigen die sneller terug zijn bij de eenheid.",
            ),
        ),
        history=(
            Step(180, Phase.IDEA),
            Step(150, Phase.EXPLORATION),
            Step(60, Phase.ELABORATION),
        ),
        obstacles=(
            Block(
                "Werkplaatsen hebben geen tijd om gastmonteurs in te werken",
                C.CAPACITY,
                "Juist tijdens een piek is er niemand om een gastmonteur wegwijs te maken. We zoeken "
                "naar een vaste inwerkdag vooraf.",
                DAAN,
                raised=40,
            ),
        ),
        actions=(
            Action(
                "Veiligheidsinstructie DGS-werkplaats voor poolmonteurs plannen",
                EVA,
                days=40,
                due=12,
            ),
        ),
        comments=(
            Remark(
                55,
                EVA,
                "DGS doet mee, maar de veiligheidsinstructie is verplicht voor iedereen die in onze "
                "werkplaats werkt. Die duurt een dag.",
            ),
            Remark(
                8,
                DAAN,
                "Eerste proefaanvraag: 13 Lichte Brigade vraagt twee monteurs voor week 12. Wie kan?",
            ),
        ),
    ),
    Demo(
        title="Mobiele veldwerkplaats Bushmaster",
        owner="13lbrig",
        tlp=TLP.GREEN,
        phase=Phase.ELABORATION,
        summary="Een werkplaats in een container die met de eenheid meegaat, ingericht voor het "
        "onderhoud van de Bushmaster in het veld.",
        why="Bij oefeningen en inzet gaan Bushmasters terug naar de vaste werkplaats voor onderhoud "
        "dat ook in het veld had gekund. Dat kost dagen.",
        how="13 Lichte Brigade en Van Halteren Metaal richten een container in met gereedschap, een "
        "hefinrichting en een voorraad slijtdelen. Eerst een proefopstelling op de kazerne, daarna "
        "mee op oefening.",
        origin=Origin.PULL,
        effects=(Effect.READINESS, Effect.COST),
        expected_effect="Klein onderhoud in het veld in plaats van een rit naar de vaste werkplaats.",
        themes=("veldonderhoud", "transport"),
        systems=("bushmaster",),
        requirement_owner="13lbrig",
        lead=RUBEN,
        deputy=None,
        participants=(
            Part(
                "vhm",
                "Bouwer van de container",
                "Ontwerp en bouw van de inrichting.",
                "Een product dat ook bij andere eenheden kan worden ingezet.",
            ),
            Part(
                "dgs",
                "Werkplaats",
                "Gereedschapslijsten en de keuring van de hefinrichting.",
                "Minder voertuigen die voor klein onderhoud naar de vaste werkplaats komen.",
            ),
        ),
        history=(
            Step(250, Phase.IDEA),
            Step(200, Phase.EXPLORATION),
            Step(120, Phase.ELABORATION),
        ),
        obstacles=(
            Block(
                "Penvoerder op uitzending; niemand neemt het over",
                C.ONE_PERSON,
                "De penvoerder is drie maanden op uitzending en er is geen plaatsvervanger. Het "
                "contact met Van Halteren Metaal ligt stil.",
                None,
                raised=62,
            ),
        ),
        actions=(
            Action("Tekening van de containerinrichting goedkeuren", RUBEN, days=90, due=-45),
        ),
        comments=(
            Remark(
                64,
                RUBEN,
                "Ik ga drie maanden op uitzending. Wie kan zolang het contact met Van Halteren "
                "Metaal overnemen?",
            ),
        ),
        # Quiet for two months: the dormancy scan flagged it when it passed the limit (42 days
        # by default), so it shows as dormant at once.
        active=60,
        dormant=True,
    ),
    Demo(
        title="Storingsdiagnose met een AI-assistent voor monteurs",
        owner="ddvs",
        tlp=TLP.GREEN,
        phase=Phase.IDEA,
        summary="Een assistent die monteurs helpt een storing te vinden op basis van de foutcodes, de "
        "handboeken en eerdere reparaties.",
        why="Ervaren monteurs vertrekken en nemen hun kennis mee. Jonge monteurs zoeken lang in "
        "handboeken naar de oorzaak van een storing.",
        how="Een proef met de handboeken en de reparatiehistorie van de CV90: de assistent stelt op "
        "basis van de foutcode een volgorde van controles voor. Alles draait binnen het "
        "Defensienetwerk; er gaat geen data naar buiten.",
        origin=Origin.PUSH,
        effects=(Effect.PEOPLE, Effect.KNOWLEDGE, Effect.READINESS),
        expected_effect="Sneller de oorzaak van een storing vinden, ook zonder de ervaren collega "
        "naast je.",
        themes=("data-ai", "opleiding-training"),
        systems=("cv90",),
        requirement_owner="43mechbrig",
        lead=JORIS,
        deputy=SANNE,
        history=(Step(9, Phase.IDEA),),
        comments=(
            Remark(
                6,
                PM,
                "Goed idee. Let op: handboeken kunnen onder exportregels vallen. Stem met DGS af "
                "voordat er iets buiten het Defensienetwerk komt.",
            ),
        ),
    ),
)


def _ago(now: datetime, days: int) -> datetime:
    # Events land on working hours of their day, which reads better than "now minus n days".
    moment = now - timedelta(days=days)
    return moment.replace(hour=9 + days % 8, minute=(days * 7) % 60, second=0, microsecond=0)


def _last_activity_days(spec: Demo) -> int:
    if spec.active is not None:
        return spec.active
    days = [step.days for step in spec.history]
    days += [c.days for c in spec.comments] + [i.days for i in spec.invites]
    days += [a.days for a in spec.actions] + [a.done for a in spec.actions if a.done is not None]
    for block in spec.obstacles:
        days += [d for d in (block.raised, block.resolved, block.escalated) if d is not None]
    return min(days)


def _seed_one(
    spec: Demo,
    initiative: Initiative,
    orgs: dict[str, Organisation],
    users: dict[str, User],
    groups: dict[str, Any],
    now: datetime,
) -> None:
    """Fill one demo initiative: story, people, history, obstacles, actions and comments."""
    today = timezone.localdate()
    lead = users[spec.lead]
    initiative.summary = spec.summary
    initiative.why = spec.why
    initiative.how = spec.how
    initiative.origin = spec.origin
    initiative.effects = [str(code) for code in spec.effects]
    initiative.expected_effect = spec.expected_effect
    initiative.phase = spec.phase
    initiative.tlp = spec.tlp
    initiative.requirement_owner = orgs[spec.requirement_owner]
    initiative.lead = lead
    initiative.deputy = users[spec.deputy] if spec.deputy else None
    initiative.created_by = lead
    initiative.result = spec.result
    initiative.lessons = list(spec.lessons)
    initiative.save()
    initiative.themes.set(Theme.objects.filter(slug__in=spec.themes))
    initiative.systems.set(System.objects.filter(slug__in=spec.systems))
    initiative.shared_with_groups.set([groups[name] for name in spec.groups])
    initiative.shared_with_people.set([users[email] for email in spec.people])

    created = _ago(now, spec.history[0].days)
    for part in spec.participants:
        participation, _ = Participation.objects.update_or_create(
            initiative=initiative,
            organisation=orgs[part.org],
            defaults={"role": part.role, "brings": part.brings, "gets": part.gets},
        )
        Participation.objects.filter(pk=participation.pk).update(
            created_at=created, updated_at=created
        )
    for invite in spec.invites:
        row, _ = ParticipationInvite.objects.get_or_create(
            initiative=initiative,
            organisation=orgs[invite.org],
            status=ParticipationInvite.Status.PENDING,
            defaults={"message": invite.message, "invited_by": users[invite.invited_by]},
        )
        sent = _ago(now, invite.days)
        ParticipationInvite.objects.filter(pk=row.pk).update(created_at=sent, updated_at=sent)

    previous = ""
    for step in spec.history:
        PhaseChange.objects.create(
            initiative=initiative,
            from_phase=previous,
            to_phase=step.to,
            reason=step.reason,
            actor=users[step.actor] if step.actor else lead,
            created_at=_ago(now, step.days),
        )
        previous = step.to
    if previous != spec.phase:
        raise ValueError(f"{spec.title}: the history ends in {previous}, not in {spec.phase}")

    for block in spec.obstacles:
        obstacle, _ = Obstacle.objects.get_or_create(
            initiative=initiative,
            title=block.title,
            defaults={
                "description": block.description,
                "category": block.category,
                "owner": users[block.owner] if block.owner else None,
                "status": block.status,
                "raised_on": today - timedelta(days=block.raised),
                "resolved_on": (
                    today - timedelta(days=block.resolved) if block.resolved is not None else None
                ),
                "escalated_at": (
                    _ago(now, block.escalated) if block.escalated is not None else None
                ),
                "escalated_by": users[PM] if block.escalated is not None else None,
                "created_by": users[block.owner] if block.owner else lead,
            },
        )
        changed = min(d for d in (block.raised, block.resolved, block.escalated) if d is not None)
        Obstacle.objects.filter(pk=obstacle.pk).update(
            created_at=_ago(now, block.raised), updated_at=_ago(now, changed)
        )
    for action in spec.actions:
        item, _ = ActionItem.objects.get_or_create(
            initiative=initiative,
            title=action.title,
            defaults={
                "owner": users[action.owner],
                "due_date": today + timedelta(days=action.due),
                "status": action.status,
                "done_at": _ago(now, action.done) if action.done is not None else None,
                "created_by": lead,
            },
        )
        ActionItem.objects.filter(pk=item.pk).update(
            created_at=_ago(now, action.days),
            updated_at=_ago(now, action.done if action.done is not None else action.days),
        )
    for remark in spec.comments:
        Comment.objects.get_or_create(
            initiative=initiative,
            author=users[remark.author],
            body=remark.body,
            defaults={
                "body_html": render_markdown(remark.body),
                "created_at": _ago(now, remark.days),
            },
        )

    # Last, with update(): auto_now would overwrite these on save().
    last_activity = _ago(now, _last_activity_days(spec))
    idle = timedelta(days=settings.INITIATIVE_DORMANT_AFTER_DAYS)
    Initiative.objects.filter(pk=initiative.pk).update(
        created_at=created,
        updated_at=last_activity,
        last_activity_at=last_activity,
        phase_changed_at=_ago(now, spec.history[-1].days),
        closed_at=_ago(now, spec.history[-1].days) if spec.phase == Phase.EMBEDDED else None,
        dormant_since=min(now, last_activity + idle) if spec.dormant else None,
    )


@transaction.atomic
def seed_demo(data: dict[str, Any]) -> None:
    orgs: dict[str, Organisation] = data["organisations"]
    users: dict[str, User] = data["users"]
    groups = data["sharing_groups"]
    now = timezone.now()
    seeded: dict[str, Initiative] = {}
    for spec in DEMO_INITIATIVES:
        initiative, _ = Initiative.objects.get_or_create(
            title=spec.title,
            owner_organisation=orgs[spec.owner],
            defaults={"summary": spec.summary, "phase": spec.phase, "tlp": spec.tlp},
        )
        # Phase history marks an initiative as filled (by an earlier run, or by someone
        # working on it in the portal): leave it as it is.
        if not initiative.phase_changes.exists():
            _seed_one(spec, initiative, orgs, users, groups, now)
        seeded[spec.title] = initiative
    search_words_register(
        text for spec in DEMO_INITIATIVES for text in (spec.title, spec.summary, spec.why, spec.how)
    )
    data["initiatives"] = seeded


# --- Scale data -------------------------------------------------------------------------------

SCALE_PREFIX = "Schaalinitiatief "
WORDS = [
    "onderhoud",
    "reservedelen",
    "sensoren",
    "opleiding",
    "logistiek",
    "digital twin",
    "3D-printen",
    "veldwerkplaats",
    "contractvorm",
    "monteurs",
    "Boxer",
    "CV90",
    "Fennek",
    "Leopard 2A8",
    "Bushmaster",
    "DAF",
    "Vector",
    "radar",
    "data",
    "voorraad",
]
SCALE_COMMENTS = [
    "Goed initiatief. Wij kunnen **twee monteurs** vrijmaken voor de proef.",
    "Besproken in de werkgroep:\n\n- planning akkoord\n- budget nog open\n- volgende stap in "
    "het voorjaar",
    "Vergelijkbare ervaring bij ons: de levertijd was het grootste probleem, niet de techniek.",
    "Kan iemand de tekeningen delen? Dan kijken we of we het onderdeel zelf kunnen maken.",
    "Stand van zaken:\n\n1. Eerste metingen binnen\n2. Analyse loopt\n3. Terugkoppeling in de "
    "werkgroep",
    "Let op de beveiligingseisen voordat er data buiten het Defensienetwerk gaat.",
    "Wij willen graag meedoen, vooral om te leren van de *praktijkervaringen*.",
    "De evaluatie staat in het verslag van de werkgroep.",
]
SCALE_OBSTACLES = [
    "Budget voor de proef ontbreekt",
    "Aanbesteding duurt langer dan gepland",
    "Data mag niet buiten het Defensienetwerk",
    "Geen monteurs beschikbaar in de oefenperiode",
    "Eigendom van tekeningen onduidelijk",
    "Alleen de penvoerder weet hoe het zit",
    "Afdelingen wachten op elkaar",
]
SCALE_ACTIONS = [
    "Planning afstemmen met de werkplaats",
    "Voorstel voorleggen in de werkgroep",
    "Contactpersoon bij de partner zoeken",
    "Kosten en baten op een rij zetten",
    "Resultaten delen als kennisitem",
    "Beveiligingstoets aanvragen",
]


def _sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]


def _scale_sentences() -> tuple[list[str], list[str], list[str]]:
    """The sentences of the demo initiatives' summaries, reasons and approaches.

    Scale initiatives are written from them, so the scale data has the vocabulary of real
    initiatives: a few hundred words, most in a minority of the texts. (Texts strung from a
    handful of words make every initiative match every search, and leave PostgreSQL without
    the word statistics it needs to plan a full-text search: under 100 common words, it
    guesses.)
    """
    return (
        [s for demo in DEMO_INITIATIVES for s in _sentences(demo.summary)],
        [s for demo in DEMO_INITIATIVES for s in _sentences(demo.why)],
        [s for demo in DEMO_INITIATIVES for s in _sentences(demo.how)],
    )


def _scale_path(rng: random.Random, phase: str) -> list[str]:
    """The phases an initiative went through to reach ``phase``: at most four steps."""
    if phase in PHASE_ORDER:
        path = list(PHASE_ORDER[: PHASE_ORDER.index(phase) + 1])
    else:  # paused or stopped, from somewhere on the main line
        path = [*PHASE_ORDER[: rng.randint(1, len(PHASE_ORDER) - 1)], phase]
    return path[-rng.randint(1, 4) :]


def _scale_members() -> dict[int, list[int]]:
    """Current members of the scale organisations, per organisation."""
    by_org: dict[int, list[int]] = defaultdict(list)
    for user_id, org_id in (
        Membership.objects.current()
        .filter(user__email__endswith="@scale.example")
        .order_by("pk")
        .values_list("user_id", "organisation_id")
    ):
        by_org[org_id].append(user_id)
    return by_org


def _scale_initiatives(
    rng: random.Random, count: int, start: int, org_ids: list[int], now: datetime
) -> None:
    members = _scale_members()
    defence = (
        list(
            Organisation.objects.filter(
                pk__in=org_ids, kind=Organisation.Kind.DEFENCE_UNIT
            ).values_list("pk", flat=True)
        )
        or org_ids
    )
    phases = [p for p, _ in Phase.choices]
    tlps = [TLP.GREEN] * 5 + [TLP.AMBER] * 3 + [TLP.AMBER_STRICT, TLP.CLEAR, TLP.RED]
    effects = [e for e, _ in Effect.choices]
    # As if the daily dormancy scan had been running all along: every initiative idle for
    # longer than the limit was flagged the day it passed it.
    idle = timedelta(days=settings.INITIATIVE_DORMANT_AFTER_DAYS)
    summaries, reasons, approaches = _scale_sentences()
    rows = []
    for i in range(start, start + count):
        owner = rng.choice(org_ids)
        people = members.get(owner, [])
        lead = rng.choice(people) if people else None
        deputies = [pk for pk in people if pk != lead]
        phase = rng.choice(phases)
        last_activity = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        changed = last_activity - timedelta(minutes=rng.randint(0, 120 * 24 * 60))
        rows.append(
            Initiative(
                title=f"{SCALE_PREFIX}{i:06d}: {rng.choice(WORDS)} en {rng.choice(WORDS)}",
                summary=" ".join(rng.sample(summaries, k=2)),
                why=" ".join(rng.sample(reasons, k=rng.randint(2, 3))),
                how=" ".join(rng.sample(approaches, k=rng.randint(2, 3))),
                origin=rng.choice((Origin.PUSH, Origin.PULL)),
                effects=rng.sample(effects, k=rng.randint(1, 2)),
                phase=phase,
                tlp=rng.choice(tlps),
                owner_organisation_id=owner,
                requirement_owner_id=rng.choice(defence),
                lead_id=lead,
                deputy_id=rng.choice(deputies) if deputies and rng.random() < 0.7 else None,
                created_by_id=lead,
                last_activity_at=last_activity,
                phase_changed_at=changed,
                closed_at=changed if phase == Phase.EMBEDDED else None,
                result="Opgenomen in de reguliere werkwijze." if phase == Phase.EMBEDDED else "",
                dormant_since=last_activity + idle
                if phase in ACTIVE_PHASES and now - last_activity > idle
                else None,
            )
        )
    Initiative.objects.bulk_create(rows, batch_size=2000)
    # The word list of typo correction, as the services keep it (words already there stay).
    search_words_register(
        text for row in rows for text in (row.title, row.summary, row.why, row.how)
    )


def _scale_work(rng: random.Random, org_ids: list[int]) -> None:
    """Give every scale initiative without phase history its participants, themes, systems,
    history, obstacles, actions and comments."""
    todo = list(
        Initiative.objects.filter(title__startswith=SCALE_PREFIX, phase_changes__isnull=True)
        .order_by("pk")
        .values_list(
            "pk",
            "owner_organisation_id",
            "phase",
            "lead_id",
            "last_activity_at",
            "phase_changed_at",
        )
    )
    if not todo:
        return
    first_pk = todo[0][0]
    has_participants = set(
        Participation.objects.filter(
            initiative__title__startswith=SCALE_PREFIX, initiative_id__gte=first_pk
        ).values_list("initiative_id", flat=True)
    )
    members = _scale_members()
    theme_ids = list(Theme.objects.values_list("pk", flat=True))
    system_ids = list(System.objects.values_list("pk", flat=True))
    rendered = {body: render_markdown(body) for body in SCALE_COMMENTS}
    today = timezone.localdate()
    categories = [c for c, _ in Obstacle.Category.choices]
    parts, themes, systems, history, obstacles, actions, comments = [], [], [], [], [], [], []
    ThemeLink = Initiative.themes.through
    SystemLink = Initiative.systems.through
    for pk, owner, phase, lead, last_activity, changed in todo:
        # People of the owner organisation: they see the initiative whatever its marking
        # (short of RED), so they own its actions and write its comments.
        colleagues = members.get(owner) or [lead]
        changed = min(changed, last_activity)
        created = changed - timedelta(days=rng.randint(0, 400))
        if pk not in has_participants:
            others = [org for org in org_ids if org != owner] or org_ids
            for org in rng.sample(others, k=min(rng.randint(1, 3), len(others))):
                parts.append(
                    Participation(
                        initiative_id=pk,
                        organisation_id=org,
                        role=rng.choice(("Partner", "Gebruiker", "Kennispartner")),
                        brings=" ".join(rng.choice(WORDS) for _ in range(6)),
                        gets=" ".join(rng.choice(WORDS) for _ in range(6)),
                    )
                )
        for theme in rng.sample(theme_ids, k=min(rng.randint(1, 3), len(theme_ids))):
            themes.append(ThemeLink(initiative_id=pk, theme_id=theme))
        for system in rng.sample(system_ids, k=min(rng.randint(0, 2), len(system_ids))):
            systems.append(SystemLink(initiative_id=pk, system_id=system))
        path = _scale_path(rng, phase)
        span = (changed - created) / max(len(path) - 1, 1)
        previous = ""
        for step, to_phase in enumerate(path):
            moment = changed if step == len(path) - 1 else created + span * step
            reason = "" if to_phase in PHASE_ORDER else "Besproken in de werkgroep."
            history.append(
                PhaseChange(
                    initiative_id=pk,
                    from_phase=previous,
                    to_phase=to_phase,
                    reason=reason,
                    actor_id=lead,
                    created_at=moment,
                )
            )
            previous = to_phase
        active_days = max((last_activity - created).days, 1)
        if rng.random() < 1 / 3:
            raised = (created + timedelta(days=rng.randint(0, active_days))).date()
            status = rng.choice((S.OPEN, S.OPEN, S.IN_PROGRESS, S.RESOLVED))
            escalated = status != S.RESOLVED and rng.random() < 0.15
            obstacles.append(
                Obstacle(
                    initiative_id=pk,
                    title=rng.choice(SCALE_OBSTACLES),
                    category=rng.choice(categories),
                    owner_id=lead,
                    status=status,
                    raised_on=raised,
                    resolved_on=min(raised + timedelta(days=rng.randint(5, 60)), today)
                    if status == S.RESOLVED
                    else None,
                    escalated_at=last_activity if escalated else None,
                    escalated_by_id=lead if escalated else None,
                    created_by_id=lead,
                )
            )
        for _ in range(rng.choice((0, 1, 2, 2, 3, 4))):
            state = rng.choice((A.OPEN, A.OPEN, A.OPEN, A.DONE, A.DONE, A.CANCELLED))
            actions.append(
                ActionItem(
                    initiative_id=pk,
                    title=rng.choice(SCALE_ACTIONS),
                    owner_id=rng.choice(colleagues) if rng.random() < 0.5 else lead,
                    # Due from two months ago to three months ahead: some open ones are
                    # overdue, as in real life.
                    due_date=today + timedelta(days=rng.randint(-60, 90)),
                    status=state,
                    done_at=last_activity if state == A.DONE else None,
                    created_by_id=lead,
                )
            )
        for _ in range(rng.choice((0, 0, 1, 1))):
            body = rng.choice(SCALE_COMMENTS)
            comments.append(
                Comment(
                    initiative_id=pk,
                    author_id=rng.choice(colleagues),
                    body=body,
                    body_html=rendered[body],
                    created_at=created + timedelta(minutes=rng.randint(0, active_days * 24 * 60)),
                )
            )
    Participation.objects.bulk_create(parts, batch_size=2000, ignore_conflicts=True)
    ThemeLink.objects.bulk_create(themes, batch_size=2000, ignore_conflicts=True)
    SystemLink.objects.bulk_create(systems, batch_size=2000, ignore_conflicts=True)
    PhaseChange.objects.bulk_create(history, batch_size=2000)
    Obstacle.objects.bulk_create(obstacles, batch_size=2000)
    ActionItem.objects.bulk_create(actions, batch_size=2000)
    Comment.objects.bulk_create(comments, batch_size=2000)
    # bulk_create stamped created_at/updated_at with now: date them from the history instead.
    first_change = PhaseChange.objects.filter(initiative=OuterRef("pk")).order_by("created_at")
    Initiative.objects.filter(title__startswith=SCALE_PREFIX, pk__gte=first_pk).update(
        created_at=Subquery(first_change.values("created_at")[:1]),
        updated_at=F("last_activity_at"),
    )


@transaction.atomic
def seed_scale(data: dict[str, Any]) -> None:
    """Top up to ``data['n_initiatives']`` scale initiatives across every TLP level and phase,
    each with participants, themes, systems, phase history and some obstacles, actions and
    comments, spread over the last year."""
    rng = random.Random(data.get("seed", 2026))
    target = int(data["n_initiatives"])
    org_ids: list[int] = data["scale_organisation_ids"]
    vocabularies_ensure(Theme, System)
    now = timezone.now()
    existing = Initiative.objects.filter(title__startswith=SCALE_PREFIX).count()
    if target > existing:
        _scale_initiatives(rng, target - existing, existing, org_ids, now)
    _scale_work(rng, org_ids)
