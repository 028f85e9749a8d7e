"""The closed lists of values that the enumerated fields of a case hold, in the terms of the law.

A rule file compares these fields only with the values listed here (the loader checks it), and a
case holding any other value is refused with the nearest one suggested.
"""

from __future__ import annotations

from typing import Literal

HelpKind = Literal[
    "basisondersteuning",
    "extra_ondersteuning",
    "jeugdhulp",
    "begeleiding",
    "persoonlijke_verzorging",
    "verpleging",
    "intensieve_kindzorg",
    "logopedie",
    "dyslexiezorg",
    "huiswerkbegeleiding",
    "remedial_teaching",
    "leerlingenvervoer",
    "jeugdbescherming",
    "jeugdreclassering",
    "toelaatbaarheidsverklaring",
    "diagnostiek_behandeling",
    "dagbesteding",
    "sociaal_contact",
    "spraak_taalscreening",
    "schoolmaatschappelijk_werk",
    "thuiszittertraject",
    "rebound",
    "onderwijszorgarrangement",
]
Access = Literal["individueel", "collectief"]
SchoolKind = Literal["basisonderwijs", "sbo", "so", "vso", "vo", "pro"]
Referrer = Literal[
    "school",
    "ouders",
    "jeugdige",
    "huisarts",
    "jeugdarts",
    "medisch_specialist",
    "gemeente",
    "gecertificeerde_instelling",
]

Authority = Literal["beide_ouders", "een_ouder", "voogdij", "meerderjarig"]
StayKind = Literal[
    "jeugdhulpaanbieder",
    "pleegzorg",
    "gezinshuis",
    "jji",
    "beschermd_wonen",
    "opvang",
    "logeren_regelmatig",
    "logeren_incidenteel",
]
TlvSituation = Literal[
    "verwijzing",
    "eerste_inschrijving",
    "vanuit_buitenland",
    "verlenging",
    "overstap_met_tlv",
    "residentiele_plaatsing",
]
