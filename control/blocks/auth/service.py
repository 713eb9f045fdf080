"""The auth block's use cases: register, login, refresh, logout, profile.

The service takes pooled connections only around its SQL, never across a bcrypt hash:
ten concurrent logins must not hold ten of the pool's connections for a quarter second.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from control.blocks.auth import errors
from control.blocks.auth.limits import LoginLimits
from control.blocks.auth.passwords import (
    MAX_PASSWORD_BYTES,
    PasswordHasher,
    check_password_rules,
)
from control.blocks.auth.repository import (
    find_credentials,
    find_credentials_by_email,
    get_account,
    insert_user,
    record_login,
    update_profile,
)
from control.blocks.auth.schemas import (
    LoginRequest,
    RegisterRequest,
    TokenPair,
    UpdateMeRequest,
)
from control.blocks.auth.sessions import (
    family_revoked,
    find_by_hash,
    insert_session,
    new_refresh_token,
    redeem,
    revoke_family,
    revoke_other_families,
    token_hash,
)
from control.blocks.auth.tokens import AccessTokens
from control.db.pool import Connection
from control.orchestration.bus import Event, MessageBus
from control.orchestration.contracts import Account, AccountStatus, Principal
from control.settings import ControlSettings

SOURCE = "auth"


@dataclass(frozen=True, slots=True)
class Client:
    ip: str
    user_agent: str | None


def _require_short(password: str) -> None:
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise errors.PasswordTooLong(
            f"passwords are at most {MAX_PASSWORD_BYTES} bytes (bcrypt ignores the rest)"
        )


def _refuse_inactive(user: Account) -> None:
    if user.status == "pending":
        raise errors.AccountPending("this account awaits approval by an administrator")
    if user.status != "active":
        raise errors.AccountSuspended("this account is suspended")


class AuthService:
    def __init__(
        self,
        settings: ControlSettings,
        db: asyncpg.Pool,
        bus: MessageBus,
        hasher: PasswordHasher,
        tokens: AccessTokens,
        limits: LoginLimits,
    ) -> None:
        self.settings = settings
        self.db = db
        self.bus = bus
        self.hasher = hasher
        self.tokens = tokens
        self.limits = limits

    async def _emit(self, channel: str, payload: dict[str, Any]) -> None:
        await self.bus.publish(channel, Event(source=SOURCE, type=channel, payload=payload))

    async def register(self, body: RegisterRequest, client: Client) -> Account:
        await self.limits.check_registration(client.ip)
        check_password_rules(body.password)
        password_hash = await self.hasher.hash(body.password)
        status: AccountStatus = (
            "pending" if self.settings.registration_requires_approval else "active"
        )
        async with self.db.acquire() as conn:
            user = await insert_user(
                conn,
                email=body.email,
                username=body.username,
                password_hash=password_hash,
                status=status,
            )
        await self._emit(
            "auth.user_created",
            {"user_id": user.id, "username": user.username, "status": user.status},
        )
        return user

    async def login(self, body: LoginRequest, client: Client) -> TokenPair:
        await self.limits.check_login(body.email, client.ip)
        _require_short(body.password)
        async with self.db.acquire() as conn:
            found = await find_credentials_by_email(conn, body.email)
        # Unknown accounts are checked against a dummy hash: same answer, same time.
        if not await self.hasher.verify(body.password, found.password_hash if found else None):
            await self._emit(
                "auth.login.failed",
                {
                    "user_id": found.account.id if found else None,
                    "email": body.email.lower(),
                    "ip": client.ip,
                    "reason": "invalid_credentials",
                },
            )
            raise errors.InvalidCredentials("wrong email or password")
        assert found is not None
        user = found.account
        # The password was right: this was no guess, whatever the account's status.
        await self.limits.login_succeeded(body.email, client.ip)
        if user.status != "active":
            await self._emit(
                "auth.login.failed",
                {"user_id": user.id, "email": user.email, "ip": client.ip, "reason": user.status},
            )
            _refuse_inactive(user)
        async with self.db.acquire() as conn, conn.transaction():
            pair = await self._open_session(conn, user, uuid.uuid4(), None, client)
            await record_login(conn, user.id)
        await self._emit("auth.login.success", {"user_id": user.id, "ip": client.ip})
        return pair

    async def _open_session(
        self,
        conn: Connection,
        user: Account,
        family_id: uuid.UUID,
        parent_id: uuid.UUID | None,
        client: Client,
    ) -> TokenPair:
        refresh_token, hashed = new_refresh_token()
        await insert_session(
            conn,
            user_id=user.id,
            family_id=family_id,
            parent_id=parent_id,
            hashed=hashed,
            ttl_seconds=self.settings.refresh_token_ttl,
            user_agent=client.user_agent,
            ip=client.ip if _is_ip(client.ip) else None,
        )
        access = self.tokens.issue(user.id, user.role, family_id)
        return TokenPair(
            access_token=access.token, refresh_token=refresh_token, expires_in=access.expires_in
        )

    async def refresh(self, refresh_token: str, client: Client) -> TokenPair:
        """Rotate: the presented token is spent and a child of its family is issued."""
        hashed = token_hash(refresh_token)
        async with self.db.acquire() as conn:
            async with conn.transaction():
                session = await redeem(conn, hashed)
                user = await get_account(conn, session.user_id) if session else None
                if session is not None and user is not None and user.status == "active":
                    return await self._open_session(
                        conn, user, session.family_id, session.id, client
                    )
            if session is not None:
                await self._revoke_family(conn, session.family_id, "account_inactive")
                if user is not None:
                    _refuse_inactive(user)
                raise errors.RefreshRevoked("the account of this session is gone")
            return await self._refused(conn, hashed)

    async def _refused(self, conn: Connection, hashed: bytes) -> TokenPair:
        """Why a refresh token did not redeem; a spent one revokes its whole family."""
        existing = await find_by_hash(conn, hashed)
        if existing is None:
            raise errors.RefreshInvalid("unknown refresh token")
        if existing.used_at is not None:
            await self._revoke_family(conn, existing.family_id, "reuse")
            await self._emit(
                "auth.refresh_reused",
                {"user_id": existing.user_id, "family_id": str(existing.family_id)},
            )
            raise errors.RefreshReused(
                "this refresh token was already used; every session of its family is revoked"
            )
        if existing.revoked_at is not None or await family_revoked(conn, existing.family_id):
            raise errors.RefreshRevoked("this session was revoked; log in again")
        raise errors.RefreshExpired("this refresh token has expired; log in again")

    async def _revoke_family(self, conn: Connection, family_id: uuid.UUID, reason: str) -> None:
        async with conn.transaction():
            await revoke_family(conn, family_id, reason)
        await self.tokens.revoke_families([str(family_id)])

    async def logout(self, principal: Principal) -> None:
        """Blacklist this access token and revoke its refresh family."""
        await self.tokens.revoke(principal)
        async with self.db.acquire() as conn:
            await self._revoke_family(conn, uuid.UUID(principal.family_id), "logout")

    async def revoke_user_sessions(self, user_id: int, reason: str) -> int:
        """SESSION_CONTROL: end every session of the account, access tokens included."""
        async with self.db.acquire() as conn, conn.transaction():
            revoked = await revoke_other_families(conn, user_id, None, reason)
        await self.tokens.revoke_families([str(family) for family in revoked])
        return len(revoked)

    async def me(self, principal: Principal) -> Account:
        async with self.db.acquire() as conn:
            user = await get_account(conn, principal.user_id)
        if user is None:
            raise errors.UserNotFound("this account no longer exists")
        return user

    async def update_me(
        self, principal: Principal, body: UpdateMeRequest, client: Client
    ) -> Account:
        """Change the username and/or password; a new password revokes every other session."""
        new_hash = None
        if body.new_password is not None:
            new_hash = await self._new_password_hash(principal, body, client)
        async with self.db.acquire() as conn, conn.transaction():
            user = await update_profile(
                conn, principal.user_id, username=body.username, password_hash=new_hash
            )
            if user is None:
                raise errors.UserNotFound("this account no longer exists")
            if new_hash is not None:
                revoked = await revoke_other_families(
                    conn, principal.user_id, uuid.UUID(principal.family_id), "password_changed"
                )
                await self.tokens.revoke_families([str(family) for family in revoked])
        return user

    async def _new_password_hash(
        self, principal: Principal, body: UpdateMeRequest, client: Client
    ) -> str:
        assert body.new_password is not None
        if body.current_password is None:
            raise errors.CurrentPasswordRequired("changing the password needs current_password")
        _require_short(body.current_password)
        check_password_rules(body.new_password)
        # A stolen access token must not become an unlimited password oracle.
        await self.limits.check_password_check(principal.user_id, client.ip)
        async with self.db.acquire() as conn:
            found = await find_credentials(conn, principal.user_id)
        if found is None:
            raise errors.UserNotFound("this account no longer exists")
        if not await self.hasher.verify(body.current_password, found.password_hash):
            await self._emit(
                "auth.login.failed",
                {
                    "user_id": principal.user_id,
                    "email": found.account.email.lower(),
                    "ip": client.ip,
                    "reason": "wrong_current_password",
                },
            )
            raise errors.WrongPassword("current_password is wrong")
        await self.limits.password_check_succeeded(principal.user_id, client.ip)
        return await self.hasher.hash(body.new_password)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
