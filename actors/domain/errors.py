"""Named domain errors; the gateway maps each to one HTTP status in one place."""


class DomainError(Exception):
    """Base of every error a user can cause; never a server fault."""

    #: Where the thing the error is about can be found (a Location header), when there is one.
    location: str | None = None

    def __reduce__(self) -> tuple[object, ...]:
        # Ray pickles exceptions between processes; subclasses have their own constructor
        # signatures, so rebuild from message and attributes rather than from args.
        return (_rebuild, (type(self), str(self), self.__dict__))


def _rebuild(cls: type[DomainError], message: str, state: dict[str, object]) -> DomainError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class EmailTaken(DomainError):
    def __init__(self) -> None:
        super().__init__("an account with this e-mail already exists")


class InvalidCredentials(DomainError):
    def __init__(self) -> None:
        super().__init__("e-mail or password is wrong")


class Throttled(DomainError):
    """Too many attempts of some kind: `limits` says which, the client retries after a while."""

    def __init__(self, limits: str, retry_after_seconds: int) -> None:
        super().__init__(f"{limits}; retry in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class InvalidToken(DomainError):
    def __init__(self, reason: str = "token is invalid") -> None:
        super().__init__(reason)


class TokenExpired(InvalidToken):
    def __init__(self) -> None:
        super().__init__("token has expired")


class TokenReused(InvalidToken):
    def __init__(self) -> None:
        super().__init__("refresh token was already used; the session is revoked")


class NotFound(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")


class Forbidden(DomainError):
    pass


class AccountLocked(Forbidden):
    def __init__(self) -> None:
        super().__init__("this account is locked by an administrator")


class InvalidInput(DomainError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Conflict(DomainError):
    def __init__(self, message: str, location: str | None = None) -> None:
        super().__init__(message)
        self.location = location


class LedgerBehind(DomainError):
    def __init__(self) -> None:
        super().__init__("the ledger has not caught up with your last change yet; retry shortly")


class LedgerUnavailable(DomainError):
    """The shard that owns the user's ledger does not exist yet, has died or does not answer."""

    def __init__(self) -> None:
        super().__init__("the ledger is starting or restarting; retry shortly")
