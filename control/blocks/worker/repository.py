"""The jobs table (owned by the worker block): typed rows in, typed rows out.

Every transition a run makes is fenced by its `run_id`: a run that lost its claim (its
worker was presumed dead and another one took the job over) can no longer write anything.
The service owns transactions; each function here is one statement.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from control.db.pool import Connection
from control.orchestration.contracts import (
    RETRYABLE,
    UNFINISHED,
    JobProgress,
    JobRecord,
    JobStatus,
)

CRASH_LOOP = "JOB_CRASH_LOOP"
CRASH_LOOP_MESSAGE = "the job's runs kept ending with their worker (killed or crashed)"
_COLUMNS = (
    "id, type, queue, status, attempts, max_attempts, progress_done, progress_total, payload, "
    "result, error_code, error, cancel_requested, created_at, started_at, finished_at, "
    "run_after, worker"
)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def record(row: asyncpg.Record | Mapping[str, Any]) -> JobRecord:
    return JobRecord(
        id=row["id"],
        type=row["type"],
        queue=row["queue"],
        status=row["status"],
        attempts=row["attempts"],
        max_attempts=row["max_attempts"],
        progress=JobProgress(row["progress_done"], row["progress_total"]),
        payload=_json(row["payload"]),
        result=_json(row["result"]),
        error_code=row["error_code"],
        error=row["error"],
        cancel_requested=row["cancel_requested"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        run_after=row["run_after"],
        worker=row["worker"],
    )


@dataclass(frozen=True, slots=True)
class Dispatch:
    """What a stream message for a job carries: the job and its generation."""

    job_id: int
    queue: str
    generation: int


@dataclass(frozen=True, slots=True)
class Run:
    """A run a worker may perform: the job, its fencing token and the attempt number."""

    job: JobRecord
    run_id: uuid.UUID
    taken_over: bool  # a crashed run's claim was reclaimed


# enqueueing ----------------------------------------------------------------------------------


async def insert(
    conn: Connection,
    *,
    type: str,
    queue: str,
    payload: Mapping[str, Any],
    max_attempts: int,
    dedup_key: str | None,
    delay: float,
) -> JobRecord | None:
    """The new job; None when an unfinished job has the same dedup key."""
    row = await conn.fetchrow(
        f"""INSERT INTO jobs (type, queue, payload, max_attempts, dedup_key, run_after)
            VALUES ($1, $2, $3::jsonb, $4, $5, now() + make_interval(secs => $6))
            ON CONFLICT (dedup_key) WHERE status IN ('queued', 'running') DO NOTHING
            RETURNING {_COLUMNS}""",
        type,
        queue,
        json.dumps(dict(payload)),
        max_attempts,
        dedup_key,
        delay,
    )
    return None if row is None else record(row)


async def unfinished_by_key(conn: Connection, dedup_key: str) -> JobRecord | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM jobs WHERE dedup_key = $1 AND status = ANY($2::text[])",
        dedup_key,
        list(UNFINISHED),
    )
    return None if row is None else record(row)


async def dedup_key(conn: Connection, job_id: int) -> str | None:
    key: str | None = await conn.fetchval("SELECT dedup_key FROM jobs WHERE id = $1", job_id)
    return key


async def set_message(conn: Connection, job_id: int, generation: int, message_id: str) -> None:
    """Remember the stream entry that carries this generation (for the lost-message sweep)."""
    await conn.execute(
        "UPDATE jobs SET message_id = $3 WHERE id = $1 AND generation = $2",
        job_id,
        generation,
        message_id,
    )


# reading -------------------------------------------------------------------------------------


async def get(conn: Connection, job_id: int) -> JobRecord | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM jobs WHERE id = $1", job_id)
    return None if row is None else record(row)


async def page(
    conn: Connection,
    *,
    status: str | None,
    type: str | None,
    limit: int,
    offset: int,
) -> tuple[list[JobRecord], int]:
    where = "WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR type = $2)"
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM jobs {where} ORDER BY id DESC LIMIT $3 OFFSET $4",
        status,
        type,
        limit,
        offset,
    )
    total: int = await conn.fetchval(f"SELECT count(*) FROM jobs {where}", status, type)
    return [record(row) for row in rows], total


async def counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(type, status, jobs) for the metrics."""
    rows = await conn.fetch("SELECT type, status, count(*) AS n FROM jobs GROUP BY type, status")
    return [(row["type"], row["status"], row["n"]) for row in rows]


