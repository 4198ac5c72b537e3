"""Store integrity: the database's schema, every revision's sha1, gaps in each history."""

from __future__ import annotations

from dataclasses import dataclass, field

from wikibilan.store import Store


@dataclass
class VerifyReport:
    """What ``verify`` found; ``ok`` when nothing is wrong."""

    revisions: int = 0
    pages: int = 0
    bad_sha1: list[tuple[str, int, str]] = field(default_factory=list)  # site, revid, title
    gaps: list[tuple[str, int, int]] = field(default_factory=list)  # site, revid, missing parent
    unverifiable: int = 0  # revisions stored without a sha1 (e.g. rendered HTML)
    schema: list[str] = field(default_factory=list)  # problems with the database itself

    @property
    def ok(self) -> bool:
        return not self.bad_sha1 and not self.gaps and not self.schema

    def summary(self) -> str:
        lines = [
            f"{self.revisions} revisions of {self.pages} pages checked: "
            f"{len(self.bad_sha1)} with a wrong sha1, {len(self.gaps)} gaps in histories, "
            f"{self.unverifiable} without a sha1 to check, "
            f"{len(self.schema)} problems with the schema"
        ]
        lines += [f"  schema: {problem}" for problem in self.schema]
        lines += [
            f"  sha1 mismatch: {t} (revision {r}, site {s}); the next fetch downloads it again"
            for s, r, t in self.bad_sha1
        ]
        lines += [
            f"  gap: revision {r} names parent {p}, which is not stored (site {s})"
            for s, r, p in self.gaps
        ]
        return "\n".join(lines)


def verify_store(store: Store) -> VerifyReport:
    """Check the schema, then every stored revision, streaming."""
    report = VerifyReport(schema=store.schema_problems())
    seen_pages: set[tuple[str, int]] = set()
    stored: dict[str, set[int]] = {}
    for rev in store.iter_revisions():
        report.revisions += 1
        seen_pages.add((rev.site, rev.page_id))
        if rev.sha1 is None:
            report.unverifiable += 1
        elif rev.sha1 != rev.content_sha1:
            report.bad_sha1.append((rev.site, rev.revid, rev.title))
        if rev.site not in stored:
            stored[rev.site] = store.stored_revids(rev.site)
        if rev.parentid and rev.parentid not in stored[rev.site]:
            report.gaps.append((rev.site, rev.revid, rev.parentid))
    report.pages = len(seen_pages)
    return report
