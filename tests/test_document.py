"""The block model: wikitext and rendered HTML give the same blocks.

The ``tests/data/html/*.html`` pages were rendered from the ``*.wiki`` files
next to them by MediaWiki 1.39 (Vector skin, French UI); banners and mirrored
link forms were added by hand (each file says what). ``archive_*.html`` are
hand-written older/stripped copies of ``archive_plain.wiki``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wikibilan.document import (
    Block,
    Document,
    normalize_title,
    parse_html,
    parse_revision,
    parse_wikitext,
    title_from_href,
)
from wikibilan.profile import load_profile

DATA = Path(__file__).parent / "data" / "html"

SAMPLES = [
    ("meeting_current", "meeting_current", "Construire dans l'action l'assemblée des communs 5"),
    ("assembly_oldid", "assembly_oldid", "Assemblée des Communs de Lille - 2"),
    ("bilan_diff", "bilan_diff", "Assemblée des Communs de Lille - Bilan 2015-2017"),
    ("initiation_mirror", "initiation_mirror", "Atelier Initiation aux communs"),
    ("archive_old_skin", "archive_plain", "Construire dans l'action l'assemblée des communs 4"),
    ("archive_bare", "archive_plain", "Construire dans l'action l'assemblée des communs 4"),
]


def key(block: Block) -> tuple[object, ...]:
    return (block.kind, block.level, block.section, block.text, block.links, block.cells)


def shape(doc: Document) -> list[tuple[str, int, str]]:
    return [(b.kind, b.level, b.text) for b in doc.blocks]


def wiki(name: str, title: str) -> Document:
    return parse_wikitext((DATA / f"{name}.wiki").read_text(encoding="utf-8"), title=title)


# --------------------------------------------------------------------------
# Same blocks from the wikitext and from its rendering


@pytest.mark.parametrize(("html_name", "wiki_name", "title"), SAMPLES)
def test_wikitext_and_html_give_the_same_blocks(html_name: str, wiki_name: str, title: str):
    from_wiki = wiki(wiki_name, title)
    from_html = parse_html((DATA / f"{html_name}.html").read_bytes(), title=title)
    assert [key(b) for b in from_html.blocks] == [key(b) for b in from_wiki.blocks]
    assert set(from_wiki.categories) <= set(from_html.categories)
    assert from_wiki.blocks, "the sample must not be empty"


@pytest.mark.parametrize(("html_name", "wiki_name", "title"), SAMPLES)
def test_html_as_str_and_bytes_agree(html_name: str, wiki_name: str, title: str):
    raw = (DATA / f"{html_name}.html").read_bytes()
    assert parse_html(raw) == parse_html(raw.decode("utf-8"))


@pytest.mark.parametrize(
    ("html_name", "title", "revid"),
    [
        ("meeting_current", "Construire dans l'action l'assemblée des communs 5", 2),
        ("assembly_oldid", "Assemblée des Communs de Lille - 2", 3),
        ("bilan_diff", "Assemblée des Communs de Lille - Bilan 2015-2017", 6),
        ("archive_old_skin", "Construire dans l'action l'assemblée des communs 4", 18140),
        ("archive_bare", "Construire dans l'action l'assemblée des communs 4", 0),
    ],
)
def test_title_and_revid_come_from_the_page_config(html_name: str, title: str, revid: int):
    doc = parse_html((DATA / f"{html_name}.html").read_bytes())
    assert (doc.title, doc.revid) == (title, revid)
    given_ = parse_html((DATA / f"{html_name}.html").read_bytes(), title="T", revid=7)
    assert (given_.title, given_.revid) == ("T", 7)


def test_bilan_blocks_by_hand():
    doc = wiki("bilan_diff", "Assemblée des Communs de Lille - Bilan 2015-2017")
    by_text = {b.text: b for b in doc.blocks}
    depenses = by_text["Dépenses"]
    assert (depenses.kind, depenses.level, depenses.section) == ("heading", 3, ("Bilan financier",))
    total = by_text["TOTAL = 1022,66€"]
    assert (total.kind, total.level, total.section, total.line) == (
        "item",
        1,
        ("Bilan financier", "Dépenses"),
        34,
    )
    assert by_text["Solde : 977,34€"].kind == "para"
    header = by_text["Réseau | Nombre d'entrées"]
    assert (header.kind, header.cells, header.line) == ("row", ("Réseau", "Nombre d'entrées"), 14)
    last = by_text["Répertoire de communs | Total : 215 (78 sur Communecter)"]
    assert last.cells == ("Répertoire de communs", "Total : 215 (78 sur Communecter)")
    # a plain line right after a list is a paragraph of its own
    assert by_text["Soit un total de 34 temps forts sur 24 mois"].line == 8
    assert by_text["48h de la contribution (mars 2017) : 743,46€"].links == (
        "48h de la contribution",
    )


def test_meeting_blocks_by_hand():
    doc = wiki("meeting_current", "Construire dans l'action l'assemblée des communs 5")
    assert doc.blocks[0] == Block(
        "para",
        "Compte-rendu de la rencontre du 28/01/2016 à la MRES. Lieu : 23 rue Gosselet, Lille",
        0,
        (),
        1,
        links=("Maison de l'écologie",),
    )
    present = [b for b in doc.blocks if b.section == ("Présent-e-s",) and b.kind == "item"]
    assert [(b.level, b.text) for b in present] == [
        (1, "Alice Martin"),
        (2, "développeuse, contribue à OpenStreetMap"),
        (2, "membre du lille Fablab"),
        (1, "Gaëlle Roux"),
        (2, "association Jardins partagés"),
        (1, "Hugo L."),
    ]
    assert present[2].links == ("Lille Fablab",)
    tour = [b.text for b in doc.blocks if b.section == ("Présent-e-s", "Tour de table")]
    assert tour[-1] == "Inès Bernard / nouvelle"
    assert doc.categories == ("Assemblée des communs de Lille",)


def test_html_paths_and_lines():
    doc = parse_html((DATA / "assembly_oldid.html").read_bytes())
    nested = next(b for b in doc.blocks if b.text == "arrivée vers 14h")
    assert (nested.path, nested.level) == ("ul[1]/li[3]/dl[1]/dd[1]", 2)
    row = next(b for b in doc.blocks if b.kind == "row")
    assert row.path == "table[1]/tbody[1]/tr[1]"
    source = (DATA / "assembly_oldid.html").read_text(encoding="utf-8").splitlines()
    heading = next(b for b in doc.blocks if b.text == "Ils sont là")
    assert "Ils sont là</span></h2>" in source[heading.line - 1]


def test_html_chrome_is_not_content():
    for name, _, _ in SAMPLES:
        texts = " ".join(b.text for b in parse_html((DATA / f"{name}.html").read_bytes()).blocks)
        for chrome in (
            "Sommaire",
            "modifier",
            "Ce site web est une archive",
            "Collectif Point Communs",
            "lecture seule",
            "va être fermé",
            "Récupérée de",
            "datée du",
            "Version précédente",
            "De Wiki des communs",
            "Catégorie :",
            "Note de bas de page",
            "Menu de navigation",
            "Une photo",
        ):
            assert chrome not in texts, (name, chrome)


def test_diff_page_keeps_only_the_rendered_revision():
    doc = parse_html((DATA / "bilan_diff.html").read_bytes())
    texts = [b.text for b in doc.blocks]
    assert "Solde : 977,34€" in texts
    assert not any("env. 720" in t or "'''" in t or "Ligne 34" in t for t in texts)


# --------------------------------------------------------------------------
# Wikitext forms

# fmt: off
WIKITEXT_CASES = [
    ("== A ==\n=== B ===\n==== C ====",
     [("heading", 2, "A"), ("heading", 3, "B"), ("heading", 4, "C")]),
    ("* a\n** b\n*** c\n# d\n#* e\n: f\n:: g", [
        ("item", 1, "a"), ("item", 2, "b"), ("item", 3, "c"), ("item", 1, "d"),
        ("item", 2, "e"), ("item", 1, "f"), ("item", 2, "g"),
    ]),
    ("; terme : définition\n; seul\n: déf", [
        ("item", 1, "terme"), ("item", 1, "définition"), ("item", 1, "seul"), ("item", 1, "déf"),
    ]),
    ("ligne 1\nligne 2\n\nligne 3", [("para", 0, "ligne 1 ligne 2"), ("para", 0, "ligne 3")]),
    ("a\n<!-- note -->\nb", [("para", 0, "a b")]),
    ("a\n[[Catégorie:X]]\nb", [("para", 0, "a b")]),
    ("a\n \nb", [("para", 0, "a"), ("para", 0, "b")]),
    ("a\n----\nb", [("para", 0, "a"), ("para", 0, "b")]),
    (" pré\nnormal", [("para", 0, "pré"), ("para", 0, "normal")]),
    ("texte\n* item\nsuite", [("para", 0, "texte"), ("item", 1, "item"), ("para", 0, "suite")]),
    ("{{Modèle|x=1}} reste {{!}} et {{=}}", [("para", 0, "reste | et =")]),
    ("[[Cible|étiquette]] [[Cible]] [[cible_b]] [[:Catégorie:C]]", [
        ("para", 0, "étiquette Cible cible_b Catégorie:C"),
    ]),
    ("[http://x.org lien] [http://x.org] http://y.org", [("para", 0, "lien http://y.org")]),
    ("'''gras''' ''italique'' '''''les deux'''''", [("para", 0, "gras italique les deux")]),
    ("a&nbsp;: b &amp; c &eacute;<br/>d", [("para", 0, "a : b & c é d")]),
    ("<nowiki>''brut'' [[x]]</nowiki>", [("para", 0, "''brut'' [[x]]")]),
    ("fin<ref>note</ref>.\n<references />", [("para", 0, "fin.")]),
    ("[[Fichier:A.jpg|thumb|légende]]\n[[File:B.png]]texte", [("para", 0, "texte")]),
    ("__NOTOC__\ntexte", [("para", 0, "texte")]),
    ("<div>\n* dans div\n</div>\napres", [("item", 1, "dans div"), ("para", 0, "apres")]),
    ("<ul><li>un<ul><li>deux</li></ul></li></ul>", [("item", 1, "un"), ("item", 2, "deux")]),
    ("<p>html</p><h3>titre</h3>", [("para", 0, "html"), ("heading", 3, "titre")]),
    ("{|\n|+ légende\n! A !! B\n|-\n| 1 || 2\n|}", [("row", 0, "A | B"), ("row", 0, "1 | 2")]),
    ("{|\n| a\n| b\n|-\n| c\n|}", [("row", 0, "a | b"), ("row", 0, "c")]),
    ('{|\n|-\n| style="x" | a<br>b || [[L|l]]\n|}', [("row", 0, "a b | l")]),
    ("<table><tr><th>h</th></tr><tr><td>v</td></tr></table>", [("row", 0, "h"), ("row", 0, "v")]),
    ("*", []),
    ("", []),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), WIKITEXT_CASES)
def test_wikitext_forms(text: str, expected: list[tuple[str, int, str]]):
    assert shape(parse_wikitext(text)) == expected


def test_wikitext_links():
    doc = parse_wikitext(
        "[[foo_bar#x|y]] [[#local]] [[/Notes]] [[:catégorie:x]] [[Utilisateur:jean]] "
        "[[Maison de l%27écologie]] [[Catégorie:Z|clé]]",
        title="48h de la contribution",
    )
    assert doc.blocks[0].links == (
        "Foo bar",
        "48h de la contribution/Notes",
        "Catégorie:X",
        "Utilisateur:Jean",
        "Maison de l'écologie",
    )
    assert doc.categories == ("Z",)


def test_wikitext_sections_and_lines():
    doc = parse_wikitext("intro\n== A ==\n=== B ===\n* x\n== C ==\n{|\n|-\n| r\n|}\n\n\npara")
    assert [(b.kind, b.section, b.line) for b in doc.blocks] == [
        ("para", (), 1),
        ("heading", (), 2),
        ("heading", ("A",), 3),
        ("item", ("A", "B"), 4),
        ("heading", (), 5),
        ("row", ("C",), 8),  # the line of the first cell
        ("para", ("C",), 12),
    ]


def test_wikitext_line_numbers_survive_multiline_templates_and_crlf():
    doc = parse_wikitext("{{Infobox\n|a=1\n|b=2\n}}\r\n* item\r\n\r\ntexte")
    assert [(b.text, b.line) for b in doc.blocks] == [("item", 5), ("texte", 7)]


def test_redirects():
    doc = parse_wikitext("#REDIRECTION [[assemblée des Communs de Lille - 2]]\n[[Catégorie:X]]")
    assert (doc.redirect, doc.blocks) == ("Assemblée des Communs de Lille - 2", ())
    html = (
        '<div id="mw-content-text"><div class="mw-parser-output"><div class="redirectMsg">'
        '<p>Rediriger vers :</p><ul class="redirectText"><li>'
        '<a href="/wiki/Assembl%C3%A9e_des_Communs_de_Lille_-_2">X</a></li></ul></div></div></div>'
    )
    assert parse_html(html).redirect == "Assemblée des Communs de Lille - 2"


def test_parse_revision_dispatches_on_the_content_model():
    assert shape(parse_revision("* a", "wikitext")) == [("item", 1, "a")]
    assert shape(parse_revision("<ul><li>a</li></ul>", "html")) == [("item", 1, "a")]
    assert parse_revision("x", "wikitext", title="T", revid=3).revid == 3


# --------------------------------------------------------------------------
# HTML forms and helpers

HREFS = [
    ("/wiki/Construire_dans_l%27action_l%27assembl%C3%A9e_des_communs_5",
     "Construire dans l'action l'assemblée des communs 5"),
    ("/wiki/Assembl%C3%A9e_des_Communs_de_Lille/Visite_elus#Top",
     "Assemblée des Communs de Lille/Visite elus"),
    ("/index.php?title=Foo_bar&action=edit&redlink=1", "Foo bar"),
    ("https://wiki.lescommuns.org/index.php?title=Construire_dans_l%27action_l%27assembl%C3%A9e_des_communs_10&oldid=18140",
     "Construire dans l'action l'assemblée des communs 10"),
    ("index.php@title=Construire_dans_l%2527action_l%2527assembl%25C3%25A9e_des_communs_10&oldid=18140.html",
     "Construire dans l'action l'assemblée des communs 10"),
    ("../index.php@title=X&direction=prev&oldid=22806.html", "X"),
    ("http://assemblee.encommuns.org/index.php?title=Lille", "Lille"),
    ("../wiki/Trombinoscope_de_Lille.html", "Trombinoscope de Lille"),
    ("/index.php/Page_ancienne", "Page ancienne"),
    ("/wiki/Cat%C3%A9gorie:assembl%C3%A9e", "Catégorie:Assemblée"),
    ("#Sessions", None),
    ("mailto:a@b.c", None),
    ("https://chat.lescommuns.org/", None),
    ("http://[::1", None),
    ("", None),
]  # fmt: skip


@pytest.mark.parametrize(("href", "title"), HREFS)
def test_title_from_href(href: str, title: str | None):
    assert title_from_href(href) == title


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("foo_bar", "Foo bar"),
        ("  a   b ", "A b"),
        (":Catégorie:x", "Catégorie:X"),
        ("utilisateur:jean dupont", "Utilisateur:Jean dupont"),
        ("48h de la contribution/Notes", "48h de la contribution/Notes"),
        ("étude", "Étude"),
        ("", ""),
    ],
)
def test_normalize_title(raw: str, title: str):
    assert normalize_title(raw) == title


def page(content: str) -> str:
    return (
        '<html><body><div id="mw-content-text"><div class="mw-parser-output">'
        f"{content}</div></div></body></html>"
    )


HTML_CASES = [
    ('<h2><span class="mw-headline">Titre</span>'
     '<span class="mw-editsection">[modifier]</span></h2>', [("heading", 2, "Titre")]),
    ("<div><p>a</p>loose <b>text</b><ul><li>i</li></ul>tail</div>",
     [("para", 0, "a"), ("para", 0, "loose text"), ("item", 1, "i"), ("para", 0, "tail")]),
    ("<ul><li>a<dl><dd>b</dd></dl></li></ul><dl><dt>t</dt><dd>d</dd></dl>",
     [("item", 1, "a"), ("item", 2, "b"), ("item", 1, "t"), ("item", 1, "d")]),
    ("<p>x<sup class='reference'>[1]</sup> <a class='external autonumber' href='http://x'>[2]</a></p>",
     [("para", 0, "x")]),
    ("<div id='toc' class='toc'><ul><li>1 Titre</li></ul></div><p><br></p><p>après</p>",
     [("para", 0, "après")]),
    ("<table><caption>c</caption><tr><th>a</th><td>b<br>c</td></tr></table>",
     [("row", 0, "a | b c")]),
    ("<pre>  pré\n formaté</pre><hr><p>p</p>", [("para", 0, "pré formaté"), ("para", 0, "p")]),
    ("<div class='thumb'><a class='image'><img></a><div class='thumbcaption'>légende</div></div>",
     []),
    ("<p>Ce site web est une archive du wiki qui a été utilisé entre 2016 et 2022.</p>", []),
    ("<p>Depuis mai 2024, ce wiki est en lecture seule.</p><p>Le wiki va être fermé.</p>", []),
    ("<p>Collectif Point Communs https://chat.lescommuns.org/</p><p>reste</p>",
     [("para", 0, "reste")]),
]  # fmt: skip


@pytest.mark.parametrize(("content", "expected"), HTML_CASES)
def test_html_forms(content: str, expected: list[tuple[str, int, str]]):
    # the Lille archive's own chrome (its profile's) is dropped like any banner
    chrome = load_profile().site.archive_chrome
    assert shape(parse_html(page(content), chrome=chrome)) == expected


def test_html_links_red_self_and_files():
    doc = parse_html(
        page(
            '<p><a href="/index.php?title=Rouge&amp;action=edit&amp;redlink=1" class="new">r</a> '
            '<a class="mw-selflink selflink">moi</a> '
            '<a href="/index.php?title=Sp%C3%A9cial:T%C3%A9l%C3%A9verser&amp;wpDestFile=A.jpg" '
            'class="new" title="Fichier:A.jpg">Fichier:A.jpg</a> '
            '<a class="external text" href="https://wiki.lescommuns.org/wiki/Ext">e</a> '
            '<a class="extiw" href="https://fr.wikipedia.org/wiki/Commun">w</a></p>'
        ),
        title="Ma page",
    )
    assert doc.blocks[0].text == "r moi e w"
    assert doc.blocks[0].links == ("Rouge", "Ma page")


def test_html_root_falls_back_to_body_after_the_h1():
    doc = parse_html(
        "<body><p>avant</p><h2>menu</h2><div><h1>Titre</h1><p>De Wiki des communs</p>"
        "<h2>A</h2><p>contenu</p></div></body>"
    )
    assert doc.title == "Titre"
    assert [key(b)[:4] for b in doc.blocks] == [
        ("heading", 2, (), "A"),
        ("para", 0, ("A",), "contenu"),
    ]


def test_html_categories_from_the_box():
    html = (
        "<body><div id='mw-content-text'><p>x</p></div><div id='catlinks'>"
        "<div id='mw-normal-catlinks'><a href='/wiki/Sp%C3%A9cial:Cat%C3%A9gories'>Catégories</a>"
        "<ul><li><a href='/wiki/Cat%C3%A9gorie:Lille'>Lille</a></li></ul></div></div></body>"
    )
    doc = parse_html(html)
    assert (doc.categories, shape(doc)) == (("Lille",), [("para", 0, "x")])


@pytest.mark.parametrize(
    "html",
    [
        "",
        b"",
        "   ",
        "<!-- -->",
        b"\xff\xfe\x00",
        "<?xml version='1.0' encoding='latin-1'?><p>é</p>",
    ],
)
def test_html_empty_or_odd_documents(html: str | bytes):
    assert isinstance(parse_html(html), Document)


def test_unexpected_failures_fall_back_to_plain_lines(monkeypatch: pytest.MonkeyPatch):
    from wikibilan.document import html, wikitext

    def boom(*args: object) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(wikitext._WikiBuilder, "build", boom)
    monkeypatch.setattr(html._HtmlBuilder, "container", boom)
    wikitext = "* '''un'''\n\n[[deux]]"
    assert shape(parse_wikitext(wikitext)) == [("para", 0, "* un"), ("para", 0, "deux")]
    assert shape(parse_html("<ul><li>un</li></ul><p>deux</p>")) == [
        ("para", 0, "un"),
        ("para", 0, "deux"),
    ]


def test_html_latin1_bytes_are_read():
    doc = parse_html("<p>Présent-e-s</p>".encode("cp1252"))
    assert shape(doc) == [("para", 0, "Présent-e-s")]


# --------------------------------------------------------------------------
# Robustness

FRAGMENTS = [
    "*", "**", "#", ":", ";", "\n", "\n\n", " ", "== h ==", "=", "{|", "|-", "|}", "|", "||",
    "!", "!!", "|+", "[[", "]]", "[[A|b]]", "[[Catégorie:X]]", "[[Fichier:Y|thumb]]", "{{",
    "}}", "{{t|a=\n1}}", "{{{1}}}", "<div>", "</div>", "<ul>", "<li>", "</li>", "<table>",
    "<tr>", "<td>", "<!--", "-->", "'''", "''", "&nbsp;", "&#x;", "&#99999999;", "<br>",
    "<ref>", "</ref>", "[http://x y]", "[http://x]", "<nowiki>", "</nowiki>", "<pre>",
    "</pre>", "texte", "é", "\x00", "\u202f", "<h2>", "</h2>", "#REDIRECT ", "__NOTOC__",
    "----", "<p>", "</p>", "<a href='/wiki/X'>", "</a>", "<a href='index.php@title=%25zz.html'>",
    "<span class='mw-headline'>", "<h1>", "</h1>", "<dl>", "<dd>", "<dt>", "<body>",
    "<div id='mw-content-text'>", "<div class='mw-parser-output'>", "<script>", "\r",
]  # fmt: skip
markup = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=60).map("".join)
fuzz = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fuzz
@given(st.text())
def test_parse_wikitext_never_raises_on_text(text: str):
    doc = parse_wikitext(text, title="T")
    assert all(b.text and b.line >= 1 for b in doc.blocks)


@fuzz
@given(markup)
def test_parse_wikitext_never_raises_on_markup(text: str):
    doc = parse_wikitext(text, title="T/sous-page")
    assert all(b.text == b.text.strip() and "  " not in b.text for b in doc.blocks)


@fuzz
@given(st.text() | markup)
def test_parse_html_never_raises(text: str):
    assert isinstance(parse_html(text), Document)
    assert isinstance(parse_html(text.encode("utf-8", "surrogatepass")), Document)


@fuzz
@given(st.text())
def test_title_from_href_never_raises(href: str):
    title_from_href(href)
    normalize_title(href)


SIMPLE = [
    "\n", "\n\n", " ", "*", "**", "#", "#*", ":", "::", ";", " : ", "== h ==", "=== h ===",
    "=h=", "==", "[[A]]", "[[A|b]]", "[[a b|]]", "[[/Sous|s]]", "[[Catégorie:X]]",
    "[[:Catégorie:X]]", "[[Fichier:Y]]", "[[A#b|c]]", "texte", "Présent·e·s : ", "é",
    "----", "__NOTOC__", "21 personnes", "\u202f", "|", "]]", "[[", "=",
]  # fmt: skip
simple_markup = st.lists(st.sampled_from(SIMPLE) | st.text(max_size=4), max_size=40).map("".join)


def _tree_walk(text: str, title: str) -> tuple[object, object]:
    """Blocks and categories walked from mwparserfromhell's whole node tree."""
    import mwparserfromhell

    from wikibilan.document import wikitext

    builder = wikitext._WikiBuilder(text, title)
    builder.run(mwparserfromhell.parse(text))
    return builder.blocks, builder.categories


