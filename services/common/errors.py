"""Errors of the use cases. They extend the engine's errors so that the web layer
maps every failure through one hierarchy (code -> HTTP status and message)."""

from engine.errors import EngineError


class PermissionDenied(EngineError):
    code = "permission_denied"


class InvalidInput(EngineError):
    """Bad input to a use case; ``field`` names what to fix."""

    code = "invalid_input"

    def __init__(self, field: str, message: str):
        super().__init__(message, field=field)
        self.field = field

    def __str__(self):
        return f"{self.field}: {self.message}"


class Conflict(EngineError):
    """The request is valid but the current state does not allow it."""

    code = "state_conflict"


class TooManyRequests(InvalidInput):
    """A limit on how often something may be done is reached; ``field`` names what was refused."""

    code = "too_many_requests"
