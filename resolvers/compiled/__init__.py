"""Store-backed reads compiled to SQL (issue 15): one statement per root field builds its JSON.

`catalogue` says which GraphQL fields are plain columns; `selection` collects a field's
selection (aliases, fragments) into a tree the planner can compile or refuses; `policy_sql`
turns the caller's compiled policy view into SQL (relation per row, masks as CASE);
`statements` writes the SQL (`lists` the dossier lists' paging); `results` turns the
statement's JSON into data, FORBIDDEN and BAD_USER_INPUT errors, the audit's notes and the row
objects whose remaining fields schema/compiled_execution.py merges in; `planner` ties them
together per root field and caches the plans.
"""
