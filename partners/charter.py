# ruff: noqa: E501  (prose kept on one line per paragraph, as shown to people)
"""The first common understanding (version 1), published by migration 0003.

seed_demo publishes it too, for databases emptied after migrating (e.g. browser tests).
Later versions are published by portal admins; never edit this text, it is history.
"""

TEXT_NL = """Het LMI Portaal is de werkplaats van het Land Maintenance Initiative: geen contracten maar contacten.

1. We delen ervaringen, ideeën en knelpunten om de inzetgereedheid van het materieel te verbeteren.
2. We delen nooit tarieven, prijzen of andere concurrentiegevoelige informatie.
3. We respecteren de rubricering (TLP) van elk item en delen niets verder dan die toestaat.
4. Dit portaal bevat geen gerubriceerde informatie; die hoort hier niet.
5. We houden onze eigen gegevens en contacten actueel en melden het als iemand van functie wisselt.
6. We spreken elkaar aan op gedrag, niet via formulieren."""

TEXT_EN = """The LMI Portal is the workshop of the Land Maintenance Initiative: contacts, not contracts.

1. We share experiences, ideas and obstacles to improve the readiness of the equipment.
2. We never share rates, prices or other competition-sensitive information.
3. We respect every item's marking (TLP) and share nothing beyond what it allows.
4. This portal holds no classified information; it does not belong here.
5. We keep our own details and contacts current and say so when someone changes jobs.
6. We talk to each other about conduct, not through forms."""