def _token_walk(text: str, title: str) -> tuple[object, object]:
    from mwparserfromhell.parser import Parser

    from wikibilan.document import wikitext

    builder = wikitext._WikiBuilder(text, title)
    if not builder.run_tokens(Parser()._tokenizer.tokenize(text, 0, False)):
        # Only a NUL, where the C tokenizer stops, leaves tokens shorter than the text.
        assert "\x00" in text
        builder = wikitext._WikiBuilder.build(text, title)
    return builder.blocks, builder.categories


@fuzz
@given(simple_markup | markup)
def test_token_walk_gives_the_tree_walk_blocks(text: str):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    assert _token_walk(text, "T/sous-page") == _tree_walk(text, "T/sous-page")


@pytest.mark.parametrize("path", sorted(DATA.glob("*.wiki")), ids=lambda p: p.stem)
def test_token_walk_gives_the_tree_walk_blocks_on_pages(path: Path):
    text = path.read_text(encoding="utf-8")
    blocks, categories = _token_walk(text, "Réunion")
    assert len(blocks) > 3  # type: ignore[arg-type]
    assert (blocks, categories) == _tree_walk(text, "Réunion")


def test_tree_walk_is_the_fallback_of_the_token_walk(monkeypatch: pytest.MonkeyPatch):
    from wikibilan.document import wikitext

    text = (DATA / "meeting_current.wiki").read_text(encoding="utf-8")
    monkeypatch.setattr(wikitext._WikiBuilder, "run_tokens", lambda *args: False)
    assert parse_wikitext(text, title="Réunion").blocks == tuple(_tree_walk(text, "Réunion")[0])  # type: ignore[arg-type]


