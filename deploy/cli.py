"""The `wsoptv` command line (SPEC §7)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from deploy import local_secrets
from shared.settings import CommonSettings


def _settings() -> CommonSettings:
    """Settings for the CLI itself; local secrets fill what the environment lacks."""
    data_dir = CommonSettings().data_dir
    local_secrets.fill_environment(os.environ, data_dir)
    return CommonSettings()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """WSOPTV: video on demand for the poker archive."""


@main.command()
@click.option(
    "--demo/--no-demo",
    default=True,
    show_default=True,
    help="Write the demo library when NAS_ROOT holds no videos.",
)
def up(demo: bool) -> None:
    """Everything on one machine: PostgreSQL, Redis, migrations, control, edge."""
    from deploy import launcher

    settings = _settings()
    sys.exit(launcher.run(settings, dict(os.environ), demo=demo))


def _serve(
    factory: str,
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    http: str,
    **options: Any,
) -> None:
    """uvicorn on uvloop with the options every WSOPTV service shares."""
    import uvicorn

    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http=http,
        log_level=log_level,
        timeout_graceful_shutdown=3,
        # control logs each request itself (JSON, with its request id); the edge
        # does not, since a log line costs more than serving a 64 KiB range
        access_log=False,
        **options,
    )


@main.command()
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
def control(workers: int) -> None:
    """Run the control-plane API."""
    from control.settings import ControlSettings

    with _infrastructure_env(_settings()):
        settings = ControlSettings()
        _serve(
            "control.app:create_app",
            host=settings.control_host,
            port=settings.control_port,
            workers=workers,
            log_level=settings.log_level,
            http="httptools",
        )


@main.command()
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
def edge(workers: int) -> None:
    """Run the edge (token-checked Range delivery)."""
    from edge.settings import EdgeSettings

    # The edge never touches PostgreSQL: only Redis is resolved (or started) for it.
    with _infrastructure_env(_settings(), postgres=False):
        settings = EdgeSettings()
        _serve(
            "edge.app:create_app",
            host=settings.edge_host,
            port=settings.edge_port,
            workers=workers,
            log_level=settings.log_level,
            # httptools plus the ASGI zerocopysend extension (os.sendfile): edge/protocol.py
            http="edge.protocol:ZeroCopyHttpToolsProtocol",
            server_header=False,
            proxy_headers=settings.edge_forwarded_allow_ips is not None,
            forwarded_allow_ips=settings.edge_forwarded_allow_ips,
        )


@main.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="Jobs this process runs at once.",
)
@click.option(
    "--queues",
    default=None,
    metavar="Q1,Q2",
    help="Consume only these queues (default: every queue a block declares jobs on).",
)
def worker(concurrency: int, queues: str | None) -> None:
    """Run the background worker (scan, probe, thumbnails, hot cache)."""
    from control.settings import ControlSettings
    from control.worker import run_worker

    with _infrastructure_env(_settings()):
        names = [q.strip() for q in queues.split(",") if q.strip()] if queues else None
        run_worker(ControlSettings(), concurrency=concurrency, queues=names)


@main.group()
def jobs() -> None:
    """See and retry background jobs."""


@jobs.command("list")
@click.option("--status", default=None, help="queued, running, succeeded, failed, dead, cancelled")
@click.option("--type", "job_type", default=None, help="library_scan, probe, thumbnails, ...")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def jobs_list(status: str | None, job_type: str | None, limit: int) -> None:
    """The newest jobs: id, type, status, attempts, progress, created, error code."""
    from deploy.infra import infrastructure
    from deploy.jobs import describe, job_service

    async def listing(endpoints: Any) -> None:
        async with job_service(endpoints) as service:
            page = await service.list_jobs(status=status, type=job_type, limit=limit, offset=0)
        for job in page.items:
            click.echo(describe(job))
        click.echo(f"{len(page.items)} of {page.total} job(s)")

    with infrastructure(_settings()) as endpoints:
        asyncio.run(listing(endpoints))


@jobs.command("retry")
@click.argument("job_id", type=click.IntRange(1))
def jobs_retry(job_id: int) -> None:
    """Queue a failed, dead or cancelled job again."""
    from deploy.infra import infrastructure
    from deploy.jobs import describe, job_service
    from shared.errors import WsoptvError

    async def retry(endpoints: Any) -> None:
        async with job_service(endpoints) as service:
            click.echo(describe(await service.retry(job_id)))

    with infrastructure(_settings()) as endpoints:
        try:
            asyncio.run(retry(endpoints))
        except WsoptvError as exc:
            raise click.ClickException(exc.message) from None


@main.command()
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to scan: NAS_ROOT (the default) or a folder inside it.",
)
def scan(root: Path | None) -> None:
    """Scan the NAS (or one folder of it) into the catalog, with a progress bar."""
    from deploy.infra import infrastructure
    from deploy.library_scan import scan_with_progress
    from shared.errors import WsoptvError

    settings = _settings()
    with infrastructure(settings) as endpoints:
        try:
            scan_with_progress(endpoints, settings.nas_root, under=root)
        except WsoptvError as exc:
            raise click.ClickException(exc.message) from None


@main.group()
def search() -> None:
    """The search index."""


@search.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index from the catalog, with a progress bar (searches keep
    answering meanwhile)."""
    from control.settings import ControlSettings
    from deploy.infra import infrastructure
    from deploy.search_index import reindex_with_progress
    from shared.errors import WsoptvError

    common = _settings()
    with infrastructure(common) as endpoints:
        try:
            reindex_with_progress(endpoints, ControlSettings())
        except WsoptvError as exc:
            raise click.ClickException(exc.message) from None


