"""Per-request set-up and tear-down around execution: who calls, what they may see, the audit.

Before execution: for the Caller that gateway/authentication.py established, compile (or
reuse) the policy for that caller, load the caller's organisation scope, and build the typed
Context. After: append what personal or sensitive data the response carried to the audit log,
in the same request, so that no response leaves without its audit record (committed
together with those of concurrent requests: store/audit_writer.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import Source
from policies.document import Policy
from policies.engine import CallerView
from policies.types import Caller, Level
from resolvers.access import Access
from resolvers.context import Context
from resolvers.options import ResolverOptions
from resolvers.reference import Reference
from resolvers.scope import ScopeCache
from store import audit
from store.audit_writer import AuditWriter

ORGANISATION_LEVELS = frozenset(
    {Level.CENTRAL, Level.MINISTRY, Level.PROVINCE, Level.COMMUNE, Level.UNIT}
)
"""Levels that manage an organisation's subtree; a partner names its agency but is always
outside (docs/policies.md), so no scope is loaded for it."""


class ContextFactory:
    def __init__(
        self,
        engine: AsyncEngine,
        options: ResolverOptions,
        policy: Policy,
        reference: Callable[[], Reference],
        sources: Callable[[], Mapping[str, Source]] = dict,
    ) -> None:
        self._sources = sources
        self._engine = engine
        self._options = options
        self._policy = policy
        self._reference = reference
        self._scopes = ScopeCache(engine)
        self._views: OrderedDict[Caller, CallerView] = OrderedDict()
        self.audit = AuditWriter(engine)

    def view(self, caller: Caller) -> CallerView:
        """The policy compiled for a caller, reused across that caller's requests."""
        # what a caller may see depends on who it is, not on which of its tokens it sent
        key = replace(caller, token_id=None)
        view = self._views.get(key)
        if view is None:
            view = CallerView(self._policy, caller)
            self._views[key] = view
            if len(self._views) > 4096:
                self._views.popitem(last=False)
        return view

    async def create(
        self, caller: Caller, request_id: str, requested: Mapping[str, frozenset[str]]
    ) -> Context:
        scope = None
        if caller.organization is not None and caller.level in ORGANISATION_LEVELS:
            scope = await self._scopes.get(caller.organization)
        access = Access(self.view(caller), scope, requested)
        return Context(
            self._engine,
            self._options,
            self._reference(),
            access,
            request_id,
            self._sources(),
            self._scopes,
        )

    async def finish(self, context: Context) -> None:
        """Audit the personal and sensitive fields this response carried, if any."""
        accessed = context.access.accessed()
        if not accessed:
            return
        caller = context.access.caller
        drafts = [
            audit.draft(
                request_id=context.request_id,
                client_id=caller.client_id,
                subject=caller.subject,
                level=caller.level.value,
                organization=caller.organization,
                purposes=sorted(caller.purposes),
                person_ids=people,
                fields=fields,
            )
            for people, fields in accessed
        ]
        # committed before the response leaves; written together with the rows of the
        # requests finishing meanwhile (group commit, store/audit_writer.py)
        await self.audit.append(drafts)
