"""Why a request's credentials were refused, in words safe to show the caller."""

from __future__ import annotations


class AuthenticationError(Exception):
    """An access token the gateway does not accept (answered with 401).

    The message says what is wrong with the token (expired, wrong audience, …) so that the
    client's developer can fix it, but never how the gateway checked: no key material, no
    library error text, no stack.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _quoted(text: str) -> str:
    # RFC 6750 §3: error_description is a quoted-string of %x20-21 / %x23-5B / %x5D-7E, so the
    # quote and backslash characters (and anything outside printable ASCII) cannot appear.
    return "".join(ch if 0x20 <= ord(ch) <= 0x7E and ch not in '"\\' else "?" for ch in text)


def www_authenticate(error: AuthenticationError) -> str:
    """The `WWW-Authenticate` header of a 401 for a refused access token (RFC 6750 §3)."""
    return f'Bearer error="invalid_token", error_description="{_quoted(error.message)}"'
