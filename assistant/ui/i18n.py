"""Interface strings in Italian (the default) and English.

Every label, placeholder and message the UI shows comes from :data:`STRINGS`
through :func:`t`; Gradio's own English defaults are always overridden.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["it", "en"]
DEFAULT_LANG: Lang = "it"
LANGUAGES: list[tuple[str, str]] = [("Italiano", "it"), ("English", "en")]

STRINGS: dict[str, tuple[str, str]] = {
    # header and access
    "title": ("Assistente VITALIA", "VITALIA Assistant"),
    "subtitle": ("Risposte con fonti citate dalle notizie e dai profili dei soci del "
                 "Cluster VITALIA.",
                 "Answers with cited sources from Cluster VITALIA's news and member profiles."),
    "lang_label": ("Lingua", "Language"),
    "key_label": ("Chiave API", "API key"),
    "key_placeholder": ("Facoltativa", "Optional"),
    "key_apply": ("Accedi", "Sign in"),
    "role_anonymous": ("Accesso anonimo: solo contenuti pubblici.",
                       "Anonymous access: public content only."),
    "role_member": ("Accesso socio: contenuti pubblici e riservati ai soci.",
                    "Member access: public and member-only content."),
    "role_staff": ("Accesso staff: chat, bozze e gestione dei documenti.",
                   "Staff access: chat, drafts and document management."),
    "role_admin": ("Accesso amministratore: chat, bozze e gestione dei documenti.",
                   "Admin access: chat, drafts and document management."),
    "role_invalid": ("Chiave API non riconosciuta: controlla di averla copiata per intero.",
                     "API key not recognised: check that you copied all of it."),
    "tab_chat": ("Chat", "Chat"),
    "tab_draft": ("Bozza articolo", "Article draft"),
    "tab_docs": ("Documenti", "Documents"),
    # chat
    "question_label": ("Domanda", "Question"),
    "question_placeholder": ("Fai una domanda sui contenuti del cluster…",
                             "Ask a question about the cluster's content…"),
    "send": ("Invia", "Send"),
    "new_chat": ("Nuova conversazione", "New conversation"),
    "filters": ("Filtri", "Filters"),
    "scope": ("Cerca in", "Search in"),
    "scope_both": ("Articoli e soci", "Articles and members"),
    "scope_article": ("Solo articoli", "Articles only"),
    "scope_member": ("Solo soci", "Members only"),
    "tags": ("Tag degli articoli", "Article tags"),
    "region": ("Regione", "Region"),
    "date_from": ("Dal (AAAA-MM-GG)", "From (YYYY-MM-DD)"),
    "date_to": ("Al (AAAA-MM-GG)", "To (YYYY-MM-DD)"),
    "date_placeholder": ("es. 2025-01-01", "e.g. 2025-01-01"),
    "examples": ("Prova a chiedere", "Try asking"),
    "empty": ("Fai una domanda: ogni risposta cita le fonti [n] da cui proviene; "
              "clicca un numero per leggere il passaggio esatto.",
              "Ask a question: every answer cites its sources [n]; click a number to read "
              "the exact passage."),
    "you": ("Tu", "You"),
    "assistant": ("Assistente", "Assistant"),
    "thinking": ("Sto cercando nelle fonti…", "Searching the sources…"),
    "sources": ("Fonti", "Sources"),
    "type_article": ("Articolo", "Article"),
    "type_member": ("Socio", "Member"),
    "open_link": ("apri la pagina", "open the page"),
    "passage": ("Passaggio citato", "Cited passage"),
    "not_found": ("Nessuna risposta trovata nei contenuti del cluster. Prova a riformulare "
                  "la domanda o ad allargare i filtri.",
                  "No answer found in the cluster's content. Try rephrasing the question or "
                  "widening the filters."),
    "fb_question": ("Risposta utile?", "Was this helpful?"),
    "fb_up": ("Utile", "Helpful"),
    "fb_down": ("Non utile", "Not helpful"),
    "fb_comment": ("Commento (facoltativo)", "Comment (optional)"),
    "fb_thanks": ("Grazie per il feedback!", "Thanks for your feedback!"),
    "fb_failed": ("Feedback non inviato: {detail}", "Feedback not sent: {detail}"),
    # errors
    "err_401": ("Chiave API non valida o mancante.", "Invalid or missing API key."),
    "err_403": ("Operazione riservata allo staff.", "This operation is for staff only."),
    "err_429": ("Troppe richieste: riprova tra qualche secondo.",
                "Too many requests: try again in a few seconds."),
    "err_504": ("Il servizio ha impiegato troppo tempo: riprova.",
                "The service took too long: try again."),
    "err_network": ("Servizio non raggiungibile.", "The service cannot be reached."),
    "err_generic": ("Errore {status}: {detail}", "Error {status}: {detail}"),
    "err_date": ("Data non valida: usa il formato AAAA-MM-GG.",
                 "Invalid date: use the YYYY-MM-DD format."),
    # stored conversations (keyed users)
    "conv_title": ("Le tue conversazioni", "Your conversations"),
    "conv_none": ("Nessuna conversazione salvata.", "No saved conversations."),
    "conv_new": ("Nuova", "New"),
    "conv_rename_ph": ("Nuovo titolo", "New title"),
    "conv_rename": ("Rinomina", "Rename"),
    "conv_delete": ("Elimina", "Delete"),
    "conv_export": ("Esporta", "Export"),
    "conv_download": ("Scarica .md", "Download .md"),
    "conv_untitled": ("(senza titolo)", "(untitled)"),
    # content gaps (staff)
    "tab_gaps": ("Domande senza risposta", "Unanswered questions"),
    "gaps_intro": ("Domande rifiutate o valutate negativamente, raggruppate per argomento "
                   "(senza l'identità di chi le ha poste).",
                   "Questions refused or rated down, grouped by topic (without the identity "
                   "of who asked)."),
    "gaps_days": ("Ultimi giorni", "Last days"),
    "gaps_refresh": ("Aggiorna", "Refresh"),
    "gaps_none": ("Nessuna domanda senza risposta nel periodo.",
                  "No unanswered questions in the period."),
    "gaps_off": ("La raccolta è disattivata (ASSISTANT_COLLECT_GAPS=false).",
                 "Collection is turned off (ASSISTANT_COLLECT_GAPS=false)."),
    "gaps_summary": ("{questions} domande in {days} giorni, {groups} gruppi.",
                     "{questions} questions in {days} days, {groups} groups."),
    "gaps_count": ("Domande: {count} ({refused} senza risposta, {down} valutate "
                   "negativamente)", "Questions: {count} ({refused} unanswered, {down} rated "
                   "down)"),
    "gaps_docs": ("Documenti più vicini", "Closest documents"),
    "gaps_draft": ("Bozza articolo", "Draft article"),
    # drafts
    "draft_topic": ("Argomento", "Topic"),
    "draft_topic_ph": ("es. missioni internazionali del 2025", "e.g. 2025 international "
                       "missions"),
    "draft_kind": ("Tipo di testo", "Kind of text"),
    "kind_article": ("Articolo", "Article"),
    "kind_newsletter": ("Newsletter", "Newsletter"),
    "kind_brief": ("Sintesi", "Brief"),
    "draft_words": ("Lunghezza (parole)", "Length (words)"),
    "draft_since": ("Dal (AAAA, AAAA-MM o AAAA-MM-GG)", "From (YYYY, YYYY-MM or YYYY-MM-DD)"),
    "draft_until": ("Al (AAAA, AAAA-MM o AAAA-MM-GG)", "To (YYYY, YYYY-MM or YYYY-MM-DD)"),
    "draft_members": ("Includi i profili dei soci collegati", "Include related member "
                      "profiles"),
    "draft_go": ("Genera bozza", "Generate draft"),
    "draft_download": ("Scarica .md", "Download .md"),
    "draft_empty": ("La bozza, con le fonti citate, apparirà qui.",
                    "The draft, with its cited sources, will appear here."),
    "draft_meta": ("{words} parole · {used} fonti su {considered} considerate · {mode}",
                   "{words} words · {used} sources of {considered} considered · {mode}"),
    "mode_llm": ("scritta dal modello linguistico", "written by the language model"),
    "mode_extractive": ("sintesi estrattiva (senza modello linguistico)",
                        "extractive brief (no language model)"),
    "draft_warnings": ("Da verificare", "To check"),
    "draft_short": ("Scrivi un argomento di almeno 3 caratteri.",
                    "Write a topic of at least 3 characters."),
    # documents
    "docs_intro": ("Documenti indicizzati. I file caricati sono indicizzati subito e usati "
                   "dalla domanda successiva.", "Indexed documents. Uploaded files are indexed "
                   "at once and used by the next question."),
    "docs_refresh": ("Aggiorna elenco", "Refresh list"),
    "docs_show": ("Mostra", "Show"),
    "docs_all": ("Tutti", "All"),
    "docs_articles": ("Articoli", "Articles"),
    "docs_members": ("Soci", "Members"),
    "docs_upload": ("Carica documenti", "Upload documents"),
    "docs_formats": ("Formati: md, txt, html, pdf, docx, yaml, csv (una riga), fino a 1 MB.",
                     "Formats: md, txt, html, pdf, docx, yaml, csv (one row), up to 1 MB."),
    "docs_visibility": ("Visibilità dei documenti caricati", "Visibility of uploaded documents"),
    "vis_public": ("Pubblica", "Public"),
    "vis_members": ("Solo soci", "Members only"),
    "docs_delete_id": ("Documento da eliminare", "Document to delete"),
    "docs_delete": ("Elimina", "Delete"),
    "docs_confirm": ("Conferma: elimina definitivamente", "Confirm: delete for good"),
    "docs_deleted": ("Eliminato: {doc_id}", "Deleted: {doc_id}"),
    "docs_pick": ("Scegli prima un documento.", "Choose a document first."),
    "docs_total": ("{n} documenti", "{n} documents"),
    "docs_more": ("(mostrati i primi {n})", "(first {n} shown)"),
    "docs_indexing": ("Indicizzazione di {name} ({i}/{n})…", "Indexing {name} ({i}/{n})…"),
    "docs_done": ("indicizzato: {chunks} passaggi", "indexed: {chunks} passages"),
    "docs_failed": ("non indicizzato: {detail}", "not indexed: {detail}"),
    "docs_unreadable": ("file non caricato dal browser o illeggibile",
                        "not a file uploaded by the browser, or unreadable"),
    "docs_idle": ("Nessun caricamento in corso.", "No upload in progress."),
    "col_id": ("ID", "ID"),
    "col_title": ("Titolo", "Title"),
    "col_type": ("Tipo", "Type"),
    "col_visibility": ("Visibilità", "Visibility"),
    "col_date": ("Data", "Date"),
    "col_chunks": ("Passaggi", "Passages"),
    "col_status": ("Stato", "Status"),
    "status_done": ("indicizzato", "indexed"),
    "status_pending": ("in indicizzazione", "indexing"),
    "docs_progress": ("Indice: {done} di {total} documenti pronti",
                      "Index: {done} of {total} documents ready"),
    "visibility_public": ("pubblico", "public"),
    "visibility_members": ("soci", "members"),
}

EXAMPLES: dict[str, list[str]] = {
    "it": ["Quanto vale il bando Ponti di Innovazione 2024?",
           "Quali soci lavorano sulla medicina rigenerativa?",
           "Com'è andata la missione in Giappone?"],
    "en": ["How much is the Ponti di Innovazione 2024 call worth?",
           "Which members work on regenerative medicine?",
           "How did the mission to Japan go?"],
}

TAGS = ["bandi", "biotecnologie", "eventi", "farmaceutica", "formazione",
        "invecchiamento attivo", "medicina rigenerativa", "medtech",
        "missioni internazionali", "partnership", "policy", "ricerca clinica",
        "sanità digitale", "startup"]

REGIONS = ["Abruzzo", "Basilicata", "Calabria", "Campania", "Emilia-Romagna",
           "Friuli-Venezia Giulia", "Lazio", "Liguria", "Lombardia", "Marche", "Molise",
           "Piemonte", "Puglia", "Sardegna", "Sicilia", "Toscana", "Trentino-Alto Adige",
           "Umbria", "Valle d'Aosta", "Veneto"]


def lang_of(value: str | None) -> Lang:
    """A supported language code (anything else falls back to Italian)."""
    return "en" if value == "en" else "it"


def t(key: str, lang: str | None = DEFAULT_LANG, **fields: object) -> str:
    """The string ``key`` in ``lang``, with ``{fields}`` filled in."""
    it, en = STRINGS[key]
    text = en if lang_of(lang) == "en" else it
    return text.format(**fields) if fields else text
