"""Search at 100k contents (not a test): query latencies against a plain ILIKE baseline.

Starts its own embedded PostgreSQL in a temporary directory, migrates, and fills the
catalog with N contents generated from the real archive listing's vocabulary: every item is
one of the listing's generated titles with one to three words swapped for other words of the
listing, a third of them with curated hands naming players, a Zipf-like share with views.
The search index is then built by the block's own rebuild. Then, query by query, in one
process on one connection at a time (latency, not throughput):

- the search as GET /api/search runs it without the L1 cache: plan (lexicon), rank, read
  the hits from the catalog, highlight — for exact words, one- and two-edit typos, prefixes
  being typed, several words, and a word with a filter;
- one index update: a content's title edited, then re-indexed as a content event does it;
- the baseline, in the same run: `title ILIKE '%word%'` (AND for several words) over the
  same rows, first page and total.

Run: .venv/bin/python benchmarks/search_bench.py [--contents 100000] [--queries 300]
     [--rounds 3]  (each kind measured once per round; the table shows the medians)
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

import asyncpg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from control.blocks.content.event_types import event_type  # noqa: E402
from control.blocks.search.backend import Filters  # noqa: E402
from control.blocks.search.indexer import Indexer  # noqa: E402
from control.blocks.search.pg_index import PostgresIndex  # noqa: E402
from control.blocks.search.pg_search import PostgresSearch  # noqa: E402
from control.blocks.search.rebuild import rebuild  # noqa: E402
from control.blocks.search.service import SearchService  # noqa: E402
from control.blocks.search.text import tokenize, typo_budget, words  # noqa: E402
from control.blocks.title_generator import ParserTitleGenerator  # noqa: E402
from control.db.migrate import migrate  # noqa: E402
from control.db.pool import Connection  # noqa: E402
from deploy.embedded import EmbeddedPostgres  # noqa: E402
from shared.token import KeyRing  # noqa: E402
from tests.support import free_port  # noqa: E402

LISTING = REPO / "tests" / "control" / "blocks" / "title_generator" / "nas_files.json.gz"
VIDEO = (".mp4", ".mov", ".mxf", ".mkv", ".avi")
T0 = datetime(2015, 1, 1, tzinfo=UTC)


# the catalog ---------------------------------------------------------------------------------


def listing_titles() -> list[dict[str, Any]]:
    """The title generator's answer for every video of the real listing."""
    files = json.loads(gzip.decompress(LISTING.read_bytes()))["files"]
    generate = ParserTitleGenerator().generate
    found = []
    for entry in files:
        path = PurePosixPath(entry["path"])
        if entry["is_hidden"] or any(p.startswith(".") for p in path.parts):
            continue
        if path.suffix.lower() in VIDEO:
            found.append(generate(path.name, entry["path"].removeprefix("GGPNAs/")))
    return found


