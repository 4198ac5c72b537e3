"""MediaWiki XML exports: read them into revisions, import them into the store, write them.

Reads schema 0.10 and 0.11 (Special:Export, ``dumpBackup.php``, WikiTeam dumps,
including WikiTeam's form where each ``<page>`` holds one revision), plain or
compressed with gzip, bzip2 or xz. Parsing goes through mwxml on top of an lxml
pull parser that never loads a DTD, never touches the network and never expands
entities; before that, the prolog is scanned and any document type or entity
declaration is refused, so hostile files are stopped before anything is written.
"""

from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import mwxml
from lxml import etree
from mwxml.element_iterator import ElementIterator, EventPointer
from mwxml.errors import MalformedXML

from ..errors import HostileInputError, InputError, UsageError
from ..french import is_ip
from ..model import (
    ContentModel,
    Revision,
    Site,
    sha1_base36,
    sha1_from_base36,
    sha1_hex,
    site_key_from_url,
)
from ..titles import article_url_from_main_page

if TYPE_CHECKING:
    from ..store import Store

log = logging.getLogger(__name__)

EXPORT_NS = "http://www.mediawiki.org/xml/export-0.11/"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_PROLOG_LIMIT = 1 << 20
_CHUNK = 1 << 16
# fmt: off
# Declared encodings we let through; others (UTF-7 above all) can smuggle markup past a scan.
_ENCODINGS = frozenset({"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "us-ascii", "ascii",
                        "iso-8859-1", "latin-1", "latin1", "iso-8859-15", "windows-1252", "cp1252"})
