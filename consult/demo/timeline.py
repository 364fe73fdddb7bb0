"""When things happened in the demo: each draft's history laid out before the seed's "now".

The demo is a story told in the past tense: a draft published as its consultation opened, comments
inside the consultation, moderation soon after, decisions and a revised text after it closed, feedback
after that, and nothing after "now". The seed asks the platform's own operations to write each step
at its moment through the app's injectable clock (the CLOCK setting), so versions, publications,
audit rows and queued mails carry the same dates as the rows the seed writes itself.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app

from consult.clock import as_utc, local_zone


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run the platform's operations as if it were `moment` (only for the seed: the setting is app-wide)."""
    saved = current_app.config.get("CLOCK")
    current_app.config["CLOCK"] = lambda: moment
    try:
        yield
    finally:
        current_app.config["CLOCK"] = saved


def _between(
    start: datetime, end: datetime, rng: random.Random, low: float = 0.0, high: float = 1.0
) -> datetime:
    return start + (end - start) * rng.uniform(low, high)


@dataclass(frozen=True)
class Timeline:
    """One draft's consultation: opens, closes, feedback (None: not yet), all relative to `now`."""

    opens: datetime
    closes: datetime
    feedback: datetime | None
    now: datetime

    @classmethod
    def of(cls, stage: tuple[int, int, int | None], now: datetime) -> Timeline:
        """Days relative to now (see seed.STAGES) as moments."""
        opens, closes, feedback = stage
        return cls(
            opens=now + timedelta(days=opens),
            closes=now + timedelta(days=closes),
            feedback=None if feedback is None else now + timedelta(days=feedback),
            now=now,
        )

    @property
    def end(self) -> datetime:
        """Comments arrive until here: the closing, or now while the consultation is open."""
        return min(self.closes, self.now)

    @property
    def settled(self) -> datetime:
        """Everything staff do on the comments happens before this: the feedback, or now."""
        return self.feedback or self.now

    def submitted(self, rng: random.Random) -> datetime:
        """A moment inside the consultation."""
        return _between(self.opens + timedelta(seconds=30), self.end - timedelta(seconds=60), rng)

    def received(self, submitted: datetime, rng: random.Random) -> datetime:
        """A letter or an opinion handed in a little before staff entered it, never before the opening."""
        return max(self.opens, submitted - timedelta(hours=rng.randint(2, 72)))

    def moderated(self, submitted: datetime, rng: random.Random) -> datetime:
        """Within two days of arriving, never after the feedback or now."""
        latest = min(submitted + timedelta(hours=48), self.settled)
        return _between(submitted, latest, rng, 0.05)

    def decided(self, rng: random.Random) -> datetime:
        """After the closing and before the feedback (or now)."""
        return _between(self.closes + timedelta(days=1), self.settled - timedelta(hours=1), rng)

    def revised(self, number: int, count: int) -> datetime:
        """The revised text number (1…count): after the closing, before the feedback (or now)."""
        return self.closes + (self.settled - self.closes) * number / (count + 1)

    def meeting(self, n: int) -> tuple[date, datetime, datetime]:
        """Contact point n's forum: its local date, the opinions' received time (noon), the upload time.

        As the importer records them: received at noon on the meeting day, submitted when uploaded.
        """
        day = (self.opens + (self.end - self.opens) * (0.25 + 0.25 * n)).astimezone(local_zone()).date()
        received = max(self.opens, as_utc(datetime.combine(day, time(12, 0))))
        uploaded = max(received, min(received + timedelta(days=1), self.end - timedelta(hours=1)))
        return day, received, uploaded


__all__ = ["Timeline", "clock_at"]
