"""Store-backed reads compiled to SQL (issue 15): one statement per root field builds its JSON.

`catalogue` says which GraphQL fields are plain columns; `selection` collects a field's
selection (aliases, fragments) into a tree the planner can compile or refuses; `policy_sql`
turns the caller's compiled policy view into SQL (relation per row, masks as CASE);
`statements` writes the SQL; `results` turns the statement's JSON into data, FORBIDDEN errors
and the audit's notes; `planner` ties them together per root field and caches the plans.
"""