def vocabulary(titles: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(every word of the listing's titles as written, the capitalised names among them)."""
    spelled = sorted(
        {
            t["display_title"][token.start : token.end]
            for t in titles
            for token in tokenize(t["display_title"])
        }
    )
    names = [w for w in spelled if w[:1].isupper() and w[1:].islower() and len(w) >= 4]
    return spelled, names


def generate_rows(
    count: int, rng: random.Random
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    titles = listing_titles()
    spelled, names = vocabulary(titles)
    contents, hands = [], []
    for content_id in range(1, count + 1):
        base = rng.choice(titles)
        title = base["display_title"].split(" ")
        for _ in range(rng.randint(1, 3)):
            title[rng.randrange(len(title))] = rng.choice(spelled)
        metadata = dict(base["metadata"])
        year = metadata.get("year") or rng.choice([2019, 2021, 2023, 2024, 2025])
        contents.append(
            (
                " ".join(title),
                base["short_title"],
                f"gen/{content_id}.mp4",
                metadata.get("series"),
                event_type(metadata),
                year,
                json.dumps(metadata),
                T0 + timedelta(minutes=content_id),
            )
        )
        if rng.random() < 0.3:
            for index in range(rng.randint(1, 3)):
                players = rng.sample(names, 2)
                hands.append((content_id, index, f"{players[0]} vs {players[1]}", players))
    return contents, hands


async def fill(conn: Connection, count: int, rng: random.Random) -> None:
    contents, hands = generate_rows(count, rng)
    await conn.copy_records_to_table(
        "contents",
        records=contents,
        columns=[
            "title",
            "short_title",
            "file_path",
            "brand",
            "event_type",
            "year",
            "metadata",
            "created_at",
        ],
    )
    await conn.copy_records_to_table(
        "best_hands",
        records=[(c, i, 10.0 * i, 10.0 * i + 5, t, p) for c, i, t, p in hands],
        columns=["content_id", "hand_index", "start_seconds", "end_seconds", "title", "players"],
    )


# queries -------------------------------------------------------------------------------------


def misspell(word: str, rng: random.Random, edits: int) -> str:
    for _ in range(edits):
        i = rng.randrange(1, len(word) - 1)
        kind = rng.choice(["swap", "delete", "replace", "insert"])
        letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
        if kind == "swap":
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif kind == "delete":
            word = word[:i] + word[i + 1 :]
        elif kind == "replace":
            word = word[:i] + letter + word[i + 1 :]
        else:
            word = word[:i] + letter + word[i:]
    return word


async def query_sets(
    conn: Connection, count: int, rng: random.Random
) -> dict[str, list[tuple[str, Filters]]]:
    """Queries as viewers type them, from the generated titles (common words come up as often
    as they are common)."""
    rows = await conn.fetch(
        "SELECT title, year FROM contents ORDER BY random() LIMIT $1", count * 3
    )
    lexicon = {r["word"] for r in await conn.fetch("SELECT word FROM search_lexicon")}
    title_words = [(w, r["year"]) for r in rows for w in words(r["title"]) if w.isalpha()]
    sets: dict[str, list[tuple[str, Filters]]] = {k: [] for k in QUERY_KINDS}
    for row in rows:
        found = [w for w in words(row["title"]) if w.isalpha()]
        if len(found) >= 3 and len(sets["several words"]) < count:
            start = rng.randrange(len(found) - 2)
            sets["several words"].append(
                (" ".join(found[start : start + rng.randint(2, 3)]) + " ", Filters())
            )
    for word, year in title_words:
        if len(sets["exact word"]) < count:
            sets["exact word"].append((word + " ", Filters()))
        if len(sets["filtered"]) < count and rng.random() < 0.5:
            sets["filtered"].append((word + " ", Filters(year=year)))
        if len(sets["prefix"]) < count and len(word) >= 2:
            sets["prefix"].append((word[: rng.randint(1, min(4, len(word)))], Filters()))
        budget = typo_budget(word)
        if budget and len(sets["typo"]) < count:
            typo = misspell(word, rng, rng.randint(1, budget))
            if typo not in lexicon:
                sets["typo"].append((typo + " ", Filters()))
    return sets


QUERY_KINDS = ("exact word", "typo", "prefix", "several words", "filtered")


async def baseline(conn: Connection, q: str, filters: Filters) -> None:
    """The plain way: every word as a substring of the title, first page and total."""
    patterns = [f"%{w}%" for w in q.split()]
    await conn.fetch(
        """SELECT id, count(*) OVER () FROM contents
           WHERE title ILIKE ALL($1::text[]) AND ($2::int IS NULL OR year = $2)
           ORDER BY created_at DESC LIMIT 20""",
        patterns,
        filters.year,
    )


async def timed(calls: Sequence[Callable[[], Awaitable[Any]]]) -> list[float]:
    found = []
    for call in calls:
        started = time.perf_counter()
        await call()
        found.append((time.perf_counter() - started) * 1000)
    return found


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


class _NoCache:
    async def get_or_compute(self, key: str, ttl: int, compute: Any) -> Any:
        return await compute()


class _NoGeneration:
    async def current(self) -> None:
        return None


async def run(contents: int, queries: int, seed: int, rounds: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as data:
        postgres = EmbeddedPostgres(Path(data), free_port())
        url = postgres.start()
        try:
            await migrate(url)
            pool = await asyncpg.create_pool(url, min_size=2, max_size=2)
            async with pool.acquire() as conn:
                started = time.perf_counter()
                await fill(conn, contents, rng)
                print(f"catalog: {contents:,} contents in {time.perf_counter() - started:.0f} s")

            async def nothing() -> None:
                return None

            started = time.perf_counter()
            report = await rebuild(pool, None, nothing)
            built = time.perf_counter() - started
            print(f"index: {report.indexed:,} documents built in {built:.0f} s")
            views = {
                i: int(rng.paretovariate(1.2))
                for i in rng.sample(range(1, contents), contents // 4)
            }
            await PostgresIndex(pool).set_popularity(views)
            async with pool.acquire() as conn:
                for table in ("contents", "search_documents", "search_lexicon", "search_deletions"):
                    await conn.execute(f"VACUUM ANALYZE {table}")
                sets = await query_sets(conn, queries, rng)
            service = SearchService(
                pool,
                _NoCache(),  # type: ignore[arg-type]
                _NoGeneration(),  # type: ignore[arg-type]
                PostgresSearch(pool),
                None,
                KeyRing.parse("b1:" + "k" * 43),
                "http://edge",
            )
            await report_table(pool, service, sets, contents, rng, rounds)
            await pool.close()
        finally:
            postgres.stop()


async def measure_round(
    pool: asyncpg.Pool,
    service: SearchService,
    sets: dict[str, list[tuple[str, Filters]]],
    contents: int,
    rng: random.Random,
) -> dict[str, tuple[list[float], list[float]]]:
    """{kind: (our latencies, the baseline's)} for one round of every kind."""
    found = {}
    async with pool.acquire() as conn:
        for kind in QUERY_KINDS:
            chosen = sets[kind]
            calls = [partial(service.search, q, f, 20, 0) for q, f in chosen]
            await timed(calls[:30])  # warm: prepared statements, caches
            ours = await timed(calls)
            base = await timed([partial(baseline, conn, q, f) for q, f in chosen])
            found[kind] = (ours, base)
        indexer = Indexer(pool, PostgresIndex(pool), None, _nothing)
        updates = []
        for content_id in rng.sample(range(1, contents), 200):
            await conn.execute(
                "UPDATE contents SET title = title || ' Negreanu Colossus' WHERE id = $1",
                content_id,
            )
            updates.append(partial(indexer.reindex, [content_id]))
        ours = await timed(updates)
        touched = [
            partial(
                conn.execute,
                "UPDATE contents SET title = title || ' x', updated_at = now() WHERE id = $1",
                i,
            )
            for i in rng.sample(range(1, contents), 200)
        ]
        found["index update"] = (ours, await timed(touched))
    return found


async def report_table(
    pool: asyncpg.Pool,
    service: SearchService,
    sets: dict[str, list[tuple[str, Filters]]],
    contents: int,
    rng: random.Random,
    rounds: int,
) -> None:
    measured = []
    for number in range(1, rounds + 1):
        measured.append(await measure_round(pool, service, sets, contents, rng))
        print(f"round {number}: load average {os.getloadavg()[0]:.2f}")
    print()
    print(
        f"{contents:,} contents; ms; median of {rounds} round(s); "
        "baseline: ILIKE '%word%' (update: the bare UPDATE)"
    )
    print("| query | n | p50 | p95 | p99 | baseline p50 | p95 | p99 | p95 vs baseline |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kind in (*QUERY_KINDS, "index update"):
        ours = [percentiles(m[kind][0]) for m in measured]
        base = [percentiles(m[kind][1]) for m in measured]
        a50, a95, a99 = (statistics.median(p[i] for p in ours) for i in range(3))
        b50, b95, b99 = (statistics.median(p[i] for p in base) for i in range(3))
        n = len(measured[0][kind][0])
        ratio = f"{b95 / a95:.1f}x faster" if kind != "index update" else f"{a95 / b95:.1f}x it"
        print(
            f"| {kind} | {n} | {a50:.2f} | {a95:.2f} | {a99:.2f} | {b50:.2f} | {b95:.2f} | "
            f"{b99:.2f} | {ratio} |"
        )


async def _nothing() -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    asyncio.run(run(args.contents, args.queries, args.seed, args.rounds))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
