"""Benchmark: search over 100,000 comments, whoosh and postgres against SQLite FTS5 in the same run.

    .venv/bin/python bench/search.py [--docs 100000] [--queries 50] [--repeat 5] [--database-url URL]

1. Generates N realistic comment documents deterministically (``random.Random(seed)``): clauses of the
   quality set's comments (tests/search/quality/comments.json) recombined per draft, plus legislative
   phrases, place names and mixed text (PM2.5, 2027年, 第十条, 5000元, Wi-Fi, 12345 …); lengths 10–400
   characters (most short, some long expert opinions); six drafts, one of them popular; about 70%
   published (public), the rest pending, rejected or spam.
2. Indexes them the way ``flask search reindex`` does (one ``rebuild()``) into the whoosh backend (a
   temporary folder) and the postgres backend (a database of its own, ``search_bench``, created and
   dropped here; ``ANALYZE`` after the rebuild, as autovacuum would do within a minute), and into the
   reference: an SQLite FTS5 table fed with the SAME analysis (``consult.search.analysis``), stored
   pre-tokenised and read back with FTS5's ``ascii`` tokenizer (``tokenchars '.-_'``: white space
   separates, every analysed token stays whole). FTS5 has no colocated tokens from Python, so a
   document is stored as ``seq`` (one token per analysis position: the CJK bigram, or the alphanumeric
   term as a query writes it) and ``alt`` (the tokens sharing a position: unigrams, parts of
   ``2026-2027``/``wi-fi``), and ``f`` (the filter fields as tokens: ``public``, ``draft3``, ANDed into
   the match as postgres' filter lexemes are). A one-token clause matches ``seq`` or ``alt``, a longer
   one is an FTS5 phrase on ``seq`` (a lone CJK character in it as a prefix token, ``"2027" + "年"*``),
   clauses with AND; the loose fallback when nothing matches (all but one of the tokens first, when
   analysis.loose_min_match exists, then any), bm25 order, and the same ``snippet()`` as the backends
   for each hit of the page: the same work as a backend's ``search()``, on another engine. ``fts5``
   ranks and counts every match; when the backends rank only their first ``CANDIDATES`` matches and
   estimate the total above that (both modules define the same ``CANDIDATES``), ``fts5-cap`` does the
   same on the same FTS5 table (first N matches in rowid order, total scaled by the rowids scanned).
   Totals are compared with fts5's exact ones to show every engine answers the same queries.
3. Runs Q queries (the quality set's queries, stratified by kind, plus generated words, two-character
   terms, quoted phrases, two-term and mixed queries; ``public_only=True``, ``per_page=20``; every second
   one filtered by draft): one warm-up round, then ``--repeat`` rounds, the engines interleaved query by
   query so a noisy neighbour hits all of them alike. p50/p95 over every timed run.

Prints the table (index seconds, docs/s, p50, p95, p95 as a ratio to FTS5), the targets of issue 6
(whoosh p95 <= 50 ms, postgres p95 <= 30 ms) and the load average at start and end (the machine is
shared). When a target is not met, prints the slowest queries of that engine and a cProfile of one
pass over the queries (for postgres also EXPLAIN ANALYZE of its slowest statement). Exit 0 only if
both targets are met.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import itertools
import json
import math
import os
import pstats
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from consult.search.analysis import ParsedQuery, analyze, is_cjk, parse_query  # noqa: E402
from consult.search.base import Doc, Hit, Query, Results  # noqa: E402
from consult.search.snippets import snippet  # noqa: E402

QUALITY = ROOT / "tests" / "search" / "quality"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DB = "search_bench"
TARGETS = {"whoosh": 50.0, "postgres": 30.0}  # p95 ms, issue 6
PER_PAGE = 20

DRAFTS = [  # the quality set's drafts; the first is the popular one
    "chengshi-shufang-tiaoli",
    "yangchen-wuran-fangzhi-tiaoli",
    "gongyuan-guanli-tiaoli",
    "nongmao-shichang-guanli-tiaoli",
    "dayunhe-wenhua-yichan-baohu-tiaoli",
    "hedao-guanli-tiaoli",
]
DRAFT_WEIGHTS = [35, 20, 15, 12, 10, 8]
STATUSES = [("published", 70), ("pending", 15), ("rejected", 10), ("spam", 5)]
CHANNELS = ["web", "web", "web", "wechat", "contact_point", "letter"]

# Legislative vocabulary beyond the quality set (also the source of generated queries).
WORDS = """
执法检查 行政处罚 信息公开 听证会 法律责任 主管部门 街道办事处
社区居委会 物业服务企业 专项资金 财政补贴 信用记录 投诉举报 应急预案
监督管理 第三方评估 公众参与 基层立法联系点 综合执法 生态环境 城市管理
文化旅游 市场监管 住房城乡建设 志愿服务 社会力量 考核评价 联合惩戒
网格化管理 便民服务 公共设施 安全隐患 环境卫生 垃圾分类 油烟排放
施工工地 夜间施工 运输车辆 防尘网 在线监测
""".split()  # noqa: SIM905
TWO_CHAR = "听证 补贴 公示 备案 执法 垃圾 油烟 摊位 噪音 绿化 预约 监测".split()  # noqa: SIM905
PLACES_A = "东西南北新老城河湖山桥园江海文华兴安宁和平康乐春秋"
PLACES_B = "关门桥湾塘坊街巷里村庄苑府台岭坝渡口"
PLACE_KIND = ["街道", "社区", "小区", "路", "公园", "市场", "书房"]
CN_NUM = "一二三四五六七八九十"
OPENERS = ["建议", "希望", "我认为", "代表建议：", "联系点意见：", "【座谈会】", "", "", "", ""]
SEPARATORS = "，，，。。；！？"


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals, as article numbers are written (第二十三条)."""
    if n <= 10:
        return CN_NUM[n - 1]
    tens, units = divmod(n, 10)
    head = "十" if tens == 1 else CN_NUM[tens - 1] + "十"
    return head + (CN_NUM[units - 1] if units else "")


