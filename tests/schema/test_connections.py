"""Every paged list is a Relay connection under the type names clients have always used.

The connections are one generic definition (schema/connection.py); clients' fragments name the
specialised types (`... on PersonConnection`), so those names and fields are the contract.
"""

from __future__ import annotations

from graphql import print_type

from schema import schema
from schema.dossier import DOSSIER_LISTS

PLAIN = (
    "AccessRecord",
    "Reading",
    "SyncRun",
    "SyncReject",
    "SyncConflict",
    "SyncCorrection",
    *(record.__name__ for _table, record in DOSSIER_LISTS.values()),
)
COUNTED = ("Person", "Organization")


def _printed(name: str) -> str:
    return print_type(schema._schema.type_map[name])


def test_each_connection_has_its_edges_and_page_info() -> None:
    for node in PLAIN:
        assert _printed(f"{node}Connection") == (
            f"type {node}Connection {{\n  edges: [{node}Edge!]!\n  pageInfo: PageInfo!\n}}"
        )
    for node in COUNTED:
        printed = _printed(f"{node}Connection")
        assert printed.startswith(
            f"type {node}Connection {{\n  edges: [{node}Edge!]!\n  pageInfo: PageInfo!\n"
        )
        assert printed.endswith("  totalCount: Int!\n}")


def test_each_edge_has_a_cursor_and_its_node() -> None:
    for node in PLAIN + COUNTED:
        assert _printed(f"{node}Edge") == (
            f"type {node}Edge {{\n  cursor: String!\n  node: {node}!\n}}"
        )


def test_page_info_is_one_type() -> None:
    assert _printed("PageInfo") == (
        "type PageInfo {\n  hasNextPage: Boolean!\n  hasPreviousPage: Boolean!\n"
        "  startCursor: String\n  endCursor: String\n}"
    )
    connections = [name for name in schema._schema.type_map if name.endswith("Connection")]
    assert sorted(connections) == sorted(f"{node}Connection" for node in PLAIN + COUNTED)
