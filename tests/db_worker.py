"""A separate process that writes to the test database at the same moment as another one.

Usage: python -m tests.db_worker DATABASE_URL INSTANCE START_AT N MODE   (MODE: immediate | deferred)
Each iteration reads the number of audit rows, waits a moment, then inserts one: the
read-then-write pattern that fails with "database is locked" unless the write lock is taken first.
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import func, select

from consult import create_app
from consult.db import write_transaction
from consult.extensions import db
from consult.models import AuditLog


def main() -> int:
    url, instance, start_at, n, mode = (
        sys.argv[1],
        sys.argv[2],
        float(sys.argv[3]),
        int(sys.argv[4]),
        sys.argv[5],
    )
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance})
    errors = 0
    with app.app_context():
        time.sleep(max(0.0, start_at - time.time()))
        for i in range(n):
            try:
                if mode == "immediate":
                    with write_transaction() as session:
                        seen = session.scalar(select(func.count(AuditLog.id)))
                        time.sleep(0.003)
                        session.add(AuditLog(action="test.write", details={"seen": seen, "i": i}))
                else:
                    session = db.session()
                    session.scalar(select(func.count(AuditLog.id)))
                    time.sleep(0.003)
                    session.add(AuditLog(action="test.write", details={"i": i}))
                    session.commit()
            except Exception as exc:  # report and go on: the parent counts them
                db.session.rollback()
                errors += 1
                print(f"ERROR {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
    print(f"errors={errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