# -- the corpus --------------------------------------------------------------------------------


def quality_set() -> tuple[list[dict], list[dict]]:
    comments = json.loads((QUALITY / "comments.json").read_text(encoding="utf-8"))
    queries = json.loads((QUALITY / "queries.json").read_text(encoding="utf-8"))
    return comments, queries


def clauses_by_draft(comments: list[dict]) -> dict[str, list[str]]:
    """Each quality comment cut at sentence and clause punctuation: the building blocks per draft."""
    out: dict[str, list[str]] = {slug: [] for slug in DRAFTS}
    for comment in comments:
        piece = []
        for ch in comment["body"]:
            if ch in "。，；！？,;!?\n":
                if len("".join(piece).strip()) >= 2:
                    out[comment["draft"]].append("".join(piece).strip())
                piece = []
            else:
                piece.append(ch)
        if len("".join(piece).strip()) >= 2:
            out[comment["draft"]].append("".join(piece).strip())
    return out


def place(rng: random.Random) -> str:
    return rng.choice(PLACES_A) + rng.choice(PLACES_B) + rng.choice(PLACE_KIND)


def mixed_clause(rng: random.Random) -> str:
    """A clause with numbers and Latin letters, as citizens and experts write them."""
    kind = rng.randrange(12)
    if kind == 0:
        return f"第{cn_number(rng.randint(1, 40))}条规定的{rng.choice(WORDS)}太原则"
    if kind == 1:
        return f"第{rng.randint(1, 40)}条{rng.choice(['应当细化', '建议删除', '与上位法不一致'])}"
    if kind == 2:
        return f"PM2.5浓度超过{rng.randint(35, 150)}微克每立方米时应当停工"
    if kind == 3:
        return f"PM10和PM2.5要在{place(rng)}设监测点"
    if kind == 4:
        return f"建议{rng.randint(2025, 2030)}年{rng.randint(1, 12)}月起施行"
    if kind == 5:
        low = rng.choice([200, 500, 1000, 2000, 5000])
        return f"处{low}元以上{low * 10}元以下罚款"
    if kind == 6:
        return f"每周开放不少于{rng.choice([56, 60, 70, 84])}小时，{place(rng)}可以24小时开放"
    if kind == 7:
        return f"围挡高度不低于{rng.choice(['1.8', '2.5', '3'])}米"
    if kind == 8:
        return f"拨打{rng.choice(['12345', '12315', '12369'])}热线没人处理"
    if kind == 9:
        return f"通过{rng.choice(['APP', '微信小程序', '公众号'])}预约，{place(rng)}的Wi-Fi经常断"
    if kind == 10:
        return f"{place(rng)}有{rng.randint(3, 300)}个座位"
    return f"{rng.randint(2024, 2027)}-{rng.randint(2028, 2035)}年规划里{rng.choice(WORDS)}要落实"


