"""How each published figure changed across the bilan page's revisions (pure)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from wikibilan.specs import Registry
from wikibilan.verdicts import Outcome, fmt

HISTORY_COLUMNS = [
    "claim_id", "revid", "timestamp", "user", "value", "status", "changed", "first_revid",
    "first_timestamp", "first_user", "check_verdict", "check_method",
]  # fmt: skip


def claim_history(
    claims: pd.DataFrame,
    verdicts: Mapping[tuple[str, int], Outcome],
    registry: Registry | None = None,
) -> pd.DataFrame:
    """One row per claim × bilan revision: its value, whether it changed, who first wrote it.

    ``status`` is ``added``, ``same``, ``changed`` or ``removed`` (the figure is gone
    from this revision; value empty). ``first_*`` name the revision that first wrote
    the figure's current value. ``check_*`` carry the internal check about the
    figure in that revision, when there is one (``registry`` says which check is
    about which claim).
    """
    if claims.empty:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    revs = (claims[["revid", "timestamp", "user"]].drop_duplicates("revid")
            .sort_values(["timestamp", "revid"]))  # fmt: skip
    subject = {s.check_id: s.claim for s in registry.internal} if registry else {}
    by_check = {(subject[c], r): o for (c, r), o in verdicts.items() if c in subject}
    values = {
        (str(c), int(r)): v
        for c, r, v in zip(claims["claim_id"], claims["revid"], claims["value"], strict=True)
    }
    rows: list[dict[str, object]] = []
    for claim_id in sorted({str(c) for c in claims["claim_id"]}):
        previous = None
        present_before = False
        first: tuple[int, object, object] | None = None
        for rev in revs.itertuples(index=False):
            revid = int(str(rev.revid))
            value = values.get((claim_id, revid))
            if value is None and not present_before:
                continue
            if value is None:
                status, first = "removed", None
            elif not present_before:
                status = "added"
            else:
                status = "same" if value == previous else "changed"
            if value is not None and status != "same":
                first = (revid, rev.timestamp, rev.user)
            outcome = by_check.get((claim_id, revid))
            rows.append({
                "claim_id": claim_id, "revid": revid, "timestamp": rev.timestamp,
                "user": rev.user, "value": fmt(value) if value is not None else "",
                "status": status, "changed": status != "same",
                "first_revid": first[0] if first else pd.NA,
                "first_timestamp": first[1] if first else pd.NaT,
                "first_user": first[2] if first else "",
                "check_verdict": outcome.verdict if outcome else "",
                "check_method": outcome.method if outcome else "",
            })  # fmt: skip
            previous, present_before = value, value is not None
    df = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    df["first_revid"] = df["first_revid"].astype("Int64")
    df["changed"] = df["changed"].astype("boolean")
    return df
