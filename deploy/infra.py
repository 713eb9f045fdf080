"""PostgreSQL and Redis for a command: the configured servers, else the embedded ones."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from deploy.embedded import EmbeddedPostgres, EmbeddedRedis
from shared.settings import CommonSettings


@dataclass(frozen=True, slots=True)
class Endpoints:
    database_url: str
    redis_url: str

    def as_env(self) -> dict[str, str]:
        """The URLs as environment variables (an empty one, not asked for, is left out)."""
        urls = {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url}
        return {name: url for name, url in urls.items() if url}


@contextmanager
def infrastructure(settings: CommonSettings, *, postgres: bool = True) -> Iterator[Endpoints]:
    """Yield the URLs to use; embedded servers this started are stopped on exit.

    With postgres=False no PostgreSQL is resolved or started (database_url is "").

    An embedded server already running on the data directory (under `wsoptv up`) is
    attached to and left running.
    """
    with ExitStack() as stack:
        database_url = settings.database_url or (
            stack.enter_context(
                EmbeddedPostgres(settings.data_dir, settings.embedded_postgres_port)
            )
            if postgres
            else ""
        )
        redis_url = settings.redis_url or stack.enter_context(
            EmbeddedRedis(settings.data_dir, settings.embedded_redis_port)
        )
        yield Endpoints(database_url, redis_url)
