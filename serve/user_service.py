"""The user service: sign-up, password checks with throttling, and profiles."""

import asyncio
from datetime import UTC, datetime
from uuid import UUID

from ray import serve

from actors.domain import throttle
from actors.domain.errors import InvalidCredentials, InvalidInput
from actors.domain.passwords import guessability, hash_password, needs_rehash, verify_password
from adapters import database, logs, throttle_buckets, users
from adapters.config import Settings
from adapters.models import User
from serve.schemas import UserChanges, UserIn, UserOut

NOT_NULLABLE = ("name", "timezone", "notifications")


def out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@serve.deployment(name="users", max_ongoing_requests=32, ray_actor_options={"num_cpus": 0})
class UserService:
    async def __init__(  # type: ignore[misc]  # Serve awaits an async constructor
        self, settings: Settings
    ) -> None:
        assert settings.database_url
        logs.configure(settings.log_format)
        await database.connect(settings.database_url)

    async def signup(self, body: UserIn, client: str) -> UserOut:
        now = datetime.now(UTC)
        await throttle_buckets.reserve(throttle.SIGNUP_FROM_ADDRESS, (client,), now)
        # zxcvbn is CPU work too, up to a tenth of a second: a thread, like the hashing.
        personal = (body.name, str(body.email))
        if problem := await asyncio.to_thread(guessability, body.password, personal):
            raise InvalidInput("password", problem)
        # Argon2 is CPU work by design: off the event loop, or every request of this replica waits.
        password_hash = await asyncio.to_thread(hash_password, body.password)
        user = await users.create(
            name=body.name,
            email=str(body.email),
            phone=body.phone,
            password_hash=password_hash,
            now=now,
        )
        return out(user)

    async def authenticate(self, email: str, password: str, client: str) -> UUID:
        """The user's id when the password is right. Each attempt is counted before the
        password is checked, against the account from this address first: guesses from
        elsewhere cannot use up the owner's own tries."""
        now = datetime.now(UTC)
        account = users.email_key(email)
        own = (account, client)
        shared = [(throttle.LOGIN_FROM_ADDRESS, (client,)), (throttle.LOGIN_ACCOUNT, (account,))]
        await throttle_buckets.reserve(throttle.LOGIN_ACCOUNT_FROM_ADDRESS, own, now)
        for rule, subject in shared:
            await throttle_buckets.reserve(rule, subject, now)
        user = await users.by_email(email)
        stored = user.password_hash if user else None
        if not await asyncio.to_thread(verify_password, stored, password) or user is None:
            raise InvalidCredentials()
        await throttle_buckets.forget(throttle.LOGIN_ACCOUNT_FROM_ADDRESS, own)
        for rule, subject in shared:
            await throttle_buckets.release(rule, subject)
        if needs_rehash(user.password_hash):
            await users.set_password_hash(user.id, await asyncio.to_thread(hash_password, password))
        return user.id

    async def profile(self, user_id: UUID) -> UserOut:
        return out(await users.by_id(user_id))

    async def update_profile(self, user_id: UUID, changes: UserChanges) -> UserOut:
        given = changes.model_dump(exclude_unset=True)
        given = {k: v for k, v in given.items() if v is not None or k not in NOT_NULLABLE}
        return out(await users.update(user_id, given))
