"""The question a person is asked for each field of the case model, in plain Dutch.

``decide --ask`` asks a caseworker for the facts a case still needs; the question is what they
read, so it names the fact in their words, never the dotted field (the prompt under it does). The
field's description in :mod:`wiebetaalt.model.case` says more (a legal source, what counts) for
the JSON schema and the docs. Every field of the case model has a question here;
``tests/test_ask.py`` keeps it so.
"""

from __future__ import annotations

#: Per dotted case field, the question asked for it.
QUESTIONS: dict[str, str] = {
    "peildatum": "Op welke datum gaat het om (de peildatum)?",
    "kind.leeftijd": "Hoe oud is de jeugdige (in jaren)?",
    "kind.brp_woonadres": "Staat de jeugdige met een woonadres (geen briefadres) in de BRP?",
    "kind.brp_gemeente": "In welke gemeente staat de jeugdige in de BRP ingeschreven?",
    "kind.postcode": "Wat is de postcode van het BRP-woonadres van de jeugdige?",
    "kind.verblijf": "Verblijft de jeugdige bij een jeugdhulpaanbieder, pleegouder, gezinshuis of elders "
                     "buiten huis (ook regelmatig logeren)?",
    "kind.brp_gemeente_voor_verblijf": "In welke gemeente stond de jeugdige in de BRP ingeschreven vlak vóór "
                                       "het verblijf?",
    "kind.geheim_adres": "Is het BRP-adres van de jeugdige geheim (geheimhoudingsnotitie)?",
    "kind.moeder_bij_geboorte_ingeschreven": "Stond de moeder bij de geboorte van de jeugdige in een Nederlandse "
                                             "gemeente ingeschreven?",
    "kind.gemeente_moeder_bij_geboorte": "In welke gemeente stond de moeder bij de geboorte ingeschreven?",
    "kind.feitelijke_verblijfsgemeente": "In welke gemeente verblijft de jeugdige feitelijk?",
    "kind.wlz_indicatie": "Heeft de jeugdige een Wlz-indicatie van het CIZ?",
    "kind.zorgverzekeraar": "Bij welke zorgverzekeraar is de jeugdige verzekerd?",
    "kind.zorgkantoor": "Welk zorgkantoor hoort bij de jeugdige?",
    "kind.briefadres": "Staat de jeugdige in de BRP alleen op een briefadres?",
    "kind.vorige_brp_gemeente": "In welke gemeente stond de jeugdige vóór de laatste verhuizing ingeschreven?",
    "kind.brp_inschrijfdatum": "Vanaf welke datum staat de jeugdige op het huidige BRP-adres ingeschreven?",
    "kind.soort_verblijf": "Wat voor verblijf is het?",
    "kind.gezag": "Wie heeft het gezag over de jeugdige?",
    "kind.gemeente_ouder_met_gezag": "In welke gemeente woont de ouder (of wonen de ouders) met gezag?",
    "kind.ouders_wonen_apart": "Wonen de ouders met gezamenlijk gezag apart?",
    "kind.hoofdverblijf_gemeente": "In welke gemeente woont de ouder bij wie de jeugdige feitelijk het meest "
                                   "verblijft?",
    "kind.alleen_psychische_stoornis": "Komt de zorgbehoefte alleen voort uit een psychische stoornis?",
    "kind.swv_woonregio": "Bij welk samenwerkingsverband hoort de regio waar de leerling woont?",
    "kind.swv_tlv": "Welk samenwerkingsverband gaf de geldende toelaatbaarheidsverklaring af?",
    "kind.co_ouderschap": "Woont de jeugdige bij co-ouderschap afwisselend bij beide ouders?",
    "kind.verblijfsgemeente_andere_ouder": "In welke gemeente woont de jeugdige bij de andere ouder?",
    "kind.dagen_bij_andere_ouder": "Hoeveel dagen per week is de jeugdige bij de andere ouder (0 tot en met 7)?",
    "kind.sglvg": "Is de jeugdige sterk gedragsgestoord en licht verstandelijk gehandicapt (SGLVG)?",
    "kind.zintuiglijke_beperking": "Heeft de jeugdige een zintuiglijke beperking (zien, horen of een "
                                   "taalontwikkelingsstoornis)?",
    "kind.inschrijving_alleen_voor_procedure": "Was de BRP-inschrijving vóór het verblijf alleen voor een "
                                               "procedure, zonder dat de jeugdige daar woonde?",
    "kind.woont_buiten_regio_swv_school": "Woont de leerling buiten de regio van het samenwerkingsverband van "
                                          "de school?",
    "school.gemeente": "In welke gemeente staat de school?",
    "school.soort": "Wat voor school is het?",
    "school.samenwerkingsverband": "Bij welk samenwerkingsverband hoort de school?",
    "school.bestuur": "Welk schoolbestuur (bevoegd gezag) hoort bij de school?",
    "school.swv_verwijzende_school": "Bij welk samenwerkingsverband hoort de school die de leerling voor de "
                                     "TLV verwijst?",
    "hulpvraag.soort": "Om wat voor hulp gaat het?",
    "hulpvraag.toegang": "Is het een individuele voorziening (met beschikking of verwijzing) of een "
                         "collectieve voor een groep leerlingen?",
    "hulpvraag.tijdens_schooltijd": "Wordt de hulp onder schooltijd gegeven?",
    "hulpvraag.gericht_op_onderwijs": "Is de hulp vooral bedoeld om het onderwijs te kunnen volgen?",
    "hulpvraag.aangemeld_via": "Via wie kwam de hulpvraag binnen?",
    "hulpvraag.verlengde_jeugdhulp": "Gaat het om verlengde jeugdhulp voor een jeugdige van 18 jaar of ouder?",
    "hulpvraag.medisch_doel": "Heeft de logopedie een medisch doel?",
    "hulpvraag.dyslexiedossier_compleet": "Is het leerlingdossier voor een vermoeden van ernstige dyslexie "
                                          "compleet?",
    "hulpvraag.tlv_situatie": "In welke situatie wordt de toelaatbaarheidsverklaring (TLV) gevraagd?",
}
