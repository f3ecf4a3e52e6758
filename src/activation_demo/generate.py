"""Deterministic synthetic app event stream: the raw source of the DuckDB demo warehouse.

The generator writes ``raw.app_events`` (one row per event, ``event_at`` a naive UTC
TIMESTAMP) for a fictional shopping app, realistic enough for funnels and retention to
look plausible, and vectorised with numpy so that tens of millions of events take
seconds to minutes.

Parameters
----------
An :class:`EventStream` fixes *which* stream is generated; the number of days only says
how much of it is written:

``users_per_day``
    Base arrival rate of new users. ``EventStream.from_users(users, days)`` turns a total
    into a rate (``users / days``); the realised count is Poisson around it, raised by
    the weekday pattern and the growth trend (about +1 % over 60 days, +7 % over a year).
``start``
    First UTC day of the stream (day 0).
``seed``
    An integer in ``[0, 2**63)``.

Behavioural model
-----------------
Arrivals
    New users arrive each UTC day ``d`` as a Poisson count whose mean is the base rate
    times a weekday factor (weekdays about 1.07, weekends about 0.84) times mild growth
    (+15 % a year). A user's fixed traits are drawn with the arrivals of their day:
    country (skewed: United States 32 %, India 15 %, ... France 6 %), UTC offset,
    device_os (country-dependent iOS / Android / Web mix), acquisition campaign (about
    55 % organic, whose utm_* columns are NULL; some campaigns exist only on one
    platform), the arrival time (local time of day on a daily curve: quiet nights, a
    lunch bump, an evening peak), an engagement level and a purchase intent (correlated
    log-normals, shifted by campaign and country), a lifetime number of active days and
    an app upgrade lag.
Active days
    About half of the users never come back. The others have a heavy-tailed lifetime
    number of active days; gaps between active (local) days are geometric around a
    personal mean (short for engaged users), and 7 % of gaps are breaks of one week to
    two months after which the user returns. Weekend days are skipped 15 % of the
    time. Together this gives a decaying retention curve with reactivations.
Sessions and funnel
    An active day has one or more sessions (more for engaged users) at local times on
    the daily curve. A session is ``session_start`` followed by a geometric number of
    ``view_item`` events (sometimes none), then possibly ``add_to_cart``,
    ``begin_checkout`` and ``purchase``, each conditional on the previous. The cart
    probability follows the user's intent, boosted about 3.5x on the arrival day and
    decaying back within a week: a first-day conversion spike, then a long tail. Most
    users never purchase. ``revenue`` (USD, log-normal, scaled by a country price level)
    is set on purchases only.
The arrival day
    A user's first event is one ``first_visit`` at the arrival time, carrying the
    campaign's utm_* columns; a ``session_start`` follows within a second. Every other
    event of the user is later.
Attributes over time
    Apps are released every 14 days (``3.0.0`` around 2025-01-01, then ``3.0.1``,
    ``3.1.0``, ...; the major version steps once a year). Users install the current
    release and upgrade after a personal lag (a minority much later); Web is always
    current. On 3 % of later days a mobile user shows up on Web and on 0.3 % from
    another country (travel), so a user's latest attributes can differ from the first.

Determinism and prefix stability
--------------------------------
Every random quantity is a pure function of ``(seed, what, where)``: a user's traits
come from a numpy generator seeded with ``(seed, day of arrival)``, and everything after
arrival from a counter-based hash (splitmix64) of the user's number, the index of the
active day, the session and the event. Users are numbered in arrival order. Nothing
depends on the number of days generated, so for the same :class:`EventStream` the
events with ``event_at < start + k days`` are identical whatever the number of days
``>= k``, and :func:`append_days` writes exactly the events a longer run would hold for
the new days, including those of users who arrived earlier. ``event_id`` is
``e<user number>-<active day index>-<event index within the day>``, unique and stable.
(Same seed and same numpy version, same data: numpy may change its distributions.)

Writing
-------
Events are generated in chunks of whole UTC days (a few million events each), sorted by
``event_at`` and inserted from numpy arrays registered with DuckDB; the table is
therefore ordered by ``event_at``. Peak memory stays well under 3 GB at 100 M events.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
from tqdm import tqdm

__all__ = [
    "CAMPAIGNS",
    "COUNTRIES",
    "DEVICE_OS",
    "EVENT_NAMES",
    "EventStream",
    "GenerationSummary",
    "append_days",
    "generate",
    "iter_event_chunks",
    "version_name",
]

# ---------------------------------------------------------------------------------------
# Vocabulary and behavioural parameters
# ---------------------------------------------------------------------------------------

EVENT_NAMES = ("first_visit", "session_start", "view_item", "add_to_cart", "begin_checkout", "purchase")
FIRST_VISIT, SESSION_START, VIEW_ITEM, ADD_TO_CART, BEGIN_CHECKOUT, PURCHASE = range(6)

COUNTRIES = (
    "United States", "India", "Brazil", "United Kingdom", "Germany", "Japan", "South Korea", "France",
)
COUNTRY_SHARE = (0.32, 0.15, 0.11, 0.10, 0.09, 0.09, 0.08, 0.06)
# UTC offsets (hours, standard time) and their share within the country.
COUNTRY_UTC_OFFSETS = (
    ((-5.0, 0.47), (-6.0, 0.29), (-7.0, 0.07), (-8.0, 0.17)),
    ((5.5, 1.0),),
    ((-3.0, 1.0),),
    ((0.0, 1.0),),
    ((1.0, 1.0),),
    ((9.0, 1.0),),
    ((9.0, 1.0),),
    ((1.0, 1.0),),
)
DEVICE_OS = ("iOS", "Android", "Web")
IOS, ANDROID, WEB = range(3)
DEVICE_SHARE_BY_COUNTRY = (
    (0.52, 0.33, 0.15),
    (0.06, 0.84, 0.10),
    (0.15, 0.75, 0.10),
    (0.50, 0.35, 0.15),
    (0.38, 0.47, 0.15),
    (0.62, 0.28, 0.10),
    (0.30, 0.60, 0.10),
    (0.40, 0.45, 0.15),
)
COUNTRY_PRICE_LEVEL = (1.0, 0.35, 0.5, 0.95, 0.9, 1.05, 0.95, 0.85)
COUNTRY_INTENT = (1.15, 0.6, 0.8, 1.1, 1.0, 1.2, 1.25, 0.95)


@dataclass(frozen=True)
class Campaign:
    """An acquisition campaign: utm values, share of new users per device, user effects."""

    source: str
    medium: str
    name: str
    share_by_device: tuple[float, float, float]
    engagement: float
    intent: float


CAMPAIGNS = (
    Campaign("google", "cpc", "brand_search", (0.05, 0.05, 0.12), 1.3, 1.4),
    Campaign("google", "cpc", "generic_search", (0.04, 0.05, 0.14), 0.9, 1.0),
    Campaign("facebook", "paid_social", "lookalike_audiences", (0.09, 0.10, 0.04), 0.8, 0.8),
    Campaign("instagram", "paid_social", "creator_collab", (0.07, 0.06, 0.02), 0.85, 0.9),
    Campaign("tiktok", "paid_social", "ugc_video", (0.06, 0.08, 0.01), 0.6, 0.6),
    Campaign("apple_search_ads", "cpc", "asa_brand", (0.08, 0.0, 0.0), 1.2, 1.2),
    Campaign("google_ads", "app_install", "uac_android", (0.0, 0.10, 0.0), 0.7, 0.7),
    Campaign("newsletter", "email", "welcome_back", (0.02, 0.02, 0.06), 1.4, 1.5),
    Campaign("partner_blog", "referral", "affiliate_launch", (0.01, 0.01, 0.07), 1.1, 1.2),
)
ORGANIC_ENGAGEMENT = 1.1
ORGANIC_INTENT = 1.1

# Relative activity by local hour of day (0..23).
HOURLY_ACTIVITY = (
    1.6, 0.9, 0.5, 0.35, 0.3, 0.45, 1.0, 2.0, 3.2, 3.8, 4.0, 4.3,
    5.0, 5.1, 4.6, 4.4, 4.6, 5.0, 5.8, 6.8, 7.6, 7.6, 6.4, 3.9,
)
# New users by weekday (Monday first), normalised to a mean of 1.
WEEKDAY_ARRIVALS = (1.08, 1.10, 1.09, 1.06, 1.00, 0.83, 0.84)
ANNUAL_GROWTH = 1.15

RETURN_PROBABILITY = 0.5  # for an engagement of 1; scales with its square root
LIFETIME_ACTIVE_DAYS = 12.0  # mean further active days of a returning user, engagement 1
GAP_DAYS = 6.0  # mean gap between active days for engagement 1
FIRST_RETURN_GAP_SCALE = 0.3  # the first return comes sooner: scales the gap beyond one day
BREAK_PROBABILITY = 0.07
BREAK_DAYS = (7, 60)
WEEKEND_KEEP = 0.85
EXTRA_SESSIONS = 0.35  # mean further sessions on an active day, engagement 1
MAX_SESSIONS_PER_DAY = 8
SESSION_GAP_US = (15 * 60 * 10**6, 3 * 3600 * 10**6)  # minimum, mean of the rest
VIEWS_PER_SESSION = 3.5
MAX_VIEWS = 30
EVENT_GAP_US = (2 * 10**6, 40 * 10**6, 10 * 60 * 10**6)  # minimum, mean of the rest, cap
FIRST_VISIT_TO_SESSION_US = (200_000, 800_000)  # minimum, uniform spread
CART_RATE = 0.08
FIRST_DAYS_BOOST = 2.5  # extra cart propensity on the arrival day, decaying with age
BOOST_DECAY_DAYS = 1.5
CHECKOUT_RATE = 0.45
PURCHASE_RATE = 0.7
REVENUE_LOG_MEAN, REVENUE_LOG_SD = 3.7, 0.6
SWITCH_TO_WEB = 0.03
TRAVEL = 0.003
SLOW_UPGRADER_SHARE, UPGRADE_LAG_DAYS = 0.15, (5.0, 60.0)  # share, mean lag (normal, slow)

RELEASE_EPOCH = dt.date(2023, 1, 3)
RELEASE_EVERY_DAYS = 14
RELEASES_PER_MAJOR = 26

DAY_US = 86_400 * 10**6
HOUR_US = 3_600 * 10**6
UNIX_EPOCH = dt.date(1970, 1, 1)
USER_BLOCK = 50_000
TARGET_DAY_ROWS_PER_CHUNK = 250_000  # about 2 M events
DUCKDB_MEMORY_LIMIT = "1GB"  # while inserting; keeps the whole run under 2 GB at 100 M events


@dataclass(frozen=True)
class EventStream:
    """Identity of a generated stream: runs with equal values agree on shared days."""

    users_per_day: float = 50.0
    start: dt.date = dt.date(2025, 1, 1)
    seed: int = 42

    def __post_init__(self) -> None:
        if not self.users_per_day > 0:
            raise ValueError("users_per_day must be positive")
        if not 0 <= self.seed < 2**63:
            raise ValueError("seed must be an integer in [0, 2**63)")

    @classmethod
    def from_users(
        cls, users: int, days: int, start: dt.date = dt.date(2025, 1, 1), seed: int = 42
    ) -> EventStream:
        """The stream whose base arrival rate brings about ``users`` new users in ``days`` days."""
        if days <= 0:
            raise ValueError("days must be positive")
        return cls(users_per_day=users / days, start=start, seed=seed)


@dataclass(frozen=True)
class GenerationSummary:
    """What one call wrote: the window is ``[first_day, end_day)`` in UTC days."""

    events: int
    new_users: int
    first_day: dt.date
    end_day: dt.date
    seconds: float

    def describe(self, verb: str = "generated") -> str:
        last = self.end_day - dt.timedelta(days=1)
        rate = self.events / self.seconds if self.seconds > 0 else 0.0
        return (
            f"{verb} {self.events:,} events, {self.new_users:,} new users, "
            f"{self.first_day} .. {last} ({_plural((self.end_day - self.first_day).days, 'day')}) "
            f"in {self.seconds:.1f} s ({rate:,.0f} events/s)"
        )


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def version_name(release: int) -> str:
    """App version string of release number ``release`` (0 is ``1.0.0``)."""
    major, minor_step = divmod(release, RELEASES_PER_MAJOR)
    return f"{1 + major}.{minor_step // 2}.{minor_step % 2}"


# ---------------------------------------------------------------------------------------
# Counter-based randomness
# ---------------------------------------------------------------------------------------

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_DAY_STEP = np.uint64(0xD1B54A32D192ED03)
_SESSION_STEP = np.uint64(0xAEF17502108EF2D9)
_EVENT_STEP = np.uint64(0xF1357AEA2E62A9C5)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)

# Purposes of hashed draws (each has its own salt).
(
    _GAP,
    _BREAK,
    _BREAK_LENGTH,
    _WEEKEND,
    _SWITCH,
    _TRAVEL,
    _TRAVEL_TO,
    _SESSIONS,
    _TIME_OF_DAY,
    _SESSION_GAP,
    _VIEWS,
    _CART,
    _CHECKOUT,
    _PURCHASE,
    _EVENT_GAP,
    _REVENUE_RADIUS,
    _REVENUE_ANGLE,
    _USER,
) = range(18)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a bijection on uint64 with full avalanche."""
    x = x ^ (x >> np.uint64(30))
    x *= _MIX_1
    x ^= x >> np.uint64(27)
    x *= _MIX_2
    x ^= x >> np.uint64(31)
    return x


