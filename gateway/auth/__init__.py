"""Authentication: access tokens in, callers out; and the OAuth 2.0 authorization server.

- `Authenticator.authenticate(header) -> Caller` checks an RFC 9068 JWT access token from our
  own authorization server or from a trusted issuer (`verify`);
- `auth_routes` serves POST /oauth/token (client credentials; client_secret_basic and
  private_key_jwt), the RFC 8414 metadata and our JWKS (`routes`, `server`);
- `load_auth` loads what a process holds: the key ring, trusted issuers' JWKS caches (`state`).

See docs/auth.md.
"""

from gateway.auth.errors import AuthenticationError, www_authenticate
from gateway.auth.routes import auth_routes
from gateway.auth.state import AuthState, load_auth
from gateway.auth.verify import Authenticator

__all__ = [
    "AuthState",
    "AuthenticationError",
    "Authenticator",
    "auth_routes",
    "load_auth",
    "www_authenticate",
]
