"""The report's words, numbers and dates in each language it is written in (pure; data).

One table of phrases per language (:data:`WORDS`), keyed alike; one
:class:`Language` per language for numbers ("1 022,66 €" / "1,022.66 €") and
dates ("30 novembre 2017" / "30 November 2017"). Everything the report says goes
through :func:`language`; a language without a table is written in English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

EN: dict[str, str] = {
    # verdicts and qualifiers
    "v.reproduced": "reproduced",
    "v.approximately": "approximately",
    "v.contradicted": "contradicted",
    "v.incomplete": "incomplete",
    "v.not_checkable": "not checkable",
    "vp.reproduced": "reproduced",
    "vp.approximately": "approximately",
    "vp.contradicted": "contradicted",
    "vp.incomplete": "incomplete",
    "vp.not_checkable": "not checkable",
    "q.approx": "about",
    "q.at_least": "more than",
    "q.at_least_eq": "at least",
    "q.mean": "mean",
    "q.range": "range",
    "tol.equal": "equal",
    "tol.range": "min and max equal",
    "tol.rounds": "rounds to {value} ({n} decimals)",
    "tol.decimals": "{n} decimals",
    "range.fmt": "{low} to {high}",
    "colon": ":",
    "check.data": "against the wiki's data",
    "check.internal": "internal consistency",
    "internal.parts_sum": "sum of its parts",
    "internal.lines_sum": "sum of its lines",
    "internal.difference": "difference",
    "internal.product": "product",
    "internal.grim": "GRIM test",
    "internal.listed_items": "items listed",
    "internal.period": "length of the period",
    # titles and sections
    "title": "Bilan check",
    "title.of": "Bilan check: {title}",
    "nav": "Contents",
    "sec.verdicts": "Verdicts",
    "sec.claims": "Claims in detail",
    "sec.history": "Figure history",
    "sec.plots": "Plots",
    "sec.notes": "Data notes",
    "sec.data_checks": "Figures checked against the wiki's data",
    "sec.internal_checks": "Internal consistency of the bilan",
    "sec.removed": "Figures the latest revision removed",
    # summary
    "sum.where": "«{title}» on {site}",
    "sum.where_nosite": "«{title}»",
    "sum.bilan_page": "the bilan page",
    "sum.revision": ", revision {revid} ({when})",
    "sum.as_of": ", checked against the wiki as it stood on {when}",
    "sum.made": "Generated on {when} by wikibilan {version}.",
    "sum.none": "{where}{revision}{as_of}: no published figure could be checked (no checks).",
    "sum.counts": "{where}{revision}{as_of}: {n} published figures checked, {data} against the "
    "wiki's data and {internal} for internal consistency. Verdicts: {verdicts}.",
    "sum.removed.one": "One figure that earlier revisions stated and the latest removed is "
    "listed apart.",
    "sum.removed": "{n} figures that earlier revisions stated and the latest removed are "
    "listed apart.",
    # verdict table
    "col.claim": "Figure",
    "col.published": "Published",
    "col.recomputed": "Recomputed",
    "col.verdict": "Verdict",
    "col.note": "Note",
    "no_checks": "No checks: the checks frame is empty or missing.",
    "no_claim": "No claim to detail.",
    "note.qualifier": "holds only under its qualifier",
    "note.rounding": "holds only by rounding",
    "note.bounds": " (bounds {bounds})",
    "note.gap": "gap {gap}",
    "note.recomputed": "recomputed {value}",
    "note.removed": "removed in revision {revid} ({when}, {user})",
    # claim sections
    "f.published": "Published",
    "f.recomputed": "Recomputed",
    "f.verdict": "Verdict",
    "f.tolerance": "Tolerance",
    "f.bounds": "Bounds",
    "f.gap": "Gap (recomputed − published)",
    "f.method": "Method",
    "f.reason": "Why",
    "f.check": "Check",
    "f.bilan_revision": "Bilan revision",
    "f.as_of": "Wiki as of",
    "f.last_stated": "Last stated in",
    "f.removed": "Removed in",
    "f.claim_id": "Identifier",
    "none_recomputed": "— (not checkable)",
    "counted": "Counted ({n}):",
    "counted.none": "Nothing was counted.",
    "coverage": "Pages read: {present} present of {linked} linked.",
    "coverage.missing": (
        "Pages read: {present} present of {linked} linked; missing from the store: {missing}."
    ),
    "later": "On the wiki now but not when the bilan was written ({n}): not counted.",
    "later.note": "recorded after the bilan's date",
    "later.created": "page created on {when}",
    "col.date": "Date",
    "col.item": "What",
    "col.count": "Count",
    "col.source": "Read from",
    "col.why": "Why not counted",
    "item.event": "event",
    "item.workshop": "workshop",
    "item.person": "person",
    "item.page": "page",
    "item.line": "expense line",
    "item.theme": "theme",
    "count.participants": "{n} participants",
    "count.events": "{n} events",
    "count.workshops": "{n} workshops",
    "basis.listed": "names listed",
    "basis.stated": "number stated",
    "basis.planned": "planned only",
    "source": "{title}, rev. {revid}",
    "source.line": "{title}, rev. {revid}, line {line}",
    "evidence": "Revisions read ({n}):",
    "evidence.none": "none",
    "more": "… and {n} more ({where})",
    "more.checks": "full list in checks.csv",
    # history
    "no_history": "No figure history: the claim_history frame is empty or missing.",
    "history.intro": "Each published figure across the bilan's revisions: its latest value, the "
    "revision that wrote it (or removed it), and the values it took. Below, every revision of "
    "each figure that changed; highlighted rows are the revisions that changed it.",
    "col.latest": "Latest value",
    "col.written": "Written (or removed) in",
    "col.revisions": "Revisions",
    "col.values": "Values",
    "col.revision": "Revision",
    "col.user": "User",
    "col.value": "Value",
    "col.internal": "Internal check",
    "h.written": "written in {revid}, {when}, by {user}",
    "h.removed": "removed in {revid}, {when}, by {user}",
    "h.value_removed": "(removed)",
    "h.value_absent": "(absent)",
    "h.folded": "… {n} revisions unchanged",
    "h.heading": "{label}: {trail}",
    # plots
    "no_plot": "No plot: the frames hold no data to draw.",
    "plot.missing": "Plot “{caption}” was not drawn.",
    # plots
    "plot.participants": "Participants per event, with the published and the recomputed mean "
    "and range",
    "plot.events_per_month": "Events per month, by kind",
    "plot.pages_created": "Wiki pages created over time, against the published count",
    "plot.expenses": "Expense lines, their sum and the published TOTAL",
    "plot.published_vs_recomputed": "Published against recomputed value, for every numeric figure",
    "plotnote.participants": "Each point is an event with a participant count, up to the "
    "bilan's date. Filled points are the events the recomputed mean counts (circles: names "
    "listed; squares: a number stated); hollow grey points are events it does not count "
    "(another kind, only people planning to come, or recorded after the bilan). Red: the "
    "published mean (solid) and range (dashed); blue: the recomputed mean (solid) and range "
    "(shaded).",
    "plotnote.events_per_month": "Every event of the events frame up to the bilan's date, by "
    "month of its first day and kind; later events are left out.",
    "plotnote.pages_created": "Cumulative count of the selected pages by the date of their "
    "first revision, up to the bilan's date; the red line is the published number of pages.",
    "plotnote.expenses": "Each expense line of the bilan, the sum of the lines, and the TOTAL "
    "the bilan states.",
    "plotnote.published_vs_recomputed": "For every figure whose published and recomputed "
    "values are numbers: the ring is the published figure, the dot the recomputed one, "
    "coloured by verdict; a dot inside its ring is a figure reproduced.",
    "alt.participants": "Scatter plot of the participants of {n} events up to {end}.",
    "alt.published": " Published: {what}.",
    "alt.recomputed": " Recomputed: {what}.",
    "alt.mean": "mean {value}",
    "alt.events_per_month": "Bar chart of {n} events per month up to {end}, by kind: {kinds}.",
    "alt.pages_created": "Step chart of the pages created: {n} by {end}, against {published} "
    "published.",
    "alt.expenses": "Bar chart of {n} expense lines summing to {sum}, against a published "
    "TOTAL of {total}.",
    "alt.published_vs_recomputed": "Dot chart of the published and recomputed values of {n} "
    "figures: {verdicts}.",
    "ax.participants": "participants",
    "ax.events": "events",
    "ax.pages": "pages (cumulative)",
    "ax.euros": "euros",
    "ax.value": "value",
    "lg.listed": "counted: names listed",
    "lg.stated": "counted: number stated",
    "lg.not_counted": "not counted",
    "lg.pub_mean": "published mean {value}",
    "lg.pub_range": "published range {low}–{high}",
    "lg.rec_mean": "recomputed mean {value}",
    "lg.rec_range": "recomputed range {low}–{high}",
    "lg.bilan_date": "bilan date ({date})",
    "lg.later_events": "{n} events after {date} not shown",
    "lg.later_pages": "{n} pages created after {date} not shown",
    "lg.pages_wiki": "pages created on the wiki ({n})",
    "lg.pages_published": "published: {value} pages",
    "lg.sum_lines": "sum of the lines",
    "lg.total_published": "TOTAL (published)",
    "lg.published": "published",
    "lg.recomputed": "recomputed ({verdict})",
    # notes
    "notes.intro": "Each figure is checked against the wiki as it stood at its bilan revision's "
    "date: for every page, its last revision at or before that date. Every frame below is also "
    "written as a CSV file next to this report. Times are given in the {zone} time zone.",
    "notes.rows": "{n} rows",
    "notes.row": "1 row",
    "notes.missing": "missing",
    "notes.unavailable": "Frames not available: {names}.",
    "notes.warnings": "{n} lines could not be read (warnings.csv):",
    "notes.warning": "1 line could not be read (warnings.csv):",
    "notes.more_warnings": "… and {n} more in warnings.csv.",
    "notes.no_warnings": "No warnings: every line the extractors met was read.",
    "col.page": "Page",
    "col.line": "Line",
    "col.reason": "Reason",
    "col.text": "Text",
    "footer": "generated on {when}",
}

FR: dict[str, str] = {
    "v.reproduced": "reproduit",
    "v.approximately": "approximativement",
    "v.contradicted": "contredit",
    "v.incomplete": "incomplet",
    "v.not_checkable": "non vérifiable",
    "vp.reproduced": "reproduits",
    "vp.approximately": "approximativement",
    "vp.contradicted": "contredits",
    "vp.incomplete": "incomplets",
    "vp.not_checkable": "non vérifiables",
    "q.approx": "environ",
    "q.at_least": "plus de",
    "q.at_least_eq": "au moins",
    "q.mean": "moyenne",
    "q.range": "de … à",
    "tol.equal": "égalité",
    "tol.range": "min et max égaux",
    "tol.rounds": "arrondi à {value} ({n} déc.)",
    "tol.decimals": "{n} déc.",
    "range.fmt": "de {low} à {high}",
    "colon": " :",
    "check.data": "confronté aux données du wiki",
    "check.internal": "cohérence interne",
    "internal.parts_sum": "somme des parties",
    "internal.lines_sum": "somme des lignes",
    "internal.difference": "différence",
    "internal.product": "produit",
    "internal.grim": "test GRIM",
    "internal.listed_items": "éléments listés",
    "internal.period": "durée de la période",
    "title": "Vérification du bilan",
    "title.of": "Vérification du bilan : {title}",
    "nav": "Sommaire",
    "sec.verdicts": "Verdicts",
    "sec.claims": "Chaque chiffre en détail",
    "sec.history": "Historique des chiffres",
    "sec.plots": "Graphiques",
    "sec.notes": "Notes sur les données",
    "sec.data_checks": "Chiffres confrontés aux données du wiki",
    "sec.internal_checks": "Cohérence interne du bilan",
    "sec.removed": "Chiffres retirés par la dernière révision",
    "sum.where": "« {title} » sur {site}",
    "sum.where_nosite": "« {title} »",
    "sum.bilan_page": "la page du bilan",
    "sum.revision": ", révision {revid} ({when})",
    "sum.as_of": ", confrontée au wiki tel qu'il était le {when}",
    "sum.made": "Produit le {when} par wikibilan {version}.",
    "sum.none": "{where}{revision}{as_of} : aucun chiffre publié n'a pu être vérifié.",
    "sum.counts": "{where}{revision}{as_of} : {n} chiffres publiés vérifiés, {data} confrontés "
    "aux données du wiki et {internal} pour la cohérence interne. Verdicts : {verdicts}.",
    "sum.removed.one": "Un chiffre que d'anciennes révisions donnaient et que la dernière a "
    "retiré est présenté à part.",
    "sum.removed": "{n} chiffres que d'anciennes révisions donnaient et que la dernière a "
    "retirés sont présentés à part.",
    "col.claim": "Chiffre",
    "col.published": "Publié",
    "col.recomputed": "Recalculé",
    "col.verdict": "Verdict",
    "col.note": "Remarque",
    "no_checks": "Aucune vérification : le tableau des vérifications est vide ou absent.",
    "no_claim": "Aucun chiffre à détailler.",
    "note.qualifier": "ne tient que grâce à son qualificatif",
    "note.rounding": "ne tient que par l'arrondi",
    "note.bounds": " (bornes {bounds})",
    "note.gap": "écart {gap}",
    "note.recomputed": "recalculé {value}",
    "note.removed": "retiré à la révision {revid} ({when}, {user})",
    "f.published": "Publié",
    "f.recomputed": "Recalculé",
    "f.verdict": "Verdict",
    "f.tolerance": "Tolérance",
    "f.bounds": "Bornes",
    "f.gap": "Écart (recalculé − publié)",
    "f.method": "Méthode",
    "f.reason": "Pourquoi",
    "f.check": "Vérification",
    "f.bilan_revision": "Révision du bilan",
    "f.as_of": "Wiki tel qu'il était le",
    "f.last_stated": "Dernière révision le donnant",
    "f.removed": "Retiré à la révision",
    "f.claim_id": "Identifiant",
    "none_recomputed": "— (non vérifiable)",
    "counted": "Ce qui a été compté ({n}) :",
    "counted.none": "Rien n'a été compté.",
    "coverage": "Pages lues : {present} présentes sur {linked} liées.",
    "coverage.missing": (
        "Pages lues : {present} présentes sur {linked} liées ; absentes de la copie : {missing}."
    ),
    "later": "Sur le wiki aujourd'hui mais pas quand le bilan a été écrit ({n}) : non compté.",
    "later.note": "enregistré après la date du bilan",
    "later.created": "page créée le {when}",
    "col.date": "Date",
    "col.item": "Quoi",
    "col.count": "Nombre",
    "col.source": "Lu dans",
    "col.why": "Pourquoi non compté",
    "item.event": "événement",
    "item.workshop": "atelier",
    "item.person": "personne",
    "item.page": "page",
    "item.line": "ligne de dépense",
    "item.theme": "thème",
    "count.participants": "{n} participant·e·s",
    "count.events": "{n} événements",
    "count.workshops": "{n} ateliers",
    "basis.listed": "noms listés",
    "basis.stated": "nombre indiqué",
    "basis.planned": "inscrits seulement",
    "source": "{title}, rév. {revid}",
    "source.line": "{title}, rév. {revid}, ligne {line}",
    "evidence": "Révisions lues ({n}) :",
    "evidence.none": "aucune",
    "more": "… et {n} de plus ({where})",
    "more.checks": "liste complète dans checks.csv",
    "no_history": "Pas d'historique : le tableau claim_history est vide ou absent.",
    "history.intro": "Chaque chiffre publié au fil des révisions du bilan : sa dernière valeur, "
    "la révision qui l'a écrit (ou retiré) et les valeurs qu'il a prises. Plus bas, chaque "
    "révision des chiffres qui ont changé ; les lignes surlignées sont celles qui les ont "
    "changés.",
    "col.latest": "Dernière valeur",
    "col.written": "Écrit (ou retiré) à la révision",
    "col.revisions": "Révisions",
    "col.values": "Valeurs",
    "col.revision": "Révision",
    "col.user": "Contributeur·ice",
    "col.value": "Valeur",
    "col.internal": "Vérification interne",
    "h.written": "écrit en {revid}, le {when}, par {user}",
    "h.removed": "retiré en {revid}, le {when}, par {user}",
    "h.value_removed": "(retiré)",
    "h.value_absent": "(absent)",
    "h.folded": "… {n} révisions sans changement",
    "h.heading": "{label} : {trail}",
    "no_plot": "Aucun graphique : les données ne contiennent rien à tracer.",
    "plot.missing": "Le graphique « {caption} » n'a pas été tracé.",
    "plot.participants": "Participant·e·s par événement, moyenne et fourchette publiées et "
    "recalculées",
    "plot.events_per_month": "Événements par mois, par type",
    "plot.pages_created": "Pages du wiki créées au fil du temps, face au nombre publié",
    "plot.expenses": "Lignes de dépense, leur somme et le TOTAL publié",
    "plot.published_vs_recomputed": "Valeur publiée et valeur recalculée de chaque chiffre",
    "plotnote.participants": "Chaque point est un événement dont on connaît le nombre de "
    "participant·e·s, jusqu'à la date du bilan. Points pleins : les événements que compte la "
    "moyenne recalculée (ronds : noms listés ; carrés : nombre indiqué) ; ronds gris vides : "
    "ceux qu'elle ne compte pas (autre type, inscrits seulement, ou enregistrés après le "
    "bilan). En rouge la moyenne publiée (trait plein) et la fourchette publiée (tirets) ; en "
    "bleu la moyenne recalculée (trait plein) et la fourchette recalculée (bande).",
    "plotnote.events_per_month": "Chaque événement jusqu'à la date du bilan, selon le mois de "
    "son premier jour et son type ; les événements postérieurs sont laissés de côté.",
    "plotnote.pages_created": "Nombre cumulé des pages retenues selon la date de leur première "
    "révision, jusqu'à la date du bilan ; la ligne rouge est le nombre de pages publié.",
    "plotnote.expenses": "Chaque ligne de dépense du bilan, la somme des lignes et le TOTAL "
    "que donne le bilan.",
    "plotnote.published_vs_recomputed": "Pour chaque chiffre dont les valeurs publiée et "
    "recalculée sont des nombres : l'anneau est la valeur publiée, le point la valeur "
    "recalculée, coloré selon le verdict ; un point dans son anneau est un chiffre reproduit.",
    "alt.participants": "Nuage de points des participant·e·s de {n} événements jusqu'au {end}.",
    "alt.published": " Publié : {what}.",
    "alt.recomputed": " Recalculé : {what}.",
    "alt.mean": "moyenne {value}",
    "alt.events_per_month": "Histogramme de {n} événements par mois jusqu'au {end}, par "
    "type : {kinds}.",
    "alt.pages_created": "Courbe en escalier des pages créées : {n} au {end}, face à "
    "{published} publiées.",
    "alt.expenses": "Barres de {n} lignes de dépense dont la somme est {sum}, face à un TOTAL "
    "publié de {total}.",
    "alt.published_vs_recomputed": "Points des valeurs publiées et recalculées de {n} "
    "chiffres : {verdicts}.",
    "ax.participants": "participant·e·s",
    "ax.events": "événements",
    "ax.pages": "pages (cumul)",
    "ax.euros": "euros",
    "ax.value": "valeur",
    "lg.listed": "compté : noms listés",
    "lg.stated": "compté : nombre indiqué",
    "lg.not_counted": "non compté",
    "lg.pub_mean": "moyenne publiée {value}",
    "lg.pub_range": "fourchette publiée {low}–{high}",
    "lg.rec_mean": "moyenne recalculée {value}",
    "lg.rec_range": "fourchette recalculée {low}–{high}",
    "lg.bilan_date": "date du bilan ({date})",
    "lg.later_events": "{n} événements après le {date} non montrés",
    "lg.later_pages": "{n} pages créées après le {date} non montrées",
    "lg.pages_wiki": "pages créées sur le wiki ({n})",
    "lg.pages_published": "publié : {value} pages",
    "lg.sum_lines": "somme des lignes",
    "lg.total_published": "TOTAL (publié)",
    "lg.published": "publié",
    "lg.recomputed": "recalculé ({verdict})",
    "notes.intro": "Chaque chiffre est confronté au wiki tel qu'il était à la date de sa "
    "révision du bilan : pour chaque page, sa dernière révision à cette date ou avant. Chaque "
    "tableau ci-dessous est aussi écrit en CSV à côté de ce rapport. Les heures sont données "
    "dans le fuseau {zone}.",
    "notes.rows": "{n} lignes",
    "notes.row": "1 ligne",
    "notes.missing": "absent",
    "notes.unavailable": "Tableaux absents : {names}.",
    "notes.warnings": "{n} lignes n'ont pas pu être lues (warnings.csv) :",
    "notes.warning": "1 ligne n'a pas pu être lue (warnings.csv) :",
    "notes.more_warnings": "… et {n} de plus dans warnings.csv.",
    "notes.no_warnings": "Aucun avertissement : chaque ligne rencontrée a été lue.",
    "col.page": "Page",
    "col.line": "Ligne",
    "col.reason": "Raison",
    "col.text": "Texte",
    "footer": "produit le {when}",
}

WORDS: dict[str, Mapping[str, str]] = {"en": EN, "fr": FR}


@dataclass(frozen=True, slots=True)
class Language:
    """How one language writes numbers and dates, and its phrases."""

    code: str
    decimal: str
    group: str  # between groups of three digits
    months: tuple[str, ...]
    short_months: tuple[str, ...]
    words: Mapping[str, str]
    at: str  # between a date and its time
    first: str = ""  # the suffix of day 1 ("1er décembre")

    def __call__(self, key: str, **values: object) -> str:
        """The phrase ``key``, filled with ``values`` (English when this language lacks it)."""
        text = self.words.get(key) or EN[key]
        return text.format(**values) if values else text

    def number(self, value: object, decimals: int | None = None) -> str:
        """A number as this language writes it: ``1 022,66`` / ``1,022.66``; text is kept."""
        plain = _plain(value, decimals)
        if plain is None:
            return str(value) if value is not None else ""
        sign, digits = ("-", plain[1:]) if plain.startswith("-") else ("", plain)
        whole, _, frac = digits.partition(".")
        groups = re.sub(r"(?<=\d)(?=(\d{3})+$)", self.group, whole)
        return sign + groups + (self.decimal + frac if frac else "")

    def money(self, value: object) -> str:
        """An amount in euros, to the cent (``1 022,66 €``), whole amounts without (``2 000 €``)."""
        plain = _plain(value, 2)
        if plain is None:
            return str(value)
        return f"{self.number(value, 0 if plain.endswith('.00') else 2)} €"

    def date(self, value: object, zone: str = "UTC") -> str:
        """A day: ``30 novembre 2017`` / ``30 November 2017`` (empty when missing)."""
        ts = _timestamp(value, zone)
        if ts is None:
            return ""
        day = f"{ts.day}{self.first}" if ts.day == 1 and self.first else str(ts.day)
        return f"{day} {self.months[ts.month - 1]} {ts.year}"

    def when(self, value: object, zone: str = "UTC") -> str:
        """An instant in ``zone``: ``30 novembre 2017 à 15:40``."""
        ts = _timestamp(value, zone)
        if ts is None:
            return ""
        return f"{self.date(ts)}{self.at}{ts:%H:%M}"

    def month(self, value: object) -> str:
        """A month, short: ``nov. 2017`` / ``Nov 2017``."""
        ts = _timestamp(value, "UTC")
        return "" if ts is None else f"{self.short_months[ts.month - 1]} {ts.year}"


LANGUAGES: dict[str, Language] = {
    "en": Language(
        "en", ".", ",",
        ("January", "February", "March", "April", "May", "June", "July", "August",
         "September", "October", "November", "December"),
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        EN, ", ",
    ),
    "fr": Language(
        "fr", ",", " ",
        ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
         "octobre", "novembre", "décembre"),
        ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
         "nov.", "déc."),
        FR, " à ", "er",
    ),
}  # fmt: skip


def language(code: str | None) -> Language:
    """The language ``code`` (``fr``, ``fr-FR``, ``en``…); English when unknown."""
    base = (code or "en").split("-")[0].split("_")[0].lower()
    return LANGUAGES.get(base, LANGUAGES["en"])


def _plain(value: object, decimals: int | None) -> str | None:
    """``value`` as a plain decimal string (``-1022.66``), or None when it is no number."""
    if value is None or value is pd.NA or isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not re.fullmatch(r"[+-]?\d+(?:\.\d+)?", text):
            return None
        value = Decimal(text)
    if isinstance(value, float | np.floating):
        if value != value:
            return None
        value = Decimal(np.format_float_positional(float(value), trim="-"))
    if isinstance(value, int | np.integer):
        value = Decimal(int(value))
    if not isinstance(value, Decimal):
        return None
    if decimals is not None:
        value = value.quantize(Decimal(1).scaleb(-decimals))
    text = format(value, "f")
    if decimals is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _timestamp(value: object, zone: str) -> pd.Timestamp | None:
    if value is None or value is pd.NA or value is pd.NaT or value == "":
        return None
    if isinstance(value, float) and value != value:
        return None
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if ts is pd.NaT:
        return None
    if ts.tzinfo is None:
        return ts  # a day, or a naive UTC instant shown as is
    try:
        return ts.tz_convert(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return ts.tz_convert("UTC")