_SALTS = _mix(np.arange(1, 19, dtype=np.uint64) * _GOLDEN)


def _step(h: np.ndarray, index: np.ndarray, step: np.uint64) -> np.ndarray:
    """Hash of the ``index``-th child of each node ``h`` (user -> day -> session -> event)."""
    return _mix(h + (index.astype(np.uint64) + np.uint64(1)) * step)


def _uniform(h: np.ndarray, purpose: int) -> np.ndarray:
    """A uniform in [0, 1) for each hash ``h``, independent across purposes."""
    return (_mix(h ^ _SALTS[purpose]) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _geometric(u: np.ndarray, mean: np.ndarray | float) -> np.ndarray:
    """Geometric count >= 0 with the given mean, by inversion of ``u``."""
    q = np.asarray(mean, dtype=np.float64) / (1.0 + np.asarray(mean, dtype=np.float64))
    return np.floor(np.log1p(-u) / np.log(q)).astype(np.int64)


def _exponential_us(u: np.ndarray, mean_us: float) -> np.ndarray:
    return (-mean_us * np.log1p(-u)).astype(np.int64)


def _cumulative(shares: tuple[float, ...]) -> np.ndarray:
    cum = np.cumsum(np.asarray(shares, dtype=np.float64))
    cum /= cum[-1]
    cum[-1] = 1.0
    return cum


_HOUR_CUM = _cumulative(HOURLY_ACTIVITY)


def _time_of_day_us(u: np.ndarray) -> np.ndarray:
    """Local time of day (µs) on the daily activity curve, by inversion of ``u``."""
    hour = np.searchsorted(_HOUR_CUM, u, side="right")
    lower = np.where(hour > 0, _HOUR_CUM[np.maximum(hour - 1, 0)], 0.0)
    frac = (u - lower) / (_HOUR_CUM[hour] - lower)
    return ((hour + frac) * HOUR_US).astype(np.int64)


def _pick_rows(cum_by_row: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Categorical draw per element from the cumulative shares of its row."""
    return (u[:, None] >= cum_by_row[rows]).sum(axis=1).astype(np.int8)


def _segment_positions(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments of the given lengths: owner segment and position of each element."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(owner.size) - starts[owner]


def _segment_cumsum(values: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Inclusive cumulative sum restarting at each segment (``owner`` sorted, no gaps)."""
    total = np.cumsum(values)
    first = np.flatnonzero(np.diff(owner, prepend=-1))
    before = (total - values)[first]
    return total - np.repeat(before, np.diff(np.append(first, owner.size)))


# ---------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------

_COUNTRY_CUM = _cumulative(COUNTRY_SHARE)
_OFFSET_CHOICES = max(len(offsets) for offsets in COUNTRY_UTC_OFFSETS)
_OFFSET_HOURS = np.array(
    [[hours for hours, _ in offsets] + [0.0] * (_OFFSET_CHOICES - len(offsets))
     for offsets in COUNTRY_UTC_OFFSETS]
)
_OFFSET_CUM = np.array(
    [_cumulative(tuple(share for _, share in offsets) + (0.0,) * (_OFFSET_CHOICES - len(offsets)))
     for offsets in COUNTRY_UTC_OFFSETS]
)
_DEVICE_CUM = np.array([_cumulative(shares) for shares in DEVICE_SHARE_BY_COUNTRY])
_CAMPAIGN_CUM = np.array(  # column 0: organic
    [_cumulative((1.0 - sum(shares),) + shares)
     for shares in zip(*(campaign.share_by_device for campaign in CAMPAIGNS))]
)
_CAMPAIGN_ENGAGEMENT = np.array([ORGANIC_ENGAGEMENT] + [c.engagement for c in CAMPAIGNS])
_CAMPAIGN_INTENT = np.array([ORGANIC_INTENT] + [c.intent for c in CAMPAIGNS])
_ARRIVAL_STREAM = 0x5EED_A441


@dataclass(frozen=True)
class _Users:
    """Traits of users in arrival order; index ``i`` is user number ``i + 1``."""

    hash: np.ndarray  # uint64, root of the user's hashed draws
    arrival_us: np.ndarray  # µs since the stream start (UTC)
    offset_us: np.ndarray  # UTC offset
    first_local_day: np.ndarray  # local day (since start) of the arrival
    country: np.ndarray
    device: np.ndarray
    campaign: np.ndarray  # 0 organic, else 1 + index in CAMPAIGNS
    engagement: np.ndarray
    intent: np.ndarray
    active_days: np.ndarray  # lifetime number of active days (>= 1)
    upgrade_lag: np.ndarray  # days

    @property
    def count(self) -> int:
        return len(self.hash)


def _arrival_rate(stream: EventStream, day: int) -> float:
    weekday = (stream.start + dt.timedelta(days=day)).weekday()
    weekday_factor = WEEKDAY_ARRIVALS[weekday] * 7 / sum(WEEKDAY_ARRIVALS)
    return stream.users_per_day * weekday_factor * ANNUAL_GROWTH ** (day / 365)


def _arrivals_of_day(stream: EventStream, day: int) -> dict[str, np.ndarray]:
    """Traits of the users arriving on UTC day ``day``, from the day's own generator."""
    rng = np.random.default_rng([stream.seed, _ARRIVAL_STREAM, day])
    n = int(rng.poisson(_arrival_rate(stream, day)))
    country = np.searchsorted(_COUNTRY_CUM, rng.random(n), side="right").astype(np.int8)
    offset_index = _pick_rows(_OFFSET_CUM, country, rng.random(n))
    offset_us = (_OFFSET_HOURS[country, offset_index] * HOUR_US).astype(np.int64)
    device = _pick_rows(_DEVICE_CUM, country, rng.random(n))
    campaign = _pick_rows(_CAMPAIGN_CUM, device, rng.random(n))
    local_time = _time_of_day_us(rng.random(n))
    z_engagement, z_intent = rng.standard_normal((2, n))
    engagement = np.exp(0.75 * z_engagement) * _CAMPAIGN_ENGAGEMENT[campaign]
    intent = (
        np.exp(-0.4 + 0.4 * z_engagement + 0.8 * z_intent)
        * _CAMPAIGN_INTENT[campaign]
        * np.asarray(COUNTRY_INTENT)[country]
    )
    returns = rng.random(n) < np.minimum(RETURN_PROBABILITY * np.sqrt(engagement), 0.95)
    further = rng.geometric(1.0 / (1.0 + LIFETIME_ACTIVE_DAYS * engagement**1.5))
    slow = rng.random(n) < SLOW_UPGRADER_SHARE
    lag = np.ceil(rng.exponential(np.where(slow, UPGRADE_LAG_DAYS[1], UPGRADE_LAG_DAYS[0])))
    arrival_us = day * DAY_US + (local_time - offset_us) % DAY_US
    traits = {
        "arrival_us": arrival_us,
        "offset_us": offset_us,
        "first_local_day": (arrival_us + offset_us) // DAY_US,
        "country": country,
        "device": device,
        "campaign": campaign,
        "engagement": engagement,
        "intent": intent,
        "active_days": 1 + returns * further,
        "upgrade_lag": lag.astype(np.int64),
    }
    order = np.argsort(arrival_us, kind="stable")
    return {name: values[order] for name, values in traits.items()}


def _users_until(stream: EventStream, end_day: int) -> _Users:
    """All users arriving on days ``[0, end_day)``."""
    days = [_arrivals_of_day(stream, day) for day in range(end_day)]
    columns = {name: np.concatenate([d[name] for d in days]) for name in days[0]}
    seed_key = _mix(np.array([stream.seed], dtype=np.uint64) ^ _SALTS[_USER])
    numbers = np.arange(1, len(columns["arrival_us"]) + 1, dtype=np.uint64)
    return _Users(hash=_mix(seed_key + numbers * _GOLDEN), **columns)


# ---------------------------------------------------------------------------------------
# Active days
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DayRows:
    """Active (local) days of users: user index, active-day index, local day; sorted by day."""

    user: np.ndarray
    index: np.ndarray
    local_day: np.ndarray


def _weekend(stream: EventStream, local_day: np.ndarray) -> np.ndarray:
    return (stream.start.weekday() + local_day) % 7 >= 5


def _active_days(stream: EventStream, users: _Users, first_day: int, end_day: int) -> _DayRows:
    """Active days of all users whose events can fall in UTC days ``[first_day, end_day)``.

    Events of local day ``L`` fall in UTC days ``L - 1 .. L + 1`` (UTC offsets under 12
    hours, sessions under 6 hours), so local days ``[first_day - 2, end_day]`` are kept,
    with a day to spare. Active day ``k`` is at least ``k`` days after the arrival, which
    bounds how many of them need computing.
    """
    lo, hi = first_day - 2, end_day
    parts = [(np.zeros(0, np.int32),) * 3]
    for begin in range(0, users.count, USER_BLOCK):
        block = slice(begin, begin + USER_BLOCK)
        needed = np.clip(hi - users.first_local_day[block] + 1, 0, users.active_days[block])
        owner, index = _segment_positions(needed)
        user = owner + begin
        h = _step(users.hash[user], index, _DAY_STEP)
        gap = _gap_days(h, users.engagement[user], index)
        local_day = users.first_local_day[user] + _segment_cumsum(gap, owner)
        keep = (index == 0) | ~_weekend(stream, local_day) | (_uniform(h, _WEEKEND) < WEEKEND_KEEP)
        keep &= (local_day >= lo) & (local_day <= hi)
        parts.append(tuple(a[keep].astype(np.int32) for a in (user, index, local_day)))
    user, index, local_day = (np.concatenate(column) for column in zip(*parts))
    del parts
    order = np.argsort(local_day, kind="stable")
    return _DayRows(user[order], index[order], local_day[order])


def _gap_days(h: np.ndarray, engagement: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Days from active day ``index - 1`` to ``index`` (0 for the arrival day).

    Geometric around a personal mean (shorter for the first return), or a long break.
    """
    mean_extra = np.clip(GAP_DAYS / engagement, 1.2, 30.0) - 1.0
    mean_extra = np.where(index == 1, FIRST_RETURN_GAP_SCALE * mean_extra, mean_extra)
    regular = 1 + _geometric(_uniform(h, _GAP), mean_extra)
    lo, hi = np.log(BREAK_DAYS[0]), np.log(BREAK_DAYS[1])
    long_break = np.exp(lo + _uniform(h, _BREAK_LENGTH) * (hi - lo)).astype(np.int64)
    gap = np.where(_uniform(h, _BREAK) < BREAK_PROBABILITY, long_break, regular)
    return np.where(index == 0, 0, gap)


# ---------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------


def _release(stream: EventStream, local_day: np.ndarray) -> np.ndarray:
    """Release number current on each local day (since the stream start)."""
    day = (stream.start - RELEASE_EPOCH).days + local_day
    return np.maximum(day // RELEASE_EVERY_DAYS, 0)


@dataclass(frozen=True)
class _Days:
    """Per active day: what holds for the whole day."""

    hash: np.ndarray
    device: np.ndarray
    country: np.ndarray
    release: np.ndarray
    sessions: np.ndarray  # planned; late ones can fall past midnight and are dropped
    opening_us: np.ndarray  # start of the first session
    day_end_us: np.ndarray  # local midnight ending the day
    cart_rate: np.ndarray
    view_mean: np.ndarray


@dataclass(frozen=True)
class _Sessions:
    """Per session overlapping the chunk: its day, hash, start, shape, first event ordinal."""

    day: np.ndarray
    hash: np.ndarray
    start_us: np.ndarray
    views: np.ndarray
    has_first_visit: np.ndarray
    events: np.ndarray
    first_ordinal: np.ndarray


def _plan_days(stream: EventStream, users: _Users, rows: _DayRows) -> _Days:
    u, k = rows.user, rows.index
    local_day = rows.local_day.astype(np.int64)
    later = k > 0
    h = _step(users.hash[u], k, _DAY_STEP)
    device = users.device[u]
    device[later & (device != WEB) & (_uniform(h, _SWITCH) < SWITCH_TO_WEB)] = WEB
    country = users.country[u]
    travel = later & (_uniform(h, _TRAVEL) < TRAVEL)
    elsewhere = (_uniform(h[travel], _TRAVEL_TO) * (len(COUNTRIES) - 1)).astype(np.int8)
    country[travel] = (country[travel] + 1 + elsewhere) % len(COUNTRIES)
    installed = _release(stream, users.first_local_day[u])
    upgraded = np.maximum(installed, _release(stream, local_day - users.upgrade_lag[u]))
    engagement = users.engagement[u]
    extra_sessions = _geometric(_uniform(h, _SESSIONS), EXTRA_SESSIONS * np.sqrt(engagement))
    offset = users.offset_us[u]
    later_opening = local_day * DAY_US + _time_of_day_us(_uniform(h, _TIME_OF_DAY)) - offset
    age = local_day - users.first_local_day[u]
    return _Days(
        hash=h,
        device=device,
        country=country,
        release=np.where(device == WEB, _release(stream, local_day), upgraded),
        sessions=1 + np.minimum(extra_sessions, MAX_SESSIONS_PER_DAY - 1),
        opening_us=np.where(later, later_opening, users.arrival_us[u]),
        day_end_us=(local_day + 1) * DAY_US - offset,
        cart_rate=CART_RATE * users.intent[u] * (1.0 + FIRST_DAYS_BOOST * np.exp(-age / BOOST_DECAY_DAYS)),
        view_mean=VIEWS_PER_SESSION * engagement**0.25,
    )


def _plan_sessions(days: _Days, is_first_day: np.ndarray, first_day: int, end_day: int) -> _Sessions:
    """Sessions of the days, keeping those that can have events in UTC days ``[first_day, end_day)``."""
    day, s = _segment_positions(days.sessions)
    h = _step(days.hash[day], s, _SESSION_STEP)
    gap = SESSION_GAP_US[0] + _exponential_us(_uniform(h, _SESSION_GAP), SESSION_GAP_US[1])
    gap[s == 0] = 0
    start = days.opening_us[day] + _segment_cumsum(gap, day)
    in_day = (s == 0) | (start < days.day_end_us[day])
    day, s, h, start = day[in_day], s[in_day], h[in_day], start[in_day]

    views = np.minimum(_geometric(_uniform(h, _VIEWS), days.view_mean[day]), MAX_VIEWS)
    p_cart = np.minimum(days.cart_rate[day] * (1.0 - np.exp(-views / 2.0)), 0.9)
    cart = _uniform(h, _CART) < p_cart
    checkout = cart & (_uniform(h, _CHECKOUT) < CHECKOUT_RATE)
    purchase = checkout & (_uniform(h, _PURCHASE) < PURCHASE_RATE)
    has_first_visit = is_first_day[day] & (s == 0)
    events = has_first_visit + 1 + views + cart + checkout + purchase
    first_ordinal = _segment_cumsum(events, day) - events  # counts every session of the day

    overlaps = (start < end_day * DAY_US) & (start + events * EVENT_GAP_US[2] >= first_day * DAY_US)
    return _Sessions(
        day=day[overlaps],
        hash=h[overlaps],
        start_us=start[overlaps],
        views=views[overlaps],
        has_first_visit=has_first_visit[overlaps],
        events=events[overlaps],
        first_ordinal=first_ordinal[overlaps],
    )


def _event_names(step: np.ndarray, views: np.ndarray) -> np.ndarray:
    """Event at position ``step`` of a session (-1 first_visit, 0 session_start, then views, funnel)."""
    in_session = np.where(step <= views, np.minimum(step, 1) + SESSION_START, step - views + VIEW_ITEM)
    return np.where(step < 0, FIRST_VISIT, in_session).astype(np.int8)


def _expand_days(
    stream: EventStream, users: _Users, rows: _DayRows, first_day: int, end_day: int
) -> dict[str, np.ndarray]:
    """Events of the given active days that fall in UTC days ``[first_day, end_day)``, by time."""
    days = _plan_days(stream, users, rows)
    sessions = _plan_sessions(days, rows.index == 0, first_day, end_day)
    session, j = _segment_positions(sessions.events)
    h = _step(sessions.hash[session], j, _EVENT_STEP)
    name = _event_names(j - sessions.has_first_visit[session], sessions.views[session])
    u_gap = _uniform(h, _EVENT_GAP)
    gap = np.minimum(EVENT_GAP_US[0] + _exponential_us(u_gap, EVENT_GAP_US[1]), EVENT_GAP_US[2])
    after_first_visit = FIRST_VISIT_TO_SESSION_US[0] + (u_gap * FIRST_VISIT_TO_SESSION_US[1]).astype(np.int64)
    gap = np.where(name == SESSION_START, after_first_visit, gap)
    gap[j == 0] = 0
    event_at = sessions.start_us[session] + _segment_cumsum(gap, session)

    keep = np.flatnonzero((event_at >= first_day * DAY_US) & (event_at < end_day * DAY_US))
    keep = keep[np.argsort(event_at[keep], kind="stable")]
    session, j, name, event_at, h = session[keep], j[keep], name[keep], event_at[keep], h[keep]
    day = sessions.day[session]
    user = rows.user[day]
    revenue = np.full(len(name), np.nan)
    bought = name == PURCHASE
    revenue[bought] = _revenue(h[bought], users.country[user[bought]])
    return {
        "user_number": user.astype(np.int64) + 1,
        "day_index": rows.index[day],
        "ordinal": (sessions.first_ordinal[session] + j).astype(np.int32),
        "event_name": name,
        "event_at": (event_at + _start_us(stream)).astype("datetime64[us]"),
        "country": days.country[day],
        "device_os": days.device[day],
        "release": days.release[day].astype(np.int32),
        "campaign": np.where(name == FIRST_VISIT, users.campaign[user], 0).astype(np.int8),
        "revenue": revenue,
    }


def _revenue(h: np.ndarray, country: np.ndarray) -> np.ndarray:
    """Log-normal basket value in USD, scaled by the country's price level."""
    radius = np.sqrt(-2.0 * np.log1p(-_uniform(h, _REVENUE_RADIUS)))
    z = radius * np.cos(2.0 * np.pi * _uniform(h, _REVENUE_ANGLE))
    value = np.asarray(COUNTRY_PRICE_LEVEL)[country] * np.exp(REVENUE_LOG_MEAN + REVENUE_LOG_SD * z)
    return np.round(np.maximum(value, 0.99), 2)


def _start_us(stream: EventStream) -> int:
    return (stream.start - UNIX_EPOCH).days * DAY_US


def _plan_chunks(rows: _DayRows, first_day: int, end_day: int) -> list[tuple[int, int]]:
    """Consecutive UTC day ranges covering ``[first_day, end_day)``, each of bounded size."""
    per_day = np.bincount(np.clip(rows.local_day - first_day, 0, None), minlength=end_day - first_day + 1)
    chunks, begin, size = [], first_day, 0
    for day in range(first_day, end_day):
        size += int(per_day[day - first_day])
        if size >= TARGET_DAY_ROWS_PER_CHUNK or day == end_day - 1:
            chunks.append((begin, day + 1))
            begin, size = day + 1, 0
    return chunks


def _chunks(
    stream: EventStream, first_day: int, end_day: int
) -> Iterator[tuple[int, int, dict[str, np.ndarray]]]:
    """``(begin, end, events)`` for consecutive UTC day ranges covering ``[first_day, end_day)``."""
    users = _users_until(stream, end_day)
    rows = _active_days(stream, users, first_day, end_day)
    for begin, end in _plan_chunks(rows, first_day, end_day):
        lo = np.searchsorted(rows.local_day, begin - 2, side="left")
        hi = np.searchsorted(rows.local_day, end, side="right")
        part = _DayRows(rows.user[lo:hi], rows.index[lo:hi], rows.local_day[lo:hi])
        yield begin, end, _expand_days(stream, users, part, begin, end)


def iter_event_chunks(stream: EventStream, first_day: int, end_day: int) -> Iterator[dict[str, np.ndarray]]:
    """Events of UTC days ``[first_day, end_day)`` (days since ``stream.start``) as numpy chunks.

    Chunks cover consecutive day ranges and are sorted by ``event_at``. Categorical
    columns are codes: ``event_name`` into EVENT_NAMES, ``country`` into COUNTRIES,
    ``device_os`` into DEVICE_OS, ``release`` via :func:`version_name`, ``campaign`` 0 for
    none else 1 + index into CAMPAIGNS. ``revenue`` is NaN where NULL.
    """
    for _, _, chunk in _chunks(stream, first_day, end_day):
        yield chunk


# ---------------------------------------------------------------------------------------
# DuckDB
# ---------------------------------------------------------------------------------------

_CREATE_TABLE = """
{create} raw.app_events (
    event_id varchar,
    user_id varchar,
    event_name varchar,
    event_at timestamp,
    country varchar,
    device_os varchar,
    app_version varchar,
    utm_campaign varchar,
    utm_medium varchar,
    utm_source varchar,
    revenue double
)
"""


def _sql_list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _insert_sql(max_release: int) -> str:
    versions = [version_name(r) for r in range(max_release + 1)]
    return f"""
insert into raw.app_events
select
    'e' || user_number || '-' || day_index || '-' || ordinal,
    printf('u%07d', user_number),
    {_sql_list(EVENT_NAMES)}[event_name + 1],
    event_at,
    {_sql_list(COUNTRIES)}[country + 1],
    {_sql_list(DEVICE_OS)}[device_os + 1],
    {_sql_list(versions)}[release + 1],
    {_sql_list([c.name for c in CAMPAIGNS])}[campaign],
    {_sql_list([c.medium for c in CAMPAIGNS])}[campaign],
    {_sql_list([c.source for c in CAMPAIGNS])}[campaign],
    case when event_name = {PURCHASE} then revenue end
from _activation_demo_chunk
"""


@contextmanager
def _memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """DuckDB's memory limit set to ``limit`` for the block, then restored."""
    previous = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"set memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(f"set memory_limit = '{previous}'")


def _write(
    con: duckdb.DuckDBPyConnection, stream: EventStream, first_day: int, end_day: int, progress: bool
) -> GenerationSummary:
    """Insert the events of UTC days ``[first_day, end_day)``, one statement per chunk."""
    started = time.perf_counter()
    insert = _insert_sql(int(_release(stream, np.array([end_day]))[0]))
    events = new_users = 0
    bar = tqdm(total=end_day - first_day, unit="day", desc="raw.app_events", file=sys.stderr,
               disable=not progress, delay=1.0)
    with bar, _memory_limit(con, DUCKDB_MEMORY_LIMIT):
        for begin, end, chunk in _chunks(stream, first_day, end_day):
            con.register("_activation_demo_chunk", chunk)
            con.execute(insert)
            con.unregister("_activation_demo_chunk")
            events += len(chunk["event_name"])
            new_users += int(np.count_nonzero(chunk["event_name"] == FIRST_VISIT))
            bar.update(end - begin)
            bar.set_postfix(events=f"{events:,}", refresh=False)
    return GenerationSummary(
        events=events,
        new_users=new_users,
        first_day=stream.start + dt.timedelta(days=first_day),
        end_day=stream.start + dt.timedelta(days=end_day),
        seconds=time.perf_counter() - started,
    )


def generate(
    db_path: str | Path, days: int = 60, stream: EventStream = EventStream(), *, progress: bool = False
) -> GenerationSummary:
    """(Re)create ``raw.app_events`` in ``db_path`` with the first ``days`` days of ``stream``.

    Chunks are committed one by one (a single transaction would hold gigabytes at
    benchmark scale); if generation fails the table is dropped.
    """
    if days <= 0:
        raise ValueError("days must be positive")
    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema if not exists raw")
        con.execute(_CREATE_TABLE.format(create="create or replace table"))
        try:
            return _write(con, stream, 0, days, progress)
        except BaseException:
            con.execute("drop table raw.app_events")
            raise


def append_days(
    db_path: str | Path,
    days_existing: int,
    days_new: int,
    stream: EventStream = EventStream(),
    *,
    progress: bool = False,
) -> GenerationSummary:
    """Insert days ``[days_existing, days_existing + days_new)`` of ``stream`` into ``raw.app_events``.

    The rows are exactly those a :func:`generate` run of ``days_existing + days_new``
    days holds for the new days, events of earlier users included. The table (created if
    missing) must hold no event at or after the first new day; if appending fails, the
    rows it inserted are deleted again.
    """
    if days_existing < 0 or days_new <= 0:
        raise ValueError("days_existing must be >= 0 and days_new > 0")
    boundary = dt.datetime.combine(stream.start + dt.timedelta(days=days_existing), dt.time())
    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema if not exists raw")
        con.execute(_CREATE_TABLE.format(create="create table if not exists"))
        latest = con.execute("select max(event_at) from raw.app_events").fetchall()[0][0]
        if latest is not None and latest >= boundary:
            raise ValueError(f"raw.app_events already has events at or after {boundary} (latest: {latest})")
        try:
            return _write(con, stream, days_existing, days_existing + days_new, progress)
        except BaseException:
            con.execute("delete from raw.app_events where event_at >= ?", [boundary])
            raise