# a run's life --------------------------------------------------------------------------------


async def start(conn: Connection, dispatch: Dispatch, message_id: str, worker: str) -> Run | None:
    """Start the job this message dispatches (call it in a transaction), or take over the
    run of a worker that died holding this very message. None when the message is stale:
    another generation, a job not due yet, finished, cancelled, or running under another
    message. A takeover of a job whose crashed runs used up its attempts makes it dead
    (`Run.job.status`): a crash loop ends."""
    current = await conn.fetchrow(
        """SELECT status, generation, message_id, attempts, max_attempts,
                  run_after <= now() AS due
           FROM jobs WHERE id = $1 FOR UPDATE""",
        dispatch.job_id,
    )
    if current is None or current["generation"] != dispatch.generation or not current["due"]:
        return None
    taken_over = current["status"] == "running" and current["message_id"] == message_id
    if current["status"] != "queued" and not taken_over:
        return None
    if taken_over and current["attempts"] >= current["max_attempts"]:
        dead = await conn.fetchrow(
            f"""UPDATE jobs SET status = 'dead', error_code = $2, error = $3, run_id = NULL,
                                finished_at = now(), updated_at = now()
                WHERE id = $1 RETURNING {_COLUMNS}""",
            dispatch.job_id,
            CRASH_LOOP,
            CRASH_LOOP_MESSAGE,
        )
        assert dead is not None
        return Run(record(dead), uuid.uuid4(), taken_over=True)
    run_id = uuid.uuid4()
    row = await conn.fetchrow(
        f"""UPDATE jobs SET status = 'running', attempts = attempts + 1, run_id = $3,
                            worker = $4, message_id = $2, started_at = now(),
                            updated_at = now()
            WHERE id = $1 RETURNING {_COLUMNS}""",
        dispatch.job_id,
        message_id,
        run_id,
        worker,
    )
    assert row is not None  # locked above
    return Run(record(row), run_id, taken_over=taken_over)


async def progress(
    conn: Connection, job_id: int, run_id: uuid.UUID, done: int, total: int
) -> JobRecord | None:
    """Record progress; the job (with cancel_requested) or None when the run lost its claim."""
    row = await conn.fetchrow(
        f"""UPDATE jobs SET progress_done = $3, progress_total = $4, updated_at = now()
            WHERE id = $1 AND run_id = $2 AND status = 'running' RETURNING {_COLUMNS}""",
        job_id,
        run_id,
        done,
        total,
    )
    return None if row is None else record(row)


async def finish(
    conn: Connection,
    job_id: int,
    run_id: uuid.UUID,
    *,
    status: JobStatus,
    result: Mapping[str, Any] | None = None,
    error_code: str | None = None,
    error: str | None = None,
) -> JobRecord | None:
    """End the run with a final status; None when the run lost its claim meanwhile."""
    row = await conn.fetchrow(
        f"""UPDATE jobs SET status = $3, result = $4::jsonb, error_code = $5, error = $6,
                            finished_at = now(), updated_at = now(),
                            progress_done = CASE WHEN $3 = 'succeeded'
                                                 THEN greatest(progress_done, progress_total)
                                                 ELSE progress_done END
            WHERE id = $1 AND run_id = $2 AND status = 'running' RETURNING {_COLUMNS}""",
        job_id,
        run_id,
        status,
        None if result is None else json.dumps(dict(result), default=str),
        error_code,
        error,
    )
    return None if row is None else record(row)


async def reschedule(
    conn: Connection,
    job_id: int,
    run_id: uuid.UUID | None,
    *,
    delay: float,
    error_code: str | None,
    error: str | None,
    attempt_used: bool = True,
) -> tuple[JobRecord, Dispatch] | None:
    """Back to queued under a new generation, due after `delay` s (a retry's backoff, or an
    interrupted run given back); None when the run lost its claim meanwhile."""
    row = await conn.fetchrow(
        f"""UPDATE jobs SET status = 'queued', generation = generation + 1, message_id = NULL,
                            run_id = NULL, run_after = now() + make_interval(secs => $3),
                            error_code = $4, error = $5, updated_at = now(),
                            attempts = CASE WHEN $6 THEN attempts ELSE greatest(attempts - 1, 0)
                                       END
            WHERE id = $1 AND run_id IS NOT DISTINCT FROM $2 AND status = 'running'
            RETURNING {_COLUMNS}, generation""",
        job_id,
        run_id,
        delay,
        error_code,
        error,
        attempt_used,
    )
    if row is None:
        return None
    return record(row), Dispatch(row["id"], row["queue"], row["generation"])