def comment_text(rng: random.Random, pool: list[str], length: int) -> str:
    parts = [rng.choice(OPENERS)]
    size = len(parts[0])
    while size < length:
        roll = rng.random()
        if roll < 0.62:
            clause = rng.choice(pool)
        elif roll < 0.80:
            clause = mixed_clause(rng)
        elif roll < 0.92:
            clause = f"{rng.choice(['关于', '对于', '希望加强', '要明确'])}{rng.choice(WORDS)}"
        else:
            clause = (
                f"{place(rng)}的{rng.choice(TWO_CHAR)}问题{rng.choice(['很突出', '反映多次了', '没人管'])}"
            )
        sep = rng.choice(SEPARATORS)
        parts.append(clause + sep)
        size += len(clause) + 1
    return "".join(parts)[:length]


def comment_length(rng: random.Random) -> int:
    """Mostly short (median ~45 characters), 15% long opinions; always 10–400."""
    if rng.random() < 0.15:
        return rng.randint(150, 400)
    return max(10, min(400, int(rng.lognormvariate(math.log(45), 0.6))))


def generate_docs(n: int, seed: int, pools: dict[str, list[str]]) -> list[Doc]:
    rng = random.Random(seed)
    statuses, status_weights = zip(*STATUSES, strict=True)
    start = datetime(2026, 3, 1, 8, 0)
    docs = []
    for i in range(1, n + 1):
        draft = rng.choices(range(len(DRAFTS)), DRAFT_WEIGHTS)[0]
        status = rng.choices(statuses, status_weights)[0]
        docs.append(
            Doc(
                kind="comment",
                id=i,
                draft_id=draft + 1,
                text=comment_text(rng, pools[DRAFTS[draft]], comment_length(rng)),
                public=status == "published",
                article_id=(draft + 1) * 1000 + rng.randint(1, 40) if rng.random() < 0.85 else None,
                status=status,
                channel=rng.choice(CHANNELS),
                contact_point_id=rng.randint(1, 12) if rng.random() < 0.2 else None,
                submitted_at=start + timedelta(seconds=i * 37),
            )
        )
    return docs


@dataclass(frozen=True)
class BenchQuery:
    text: str
    kind: str
    draft_id: int | None

    def query(self) -> Query:
        return Query(text=self.text, public_only=True, draft_id=self.draft_id, per_page=PER_PAGE)


def make_queries(n: int, seed: int, quality: list[dict], comments: list[dict]) -> list[BenchQuery]:
    """About 60% from the quality set (stratified by kind), the rest generated; every second filtered."""
    rng = random.Random(seed + 1)
    draft_of = {c["id"]: DRAFTS.index(c["draft"]) + 1 for c in comments}
    by_kind: dict[str, list[dict]] = {}
    for q in quality:
        by_kind.setdefault(q["kind"], []).append(q)
    for group in by_kind.values():
        rng.shuffle(group)
    picked: list[tuple[str, str, int]] = []
    want = min(len(quality), round(n * 0.6))
    while len(picked) < want:
        for group in by_kind.values():
            if group and len(picked) < want:
                q = group.pop()
                picked.append((q["q"], q["kind"], draft_of[q["relevant"][0]]))
    generators: list[Callable[[], tuple[str, str]]] = [
        lambda: (rng.choice(WORDS), "gen-word"),
        lambda: (rng.choice(TWO_CHAR), "gen-two_char"),
        lambda: (f'"{rng.choice(WORDS)}"', "gen-phrase"),
        lambda: (f"{rng.choice(WORDS)} {rng.choice(TWO_CHAR)}", "gen-two_terms"),
        lambda: (
            rng.choice(
                [
                    f"第{cn_number(rng.randint(1, 40))}条",
                    f"{rng.randint(2025, 2030)}年",
                    f"{rng.choice([200, 500, 1000])}元",
                    "PM2.5 浓度",
                    "12345热线",
                    "APP 预约",
                    f"{rng.choice(PLACES_A)}{rng.choice(PLACES_B)}街道",
                ]
            ),
            "gen-mixed",
        ),
    ]
    i = 0
    while len(picked) < n:
        q, kind = generators[i % len(generators)]()
        picked.append((q, kind, rng.randint(1, len(DRAFTS))))
        i += 1
    return [BenchQuery(q, kind, draft if j % 2 else None) for j, (q, kind, draft) in enumerate(picked)]


