"""Fresh planner statistics after a bulk load, so the first reads of many new rows plan well.

PostgreSQL's autovacuum analyzes a table once enough of it changed, but on a busy cluster it may lag
behind a load of a million rows, and until it runs the planner reasons from the old counts (a seek on an
index can lose to a scan of everything). SQLite keeps no statistics at all until ANALYZE runs. So the
bulk loads (seed-demo, a large intake import) ask for them right after they commit.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from consult.db import write_transaction
from consult.errors import ServiceUnavailable

log = logging.getLogger(__name__)

# An import smaller than this does not move a table's statistics enough to be worth an ANALYZE.
ANALYZE_AFTER_ROWS = 1000
# Rows SQLite reads per index (PRAGMA analysis_limit): approximate statistics in bounded time, where a
# full ANALYZE would read every row of every index.
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_statistics(*tables: str) -> None:
    """ANALYZE these tables (every table when none), in a transaction of its own.

    The load has committed by then: a refused ANALYZE (a busy SQLite file, a role that does not own the
    table) is logged, never turned into a failure of the load (PostgreSQL's autovacuum catches up
    later; on SQLite the next bulk load tries again).
    """
    try:
        with write_transaction() as session:
            if session.get_bind().dialect.name == "sqlite":
                session.execute(text(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}"))
            if not tables:
                session.execute(text("ANALYZE"))
            for table in tables:
                session.execute(text(f'ANALYZE "{table}"'))  # names from the models, never from a request
    except (SQLAlchemyError, ServiceUnavailable) as err:  # the second: the connection was lost
        log.warning("ANALYZE after a bulk load failed: %s", err)
