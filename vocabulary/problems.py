"""What is wrong with a value, as adapters and the sync pass it around.

A `Problem` names the standard field, the reject-catalogue rule that it breaks, the value as the
source wrote it and the form that was expected. Adapters raise problems about what they read;
normalisation and validation add their own; the record's outcome carries every one of them, so
nothing an adapter noticed is dropped and nothing is parsed back out of a "field: reason" string.

`value` is personal data whenever the field is: it is stored with the reject and shown only to
callers whom the policy engine lets see that field of that person, never written to a log or to
a run's error text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    field: str | None  # a standard field name; None when the record as a whole is at fault
    rule: str  # the rule's id in the reject catalogue
    value: str | None = None  # the offending value as the source wrote it
    expected: str | None = None  # the form the standard expects, in words or a pattern

    def in_entry(self, table: str, number: int) -> Problem:
        """The same problem named within entry `number` (from 1) of a dossier list:
        "dossier_family_member[2].full_name"."""
        return Problem(f"{table}[{number}].{self.field}", self.rule, self.value, self.expected)

    def describe(self) -> str:
        """A line for logs and run errors: field and rule only, never the value."""
        return f"{self.field}: {self.rule}" if self.field else self.rule
