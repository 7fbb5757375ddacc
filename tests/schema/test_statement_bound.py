"""DataLoaders: the SQL a request runs depends on the query's shape, never on how many rows."""

from __future__ import annotations

from typing import Any

from store.database import StatementCounter

NESTED = """
query($first: Int!) {
  persons(first: $first) {
    edges { node {
      fullName
      grade { name scale { code } }
      ethnicity { name }
      organization { code name parent { code name parent { code } } ancestors { code } }
    } }
  }
  organizations(first: $first, filter: {levels: [PROVINCE]}) {
    edges { node { code children { code } persons(first: 3) { edges { node { fullName
      organization { code } } } } } }
  }
}
"""


async def statements_for(gql: Any, statements: StatementCounter, first: int) -> int:
    statements.reset()
    data = await gql.data(NESTED, {"first": first})
    assert len(data["persons"]["edges"]) == first
    return statements.count


async def test_statement_count_does_not_grow_with_the_page(
    gql: Any, statements: StatementCounter
) -> None:
    small = await statements_for(gql, statements, 2)
    large = await statements_for(gql, statements, 30)
    assert small == large, statements.statements
    # persons page, organizations page, people's organisations, two parent levels, ancestors,
    # children, the provinces' staff: one statement each
    assert large <= 10, statements.statements


async def test_code_lists_cost_no_statement(gql: Any, statements: StatementCounter) -> None:
    statements.reset()
    await gql.data(
        "{ persons(first: 50) { edges { node { grade { name } ethnicity { name } "
        "religion { name } salary { coefficient } position { name } } } } }"
    )
    assert statements.count == 1, statements.statements
