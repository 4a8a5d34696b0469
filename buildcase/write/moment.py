"""The moment a proposal's outputs say they were made: the proposal's date, so that the same
input gives the same bytes (the site's sitemap, the handouts' PDF dates); SOURCE_DATE_EPOCH,
where set, wins, as reproducible-build tools expect."""

from __future__ import annotations

import datetime
import os

from buildcase.errors import WorkspaceError
from buildcase.models.quantities import PartialDate

LATEST_EPOCH = 4_102_444_799  # 2099-12-31T23:59:59Z, as the proposal's dates (limits)


def source_epoch(date: PartialDate) -> int:
    """The moment, in seconds since 1970, for a proposal dated `date`."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit() or int(epoch) > LATEST_EPOCH:
            raise WorkspaceError(
                f"SOURCE_DATE_EPOCH={epoch[:40]} is not a moment buildcase can state: give "
                f"whole seconds since 1970, at most {LATEST_EPOCH} (the end of 2099)"
            )
        return int(epoch)
    moment = datetime.datetime(date.year, date.month, date.day or 1, tzinfo=datetime.timezone.utc)
    return int(moment.timestamp())


def pdf_date(epoch: int) -> str:
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
