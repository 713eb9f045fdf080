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
        return {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url}


@contextmanager
def infrastructure(settings: CommonSettings) -> Iterator[Endpoints]:
    """Yield the URLs to use; embedded servers this started are stopped on exit.

    An embedded server already running on the data directory (under `wsoptv up`) is
    attached to and left running.
    """
    with ExitStack() as stack:
        database_url = settings.database_url or stack.enter_context(
            EmbeddedPostgres(settings.data_dir, settings.embedded_postgres_port)
        )
        redis_url = settings.redis_url or stack.enter_context(
            EmbeddedRedis(settings.data_dir, settings.embedded_redis_port)
        )
        yield Endpoints(database_url, redis_url)