# -- the FTS5 reference ------------------------------------------------------------------------


def fts_columns(text_: str) -> tuple[str, str]:
    """``seq``: one token per analysis position (as a query writes it); ``alt``: the rest."""
    by_pos: dict[int, list[str]] = {}
    for token in analyze(text_):
        by_pos.setdefault(token.pos, []).append(token.text)
    seq, alt = [], []
    for pos in sorted(by_pos):
        terms = by_pos[pos]
        first = terms[0]
        if is_cjk(first[0]):
            primary = next((t for t in terms if len(t) == 2), first)
        else:
            joined = first.replace("-", "").replace("_", "")
            primary = joined if joined in terms else first
        seq.append(primary)
        alt.extend(t for t in terms if t != primary)
    return " ".join(seq), " ".join(alt)


def _fts_term(token: str, *, prefix: bool = False) -> str:
    return f'"{token}"' + ("*" if prefix else "")


def _min_match(parsed: ParsedQuery) -> int:
    """The backends' first loose pass (all but one of the loose tokens), when analysis defines it."""
    from consult.search import analysis

    rule = getattr(analysis, "loose_min_match", None)
    return rule(parsed) if rule else 1


def fts_match(parsed: ParsedQuery, *, loose: bool = False, min_match: int = 1) -> str:
    """The FTS5 query for the text: clauses with AND, or the loose tokens (at least ``min_match``)."""
    if loose:
        if min_match > 1:
            groups = itertools.combinations(parsed.loose, min_match)
            return " OR ".join("(" + " AND ".join(map(_fts_term, g)) + ")" for g in groups)
        return " OR ".join(_fts_term(t) for t in parsed.loose)
    clauses = []
    for clause in parsed.clauses:
        if len(clause.tokens) == 1:
            clauses.append("{seq alt} : " + _fts_term(clause.tokens[0]))
            continue
        phrase = " + ".join(_fts_term(t, prefix=len(t) == 1 and is_cjk(t)) for t in clause.tokens)
        clauses.append(f"seq : ({phrase})")
    return " AND ".join(clauses)


def fts_filter(query: Query) -> str:
    """Filters as tokens of the ``f`` column, ANDed into the match (as postgres' filter lexemes)."""
    terms = []
    if query.public_only:
        terms.append('f : "public"')
    if query.draft_id is not None:
        terms.append(f'f : "draft{int(query.draft_id)}"')
    return " AND ".join(terms)


def estimate(seen: int, last_rowid: int, max_rowid: int) -> int:
    """The backends' estimate above the cap: matches seen, scaled by the share scanned, 2 digits."""
    guess = seen * max_rowid / max(last_rowid, 1)
    step = 10 ** max(len(str(int(guess))) - 2, 0)
    return max(seen, int(round(guess / step) * step))


