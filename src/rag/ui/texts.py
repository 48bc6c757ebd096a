"""Every string the chat shows, in Dutch (default) and English (`RAG_UI_LANGUAGE=en`).

Answers follow the language of the question (the pipeline decides); only the interface is here.
Values are Markdown where Streamlit renders Markdown, and `str.format` templates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rag.errors import IndexStoreError, RagError, failed_files, read_failure_case

if TYPE_CHECKING:
    from rag.indexing import RebuildReason

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Participatie-assistent",
        "subtitle": "Vraag het je documenten. Elk antwoord verwijst naar de passages waarop het "
        "steunt; alles blijft op deze computer.",
        "chat_placeholder": "Stel een vraag over je documenten…",
        "loading_model": "Het zoekmodel wordt geladen (eenmalig, ongeveer 10 seconden)…",
        "model_error": "Het zoekmodel kon niet worden geladen.",
        "first_start": "Eerste start: je documenten worden gelezen en doorzoekbaar gemaakt.",
        "build_start": "Index bijwerken…",
        "stage_reading": "Documenten lezen: {done} van {total}",
        "stage_ocr": "Tekst herkennen in een scan (OCR): pagina {done} van {total}",
        "stage_embedding": "Passages omzetten naar vectoren: {done} van {total}",
        "build_done": "Index klaar: {docs} documenten, {chunks} passages ({seconds:.1f} s).",
        "build_summary": "{added} toegevoegd, {changed} gewijzigd, {removed} verwijderd, "
        "{failed} onleesbaar.",
        "build_up_to_date": "De index was al bijgewerkt ({chunks} passages).",
        "build_full": "Volledige herbouw: {reason}.",
        "build_skipped": "Overgeslagen: {path} — {reason}",
        "build_scan_unreadable": "Gescand, niet leesbaar: {path} — installeer `{packages}` (apt) om "
        "het te indexeren.",
        "build_partly_read": "Deels gelezen: {path} — de tekstpagina's zijn geïndexeerd, de gescande "
        "pagina's niet: installeer `{packages}` (apt) om ze te indexeren.",
        "build_duplicate": "Dubbel: {path} is gelijk aan {original} en wordt één keer doorzocht",
        "build_busy": "De index wordt al bijgewerkt vanuit een ander venster; probeer het zo "
        "opnieuw. Tot dan antwoordt de assistent uit de huidige index.",
        "empty_title": "Nog geen documenten",
        "empty_corpus": "De map `{folder}` bevat nog geen documenten. Zet er je documenten in "
        "(ondersteund: {types}) en laad deze pagina opnieuw; de index wordt dan gebouwd. "
        "Een andere map kiezen: zie de README.",
        "missing_corpus": "De map `{folder}` bestaat nog niet. Maak hem aan, zet er je documenten "
        "in (ondersteund: {types}) en laad deze pagina opnieuw. Een andere map kiezen: zie de "
        "README.",
        "index_problem": "De index kan zo niet gebruikt worden. Bouw hem opnieuw op met de knop "
        "hieronder (of met `rag index` in een terminal).",
        "rebuild_now": "Index opnieuw opbouwen",
        "rebuild": "Index bijwerken",
        "rebuild_help": "Leest nieuwe en gewijzigde documenten in en laat verwijderde weg. "
        "Andere vensters blijven antwoorden uit de oude index tot de nieuwe klaar is.",
        "status_header": "Index",
        "status_counts": "**{docs}** documenten · **{chunks}** passages",
        "status_model": "Model: `{model}`",
        "status_built": "Gebouwd: {built}",
        "status_up_to_date": "Alle documenten in de map zijn doorzoekbaar.",
        "status_stale": "Bestanden anders dan in de index: {n}. Klik op *Index bijwerken*.",
        "status_unreadable": "Alle andere documenten zijn doorzoekbaar. Niet te lezen: {n} (zie "
        "*Welke bestanden?*).",
        "status_corpus_missing": "De map `{folder}` bestaat niet (meer).",
        "status_scans_unreadable": "Gescande bestanden niet leesbaar: {n}. Installeer `{packages}` "
        "(apt) om ze te indexeren, en klik daarna op *Index bijwerken*.",
        "stale_added": "nieuw",
        "stale_changed": "gewijzigd",
        "stale_removed": "verwijderd",
        "stale_failed": "onleesbaar",
        "stale_partly_read": "deels gelezen (scan)",
        "stale_details": "Welke bestanden?",
        "settings_header": "Instellingen",
        "llm_label": "Antwoordmodel",
        "llm_help": "Standaard instelbaar met RAG_ANSWERER; zie de README.",
        "unavailable": "niet bereikbaar",
        "llm_auto": "Automatisch",
        "llm_auto_now": (
            "Automatisch kiest Ollama, anders een GGUF-bestand, anders extractief. Nu: **{answerer}**."
        ),
        "llm_ollama": "Ollama",
        "llm_llamacpp": "llama.cpp (GGUF-bestand)",
        "llm_openai": "OpenAI-compatibele server",
        "llm_extractive": "Extractief (zonder taalmodel)",
        "llm_none": "Geen (alleen zoeken)",
        "ollama_model_label": "Ollama-model",
        "ollama_model_help": "Bijvoorbeeld gemma3:4b — binnenhalen met `ollama pull gemma3:4b`.",
        "gguf_file": "GGUF-bestand: `{path}`",
        "k_label": "Aantal passages",
        "mode_label": "Zoekmethode",
        "mode_hybrid": "Betekenis + trefwoorden",
        "mode_dense": "Betekenis",
        "mode_bm25": "Trefwoorden",
        "search_only": "Alleen zoeken",
        "filter_header": "Filter op documenten",
        "filter_path": "Bestand (patroon, bv. verslagen/*.pdf)",
        "filter_title": "Titel bevat",
        "filter_year": "Jaar",
        "filter_active": "Filter actief: alleen passende documenten worden doorzocht.",
        "search_only_help": "Toont de best passende passages, zonder antwoord van een taalmodel.",
        "chat_header": "Gesprek",
        "clear": "Gesprek wissen",
        "export": "Gesprek exporteren (Markdown)",
        "export_file": "gesprek",
        "sources": "Bronnen",
        "passages": "Gevonden passages",
        "closest": "Dichtstbijzijnde passages — geen ervan beantwoordt de vraag met zekerheid",
        "answer_anyway": "Toch antwoorden uit deze passages",
        "weak_label": "Geen passage beantwoordt dit met zekerheid: dit antwoord komt uit de "
        "dichtstbijzijnde passages. Controleer het met de bronnen.",
        "relevance": "overeenkomst {value:.0%}",
        "not_supported": "niet onderbouwd",
        "not_supported_help": "De zin die naar deze bron verwijst, staat er niet duidelijk in: "
        "controleer hem.",
        "show_document": "Toon het hele document",
        "document_gone": "De tekst van dit document staat niet meer in de index.",
        "open_passage": "Passage [{n}] in {doc}",
        "search_as_typed": "Zoek mijn vraag zoals ik hem typte",
        "ocr_note": "Herkend uit een scan (OCR): de tekst kan herkenningsfouten bevatten.",
        "page": "p. {page}",
        "rewritten": "Gezocht op: {query}",
        "llm_failed": "Het taalmodel gaf geen (volledig) antwoord.",
        "incomplete": "Het antwoord is onvolledig: het taalmodel stopte voortijdig.",
        "stage_searching": "Zoeken in de documenten…",
        "stage_found": "{n} passages gevonden — nagaan of ze de vraag beantwoorden…",
        "stage_writing": "{n} passages gevonden — het antwoord wordt geschreven…",
        "welcome_index": "**{docs}** documenten doorzoekbaar ({chunks} passages), onder meer:",
        "welcome_all_documents": "Alle {n} documenten",
        "welcome_try": "Probeer bijvoorbeeld:",
        "example_topic": "Wat staat er in de documenten over „{topic}”?",
        "example_document": "Waar gaat „{title}” over?",
        "no_passages": "Geen passages gevonden.",
        "answered_by": "{backend} · {model} · {seconds:.1f} s",
        "backend_ollama": "Ollama",
        "backend_llamacpp": "llama.cpp",
        "backend_openai": "OpenAI-compatibele server",
        "backend_extractive": "extractief",
        "backend_none": "alleen zoeken",
        "unexpected": "Er ging iets onverwachts mis ({kind}: {detail}). Details staan in de "
        "terminal waarin de app draait.",
        "export_heading": "Gesprek met de participatie-assistent",
        "export_date": "Geëxporteerd op {date}",
        "export_question": "Vraag",
        "export_answer": "Antwoord",
        "export_refused": "Niet gevonden",
        "export_error": "Fout",
        "date_format": "%d-%m-%Y %H:%M",
    },
    "en": {
        "title": "Participation assistant",
        "subtitle": "Ask your documents. Every answer cites the passages it rests on; nothing "
        "leaves this computer.",
        "chat_placeholder": "Ask a question about your documents…",
        "loading_model": "Loading the search model (once, about 10 seconds)…",
        "model_error": "The search model could not be loaded.",
        "first_start": "First start: reading your documents and making them searchable.",
        "build_start": "Updating the index…",
        "stage_reading": "Reading documents: {done} of {total}",
        "stage_ocr": "Recognising text in a scan (OCR): page {done} of {total}",
        "stage_embedding": "Embedding passages: {done} of {total}",
        "build_done": "Index ready: {docs} documents, {chunks} passages ({seconds:.1f} s).",
        "build_summary": "{added} added, {changed} changed, {removed} removed, {failed} unreadable.",
        "build_up_to_date": "The index was already up to date ({chunks} passages).",
        "build_full": "Full rebuild: {reason}.",
        "build_skipped": "Skipped: {path} — {reason}",
        "build_scan_unreadable": "Scanned, not readable: {path} — install `{packages}` (apt) to index it.",
        "build_partly_read": "Partly read: {path} — its text pages are indexed, its scanned pages "
        "are not: install `{packages}` (apt) to index them.",
        "build_duplicate": "Duplicate: {path} has the same content as {original} and is searched once",
        "build_busy": "The index is already being updated from another window; try again in a "
        "moment. Until then the assistant answers from the current index.",
        "empty_title": "No documents yet",
        "empty_corpus": "The folder `{folder}` has no documents yet. Put your documents there "
        "(supported: {types}) and reload this page; the index is then built. Choose another "
        "folder: see the README.",
        "missing_corpus": "The folder `{folder}` does not exist yet. Create it, put your documents "
        "there (supported: {types}) and reload this page. Choose another folder: see the README.",
        "index_problem": "The index cannot be used as it is. Rebuild it with the button below "
        "(or with `rag index` in a terminal).",
        "rebuild_now": "Rebuild the index",
        "rebuild": "Update index",
        "rebuild_help": "Reads new and changed documents and drops deleted ones. Other windows "
        "keep answering from the old index until the new one is ready.",
        "status_header": "Index",
        "status_counts": "**{docs}** documents · **{chunks}** passages",
        "status_model": "Model: `{model}`",
        "status_built": "Built: {built}",
        "status_up_to_date": "Every document in the folder is searchable.",
        "status_stale": "Files that differ from the index: {n}. Click *Update index*.",
        "status_unreadable": "Every other document is searchable. Unreadable: {n} (see *Which files?*).",
        "status_corpus_missing": "The folder `{folder}` does not exist (any more).",
        "status_scans_unreadable": "Scanned files not readable: {n}. Install `{packages}` (apt) to "
        "index them, then click *Update index*.",
        "stale_added": "new",
        "stale_changed": "changed",
        "stale_removed": "deleted",
        "stale_failed": "unreadable",
        "stale_partly_read": "partly read (scan)",
        "stale_details": "Which files?",
        "settings_header": "Settings",
        "llm_label": "Answer model",
        "llm_help": "Default set with RAG_ANSWERER; see the README.",
        "unavailable": "not reachable",
        "llm_auto": "Automatic",
        "llm_auto_now": "Automatic picks Ollama, else a GGUF file, else extractive. Now: **{answerer}**.",
        "llm_ollama": "Ollama",
        "llm_llamacpp": "llama.cpp (GGUF file)",
        "llm_openai": "OpenAI-compatible server",
        "llm_extractive": "Extractive (no language model)",
        "llm_none": "None (search only)",
        "ollama_model_label": "Ollama model",
        "ollama_model_help": "For example gemma3:4b — fetch it with `ollama pull gemma3:4b`.",
        "gguf_file": "GGUF file: `{path}`",
        "k_label": "Number of passages",
        "mode_label": "Search method",
        "mode_hybrid": "Meaning + keywords",
        "mode_dense": "Meaning",
        "mode_bm25": "Keywords",
        "search_only": "Search only",
        "filter_header": "Filter documents",
        "filter_path": "File (pattern, e.g. reports/*.pdf)",
        "filter_title": "Title contains",
        "filter_year": "Year",
        "filter_active": "Filter on: only matching documents are searched.",
        "search_only_help": "Shows the best matching passages, without a language model answer.",
        "chat_header": "Conversation",
        "clear": "Clear conversation",
        "export": "Export conversation (Markdown)",
        "export_file": "conversation",
        "sources": "Sources",
        "passages": "Passages found",
        "closest": "Closest passages — none of them answers the question for certain",
        "answer_anyway": "Answer from these passages anyway",
        "weak_label": "No passage answers this for certain: this answer comes from the closest "
        "passages. Check it against the sources.",
        "relevance": "similarity {value:.0%}",
        "not_supported": "not supported",
        "not_supported_help": "The sentence citing this source is not clearly stated in it: check it.",
        "show_document": "Show the whole document",
        "document_gone": "The text of this document is no longer in the index.",
        "open_passage": "Passage [{n}] in {doc}",
        "search_as_typed": "Search my question as I typed it",
        "ocr_note": "Recognised from a scan (OCR): the text may contain recognition errors.",
        "page": "p. {page}",
        "rewritten": "Searched for: {query}",
        "llm_failed": "The language model gave no (complete) answer.",
        "incomplete": "The answer is incomplete: the language model stopped early.",
        "stage_searching": "Searching the documents…",
        "stage_found": "{n} passages found — checking whether they answer the question…",
        "stage_writing": "{n} passages found — writing the answer…",
        "welcome_index": "**{docs}** documents searchable ({chunks} passages), among them:",
        "welcome_all_documents": "All {n} documents",
        "welcome_try": "Try for example:",
        "example_topic": "What do the documents say about “{topic}”?",
        "example_document": "What is “{title}” about?",
        "no_passages": "No passages found.",
        "answered_by": "{backend} · {model} · {seconds:.1f} s",
        "backend_ollama": "Ollama",
        "backend_llamacpp": "llama.cpp",
        "backend_openai": "OpenAI-compatible server",
        "backend_extractive": "extractive",
        "backend_none": "search only",
        "unexpected": "Something unexpected went wrong ({kind}: {detail}). Details are in the "
        "terminal the app runs in.",
        "export_heading": "Conversation with the participation assistant",
        "export_date": "Exported on {date}",
        "export_question": "Question",
        "export_answer": "Answer",
        "export_refused": "Not found",
        "export_error": "Error",
        "date_format": "%Y-%m-%d %H:%M",
    },
}


# Why a file could not be read (`rag.errors.READ_FAILURES`: the same cases and values), as the
# Dutch interface says it. A value from a library (its error message) stays as it is.
READ_FAILURES_NL: dict[str, str] = {
    "outside_corpus": "staat buiten de documentenmap {folder}: alleen bestanden in die map worden gelezen",
    "cannot_open": "kan niet worden geopend ({detail})",
    "crashed": "kon niet worden gelezen ({detail})",
    "empty": "het bestand is leeg",
    "unsupported_type": "bestandstype '{suffix}' wordt niet ondersteund",
    "no_text": "bevat geen tekst",
    "nothing_to_index": "bevat geen tekst om te doorzoeken",
    "binary": "binair bestand, geen tekst",
    "binary_html": "binair bestand, geen HTML",
    "unknown_encoding": "de tekencodering is niet herkend",
    "password": "de PDF is met een wachtwoord beveiligd",
    "damaged_pdf": "beschadigd of onleesbaar PDF-bestand ({detail})",
    "damaged_docx": "beschadigd of onleesbaar DOCX-bestand ({detail})",
    "damaged_image": "beschadigde of onleesbare afbeelding ({detail})",
    "pdf_without_text": "de PDF bevat geen tekst die gelezen kan worden",
    "pdf_without_text_ocr_off": "de PDF bevat geen tekst die gelezen kan worden: tekstherkenning (OCR) "
    "staat uit (RAG_OCR=off)",
    "image_ocr_off": "een afbeelding, en tekstherkenning (OCR) staat uit (RAG_OCR=off)",
    "blank_scans": "gescand, maar er is geen tekst op herkend (lege pagina's?)",
    "blank_scan": "gescand, maar er is geen tekst op herkend (een lege pagina?)",
    "ocr_failed": "tekstherkenning mislukte op pagina {page} ({detail})",
    "ocr_timeout": "tekstherkenning van pagina {page} duurde langer dan {seconds} s (een beschadigde scan?)",
    "too_many_scans": "heeft {pages} gescande pagina's, meer dan RAG_OCR_MAX_PAGES ({limit}): verhoog die "
    "grens om het te doorzoeken (tekstherkenning kost één tot drie seconden per pagina)",
    "too_large": "is {size} MB, meer dan de grens van {limit} MB (RAG_MAX_FILE_MB): splits het in kleinere "
    "bestanden, of verhoog RAG_MAX_FILE_MB als je op het inlezen kunt wachten (uren per 20 MB tekst)",
    "scan_unreadable": "gescand, niet leesbaar: installeer {packages} (apt) om het te doorzoeken",
}


# Why the index is built anew (`rag.indexing.REBUILD_REASONS`: the same cases and values).
REBUILD_REASONS_NL: dict[str, str] = {
    "asked": "daarom gevraagd",
    "unusable": "de bestaande index kon niet worden gebruikt ({error})",
    "model": "het zoekmodel is gewijzigd van {old} naar {new}",
    "backend": "de rekenwijze van het zoekmodel is gewijzigd van {old} naar {new}",
    "dimension": "de vectorlengte is gewijzigd van {old} naar {new}",
    "chunking": "de passage-indeling (grootte/overlap) is gewijzigd van {old} naar {new}",
}


# Why the index cannot be used, written or built (`rag.errors.INDEX_PROBLEMS`: the same cases and
# values). The chat's rebuild button is the fix the English wording gives as `rag index --rebuild`.
INDEX_PROBLEMS_NL: dict[str, str] = {
    "missing": "Er is nog geen index in {index_dir}.",
    "damaged": "De index in {index_dir} is beschadigd.",
    "damaged_detail": "De index in {index_dir} is beschadigd ({detail}).",
    "format": "De index in {index_dir} heeft indelingsversie {found}; deze versie van de assistent leest "
    "versie {expected}.",
    "model": "De index in {index_dir} is gemaakt met het zoekmodel {built}; de instellingen vragen om "
    "{asked}.",
    "dimension": "De index in {index_dir} bevat vectoren met {built} dimensies; het zoekmodel {model} "
    "maakt er {made}.",
    "backend": "De index in {index_dir} is berekend met de rekenwijze {built}; het zoekmodel rekent nu "
    "met {asked}. Zet RAG_EMBED_BACKEND={built} of bouw de index opnieuw op.",
    "write_failed": "De nieuwe index kon niet worden opgeslagen in {index_dir} ({detail}). De vorige "
    "index is ongewijzigd en blijft in gebruik. Maak schijfruimte vrij (deze index heeft ongeveer "
    "{needed} nodig, de schijf heeft {free} vrij) en werk de index daarna opnieuw bij.",
    "busy": "Een andere opbouw werkt de index in {index_dir} op dit moment bij: wacht tot die klaar is "
    "en probeer het dan opnieuw (zoeken blijft intussen werken).",
    "no_documents": "Geen documenten in {corpus_dir}: zet er bestanden van deze typen in: {types} (of "
    "stel RAG_CORPUS_DIR in) en werk de index daarna bij.",
    "nothing_indexed": "Geen van de {count} bestanden in {corpus_dir} kon worden gelezen ({reasons}).",
}


class Texts:
    """`texts("key", name=value)`: the string for the interface language, formatted."""

    def __init__(self, language: str = "nl") -> None:
        self.language = language if language in TEXTS else "nl"
        self._table = TEXTS[self.language]

    def __call__(self, key: str, **values: Any) -> str:
        text = self._table[key]
        return text.format(**values) if values else text

    def rebuild_reason(self, reason: RebuildReason) -> str:
        if self.language != "nl":
            return str(reason)
        values = {name: self.error(v) if isinstance(v, RagError) else v for name, v in reason.values.items()}
        return REBUILD_REASONS_NL[reason.case].format(**values)

    def error(self, error: RagError) -> str:
        """An error for the user, in the interface language where it has a wording there (the
        index's problems); any other error as it says itself."""
        if self.language != "nl" or not isinstance(error, IndexStoreError):
            return str(error)
        values = dict(error.values)
        if isinstance(failed := values.get("failed"), dict):
            values["reasons"] = failed_files(failed, self.read_failure)
        return INDEX_PROBLEMS_NL[error.case].format(**values)

    def read_failure(self, reason: str) -> str:
        """Why a file could not be read, in the interface language (a reason worded otherwise, by an
        older version, shows as it is)."""
        found = read_failure_case(reason)
        if self.language != "nl" or found is None:
            return reason
        case, values = found
        return READ_FAILURES_NL[case].format(**values)
