"""The worker loop (`wsoptv worker`): consume the queues, run the declared jobs.

One process runs up to `concurrency` jobs at once and a few loops beside them:
- fetch: fill the free slots, first with messages idle longer than JOB_RECLAIM_IDLE
  (XAUTOCLAIM: their worker died; checked every quarter of that), then with new ones
  (XREADGROUP, blocking, on a connection of its own);
- keep: every third of that, renew the claims of the messages being run (so a long job is
  never reclaimed while its worker lives), stop runs whose claim was lost, and beat;
- delayed: move due retries from the delayed set onto their streams;
- sweep: dispatch again an unfinished job whose message is gone (one worker at a time).
A message is acknowledged (and deleted) only after its run's outcome is in PostgreSQL, so
a worker dying at any point leaves it pending for another. Every write a run makes is
fenced by its run id (repository.py): a run that lost its claim cannot record anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError

from control.blocks.worker import repository as repo
from control.blocks.worker.metrics import JobStats
from control.blocks.worker.presence import WorkerPresence
from control.blocks.worker.queues import SWEEP_LOCK, JobQueues, Message, blocking_client
from control.blocks.worker.repository import Run
from control.blocks.worker.runs import RunContext, RunLost, RunnerSettings, backoff, worker_name
from control.blocks.worker.service import JobService
from control.orchestration.jobs import BoundJob, JobCancelled, RetryJob
from shared.errors import WsoptvError

log = logging.getLogger("wsoptv.worker")
READ_BLOCK_MS = 1000
DELAYED_POLL_SECONDS = 0.2
STOP_GRACE_SECONDS = 5.0
GENERIC_FAILURE = "the job failed; the worker log has the details"
ERROR_CODE = "JOB_ERROR"


@dataclass(slots=True)
class Running:
    message: Message
    task: asyncio.Task[None]
    run: Run | None = None  # known once the job started
    lost: bool = False
    # Recording its outcome (a few statements): never cancelled then, only waited for.
    finishing: bool = False


class JobRunner:
    """Runs the declared jobs of the started blocks (the JOB_RUNNER contract)."""

    def __init__(
        self,
        service: JobService,
        queues: JobQueues,
        presence: WorkerPresence,
        stats: JobStats,
        redis_url: str,
        settings: RunnerSettings,
    ) -> None:
        self.service = service
        self.queues = queues
        self.presence = presence
        self.stats = stats
        self.redis_url = redis_url
        self.settings = settings
        self.name = worker_name()
        self.running: dict[str, Running] = {}
        self._handlers: dict[str, BoundJob] = {}
        self._stopping = False
        self._slot_free = asyncio.Event()
        self._concurrency = 1

    @property
    def db(self) -> asyncpg.Pool:
        return self.service.db

    async def run(
        self,
        handlers: Sequence[BoundJob],
        *,
        concurrency: int,
        queues: Sequence[str] | None,
        stop: asyncio.Event,
        ready: asyncio.Event | None = None,
    ) -> None:
        self._handlers = {bound.job.type: bound for bound in handlers}
        names = sorted(set(queues or (bound.job.queue for bound in handlers)))
        if not names:
            raise RuntimeError("no job queue to consume: no block declares a job")
        self._concurrency = concurrency
        await self.queues.ensure_groups(names)
        await self.presence.beat(self.name)
        log.info("worker %s consuming %s with %d slot(s)", self.name, names, concurrency)
        if ready is not None:
            ready.set()
        blocking = blocking_client(self.redis_url)
        loops = [
            asyncio.create_task(self._fetch(blocking, names), name="jobs-fetch"),
            asyncio.create_task(self._keep(), name="jobs-keep"),
            asyncio.create_task(self._move_delayed(), name="jobs-delayed"),
            asyncio.create_task(self._sweep(), name="jobs-sweep"),
        ]
        try:
            stopped = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait([stopped, *loops], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stopped and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            self._stopping = True
            for task in loops:
                task.cancel()
            # redis-py can swallow a cancellation that lands while it connects; closing the
            # blocking client ends that read, and the loops also stop on `_stopping`.
            await asyncio.wait(loops, timeout=1.0)
            await blocking.aclose()
            await asyncio.wait(loops, timeout=STOP_GRACE_SECONDS)
            await self._give_back()
            with contextlib.suppress(RedisError, OSError):
                await self.presence.leave(self.name)
            log.info("worker %s stopped", self.name)

    # loops ---------------------------------------------------------------------------------

    def _free(self) -> int:
        return self._concurrency - len(self.running)

    async def _fetch(self, blocking: Redis, names: Sequence[str]) -> None:
        """Fill free slots: reclaimed work first (every quarter of the idle time), then new
        messages, waiting for them at most until the next reclaim is due."""
        reclaim_every = max(0.1, self.settings.reclaim_idle / 4)
        next_reclaim = time.monotonic()
        while not self._stopping:
            while self._free() <= 0:
                self._slot_free.clear()
                await self._slot_free.wait()
            try:
                if time.monotonic() >= next_reclaim:
                    next_reclaim = time.monotonic() + reclaim_every
                    await self._reclaim(names)
                    if self._free() <= 0:
                        continue
                wait = max(0.01, min(READ_BLOCK_MS / 1000, next_reclaim - time.monotonic()))
                messages = await self.queues.read(
                    blocking, self.name, names, self._free(), int(wait * 1000)
                )
            except (RedisError, OSError) as exc:
                if self._stopping:
                    return
                log.warning("reading the queues failed (%s); retrying", exc)
                await asyncio.sleep(1.0)
                continue
            if self._stopping:  # read as the stop came: put them back for another worker
                for message in messages:
                    await self._put_back(message)
                return
            for message in messages:
                self._launch(message, reclaimed=False)

    async def _reclaim(self, names: Sequence[str]) -> None:
        idle_ms = int(self.settings.reclaim_idle * 1000)
        for queue in names:
            if self._free() <= 0:
                return
            messages = await self.queues.reclaim(self.name, queue, idle_ms, self._free())
            fresh = [m for m in messages if m.message_id not in self.running]
            if fresh:
                log.warning("reclaimed %d message(s) on %s", len(fresh), queue)
                await self.stats.count("reclaims", len(fresh))
            for message in fresh:
                self._launch(message, reclaimed=True)

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(max(0.1, self.settings.reclaim_idle / 3))
            by_queue: dict[str, list[str]] = {}
            for mid, running in self.running.items():
                by_queue.setdefault(running.message.queue, []).append(mid)
            try:
                for queue, ids in by_queue.items():
                    for mid in await self.queues.keep_claims(self.name, queue, ids):
                        self._lose(mid)
                await self.presence.beat(self.name)
            except (RedisError, OSError) as exc:
                log.warning("renewing claims failed: %s", exc)

    async def _move_delayed(self) -> None:
        while True:
            await asyncio.sleep(DELAYED_POLL_SECONDS)
            try:
                moved = await self.queues.move_due()
                if moved:
                    async with self.db.acquire() as conn:
                        for dispatch, message_id in moved:
                            await repo.set_message(
                                conn, dispatch.job_id, dispatch.generation, message_id
                            )
            except (RedisError, OSError, asyncpg.PostgresError) as exc:
                log.warning("moving due retries failed: %s", exc)

    async def _sweep(self) -> None:
        interval = max(5.0, self.settings.reclaim_idle * 2)
        while True:
            await asyncio.sleep(interval)
            try:
                if await self.queues.redis.set(
                    SWEEP_LOCK, self.name, nx=True, px=int(interval * 900)
                ):
                    await self.sweep(older_than=max(10.0, self.settings.reclaim_idle * 3))
            except (RedisError, OSError, asyncpg.PostgresError) as exc:
                log.warning("the lost-message sweep failed: %s", exc)

    async def sweep(self, *, older_than: float) -> int:
        """Dispatch again the unfinished jobs whose stream entry is gone; how many."""
        async with self.db.acquire() as conn:
            stale = await repo.stale_unfinished(conn, older_than=older_than, limit=500)
        by_queue: dict[str, list[repo.Unfinished]] = {}
        for job in stale:
            by_queue.setdefault(job.queue, []).append(job)
        again = 0
        for queue, jobs in by_queue.items():
            ids = [job.message_id for job in jobs if job.message_id]
            present = await self.queues.present(queue, ids) if ids else set()
            for job in jobs:
                if job.message_id in present:
                    continue
                async with self.db.acquire() as conn:
                    dispatch = await repo.redispatch(conn, job)
                if dispatch is not None:
                    log.warning("job %s had no message on %s: dispatched again", job.job_id, queue)
                    await self.service.dispatch(dispatch)
                    again += 1
        return again

    # one message ---------------------------------------------------------------------------

    def _launch(self, message: Message, *, reclaimed: bool) -> None:
        task = asyncio.create_task(self._process(message, reclaimed))
        self.running[message.message_id] = Running(message, task)  # a busy slot at once
        task.add_done_callback(lambda _: self._finished(message.message_id))

    def _finished(self, message_id: str) -> None:
        self.running.pop(message_id, None)
        self._slot_free.set()

    def _finishing(self, message: Message) -> None:
        entry = self.running.get(message.message_id)
        if entry is not None:
            entry.finishing = True

    def _lose(self, message_id: str) -> None:
        running = self.running.get(message_id)
        if running is not None and not running.lost and not running.finishing:
            job = running.run.job.id if running.run is not None else "?"
            log.error("job %s: claim lost to another worker; stopping it", job)
            running.lost = True
            running.task.cancel()

    async def _process(self, message: Message, reclaimed: bool) -> None:
        try:
            await self._process_message(message, reclaimed)
        except asyncio.CancelledError:
            entry = self.running.get(message.message_id)
            if not self._stopping or (entry is not None and entry.lost):
                raise
            # Stopped before the job function ran: give the message back at once rather
            # than leave it pending for JOB_RECLAIM_IDLE.
            if entry is not None and entry.run is not None:
                await self._hand_back(message, entry.run)
            else:
                await self._put_back(message)
        except Exception:  # the message stays pending: another worker reclaims it later
            log.exception(
                "message %s on %s could not be processed", message.message_id, message.queue
            )

    async def _process_message(self, message: Message, reclaimed: bool) -> None:
        if message.dispatch is None:
            await self.queues.ack(message.queue, message.message_id)
            return
        if reclaimed and await self.queues.deliveries(message) > self.settings.max_deliveries:
            async with self.db.acquire() as conn:
                dead = await repo.mark_dead(
                    conn,
                    message.dispatch.job_id,
                    error_code=repo.CRASH_LOOP,
                    error=repo.CRASH_LOOP_MESSAGE,
                )
            if dead is not None:
                log.error("job %s is dead: delivered too often (crash loop)", dead.id)
                await self.service.changed(dead)
            await self.queues.ack(message.queue, message.message_id)
            return
        async with self.db.acquire() as conn, conn.transaction():
            run = await repo.start(conn, message.dispatch, message.message_id, self.name)
        entry = self.running.get(message.message_id)
        if entry is not None and run is not None and run.job.status == "running":
            entry.run = run  # from now on a stop hands the run back
        if run is None:  # stale: another generation, finished, cancelled or not due
            if reclaimed:
                # Its worker may have died between recording an outcome and streaming it:
                # stream the job's state again (a change is never lost, at worst repeated).
                job = await self.service.get(message.dispatch.job_id)
                if job is not None:
                    await self.service.changed(job)
            await self.queues.ack(message.queue, message.message_id)
            return
        await self.service.changed(run.job)
        if run.job.status == "dead":
            log.error("job %s is dead: its runs kept dying with their worker", run.job.id)
            await self.queues.ack(message.queue, message.message_id)
            return
        if run.taken_over:
            log.warning(
                "job %s: taken over from a worker that stopped (attempt %d)",
                run.job.id,
                run.job.attempts,
            )
        await self._execute(message, run)

    async def _execute(self, message: Message, run: Run) -> None:
        job = run.job
        bound = self._handlers.get(job.type)
        started = time.monotonic()
        outcome = "error"
        try:
            if bound is None:  # its block did not start here (or another version declares it)
                raise RetryJob(
                    f"no started block here runs {job.type!r}", code="JOB_TYPE_UNAVAILABLE"
                )
            context = RunContext(
                run,
                bound.services,
                logging.getLogger(f"wsoptv.worker.job.{job.type}"),
                self.service,
            )
            result = await bound.job.run(context, **job.payload)
        except asyncio.CancelledError:
            entry = self.running.get(message.message_id)
            if entry is not None and entry.lost:
                outcome = "lost"
                return  # another worker has it; nothing of ours may be written or acked
            if self._stopping:
                outcome = "interrupted"
                await self._hand_back(message, run)
                return
            raise
        except RunLost:
            outcome = "lost"
            return
        except JobCancelled:
            outcome = "cancelled"
            self._finishing(message)
            await self._end(
                message,
                run,
                status="cancelled",
                error_code="JOB_CANCELLED",
                error="cancelled by an admin",
            )
        except RetryJob as exc:
            outcome = "retry"
            self._finishing(message)
            await self._retry(message, run, exc.code, exc.delay)
        except WsoptvError as exc:  # JobFailed and every domain error: deterministic, final
            outcome = "failed"
            self._finishing(message)
            log.warning("job %s (%s) failed: %s %s", job.id, job.type, exc.code, exc.message)
            await self._end(
                message,
                run,
                status="failed",
                error_code=exc.code,
                error=f"the job failed ({exc.code}); the worker log has the details",
            )
        except Exception:
            outcome = "retry"
            self._finishing(message)
            log.exception("job %s (%s) attempt %d raised", job.id, job.type, job.attempts)
            await self._retry(message, run, ERROR_CODE, None)
        else:
            outcome = "succeeded"
            self._finishing(message)
            await self._end(message, run, status="succeeded", result=result)
        finally:
            if outcome not in ("lost",):
                await self.stats.run(job.type, outcome, time.monotonic() - started)

    # outcomes ------------------------------------------------------------------------------

    async def _end(
        self,
        message: Message,
        run: Run,
        *,
        status: Any,
        result: Mapping[str, Any] | None = None,
        error_code: str | None = None,
        error: str | None = None,
    ) -> None:
        async with self.db.acquire() as conn:
            job = await repo.finish(
                conn,
                run.job.id,
                run.run_id,
                status=status,
                result=result,
                error_code=error_code,
                error=error,
            )
        if job is None:  # fenced out: another worker took the job over meanwhile
            log.warning(
                "job %s: outcome %s not recorded, the run lost its claim", run.job.id, status
            )
            return
        # Streamed before the ack: if this worker dies in between, the worker that reclaims
        # the message streams the outcome again.
        await self.service.changed(job)
        await self.queues.ack(message.queue, message.message_id)

    async def _retry(self, message: Message, run: Run, code: str, delay: float | None) -> None:
        job = run.job
        if job.attempts >= job.max_attempts:
            await self._end(message, run, status="dead", error_code=code, error=GENERIC_FAILURE)
            return
        wait = (
            delay
            if delay is not None
            else backoff(job.attempts, self.settings.backoff_base, self.settings.backoff_max)
        )
        async with self.db.acquire() as conn:
            rescheduled = await repo.reschedule(
                conn, job.id, run.run_id, delay=wait, error_code=code, error=GENERIC_FAILURE
            )
        if rescheduled is None:
            return
        queued, dispatch = rescheduled
        await self.service.dispatch(dispatch, wait)
        await self.service.changed(queued)
        await self.queues.ack(message.queue, message.message_id)
        await self.stats.count(f"retries|{job.type}")

    async def _hand_back(self, message: Message, run: Run) -> None:
        """A run interrupted by a graceful stop: queued again at once, attempt not used."""
        with contextlib.suppress(RedisError, OSError, asyncpg.PostgresError):
            async with self.db.acquire() as conn:
                rescheduled = await repo.reschedule(
                    conn,
                    run.job.id,
                    run.run_id,
                    delay=0,
                    error_code=None,
                    error=None,
                    attempt_used=False,
                )
            if rescheduled is None:
                return
            queued, dispatch = rescheduled
            await self.service.dispatch(dispatch)
            await self.service.changed(queued)
            await self.queues.ack(message.queue, message.message_id)

    async def _put_back(self, message: Message) -> None:
        with contextlib.suppress(RedisError, OSError, asyncpg.PostgresError):
            if message.dispatch is not None:
                await self.service.dispatch(message.dispatch)
            await self.queues.ack(message.queue, message.message_id)

    async def _give_back(self) -> None:
        tasks = [running.task for running in self.running.values()]
        for running in self.running.values():
            if not running.finishing:
                running.task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