class Fts5Reference:
    """An SQLite FTS5 table with the analysis of our backends, searched the way they search.

    ``cap`` None: every match is ranked (bm25) and counted. ``cap`` N: as the backends' capped
    candidates, only the first N matches in rowid order are ranked and the total is estimated above.
    """

    def __init__(self, path: str, cap: int | None = None):
        self.conn = sqlite3.connect(path)
        self.cap = cap
        self.max_rowid = 0

    def with_cap(self, cap: int | None) -> Fts5Reference:
        other = Fts5Reference.__new__(Fts5Reference)
        other.conn, other.cap, other.max_rowid = self.conn, cap, self.max_rowid
        return other

    def rebuild(self, docs: list[Doc]) -> int:
        conn = self.conn
        conn.execute(
            "CREATE TABLE doc (rowid INTEGER PRIMARY KEY, kind TEXT, id INTEGER, draft_id INTEGER, text TEXT)"
        )
        conn.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(seq, alt, f, content='',"
            " tokenize=\"ascii tokenchars '.-_'\")"
        )
        with conn:
            for start in range(0, len(docs), 1000):
                chunk = list(enumerate(docs[start : start + 1000], start + 1))
                conn.executemany(
                    "INSERT INTO doc VALUES (?, ?, ?, ?, ?)",
                    [(i, d.kind, d.id, d.draft_id, d.text) for i, d in chunk],
                )
                conn.executemany(
                    "INSERT INTO fts (rowid, seq, alt, f) VALUES (?, ?, ?, ?)",
                    [
                        (i, *fts_columns(d.text), ("public " if d.public else "") + f"draft{d.draft_id}")
                        for i, d in chunk
                    ],
                )
        conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        conn.commit()
        self.max_rowid = len(docs)
        return len(docs)

    def search(self, query: Query) -> Results:
        parsed = parse_query(query.text)
        if parsed.empty:
            return Results()
        results = self._search(query, fts_match(parsed), parsed)
        least = _min_match(parsed)
        if not results.total and parsed.loose and least > 1:
            results = self._search(query, fts_match(parsed, loose=True, min_match=least), parsed)
        if not results.total and parsed.loose:
            results = self._search(query, fts_match(parsed, loose=True), parsed)
        return results

    def _search(self, query: Query, match: str, parsed: ParsedQuery) -> Results:
        filters = fts_filter(query)
        if filters:
            match = f"({match}) AND {filters}"
        offset = (query.page - 1) * query.per_page
        cap = -1 if self.cap is None else max(self.cap, offset + query.per_page)
        # bm25() only works in a query on the fts table alone: match (and cap) and rank there first.
        rows = self.conn.execute(
            """WITH m AS MATERIALIZED (SELECT rowid, bm25(fts) AS score FROM fts WHERE fts MATCH ? LIMIT ?)
               SELECT rowid, score, (SELECT count(*) FROM m), (SELECT max(rowid) FROM m)
               FROM m ORDER BY score, rowid LIMIT ? OFFSET ?""",
            (match, cap, query.per_page, offset),
        ).fetchall()
        if not rows:
            return Results()
        seen, last = rows[0][2], rows[0][3]
        total = estimate(seen, last, self.max_rowid) if cap != -1 and seen >= cap else seen
        placeholders = ",".join("?" * len(rows))
        found = {
            r[0]: r[1:]
            for r in self.conn.execute(
                f"SELECT rowid, kind, id, draft_id, text FROM doc WHERE rowid IN ({placeholders})",
                [r[0] for r in rows],
            )
        }
        hits = []
        for rowid, score, _, _ in rows:
            kind, id_, draft_id, text_ = found[rowid]
            hits.append(Hit(kind, id_, draft_id, score=-score, snippet=snippet(text_, parsed)))
        return Results(hits=hits, total=total)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# -- postgres database of our own --------------------------------------------------------------


def admin_engine(url: str):
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


def create_bench_database(url: str) -> str:
    admin = admin_engine(url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB}"))
            conn.execute(text(f"CREATE DATABASE {BENCH_DB}"))
    finally:
        admin.dispose()
    return make_url(url).set(database=BENCH_DB).render_as_string(hide_password=False)


