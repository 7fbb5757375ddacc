"""What validating inputs at the boundary costs a request: gateway/operation_inputs.py's walk,
against the variable coercion graphql-core does anyway for execution (the baseline).

No I/O: both run on the parsed directory page of bench/query_vs_raw.py and on a filter-heavy
operation (every PersonFilter field, literal and variable). Prints microseconds per call and the
ratio. Run: `python -m bench.input_walk`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
from graphql.execution.values import get_variable_values

from bench.query_vs_raw import DIRECTORY_QUERY, PAGE_SIZE
from gateway.operation_inputs import input_problem
from schema import schema

FILTERED = """query Filtered($search: String, $grades: [String!], $year: Int) {
  persons(filter: {organization: "BNV", search: $search, gradeCodes: $grades,
                   categories: [CIVIL_SERVANT], statuses: [ACTIVE]}, first: 50) {
    edges { node { id fullName } }
  }
  statistics(by: [PROVINCE, CATEGORY], year: $year) { totalCount }
}"""

CASES = {
    "directory page": (DIRECTORY_QUERY, {"organization": "BNV", "first": PAGE_SIZE}),
    "filters": (FILTERED, {"search": "nguyen van", "grades": ["01.003", "01.002"], "year": 2026}),
}


def _per_call_us(function: Callable[[], object], calls: int = 2000, rounds: int = 7) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            function()
        samples.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(samples)


def main() -> None:
    core = schema._schema
    print(f"{'operation':16} {'walk µs':>9} {'coercion µs':>12} {'ratio':>6}")
    for name, (query, variables) in CASES.items():
        document = parse(query)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        assert input_problem(core, operation, fragments, variables) is None
        walk = _per_call_us(partial(input_problem, core, operation, fragments, variables))
        definitions = operation.variable_definitions or ()
        coerce = _per_call_us(partial(get_variable_values, core, definitions, variables))
        print(f"{name:16} {walk:9.1f} {coerce:12.1f} {walk / coerce:6.1f}")


if __name__ == "__main__":
    main()
