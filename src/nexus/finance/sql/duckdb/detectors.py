"""DuckDB dialect, the detectors: each typology as SQL over the engine's tables (`tx`, `flows`,
`meta`), in the subset of SQL that Spark SQL shares; parameters become literals.

Each step materialises one working table (`CREATE OR REPLACE TEMP TABLE name AS SELECT …`); the
SELECTs use epoch-second integers for time, standard window frames (ROWS, and RANGE over integer
buckets), joins bounded by time windows and no list or string aggregation, so that a Spark SQL
sibling (`nexus.finance.sql.spark`) can take `Script.tables()` as they are and materialise each
its own way (`CACHE TABLE name AS SELECT …`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nexus.finance.evidence import EVIDENCE, Evidence
from nexus.settings import (
    CycleParams,
    DormantParams,
    FanParams,
    HawalaParams,
    HighRiskParams,
    PassThroughParams,
    ScatterGatherParams,
    StructuringParams,
    TypologySettings,
)

DAY = 86_400
NON_CASH = "channel NOT IN ('cash_deposit', 'cash_withdrawal')"


@dataclass(frozen=True)
class Script:
    """A detector's SQL: statements that build its working tables, then the query of candidate
    rows (with key column `k`) and the query of their members `(k, n)`."""

    steps: tuple[str, ...]
    alerts: str
    members: str

    def tables(self) -> list[tuple[str, str]]:
        """The steps as (table name, SELECT): what another engine materialises its own way."""
        out = []
        for step in self.steps:
            match = _STEP.match(step)
            if match is None:
                raise ValueError(f"not a CREATE … TEMP TABLE … AS step: {step[:60]!r}")
            out.append((match.group(1), match.group(2).strip()))
        return out


_STEP = re.compile(r"\s*CREATE OR REPLACE TEMP TABLE (\w+) AS\s+(.*)", re.DOTALL)


# -- literals ------------------------------------------------------------------------------------
# Parameters are written into the SQL as literals (both DuckDB and Spark SQL accept them; their
# placeholder syntaxes differ). They come from validated settings; these helpers re-check.
def _num(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return repr(float(value))


def _secs(days: float) -> str:
    return str(round(days * DAY))


def _codes(codes: Sequence[str]) -> str:
    for code in codes:
        if not re.fullmatch(r"[a-z]{2}", code):
            raise ValueError(f"not a two-letter country code: {code!r}")
    return "(" + ", ".join(f"'{c}'" for c in codes) + ")" if codes else "('')"


# -- detectors -----------------------------------------------------------------------------------
def _runs(table: str, source: str, partition: str, gap_seconds: str) -> str:
    """Number runs of rows in time: a new run starts after a gap longer than `gap_seconds`."""
    return f"""