def drop_bench_database(url: str) -> None:
    admin = admin_engine(url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
    finally:
        admin.dispose()


# -- measuring ---------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def folder_mib(path: str) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 2**20


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@dataclass
class Engine:
    name: str
    backend: object
    index_seconds: float = 0.0
    size_mib: float = 0.0

    def search(self, query: Query) -> Results:
        return self.backend.search(query)


def run_queries(
    engines: list[Engine], queries: list[BenchQuery], repeat: int
) -> tuple[dict[str, list[list[float]]], dict[str, list[int]]]:
    """One warm-up round, then ``repeat`` timed rounds, engines interleaved per query."""
    times = {e.name: [[] for _ in queries] for e in engines}
    totals = {e.name: [0] * len(queries) for e in engines}
    for round_ in range(repeat + 1):
        for qi, bq in enumerate(queries):
            query = bq.query()
            for engine in engines if round_ % 2 else reversed(engines):
                started = time.perf_counter()
                results = engine.search(query)
                elapsed = (time.perf_counter() - started) * 1000
                if round_ == 0:
                    totals[engine.name][qi] = results.total
                else:
                    times[engine.name][qi].append(elapsed)
    return times, totals


def profile_engine(engine: Engine, queries: list[BenchQuery], times: list[list[float]], pg_engine) -> None:
    """Where a slow engine spends its time: slowest queries, a cProfile pass, EXPLAIN ANALYZE (postgres)."""
    medians = [sorted(t)[len(t) // 2] for t in times]
    slowest = sorted(range(len(queries)), key=lambda i: -medians[i])[:6]
    print(f"\n--- {engine.name}: slowest queries (median of the timed runs) ---")
    for i in slowest:
        bq = queries[i]
        total = engine.search(bq.query()).total
        print(f"  {medians[i]:7.1f} ms  {bq.kind:13} draft={bq.draft_id!s:4} hits={total:6}  {bq.text}")
    profiler = cProfile.Profile()
    profiler.enable()
    for bq in queries:
        engine.search(bq.query())
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(14)
    stats.sort_stats("cumulative").print_stats(18)
    print(f"\n--- {engine.name}: cProfile of one pass over the {len(queries)} queries ---")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])
    if pg_engine is None:
        return
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(pg_engine, "before_cursor_execute", capture)
    try:
        engine.search(queries[slowest[0]].query())
    finally:
        event.remove(pg_engine, "before_cursor_execute", capture)
    statement, parameters = max(captured, key=lambda sp: len(sp[0]))
    with pg_engine.connect() as conn:
        for setting, values in captured:  # the backend's SET LOCAL …, in the same transaction
            if setting.lstrip().upper().startswith("SET "):
                conn.exec_driver_sql(setting, values or None)
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
    print(f"\n--- postgres: EXPLAIN (ANALYZE, BUFFERS) of the slowest query {queries[slowest[0]].text!r} ---")
    print(" ".join(statement.split()))
    print(parameters)
    for (line,) in plan:
        print("  " + line)


def timed(label: str, work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s", flush=True)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query (after one warm-up)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help=f"a PostgreSQL server to create {BENCH_DB} on"
    )
    args = parser.parse_args()

    print(f"load average at start: {load_average()} ({os.cpu_count()} CPUs)")
    print(f"sqlite {sqlite3.sqlite_version}; python {sys.version.split()[0]}", flush=True)
    comments, quality = quality_set()
    started = time.perf_counter()
    docs = generate_docs(args.docs, args.seed, clauses_by_draft(comments))
    queries = make_queries(args.queries, args.seed, quality, comments)
    lengths = sorted(len(d.text) for d in docs)
    print(
        f"{len(docs)} comments generated in {time.perf_counter() - started:.1f} s: length "
        f"{lengths[0]}–{lengths[-1]} characters, median {lengths[len(lengths) // 2]}, "
        f"mean {sum(lengths) / len(lengths):.0f}; {sum(d.public for d in docs)} public; "
        f"{len(queries)} queries ({sum(q.draft_id is not None for q in queries)} with a draft filter)",
        flush=True,
    )

    from consult.search import postgres_backend, whoosh_backend
    from consult.search.postgres_backend import PostgresBackend
    from consult.search.whoosh_backend import WhooshBackend

    sources = sorted((ROOT / "consult" / "search").glob("*.py"))
    digest = hashlib.sha1(b"".join(f.read_bytes() for f in sources)).hexdigest()[:12]
    newest = datetime.fromtimestamp(max(f.stat().st_mtime for f in sources)).strftime("%Y-%m-%d %H:%M:%S")
    print(f"code measured: consult/search/*.py sha1 {digest} (newest file {newest}, as imported)")
    caps = {getattr(postgres_backend, "CANDIDATES", None), getattr(whoosh_backend, "CANDIDATES", None)}
    cap = caps.pop() if len(caps) == 1 else None
    if cap:
        print(
            f"the backends rank at most {cap} candidates per query (total estimated above): "
            f"fts5 ranks and counts every match, fts5-cap ranks the first {cap} as they do"
        )
    tmp = tempfile.mkdtemp(prefix="search-bench-")
    pg_url = create_bench_database(args.database_url)
    pg_engine = create_engine(pg_url, connect_args={"connect_timeout": 5})
    engines: list[Engine] = []
    try:
        fts = Engine("fts5", Fts5Reference(os.path.join(tmp, "fts5.sqlite")))
        engines.append(fts)
        fts.index_seconds = timed(
            "fts5 index (analysis + insert + optimize)", lambda: fts.backend.rebuild(docs)
        )
        fts.size_mib = os.path.getsize(os.path.join(tmp, "fts5.sqlite")) / 2**20
        if cap:
            engines.append(Engine("fts5-cap", fts.backend.with_cap(cap), fts.index_seconds, fts.size_mib))
        whoosh = Engine("whoosh", WhooshBackend(os.path.join(tmp, "whoosh"), lock_timeout=60))
        engines.append(whoosh)
        whoosh.index_seconds = timed("whoosh rebuild()", lambda: whoosh.backend.rebuild(docs))
        whoosh.size_mib = folder_mib(os.path.join(tmp, "whoosh"))
        postgres = Engine("postgres", PostgresBackend(pg_engine, lock_timeout=60))
        engines.append(postgres)
        postgres.index_seconds = timed("postgres rebuild()", lambda: postgres.backend.rebuild(docs))
        with pg_engine.begin() as conn:
            conn.execute(text("ANALYZE search_doc"))
            postgres.size_mib = (
                conn.execute(text("SELECT pg_total_relation_size('search_doc')")).scalar() / 2**20
            )

        print(f"running {len(queries)} queries x (1 warm-up + {args.repeat}) on each engine …", flush=True)
        times, totals = run_queries(engines, queries, args.repeat)

        exact = totals["fts5"]
        print(
            f"\ntotal hits per query (fts5, exact): median {sorted(exact)[len(exact) // 2]}, "
            f"max {max(exact)}; equal to it / within 15% of it:"
        )
        for e in engines[1:]:
            equal = sum(a == b for a, b in zip(totals[e.name], exact, strict=True))
            near = sum(abs(a - b) <= 0.15 * b for a, b in zip(totals[e.name], exact, strict=True))
            print(f"  {e.name}: {equal}/{len(queries)} / {near}/{len(queries)}")
        for qi, bq in enumerate(queries):
            if any(abs(totals[e.name][qi] - exact[qi]) > 0.15 * exact[qi] for e in engines):
                found = ", ".join(f"{e.name} {totals[e.name][qi]}" for e in engines)
                print(f"  differs by more than 15%: {bq.text!r} (draft {bq.draft_id}): {found}")

        text_of = {d.id: d.text for d in docs}
        floor = []
        for bq in queries:
            parsed, hits = parse_query(bq.text), fts.search(bq.query()).hits
            runs = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                for hit in hits:
                    snippet(text_of[hit.id], parsed)
                runs.append((time.perf_counter() - started) * 1000)
            floor.extend(runs)
        print(
            f"snippet() of one page of hits (Python, the same work in every engine): "
            f"p50 {percentile(floor, 50):.2f} ms, p95 {percentile(floor, 95):.2f} ms"
        )

        flat = {name: [t for runs in per_query for t in runs] for name, per_query in times.items()}
        fts_p95 = percentile(flat["fts5"], 95)
        cap_p95 = percentile(flat["fts5-cap"], 95) if cap else None
        print(
            f"\n{len(docs)} documents, {len(queries)} queries x {args.repeat} timed runs, public_only, "
            f"per_page={PER_PAGE}, half with a draft filter\n"
        )
        columns = (
            ("index s", 8),
            ("docs/s", 8),
            ("size MiB", 9),
            ("p50 ms", 7),
            ("p95 ms", 7),
            ("p95/FTS5", 9),
            *((("p95/FTS5-cap", 13),) if cap else ()),
        )
        header = f"{'engine':9}" + "".join(f" {name:>{width}}" for name, width in columns)
        print(header)
        print("-" * len(header))
        p95 = {}
        for e in engines:
            p50, p95[e.name] = percentile(flat[e.name], 50), percentile(flat[e.name], 95)
            print(
                f"{e.name:9} {e.index_seconds:8.1f} {len(docs) / e.index_seconds:8.0f} {e.size_mib:9.1f} "
                f"{p50:7.2f} {p95[e.name]:7.2f} {p95[e.name] / fts_p95:8.1f}x"
                + (f" {p95[e.name] / cap_p95:12.1f}x" if cap else "")
            )
        robust = ", ".join(
            f"{e.name} {percentile([percentile(runs, 50) for runs in times[e.name]], 95):.2f}"
            for e in engines
        )
        print(f"(p95 over the per-query medians, less sensitive to a noisy machine: {robust} ms)")
        print()
        met = {}
        for name, target in TARGETS.items():
            met[name] = p95[name] <= target
            verdict = "met" if met[name] else "NOT MET"
            print(f"target {name} p95 <= {target:.0f} ms: {p95[name]:.1f} ms -> {verdict}")
        print(f"load average at end: {load_average()}")

        for name, ok in met.items():
            if not ok:
                engine = next(e for e in engines if e.name == name)
                profile_engine(engine, queries, times[name], pg_engine if name == "postgres" else None)
        return 0 if all(met.values()) else 1
    finally:
        for e in reversed(engines):
            e.backend.close()
        pg_engine.dispose()
        drop_bench_database(args.database_url)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