_DECOMPRESSORS: dict[bytes, ModuleType] = {b"\x1f\x8b": gzip, b"BZh": bz2, b"\xfd7zXZ\x00": lzma}
_BOMS = [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
         (b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be")]
# mwxml reports odd input with int()/assert failures as well as MalformedXML.
_PARSE_ERRORS = (etree.Error, MalformedXML, ValueError, TypeError, AssertionError, KeyError,
                 AttributeError, OSError, EOFError, lzma.LZMAError)
_FORMATS = {"wikitext": "text/x-wiki", "html": "text/html", "css": "text/css",
            "javascript": "text/javascript", "json": "application/json"}
# Core namespace names from -2 (Media) to 15 (Category talk); 0 is the unnamed main one.
_NAMESPACE_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Media", "Special", "", "Talk", "User", "User talk", "{site}", "{site} talk", "File",
           "File talk", "MediaWiki", "MediaWiki talk", "Template", "Template talk", "Help",
           "Help talk", "Category", "Category talk"),
    "fr": ("Média", "Spécial", "", "Discussion", "Utilisateur", "Discussion utilisateur",
           "{site}", "Discussion {site}", "Fichier", "Discussion fichier", "MediaWiki",
           "Discussion MediaWiki", "Modèle", "Discussion modèle", "Aide", "Discussion aide",
           "Catégorie", "Discussion catégorie"),
}
# fmt: on
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: distinct pages seen, revisions read, revisions new to the store."""

    pages: int
    revisions_read: int
    revisions_new: int


class _Stream:
    """Bytes already inspected, then the rest of ``fp``; counts what the parser consumed."""

    def __init__(self, head: bytes, fp: BinaryIO) -> None:
        self._head = head
        self._fp = fp
        self.offset = 0

    def read(self, size: int = -1) -> bytes:
        if self._head:
            n = len(self._head) if size is None or size < 0 else size
            data, self._head = self._head[:n], self._head[n:]
        else:
            data = self._fp.read(size)
        self.offset += len(data)
        return data


# -- reading -------------------------------------------------------------------


def read_dump(fp: BinaryIO) -> tuple[Site, Iterator[Revision]]:
    """Read a MediaWiki XML export: its site now, its revisions lazily, in file order.

    Args:
        fp: the export opened in binary mode (plain, gzip, bzip2 or xz).

    Returns:
        The site (keyed by the host of ``<siteinfo><base>``) and an iterator of
        revisions with ``source="dump"`` and hexadecimal ``sha1``.

    Raises:
        HostileInputError: the file declares a document type or entities.
        InputError: the file is not XML, not a MediaWiki export, or (while iterating)
            turns out malformed or truncated; the message names the position.
    """
    stream = _checked_stream(fp)
    try:
        pointer = EventPointer(_pruned(_xml_events(stream)))
        _, root = next(pointer)
        if etree.QName(root).localname != "mediawiki":
            raise InputError(
                f"This XML file is not a MediaWiki export: its root element is "
                f"<{etree.QName(root).localname}>, not <mediawiki>."
            )
        lang = root.get(_XML_LANG) or "fr"
        dump = mwxml.Dump.from_element(ElementIterator(root, pointer))
    except (*_PARSE_ERRORS, StopIteration) as exc:
        raise _malformed(exc, stream) from exc
    base = dump.site_info.base
    key = site_key_from_url(base) if base else ""
    if not key:
        raise InputError(
            "The export has no usable <siteinfo><base> URL, so the wiki it comes from is unknown."
        )
    site = Site(
        key=key,
        base_url=str(base),
        name=dump.site_info.name or "",
        lang=lang,
        article_url=article_url_from_main_page(str(base)),  # an export has no articlepath
    )
    return site, _revisions(site.key, dump, stream)


def _checked_stream(fp: BinaryIO) -> _Stream:
    """Undo compression, then refuse anything but a plain prolog before the root element."""
    magic = fp.read(6)
    stream = _Stream(magic, fp)
    if magic.startswith(b"7z\xbc\xaf"):
        raise InputError("This is a 7-Zip archive; extract the XML dump from it first.")
    for prefix, module in _DECOMPRESSORS.items():
        if magic.startswith(prefix):
            stream = _Stream(b"", cast(BinaryIO, module.open(stream)))
            break
    head = b""
    try:
        while True:
            chunk = stream.read(_CHUNK)
            head += chunk
            if _scan_prolog(head, at_end=not chunk):
                break
            if len(head) > _PROLOG_LIMIT:
                raise InputError(
                    "This file is not a MediaWiki export: no root element in its first MiB."
                )
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise InputError(f"The compressed dump cannot be read: {exc}.") from exc
    return _Stream(head, cast(BinaryIO, stream))


def _scan_prolog(head: bytes, *, at_end: bool) -> bool:
    """True when ``head`` reaches the root element through a harmless prolog.

    Raises HostileInputError on a DOCTYPE (the only place entities can be declared)
    and InputError on anything that is not XML.
    """
    encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), "latin-1")
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        rest = text[i : i + 10]
        if rest.startswith("<?"):
            end = text.find("?>", i)
            if end < 0:
                break
            _check_declaration(text[i : end + 2])
            i = end + 2
        elif rest.startswith("<!--"):
            end = text.find("-->", i + 4)
            if end < 0:
                break
            i = end + 3
        elif rest.startswith("<!") and len(rest) < 9 and not at_end:
            break
        elif rest.startswith("<!"):
            if rest[2:].upper().startswith(("DOCTYPE", "ENTITY", "ELEMENT", "ATTLIST")):
                raise HostileInputError(
                    "Refused: the file declares a document type (<!DOCTYPE …>), which can "
                    "define entities that expand or read other files; MediaWiki exports "
                    "never do, so nothing was imported."
                )
            raise InputError("This file is not XML: unexpected '<!' before the root element.")
        elif rest.startswith("<") and len(rest) >= 2:
            if not (rest[1].isalpha() or rest[1] in "_:"):
                raise InputError("This file is not XML: no element where the root should start.")
            return True
        elif i < n and not rest.startswith("<"):
            raise InputError("This file is not XML (or not UTF-8/UTF-16 encoded XML).")
        else:
            break
    if at_end:
        raise InputError("This file is empty or not XML: it has no root element.")
    return False


def _check_declaration(pi: str) -> None:
    match = re.search(r"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""", pi)
    if pi.startswith("<?xml") and match and match.group(1).lower() not in _ENCODINGS:
        raise HostileInputError(
            f"Refused: the file declares the encoding {match.group(1)!r}; only UTF-8, UTF-16, "
            "ASCII and Latin-1 exports are read."
        )


def _xml_events(stream: _Stream) -> Iterator[tuple[str, Any]]:
    """Start/end events from a parser that loads no DTD, uses no network, expands no entity."""
    return cast(
        Iterator[tuple[str, Any]],
        etree.iterparse(
            stream,
            events=("start", "end"),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        ),
    )