def test_twenty_level_list():
    text = "".join("*" * depth + f" niveau {depth}\n" for depth in range(1, 21))
    doc = parse_wikitext(text)
    assert [b.level for b in doc.blocks] == list(range(1, 21))
    html = "<ul><li>niveau 1" + "".join(f"<ul><li>niveau {d}" for d in range(2, 21))
    html += "</li></ul>" * 20
    assert [b.level for b in parse_html(html).blocks] == list(range(1, 21))


@pytest.mark.parametrize("tag", ["div", "span", "ul", "table", "b"])
def test_deeply_nested_html_does_not_crash(tag: str):
    doc = parse_html(f"<{tag}>" * 2000 + "x" + f"</{tag}>" * 2000)
    assert isinstance(doc, Document)


@pytest.mark.parametrize(
    "text",
    [
        "<div>" * 2000 + "x" + "</div>" * 2000,
        "{{a|" * 500 + "x" + "}}" * 500,
        "[[a|" * 2000 + "x" + "]]" * 2000,
        "{|\n|" * 300 + "x",
        "<ul><li>" * 1000 + "x",
    ],
)
def test_deeply_nested_wikitext_does_not_crash(text: str):
    assert isinstance(parse_wikitext(text), Document)


def test_large_pages_are_parsed_in_linear_time():
    one = (DATA / "meeting_current.wiki").read_text(encoding="utf-8")
    small = parse_wikitext(one * 20)
    large = parse_wikitext(one * 200)
    assert len(large.blocks) == 10 * len(small.blocks)
    # the last block, "Texte préformaté", is on line 42 of the last copy
    assert large.blocks[-1].line == 199 * one.count("\n") + 42
