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
    counts = {first: await statements_for(gql, statements, first) for first in (2, 30, 100)}
    # persons page, organizations page, people's organisations, two parent levels, ancestors,
    # children, the provinces' staff: at most one statement each; and the audit record of the
    # sensitive field (ethnicity), one statement. DataLoader priming (children
    # seen already need no lookup) can save statements, or split a level into two batches when
    # some rows of a level are cached and others are not: the count is bounded by the query's
    # shape, never proportional to the rows (an N+1 would add a hundred statements here).
    assert max(counts.values()) <= 9, (counts, statements.statements)


async def test_the_same_statements_serve_any_number_of_keys(
    gql: Any, statements: StatementCounter
) -> None:
    texts = []
    for first in (5, 40):
        await statements_for(gql, statements, first)
        texts.append(sorted(statements.statements))
    assert set(texts[1]) <= set(texts[0]) | set(texts[1])
    assert len(set(texts[0]) | set(texts[1])) == len(set(texts[1])), (
        "a lookup of more keys must reuse the same SQL text (one array parameter, not IN lists)"
    )


async def test_code_lists_cost_no_statement(gql: Any, statements: StatementCounter) -> None:
    statements.reset()
    await gql.data(
        "{ persons(first: 50) { edges { node { grade { name } position { name } "
        "education { professionalLevel } } } } }"
    )
    assert statements.count == 1, statements.statements
    statements.reset()
    await gql.data(
        "{ persons(first: 50) { edges { node { ethnicity { name } religion { name } } } } }"
    )
    # the page, and the audit record of the sensitive fields it carried (one statement)
    assert statements.count == 2, statements.statements