def _pruned(events: Iterator[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
    """Drop finished pages from the tree so that memory stays flat over a large dump."""
    for event, element in events:
        if event == "start":
            parent = element.getparent()
            if parent is not None and parent.getparent() is None:
                while element.getprevious() is not None:
                    del parent[0]
        yield event, element


def _malformed(exc: BaseException, stream: _Stream) -> InputError:
    where = f"about {stream.offset:,} bytes in"
    position = getattr(exc, "position", None)
    if isinstance(exc, etree.Error) and position and position[0]:
        where = f"near line {position[0]}, column {position[1]} ({where})"
    detail = str(getattr(exc, "msg", None) or exc).strip() or type(exc).__name__
    return InputError(f"The export is malformed or truncated {where}: {detail}.")


def _guarded(items: Iterable[Any], stream: _Stream) -> Iterator[Any]:
    """Iterate mwxml objects, turning parser failures into InputError."""
    iterator = iter(items)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except _PARSE_ERRORS as exc:
            raise _malformed(exc, stream) from exc
        yield item


def _revisions(site_key: str, dump: mwxml.Dump, stream: _Stream) -> Iterator[Revision]:
    for page in _guarded(dump.pages, stream):
        for rev in _guarded(page, stream):
            yield _revision(site_key, page, rev)


def _revision(site_key: str, page: Any, rev: Any) -> Revision:
    if page.id is None or rev.id is None or rev.timestamp is None:
        raise InputError(
            f"Page {page.title!r} has a revision without page id, revision id or timestamp."
        )
    content = rev.text or ""
    user = rev.user.text if rev.user is not None else None
    return Revision(
        site=site_key,
        page_id=int(page.id),
        title=str(page.title),
        revid=int(rev.id),
        parentid=None if rev.parent_id is None else int(rev.parent_id),
        timestamp=datetime.fromtimestamp(rev.timestamp.unix(), tz=UTC),
        user=user,
        comment=rev.comment,
        content=content,
        content_model=cast(ContentModel, rev.model or "wikitext"),
        sha1=_hex_sha1(rev.sha1 or (rev.slots.sha1 if rev.slots else None)) or sha1_hex(content),
        namespace=int(page.namespace or 0),
        # mwxml folds <ip> into the user name; an IP contributor is the one without <id>.
        user_is_ip=bool(user) and rev.user.id is None and is_ip(user),
        minor=bool(rev.minor),
        source="dump",
    )


def _hex_sha1(b36: str | None) -> str | None:
    if not b36 or not b36.isalnum():
        return None
    try:
        hex_digest = sha1_from_base36(b36.lower())
    except ValueError:
        return None
    return hex_digest if len(hex_digest) == 40 else None


# -- importing -----------------------------------------------------------------


def import_dump(
    fp: BinaryIO,
    store: Store,
    *,
    batch_revisions: int = 500,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import an export into ``store`` in batches, each batch one transaction.

    Revisions already stored are skipped, so a second import changes nothing and
    re-running an interrupted import completes it. The site is added if the store
    does not know it yet.

    Args:
        progress: called after each committed batch with the number of revisions in it.

    Raises:
        HostileInputError, InputError: as :func:`read_dump`; nothing is written for a
            hostile file, and batches committed before a malformed spot stay stored.
    """
    if batch_revisions < 1:
        raise UsageError("batch_revisions must be at least 1.")
    pages: set[int] = set()
    read = new = 0
    batch: list[Revision] = []
    # One handler for the whole read: where the parser notices a fault (in read_dump
    # or while iterating) depends on its buffering, not on where the fault is.
    try:
        site, revisions = read_dump(fp)
        if store.site(site.key) is None:
            store.upsert_site(site)
        for rev in revisions:
            batch.append(rev)
            pages.add(rev.page_id)
            if len(batch) >= batch_revisions:
                new += store.add_revisions(batch)
                read += len(batch)
                batch.clear()
                if progress is not None:
                    progress(batch_revisions)
    except HostileInputError:
        raise
    except InputError as exc:
        kept = (
            f"The {read} revisions of the batches committed before that point are stored "
            "and valid; importing a complete file finishes the import."
            if read
            else "Nothing was stored."
        )
        raise InputError(f"{exc} {kept}", path=exc.path) from exc
    if batch:
        new += store.add_revisions(batch)
        read += len(batch)
        if progress is not None:
            progress(len(batch))
    log.info("imported %s: %d pages, %d revisions read, %d new", site.key, len(pages), read, new)
    return ImportResult(pages=len(pages), revisions_read=read, revisions_new=new)


# -- writing -------------------------------------------------------------------


def _text(value: str) -> str:
    if _NOT_XML_CHARS.search(value):
        log.warning("replacing characters XML cannot carry with U+FFFD")
        value = _NOT_XML_CHARS.sub("\ufffd", value)
    # \r is escaped because XML parsers turn a literal one into \n.
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _siteinfo(site: Site, namespaces: Mapping[int, str]) -> str:
    core = _NAMESPACE_NAMES.get(site.lang, _NAMESPACE_NAMES["en"])
    names = {key: name for key, name in enumerate(core, start=-2)}
    names.update(namespaces)
    project = site.name or ("Projet" if site.lang == "fr" else "Project")
    lines = []
    for key in sorted(names):
        name = _text(names[key].replace("{site}", project))
        body = f">{name}</namespace>" if name else " />"
        lines.append(f'      <namespace key="{key}" case="first-letter"{body}\n')
    base = site.base_url or f"https://{site.key}/"
    return (
        f"  <siteinfo>\n    <sitename>{_text(site.name)}</sitename>\n"
        f"    <base>{_text(base)}</base>\n    <generator>wikibilan</generator>\n"
        f"    <case>first-letter</case>\n    <namespaces>\n{''.join(lines)}    </namespaces>\n"
        "  </siteinfo>\n"
    )


def _revision_xml(rev: Revision) -> str:
    if rev.user is None:
        contributor = '      <contributor deleted="deleted" />\n'
    else:
        tag = "ip" if rev.user_is_ip else "username"
        contributor = (
            f"      <contributor>\n        <{tag}>{_text(rev.user)}</{tag}>\n      </contributor>\n"
        )
    b36 = _base36(rev)
    parts = [
        f"    <revision>\n      <id>{rev.revid}</id>\n",
        f"      <parentid>{rev.parentid}</parentid>\n" if rev.parentid else "",
        f"      <timestamp>{rev.timestamp.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}</timestamp>\n",
        contributor,
        "      <minor />\n" if rev.minor else "",
        f"      <comment>{_text(rev.comment)}</comment>\n" if rev.comment else "      <comment/>\n",
        f"      <origin>{rev.revid}</origin>\n",
        f"      <model>{_text(rev.content_model)}</model>\n",
        f"      <format>{_FORMATS.get(rev.content_model, 'text/plain')}</format>\n",
        f'      <text bytes="{rev.size}" sha1="{b36}" xml:space="preserve">{_text(rev.content)}'
        "</text>\n",
        f"      <sha1>{b36}</sha1>\n    </revision>\n",
    ]
    return "".join(parts)


def _base36(rev: Revision) -> str:
    try:
        return sha1_base36(rev.sha1 or rev.content_sha1)
    except ValueError:  # a malformed stored sha1: describe the content instead
        return sha1_base36(rev.content_sha1)


def write_export(
    site: Site,
    revisions: Iterable[Revision],
    fp: BinaryIO,
    *,
    namespaces: Mapping[int, str] | None = None,
) -> int:
    """Write a schema-0.11 MediaWiki export of ``revisions``, streaming.

    Revisions should come grouped by page, oldest first (as ``Store.iter_revisions``
    yields them); each run of one page becomes one ``<page>``.

    Args:
        namespaces: namespace names to list in ``<siteinfo>`` beyond the standard ones.

    Returns:
        The number of revisions written.
    """
    fp.write(
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + f'<mediawiki xmlns="{EXPORT_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{EXPORT_NS} http://www.mediawiki.org/xml/export-0.11.xsd" '
        f'version="0.11" xml:lang="{_attr(site.lang or "en")}">\n'.encode()
        + _siteinfo(site, namespaces or {}).encode()
    )
    count = 0
    page: int | None = None
    for rev in revisions:
        if rev.site != site.key:
            raise ValueError(f"revision {rev.revid} belongs to {rev.site!r}, not {site.key!r}")
        head = ""
        if rev.page_id != page:
            head = "  </page>\n" if page is not None else ""
            head += (
                f"  <page>\n    <title>{_text(rev.title)}</title>\n"
                f"    <ns>{rev.namespace}</ns>\n    <id>{rev.page_id}</id>\n"
            )
            page = rev.page_id
        fp.write((head + _revision_xml(rev)).encode("utf-8"))
        count += 1
    fp.write((("  </page>\n" if page is not None else "") + "</mediawiki>\n").encode())
    return count


def export_store(store: Store, site_key: str, fp: BinaryIO) -> int:
    """Write every stored revision of ``site_key`` as a schema-0.11 export.

    Returns:
        The number of revisions written.

    Raises:
        UsageError: the store does not hold that site.
    """
    site = store.site(site_key)
    if site is None:
        known = ", ".join(s.key for s in store.sites()) or "none"
        raise UsageError(f"The store holds no site {site_key!r} (it holds: {known}).")
    namespaces = {
        page.namespace: page.title.split(":", 1)[0]
        for page in store.pages(site_key)
        if page.namespace > 0 and ":" in page.title
    }
    return write_export(site, store.iter_revisions(site_key), fp, namespaces=namespaces)
