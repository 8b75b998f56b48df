"""Unanswered questions on three planted topics (and a few unrelated ones)."""

from __future__ import annotations

TOPICS: dict[str, list[str]] = {
    "parcheggio": [
        "Dove posso parcheggiare quando vengo alla sede del cluster?",
        "C'è un parcheggio per i visitatori presso la sede?",
        "Ci sono posti auto riservati vicino agli uffici del cluster?",
        "Si può lasciare la macchina nel parcheggio della sede?",
    ],
    "quota": [
        "Quanto costa la quota associativa annuale per una startup?",
        "Qual è l'importo della quota di iscrizione al cluster per le PMI?",
        "Come si paga la quota associativa del cluster?",
        "La quota annuale di adesione al cluster è deducibile?",
    ],
    "tirocini": [
        "Ci sono offerte di tirocinio per studenti di biotecnologie?",
        "Come posso candidarmi per uno stage presso le aziende socie?",
        "Le aziende del cluster offrono tirocini curriculari?",
        "Cerco un'opportunità di stage in un laboratorio di ricerca",
    ],
}
OTHERS = ["Che tempo farà a Milano domani?", "Chi ha vinto il campionato di calcio?",
          "Qual è la ricetta del tiramisù?", "Quando apre la biblioteca comunale?",
          "Come si rinnova il passaporto?", "Il cluster ha un profilo Instagram?"]