async def mark_dead(
    conn: Connection, job_id: int, *, error_code: str, error: str
) -> JobRecord | None:
    """A job whose runs keep dying with their worker (a crash loop): dead, whatever runs it."""
    row = await conn.fetchrow(
        f"""UPDATE jobs SET status = 'dead', error_code = $2, error = $3, finished_at = now(),
                            run_id = NULL, updated_at = now()
            WHERE id = $1 AND status IN ('queued', 'running') RETURNING {_COLUMNS}""",
        job_id,
        error_code,
        error,
    )
    return None if row is None else record(row)


# admin ---------------------------------------------------------------------------------------


async def retry(conn: Connection, job_id: int) -> tuple[JobRecord, Dispatch] | None:
    """A failed, dead or cancelled job queued again with fresh attempts; None otherwise.
    asyncpg.UniqueViolationError when the same work is already queued or running."""
    row = await conn.fetchrow(
        f"""UPDATE jobs SET status = 'queued', attempts = 0, generation = generation + 1,
                            message_id = NULL, run_id = NULL, run_after = now(),
                            progress_done = 0, progress_total = 0, result = NULL,
                            error_code = NULL, error = NULL, cancel_requested = false,
                            started_at = NULL, finished_at = NULL, worker = NULL,
                            updated_at = now()
            WHERE id = $1 AND status = ANY($2::text[]) RETURNING {_COLUMNS}, generation""",
        job_id,
        list(RETRYABLE),
    )
    if row is None:
        return None
    return record(row), Dispatch(row["id"], row["queue"], row["generation"])


async def cancel(conn: Connection, job_id: int) -> JobRecord | None:
    """A queued job is cancelled at once; a running one is asked to stop at its next
    progress point. None when the job is finished (or does not exist)."""
    row = await conn.fetchrow(
        f"""UPDATE jobs SET cancel_requested = true, updated_at = now(),
                            status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                            finished_at = CASE WHEN status = 'queued' THEN now()
                                               ELSE finished_at END
            WHERE id = $1 AND status IN ('queued', 'running') RETURNING {_COLUMNS}""",
        job_id,
    )
    return None if row is None else record(row)


# the lost-message sweep ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unfinished:
    job_id: int
    queue: str
    status: str
    generation: int
    message_id: str | None
    updated_at: datetime


async def stale_unfinished(conn: Connection, *, older_than: float, limit: int) -> list[Unfinished]:
    """Unfinished jobs due (or last touched) more than `older_than` s ago: the candidates
    whose stream message may be missing (an enqueue interrupted before its XADD, a Redis
    that lost its data)."""
    rows = await conn.fetch(
        """SELECT id, queue, status, generation, message_id, updated_at FROM jobs
           WHERE status IN ('queued', 'running')
             AND run_after <= now() - make_interval(secs => $1)
             AND updated_at <= now() - make_interval(secs => $1)
           ORDER BY id LIMIT $2""",
        older_than,
        limit,
    )
    return [
        Unfinished(
            r["id"], r["queue"], r["status"], r["generation"], r["message_id"], r["updated_at"]
        )
        for r in rows
    ]


async def redispatch(conn: Connection, job: Unfinished) -> Dispatch | None:
    """A job whose message is gone, queued again under a new generation (a running one only
    if its row did not change since it was found)."""
    row = await conn.fetchrow(
        """UPDATE jobs SET status = 'queued', generation = generation + 1, message_id = NULL,
                           run_id = NULL, updated_at = now()
           WHERE id = $1 AND generation = $2 AND status IN ('queued', 'running')
             AND updated_at = $3
           RETURNING id, queue, generation""",
        job.job_id,
        job.generation,
        job.updated_at,
    )
    return None if row is None else Dispatch(row["id"], row["queue"], row["generation"])