@main.command("migrate")
def migrate_command() -> None:
    """Apply database migrations."""
    from control.db.migrate import migrate
    from deploy.infra import infrastructure

    with infrastructure(_settings()) as endpoints:
        applied = asyncio.run(migrate(endpoints.database_url))
    for migration in applied:
        click.echo(f"applied {migration.version:04d}_{migration.name}")
    click.echo(f"{len(applied)} migration(s) applied; database is up to date")


@main.group()
def user() -> None:
    """Manage accounts."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--username", required=True)
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the password from standard input (never from the command line).",
)
@click.option("--admin", is_flag=True, help="Give the account the admin role.")
def user_create(email: str, username: str, password_stdin: bool, admin: bool) -> None:
    """Create an account (the first admin, for instance)."""
    import asyncpg

    from control.blocks.auth.passwords import check_password_rules, hash_password
    from control.blocks.auth.repository import insert_user
    from control.db.migrate import migrate
    from control.settings import ControlSettings
    from deploy.infra import infrastructure
    from shared.errors import WsoptvError

    settings = _settings()
    # The same cost as the control plane's own hashes (BCRYPT_ROUNDS), not a fixed one.
    rounds = ControlSettings().bcrypt_rounds
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        check_password_rules(password)
    except WsoptvError as exc:
        raise click.ClickException(exc.message) from None

    async def create(dsn: str) -> int:
        await migrate(dsn)
        password_hash = await asyncio.to_thread(hash_password, password, rounds)
        conn = await asyncpg.connect(dsn)
        try:
            created = await insert_user(
                conn,
                email=email,
                username=username,
                password_hash=password_hash,
                role="admin" if admin else "user",
            )
        finally:
            await conn.close()
        return created.id

    with infrastructure(settings) as endpoints:
        try:
            user_id = asyncio.run(create(endpoints.database_url))
        except WsoptvError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"created user {user_id} ({username}, {'admin' if admin else 'user'})")


@main.command()
@click.option("--force", is_flag=True, help="Rewrite files that already exist.")
def demo(force: bool) -> None:
    """Write a small library of real, playable H.264/AAC MP4 files under NAS_ROOT and scan it."""
    from deploy.demo import ensure_demo_library
    from deploy.infra import infrastructure
    from deploy.library_scan import scan_with_progress

    settings = _settings()
    ensure_demo_library(settings.nas_root, overwrite=force)
    with infrastructure(settings) as endpoints:
        scan_with_progress(endpoints, settings.nas_root)


@contextmanager
def _infrastructure_env(settings: CommonSettings, *, postgres: bool = True) -> Iterator[None]:
    """Run a service against the configured or embedded servers, their URLs in its environment."""
    from deploy.infra import infrastructure

    with infrastructure(settings, postgres=postgres) as endpoints:
        os.environ.update(endpoints.as_env())
        yield


if __name__ == "__main__":
    main()