CREATE OR REPLACE TEMP TABLE {table} AS
WITH marked AS (
    SELECT *, CASE WHEN ts - LAG(ts) OVER (PARTITION BY {partition} ORDER BY ts, n)
        <= {gap_seconds} THEN 0 ELSE 1 END AS starts
    FROM {source}
)
SELECT *, SUM(starts) OVER (PARTITION BY {partition} ORDER BY ts, n
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run
FROM marked"""


def structuring(p: StructuringParams, s: TypologySettings) -> Script:
    low = p.threshold_pkr * (1 - p.band)
    return Script(
        steps=(
            f"""CREATE OR REPLACE TEMP TABLE st_band AS
            SELECT n, payee AS acc, ts, pkr, branch, CAST(FLOOR(ts / {DAY}) AS BIGINT) AS day
            FROM tx WHERE channel = 'cash_deposit' AND payee IS NOT NULL
                AND pkr >= {_num(low)} AND pkr < {_num(p.threshold_pkr)}""",
            _runs("st_runs", "st_band", "acc", _secs(p.max_gap_days)),
            f"""CREATE OR REPLACE TEMP TABLE st_g AS
            SELECT acc, run, COUNT(*) AS deposits, COUNT(DISTINCT branch) AS branches,
                COUNT(DISTINCT day) AS days, MIN(ts) AS first_ts, MAX(ts) AS last_ts,
                SUM(pkr) AS total, MIN(pkr) AS smallest, MAX(pkr) AS largest
            FROM st_runs GROUP BY acc, run
            HAVING COUNT(*) >= {p.min_deposits}
                AND (COUNT(DISTINCT branch) >= 2 OR COUNT(DISTINCT day) >= 2)""",
            f"""CREATE OR REPLACE TEMP TABLE st_a AS
            SELECT ROW_NUMBER() OVER (ORDER BY g.acc, g.run) AS k, g.acc, g.run,
                MAX(g.deposits) AS deposits, MAX(g.branches) AS branches, MAX(g.days) AS days,
                MAX(g.first_ts) AS first_ts, MAX(g.last_ts) AS last_ts, MAX(g.total) AS total,
                MAX(g.smallest) AS smallest, MAX(g.largest) AS largest,
                COUNT(c.n) AS cash_deposits
            FROM st_g g JOIN tx c ON c.payee = g.acc AND c.channel = 'cash_deposit'
                AND c.ts >= g.first_ts AND c.ts <= g.last_ts
            GROUP BY g.acc, g.run
            HAVING MAX(g.deposits) >= {_num(p.min_band_share)} * COUNT(c.n)""",
        ),
        alerts=f"SELECT *, {_num(p.threshold_pkr)} AS threshold FROM st_a ORDER BY k",
        members="""SELECT a.k, r.n FROM st_a a JOIN st_runs r ON r.acc = a.acc AND r.run = a.run""",
    )


def _fan(x: str, p: FanParams, incoming: bool) -> Script:
    """Fan-in (incoming) or fan-out: candidates with many distinct counterparties in a short
    window, judged by their evidence (few counterparties seen before or after, one-off ones, a
    burst against the account's usual pace, the money moved on (fan-in) or just received
    (fan-out) …)."""
    windows = max(1, math.ceil(p.window_days / p.hop_days))
    hop = _secs(p.hop_days)
    me, them = ("payee", "payer") if incoming else ("payer", "payee")
    direction = "FALSE" if incoming else "TRUE"
    name = "fan_in" if incoming else "fan_out"
    lookback = _secs(p.lookback_days)
    onward = _secs(p.onward_days)
    new_days = _secs(p.new_account_days)
    if incoming:  # money moving on: anything leaving soon after (cash withdrawals too)
        moved = f"""SELECT e.k, f.n, f.pkr FROM {x}_g e JOIN flows f ON f.acc = e.acc
            AND f.outgoing = TRUE AND f.ts >= e.first_ts AND f.ts <= e.last_ts + {onward}"""
    else:  # the funding: large receipts shortly before or during the payments
        moved = f"""SELECT e.k, f.n, f.pkr FROM {x}_g e JOIN flows f ON f.acc = e.acc
            AND f.outgoing = FALSE AND f.ts >= e.first_ts - {onward} AND f.ts <= e.last_ts
            AND f.pkr >= 0.1 * e.total"""
    return Script(
        steps=(
            # Transfers per account and hop-long bucket, then sums over `windows` buckets: a
            # cheap bound (transfers, not yet distinct counterparties) on every window
            # [b*hop, (b+windows)*hop), so a burst no longer than window - hop sits whole in one.
            f"""CREATE OR REPLACE TEMP TABLE {x}_b AS
            SELECT {me} AS acc, CAST(FLOOR(ts / {hop}) AS BIGINT) AS b, COUNT(*) AS c,
                SUM(pkr) AS s
            FROM tx WHERE {me} IS NOT NULL AND {them} IS NOT NULL
            GROUP BY {me}, CAST(FLOOR(ts / {hop}) AS BIGINT)""",
            f"""CREATE OR REPLACE TEMP TABLE {x}_w AS
            SELECT acc, w FROM (
                SELECT acc, b AS w,
                    SUM(c) OVER (PARTITION BY acc ORDER BY b
                        RANGE BETWEEN CURRENT ROW AND {windows - 1} FOLLOWING) AS c,
                    SUM(s) OVER (PARTITION BY acc ORDER BY b
                        RANGE BETWEEN CURRENT ROW AND {windows - 1} FOLLOWING) AS s
                FROM {x}_b WHERE acc IN (
                    -- a window of `windows` buckets with enough transfers has a bucket with
                    -- at least its share of them: only such accounts need the window sums
                    SELECT acc FROM {x}_b WHERE c >= {math.ceil(p.min_counterparties / windows)})
            ) q WHERE c >= {p.min_counterparties} AND s >= {_num(p.min_total_pkr)}""",
            _episodes(f"{x}_ep", f"{x}_w", windows, hop),
            f"""CREATE OR REPLACE TEMP TABLE {x}_m AS
            SELECT e.k, e.acc, t.n, t.{them} AS other, t.ts, t.pkr FROM {x}_ep e JOIN tx t
                ON t.{me} = e.acc AND t.{them} IS NOT NULL
                AND t.ts >= e.t_from AND t.ts < e.t_to""",
            f"""CREATE OR REPLACE TEMP TABLE {x}_f AS
            SELECT k, acc, MIN(ts) AS first_ts, MAX(ts) AS last_ts, COUNT(*) AS transfers,
                COUNT(DISTINCT other) AS parties, SUM(pkr) AS total,
                STDDEV_POP(pkr) / AVG(pkr) AS spread
            FROM {x}_m GROUP BY k, acc
            HAVING COUNT(DISTINCT other) >= {p.min_counterparties}
                AND SUM(pkr) >= {_num(p.min_total_pkr)}""",
            # The account's dealings in the lookback before and after the burst.
            f"""CREATE OR REPLACE TEMP TABLE {x}_o AS
            SELECT e.k, f.other, f.outgoing FROM {x}_f e JOIN flows f ON f.acc = e.acc
                AND ((f.ts < e.first_ts AND f.ts >= e.first_ts - {lookback})
                    OR (f.ts > e.last_ts AND f.ts <= e.last_ts + {lookback}))""",
            # A burst: transfers per day in the window against the account's usual pace in the
            # lookback around it (only where the data reach). Everything after works on these.
            f"""CREATE OR REPLACE TEMP TABLE {x}_g AS
            SELECT * FROM (
                SELECT e.*, COALESCE(bl.usual, 0) AS usual,
                    -- no burst can be told where the data show less than a window around it
                    CASE WHEN LEAST({lookback}, e.first_ts - meta.t0)
                        + LEAST({lookback}, meta.t1 - e.last_ts) < {_secs(p.window_days)}
                    THEN 0.0 ELSE
                    (e.transfers / GREATEST((e.last_ts - e.first_ts) / {DAY}.0, 1.0))
                    / GREATEST(COALESCE(bl.usual, 0) / GREATEST(
                        LEAST({lookback}, e.first_ts - meta.t0) / {DAY}.0
                        + LEAST({lookback}, meta.t1 - e.last_ts) / {DAY}.0, 1.0),
                        1.0 / {p.lookback_days * 2}) END AS burst
                FROM {x}_f e
                LEFT JOIN (SELECT k, COUNT(*) AS usual FROM {x}_o
                    WHERE outgoing = {direction} GROUP BY k) bl ON bl.k = e.k
                CROSS JOIN meta
            ) q WHERE burst >= {_num(p.min_burst)}""",
            f"""CREATE OR REPLACE TEMP TABLE {x}_rep AS
            SELECT m.k, COUNT(DISTINCT m.other) AS repeats FROM {x}_m m
            JOIN {x}_o o ON o.k = m.k AND o.other = m.other
            WHERE m.k IN (SELECT k FROM {x}_g) GROUP BY m.k""",
            f"CREATE OR REPLACE TEMP TABLE {x}_mv AS {moved}",
            f"""CREATE OR REPLACE TEMP TABLE {x}_new AS
            SELECT m.k, COUNT(DISTINCT m.other) AS new_parties FROM {x}_m m
            JOIN {x}_g e ON e.k = m.k
            JOIN (SELECT acc, MIN(ts) AS first_ts FROM flows
                WHERE acc IN (SELECT m.other FROM {x}_m m JOIN {x}_g g ON g.k = m.k)
                GROUP BY acc) a ON a.acc = m.other
            CROSS JOIN meta
            WHERE a.first_ts >= e.first_ts - {new_days} AND a.first_ts >= meta.t0 + {new_days}
            GROUP BY m.k""",
            # Counterparties that hardly appear anywhere else in the extract (at most three
            # transfers in all): one-off payers and payees, mules' mark.
            _oneoff(f"{x}_one", f"SELECT k, other FROM {x}_m WHERE k IN (SELECT k FROM {x}_g)"),
            f"""CREATE OR REPLACE TEMP TABLE {x}_a AS
            SELECT * FROM (
                SELECT e.*, COALESCE(r.repeats, 0) AS repeats, COALESCE(one.oneoff, 0) AS oneoff,
                    e.first_ts >= meta.t0 + {new_days} AS newness_known,
                    COALESCE(nw.new_parties, 0) AS new_parties,
                    COALESCE(mv.moved, 0) AS moved, COALESCE(mv.moves, 0) AS moves
                FROM {x}_g e
                LEFT JOIN {x}_rep r ON r.k = e.k
                LEFT JOIN {x}_one one ON one.k = e.k
                LEFT JOIN {x}_new nw ON nw.k = e.k
                LEFT JOIN (SELECT k, SUM(pkr) AS moved, COUNT(*) AS moves FROM {x}_mv
                    GROUP BY k) mv ON mv.k = e.k
                CROSS JOIN meta
            ) q
            WHERE repeats <= {_num(p.max_repeat_share)} * parties
                AND moved >= {_num(p.min_onward_share)} * total
                AND moved <= {_num(p.max_onward_share)} * total
                -- where the extract is long enough to tell, enough counterparties are new
                AND (NOT newness_known OR new_parties >= {_num(p.min_new_share)} * parties)""",
            _judged(f"{x}_s", f"{x}_a", EVIDENCE[name], p.min_evidence, _textbook(p)),
        ),
        alerts=f"SELECT * FROM {x}_s ORDER BY k",
        members=f"""SELECT a.k, m.n FROM {x}_s a JOIN {x}_m m ON m.k = a.k
            LEFT JOIN (SELECT DISTINCT k, other FROM {x}_o) o ON o.k = m.k AND o.other = m.other
            WHERE o.k IS NULL
            UNION ALL SELECT a.k, mv.n FROM {x}_s a JOIN {x}_mv mv ON mv.k = a.k
                WHERE mv.pkr >= 0.1 * a.total""",
    )


def _oneoff(table: str, pairs: str) -> str:
    """Per candidate `k`, its distinct counterparties (`pairs`: k, other) with at most three
    transfers in the whole extract."""
    return f"""
CREATE OR REPLACE TEMP TABLE {table} AS
WITH p AS ({pairs}),
activity AS (
    SELECT acc, COUNT(*) AS transfers FROM flows
    WHERE acc IN (SELECT other FROM p) GROUP BY acc
)
SELECT p.k, COUNT(DISTINCT p.other) AS oneoff FROM p
JOIN activity a ON a.acc = p.other WHERE a.transfers <= 3 GROUP BY p.k"""


def _textbook(p: FanParams) -> str:
    """The classic fan (many counterparties, few seen before or after, most of the money moved
    on or funded, in a burst), which alerts whatever its evidence score, but only where the
    extract shows `textbook_history_days` of the account before it: with less, monthly business
    (payroll, suppliers, rent) cannot show as repeats, and the score alone decides."""
    if p.textbook_history_days <= 0:
        return "FALSE"
    return f"""(parties >= {p.textbook_counterparties}
        AND repeats <= {_num(p.textbook_repeat_share)} * parties
        AND moved >= {_num(p.textbook_onward_share)} * total
        AND burst >= {_num(p.textbook_burst)}
        AND first_ts >= (SELECT t0 FROM meta) + {_secs(p.textbook_history_days)})"""


def _judged(
    table: str, candidates: str, evidence: Evidence, threshold: float, textbook: str = "FALSE"
) -> str:
    """The candidates with their features and evidence score, kept from the threshold up or
    where they meet the `textbook` condition (its column says so)."""
    return f"""
CREATE OR REPLACE TEMP TABLE {table} AS
SELECT * FROM (
    SELECT *, {evidence.score_sql()} AS evidence, {textbook} AS textbook
    FROM (SELECT *, {evidence.columns_sql()} FROM {candidates}) f
) q WHERE evidence >= {_num(threshold)} OR textbook"""


def _episodes(table: str, windows_table: str, windows: int, hop: str) -> str:
    """Chains of overlapping qualifying windows of one account, as [t_from, t_to)."""
    return f"""
CREATE OR REPLACE TEMP TABLE {table} AS
WITH marked AS (
    SELECT acc, w, CASE WHEN w - LAG(w) OVER (PARTITION BY acc ORDER BY w) < {windows}
        THEN 0 ELSE 1 END AS starts
    FROM {windows_table}
), chained AS (
    SELECT acc, w, SUM(starts) OVER (PARTITION BY acc ORDER BY w
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS chain
    FROM marked
)
SELECT ROW_NUMBER() OVER (ORDER BY acc, MIN(w)) AS k, acc, MIN(w) * {hop} AS t_from,
    (MAX(w) + {windows}) * {hop} AS t_to
FROM chained GROUP BY acc, chain"""


def fan_in(p: FanParams, s: TypologySettings) -> Script:
    return _fan("fi", p, incoming=True)


def fan_out(p: FanParams, s: TypologySettings) -> Script:
    return _fan("fo", p, incoming=False)


def _hops(table: str, edges: str, hop_days: float, decay: float, extra: str = "") -> str:
    """Pairs of transfers where the second leaves the first's beneficiary soon after, carrying
    the same money less a little (between 1 - decay and 1 times the first)."""
    return f"""
CREATE OR REPLACE TEMP TABLE {table} AS
SELECT e1.n AS n1, e2.n AS n2, e1.a AS a1, e1.b AS b1, e2.b AS b2, e1.ts AS t1, e2.ts AS t2,
    e1.pkr AS x1, e2.pkr AS x2
FROM {edges} e1 JOIN {edges} e2 ON e2.a = e1.b
    AND e2.ts > e1.ts AND e2.ts <= e1.ts + {_secs(hop_days)}
    AND e2.pkr <= e1.pkr AND e2.pkr >= e1.pkr * {_num(1 - decay)}
{extra}"""


def _edges(table: str, min_amount: float) -> str:
    return f"""
CREATE OR REPLACE TEMP TABLE {table} AS
SELECT n, payer AS a, payee AS b, ts, pkr FROM tx
WHERE payer IS NOT NULL AND payee IS NOT NULL AND payer <> payee AND {NON_CASH}
    AND pkr >= {_num(min_amount)}"""


def cycle(p: CycleParams, s: TypologySettings) -> Script:
    """Paths of hops that come back to where they started, built one hop at a time (bounded
    depth), inside the time window, through distinct intermediaries."""
    longest = max(p.max_intermediaries, p.min_intermediaries) + 1
    window = _secs(p.window_days)
    steps = [
        _edges("cy_e", p.min_amount_pkr),
        _hops("cy_h", "cy_e", p.max_hop_days, p.max_decay),
        """CREATE OR REPLACE TEMP TABLE cy_p1 AS
        SELECT n AS n1, a AS o, b AS a1, ts AS t0, ts AS tl FROM cy_e
        WHERE a IN (SELECT b FROM cy_e) AND b IN (SELECT a FROM cy_e)""",
    ]
    closed = []
    for k in range(2, longest + 1):
        earlier = " AND ".join(f"h.b2 <> p.a{j}" for j in range(1, k))
        cols = ", ".join(f"p.n{j}, p.a{j}" for j in range(1, k))
        steps.append(
            f"""CREATE OR REPLACE TEMP TABLE cy_p{k} AS
            SELECT p.o, p.t0, {cols}, h.n2 AS n{k}, h.b2 AS a{k}, h.t2 AS tl
            FROM cy_p{k - 1} p JOIN cy_h h ON h.n1 = p.n{k - 1}
            WHERE p.a{k - 1} <> p.o AND h.t2 <= p.t0 + {window} AND {earlier}"""
        )
        if k - 1 >= p.min_intermediaries:
            nulls = ", ".join(f"CAST(NULL AS BIGINT) AS n{j}" for j in range(k + 1, longest + 1))
            ns = ", ".join(f"n{j}" for j in range(1, k + 1))
            closed.append(
                f"SELECT o, t0, tl, {k - 1} AS intermediaries, {ns}{', ' + nulls if nulls else ''}"
                f" FROM cy_p{k} WHERE a{k} = o"
            )
    steps.append(
        "CREATE OR REPLACE TEMP TABLE cy_c AS SELECT ROW_NUMBER() OVER (ORDER BY o, t0, n1) "
        f"AS k, c.* FROM ({' UNION ALL '.join(closed)}) c"
    )
    # The cycles' transfers one per row, then an equality join (a join on `n IN (n1, …)` would
    # compare every cycle with every transfer).
    hops = " UNION ALL ".join(
        f"SELECT k, n{j} AS n FROM cy_c WHERE n{j} IS NOT NULL" for j in range(1, longest + 1)
    )
    steps.append(
        f"""CREATE OR REPLACE TEMP TABLE cy_m AS
        SELECT c.k, e.n, e.pkr, e.ts, e.b FROM ({hops}) c JOIN cy_e e ON e.n = c.n"""
    )
    return Script(
        steps=tuple(steps),
        alerts="""SELECT c.k, c.o AS acc, c.t0 AS first_ts, c.tl AS last_ts, c.intermediaries,
            MAX(m.pkr) AS sent, MIN(m.pkr) AS returned
            FROM cy_c c JOIN cy_m m ON m.k = c.k
            GROUP BY c.k, c.o, c.t0, c.tl, c.intermediaries ORDER BY c.k""",
        members="SELECT k, n FROM cy_m",
    )


def scatter_gather(p: ScatterGatherParams, s: TypologySettings) -> Script:
    """One account pays several, each passes (nearly) the same money on to one other account."""
    return Script(
        steps=(
            _edges("sg_e", p.min_amount_pkr),
            _hops("sg_r0", "sg_e", p.max_hop_days, p.max_decay, "WHERE e2.b <> e1.a"),
            # One scatter is one episode: its payments no more than a hop's time apart. Hops
            # between the same two ends weeks apart are the ends' ordinary dealings with people
            # they share, not one sum split and gathered again.
            _runs(
                "sg_h",
                "(SELECT *, t1 AS ts, n1 AS n FROM sg_r0) h",
                "a1, b2",
                _secs(p.max_hop_days),
            ),
            f"""CREATE OR REPLACE TEMP TABLE sg_a AS
            SELECT ROW_NUMBER() OVER (ORDER BY a1, b2, run) AS k, a1 AS acc, b2 AS destination,
                run, COUNT(DISTINCT b1) AS intermediaries, SUM(x1) AS scattered,
                SUM(x2) AS gathered, MIN(t1) AS first_ts, MAX(t2) AS last_ts
            FROM sg_h GROUP BY a1, b2, run HAVING COUNT(DISTINCT b1) >= {p.min_intermediaries}""",
        ),
        alerts="SELECT * FROM sg_a ORDER BY k",
        members="""SELECT a.k, h.n1 AS n FROM sg_a a JOIN sg_h h ON h.a1 = a.acc
                AND h.b2 = a.destination AND h.run = a.run
            UNION SELECT a.k, h.n2 AS n FROM sg_a a JOIN sg_h h ON h.a1 = a.acc
                AND h.b2 = a.destination AND h.run = a.run""",
    )


def pass_through(p: PassThroughParams, s: TypologySettings) -> Script:
    """Episodes where money arrives and (nearly) all of it leaves within days, once or again;
    judged by their features (episodes, residue, stay, one-off counterparties, share of all the
    account received, size)."""
    members = """SELECT a.k, s.n, s.other FROM pt_c a JOIN pt_q q ON q.acc = a.acc
        AND q.view = a.view AND q.series = a.series
        JOIN pt_s s ON s.acc = q.acc AND s.view = q.view AND s.run = q.run"""
    return Script(
        steps=(
            # Two views of each account's flows: all of them (view 0), and only its dealings with
            # counterparties met once in the extract, and cash (view 1), where an account's
            # habitual traffic (rent, wages, family) would otherwise run into the episodes.
            f"""CREATE OR REPLACE TEMP TABLE pt_o AS
            SELECT f.acc, f.other, f.n, f.ts, f.pkr, f.outgoing, h.acc IS NULL AS once
            FROM flows f
            LEFT JOIN (SELECT acc, other FROM flows WHERE other IS NOT NULL
                GROUP BY acc, other HAVING COUNT(*) > 1) h
                ON h.acc = f.acc AND h.other = f.other
            WHERE f.domestic AND f.pkr >= {_num(p.min_amount_pkr)}""",
            """CREATE OR REPLACE TEMP TABLE pt_f AS
            SELECT acc, other, n, ts, pkr, outgoing, 0 AS view FROM pt_o
            UNION ALL SELECT acc, other, n, ts, pkr, outgoing, 1 AS view FROM pt_o WHERE once""",
            _runs("pt_s", "pt_f", "acc, view", _secs(p.max_gap_days)),
            f"""CREATE OR REPLACE TEMP TABLE pt_ep AS
            SELECT acc, view, run,
                SUM(CASE WHEN outgoing THEN 0 ELSE pkr END) AS money_in,
                SUM(CASE WHEN outgoing THEN pkr ELSE 0 END) AS money_out,
                MIN(CASE WHEN outgoing THEN NULL ELSE ts END) AS first_in,
                MIN(CASE WHEN outgoing THEN ts ELSE NULL END) AS first_out,
                MIN(ts) AS first_ts, MAX(ts) AS last_ts
            FROM pt_s GROUP BY acc, view, run
            HAVING SUM(CASE WHEN outgoing THEN 0 ELSE pkr END) >= {_num(p.min_total_pkr)}
                AND SUM(CASE WHEN outgoing THEN pkr ELSE 0 END)
                    <= SUM(CASE WHEN outgoing THEN 0 ELSE pkr END)
                AND SUM(CASE WHEN outgoing THEN pkr ELSE 0 END)
                    >= {_num(1 - p.max_residual)} * SUM(CASE WHEN outgoing THEN 0 ELSE pkr END)
                AND MIN(CASE WHEN outgoing THEN NULL ELSE ts END)
                    <= MIN(CASE WHEN outgoing THEN ts ELSE NULL END)""",
            # Episodes of one account recurring within `recurrence_days` make one alert.
            f"""CREATE OR REPLACE TEMP TABLE pt_q AS
            WITH marked AS (
                SELECT *, CASE WHEN first_ts - LAG(last_ts) OVER (PARTITION BY acc, view
                    ORDER BY first_ts) <= {_secs(p.recurrence_days)} THEN 0 ELSE 1 END AS starts
                FROM pt_ep
            )
            SELECT *, SUM(starts) OVER (PARTITION BY acc, view ORDER BY first_ts
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS series
            FROM marked""",
            f"""CREATE OR REPLACE TEMP TABLE pt_c0 AS
            SELECT ROW_NUMBER() OVER (ORDER BY acc, view, series) AS k, acc, view, series,
                COUNT(*) AS episodes, SUM(money_in) AS money_in, SUM(money_out) AS money_out,
                MIN(first_ts) AS first_ts, MAX(last_ts) AS last_ts,
                MAX(last_ts - first_ts) AS longest
            FROM pt_q GROUP BY acc, view, series HAVING COUNT(*) >= {p.min_episodes}""",
            # The second view only adds what the first did not find.
            """CREATE OR REPLACE TEMP TABLE pt_c AS
            SELECT c.* FROM pt_c0 c LEFT JOIN (
                SELECT DISTINCT c.k FROM pt_c0 c JOIN pt_c0 d ON d.acc = c.acc AND c.view = 1
                    AND d.view = 0 AND d.first_ts <= c.last_ts AND d.last_ts >= c.first_ts
            ) x ON x.k = c.k WHERE x.k IS NULL""",
            f"CREATE OR REPLACE TEMP TABLE pt_m AS {members}",
            _oneoff("pt_one", "SELECT k, other FROM pt_m WHERE other IS NOT NULL"),
            """CREATE OR REPLACE TEMP TABLE pt_a AS
            SELECT c.*, COALESCE(one.oneoff, 0) AS oneoff, pa.parties, r.received
            FROM pt_c c
            JOIN (SELECT k, COUNT(DISTINCT COALESCE(other, -n)) AS parties FROM pt_m
                GROUP BY k) pa ON pa.k = c.k
            JOIN (SELECT acc, SUM(pkr) AS received FROM flows WHERE NOT outgoing
                AND acc IN (SELECT acc FROM pt_c) GROUP BY acc) r ON r.acc = c.acc
            LEFT JOIN pt_one one ON one.k = c.k""",
            _judged("pt_j", "pt_a", EVIDENCE["pass_through"], p.min_evidence),
        ),
        alerts="SELECT * FROM pt_j ORDER BY k",
        members="SELECT m.k, m.n FROM pt_j a JOIN pt_m m ON m.k = a.k",
    )


def _regular(account: str, other: str) -> str:
    """SQL: `other` dealt with `account` outside the dealers' window [p.t_from, p.t_to] too (a
    regular customer, supplier or relative: the dealer's own business, not the books)."""
    return f"""EXISTS (SELECT 1 FROM flows g WHERE g.acc = {account} AND g.other = {other}
                    AND (g.ts < p.t_from OR g.ts > p.t_to))"""


def hawala(p: HawalaParams, s: TypologySettings) -> Script:
    """A domestic collector and a payer abroad linked by repeated transfers (settlements), the
    collector taking many small payments and the payer abroad paying many small sums."""
    home = _codes([s.home_country])
    small = _num(p.max_payment_pkr)
    cycle_s = _secs(p.settlement_cycle_days)
    low, high = _num(1 - p.max_mismatch), _num(1 + p.max_mismatch)
    mismatch = _num(p.max_mismatch)
    return Script(
        steps=(
            f"""CREATE OR REPLACE TEMP TABLE hw_s AS
            SELECT n, ts, pkr,
                CASE WHEN payer_country IN {home} THEN payer ELSE payee END AS d,
                CASE WHEN payer_country IN {home} THEN payee ELSE payer END AS f,
                payer_country IN {home} AS outward
            FROM tx WHERE payer IS NOT NULL AND payee IS NOT NULL AND {NON_CASH}
                AND ((payer_country IN {home}) <> (payee_country IN {home}))""",
            f"""CREATE OR REPLACE TEMP TABLE hw_p AS
            SELECT d, f, COUNT(*) AS settlements, SUM(pkr) AS settled,
                SUM(CASE WHEN outward THEN pkr ELSE -pkr END) AS settled_net,
                MIN(ts) - {cycle_s} AS t_from, MAX(ts) + {cycle_s} AS t_to
            FROM hw_s GROUP BY d, f HAVING COUNT(*) >= {p.min_settlements}""",
            # Collections: small payments into the collector from home (cash deposits count one
            # by one); payouts: small payments the partner makes abroad, so that the value
            # reaches its beneficiaries without crossing the border.
            f"""CREATE OR REPLACE TEMP TABLE hw_c AS
            SELECT p.d, p.f, t.n, t.ts, t.pkr, COALESCE(t.payer, -t.n) AS payer FROM hw_p p
            JOIN tx t ON t.payee = p.d AND t.ts >= p.t_from AND t.ts <= p.t_to
                AND t.pkr <= {small} AND t.payer_country IN {home}
                AND (t.payer IS NULL OR t.payer <> p.f)
            WHERE NOT {_regular("p.d", "t.payer")}""",
            f"""CREATE OR REPLACE TEMP TABLE hw_o AS
            SELECT p.d, p.f, t.n, t.ts, t.pkr, t.payee FROM hw_p p
            JOIN tx t ON t.payer = p.f AND t.ts >= p.t_from AND t.ts <= p.t_to
                AND t.pkr <= {small} AND t.payee IS NOT NULL AND t.payee <> p.d
                AND t.payee_country NOT IN {home}
            WHERE NOT {_regular("p.f", "t.payee")}""",
            # The reverse leg: small payments the collector makes at home.
            f"""CREATE OR REPLACE TEMP TABLE hw_r AS
            SELECT p.d, p.f, t.n, t.ts, t.pkr FROM hw_p p
            JOIN tx t ON t.payer = p.d AND t.ts >= p.t_from AND t.ts <= p.t_to
                AND t.pkr <= {small} AND t.payee IS NOT NULL AND t.payee <> p.f
                AND t.payee_country IN {home}
            WHERE NOT {_regular("p.d", "t.payee")}""",
            # The collector's payments at home belong to the books only where the settlements
            # say so: they carry the net of collections less those payments clearly (within
            # half the gap) more closely than the collections alone. Else they are the
            # collector's own business.
            f"""CREATE OR REPLACE TEMP TABLE hw_a AS
            SELECT k, acc, partner, settlements, settled, settled_net, t_from, t_to,
                collections, collected, payouts, paid,
                CASE WHEN in_book THEN reverse ELSE 0 END AS reverse,
                CASE WHEN in_book THEN reversed ELSE 0 END AS reversed
            FROM (
            SELECT ROW_NUMBER() OVER (ORDER BY p.d, p.f) AS k, p.d AS acc, p.f AS partner,
                p.settlements, p.settled, p.settled_net, p.t_from, p.t_to,
                c.collections, c.collected, o.payouts, o.paid, COALESCE(r.reverse, 0) AS reverse,
                COALESCE(r.reversed, 0) AS reversed,
                ABS(p.settled_net - (c.collected - COALESCE(r.reversed, 0)))
                    <= 0.5 * ABS(p.settled_net - c.collected) AS in_book
            FROM hw_p p
            JOIN (SELECT d, f, COUNT(DISTINCT payer) AS collections, SUM(pkr) AS collected
                FROM hw_c GROUP BY d, f) c ON c.d = p.d AND c.f = p.f
            JOIN (SELECT d, f, COUNT(DISTINCT payee) AS payouts, SUM(pkr) AS paid
                FROM hw_o GROUP BY d, f) o ON o.d = p.d AND o.f = p.f
            LEFT JOIN (SELECT d, f, COUNT(*) AS reverse, SUM(pkr) AS reversed
                FROM hw_r GROUP BY d, f) r ON r.d = p.d AND r.f = p.f
            WHERE c.collections >= {p.min_collections} AND o.payouts >= {p.min_payouts}
                -- the payer abroad pays out about what the collector takes in, and the
                -- settlements (collector to partner, less partner to collector) carry about
                -- the net of the two books: collected less paid out at home
                AND o.paid BETWEEN c.collected * {low} AND c.collected * {high}
                AND LEAST(ABS(p.settled_net - (c.collected - COALESCE(r.reversed, 0))),
                    ABS(p.settled_net - c.collected)) <= {mismatch} * c.collected
            ) q""",
        ),
        alerts="SELECT * FROM hw_a ORDER BY k",
        members="""SELECT a.k, s.n FROM hw_a a JOIN hw_s s ON s.d = a.acc AND s.f = a.partner
            UNION ALL SELECT a.k, c.n FROM hw_a a JOIN hw_c c ON c.d = a.acc AND c.f = a.partner
            UNION ALL SELECT a.k, o.n FROM hw_a a JOIN hw_o o ON o.d = a.acc AND o.f = a.partner
            UNION ALL SELECT a.k, r.n FROM hw_a a JOIN hw_r r ON r.d = a.acc AND r.f = a.partner
                WHERE a.reverse > 0""",
    )


def dormant(p: DormantParams, s: TypologySettings) -> Script:
    """A first transfer after long silence (or after no history at all), followed by a burst
    that moves large sums in and out again."""
    silence = _secs(p.dormant_days)
    burst = _secs(p.burst_days)
    return Script(
        steps=(
            # Only accounts that ever receive a sizeable part of the amount can qualify.
            f"""CREATE OR REPLACE TEMP TABLE dm_acc AS
            SELECT DISTINCT acc FROM flows
            WHERE domestic AND NOT outgoing AND pkr >= {_num(p.min_amount_pkr / 4)}""",
            f"""CREATE OR REPLACE TEMP TABLE dm_w AS
            WITH g AS (
                SELECT f.acc, f.n, f.ts,
                    f.ts - LAG(f.ts) OVER (PARTITION BY f.acc ORDER BY f.ts, f.n) AS gap
                FROM flows f JOIN dm_acc c ON c.acc = f.acc
            )
            SELECT g.acc, g.ts AS woke, COALESCE(g.gap, g.ts - meta.t0) AS silent
            FROM g CROSS JOIN meta WHERE COALESCE(g.gap, g.ts - meta.t0) >= {silence}""",
            f"""CREATE OR REPLACE TEMP TABLE dm_b AS
            SELECT w.acc, w.woke, w.silent, f.n, f.ts, f.pkr, f.outgoing FROM dm_w w
            JOIN flows f ON f.acc = w.acc AND f.ts >= w.woke AND f.ts < w.woke + {burst}""",
            f"""CREATE OR REPLACE TEMP TABLE dm_a AS
            SELECT ROW_NUMBER() OVER (ORDER BY acc, woke) AS k, acc, woke AS first_ts,
                MAX(ts) AS last_ts, silent,
                SUM(CASE WHEN outgoing THEN 0 ELSE pkr END) AS money_in,
                SUM(CASE WHEN outgoing THEN pkr ELSE 0 END) AS money_out, COUNT(*) AS transfers
            FROM dm_b GROUP BY acc, woke, silent
            HAVING SUM(CASE WHEN outgoing THEN 0 ELSE pkr END) >= {_num(p.min_amount_pkr)}
                AND COUNT(*) >= {p.min_transfers}
                -- most of what arrived left again, and no more than arrived (a dormant
                -- account has no balance of its own to draw on)
                AND SUM(CASE WHEN outgoing THEN pkr ELSE 0 END)
                    >= {_num(p.min_onward_share)} * SUM(CASE WHEN outgoing THEN 0 ELSE pkr END)
                AND SUM(CASE WHEN outgoing THEN pkr ELSE 0 END)
                    <= SUM(CASE WHEN outgoing THEN 0 ELSE pkr END)""",
        ),
        alerts="SELECT * FROM dm_a ORDER BY k",
        members="""SELECT a.k, b.n FROM dm_a a JOIN dm_b b ON b.acc = a.acc
            AND b.woke = a.first_ts""",
    )


def high_risk(p: HighRiskParams, s: TypologySettings) -> Script:
    """Transfers between a domestic account and one in a high-risk jurisdiction."""
    home = _codes([s.home_country])
    risky = _codes([c.lower() for c in p.jurisdictions])
    return Script(
        steps=(
            f"""CREATE OR REPLACE TEMP TABLE hr_t AS
            SELECT n, ts, pkr,
                CASE WHEN payer_country IN {home} THEN payee_country ELSE payer_country END
                    AS country,
                CASE WHEN payer_country IN {home} THEN payer ELSE payee END AS acc,
                CASE WHEN payer_country IN {home} THEN payee ELSE payer END AS other
            FROM tx WHERE (payer_country IN {home} AND payee_country IN {risky})
                OR (payee_country IN {home} AND payer_country IN {risky})""",
            "CREATE OR REPLACE TEMP TABLE hr_x AS SELECT * FROM hr_t WHERE acc IS NOT NULL",
            _runs("hr_r", "hr_x", "acc", _secs(p.window_days)),
            f"""CREATE OR REPLACE TEMP TABLE hr_a AS
            SELECT ROW_NUMBER() OVER (ORDER BY acc, run) AS k, acc, run, COUNT(*) AS transfers,
                SUM(pkr) AS total, COUNT(DISTINCT other) AS counterparties,
                COUNT(DISTINCT country) AS countries, MIN(country) AS country,
                MIN(ts) AS first_ts, MAX(ts) AS last_ts
            FROM hr_r GROUP BY acc, run HAVING SUM(pkr) >= {_num(p.min_total_pkr)}""",
        ),
        alerts="SELECT * FROM hr_a ORDER BY k",
        members="SELECT a.k, r.n FROM hr_a a JOIN hr_r r ON r.acc = a.acc AND r.run = a.run",
    )


SCRIPTS: dict[str, Callable[[Any, TypologySettings], Script]] = {
    "structuring": structuring,
    "fan_in": fan_in,
    "fan_out": fan_out,
    "cycle": cycle,
    "scatter_gather": scatter_gather,
    "pass_through": pass_through,
    "hawala": hawala,
    "dormant": dormant,
    "high_risk": high_risk,
}
