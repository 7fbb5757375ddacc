"""Statistics as CSV and XLSX files: the caller's token, the same checks as GraphQL."""

from __future__ import annotations

import csv
import io

import httpx
from graphql_client import CENTRAL, token_for
from openpyxl import load_workbook
from starlette.applications import Starlette

from policies.types import Caller, Level

QUERY = """{ statistics(groupBy: [PROVINCE, CATEGORY], filter: {statuses: [ACTIVE]}) {
  cells { keys labels count suppressed } } }"""


async def _cells(client: httpx.AsyncClient, app: Starlette) -> list[dict[str, object]]:
    response = await client.post(
        "/graphql",
        json={"query": QUERY},
        headers={"Authorization": f"Bearer {token_for(app, CENTRAL)}"},
    )
    return response.json()["data"]["statistics"]["cells"]  # type: ignore[no-any-return]


async def test_csv_and_xlsx_hold_the_same_table_as_graphql(
    client: httpx.AsyncClient, analytics_app: Starlette
) -> None:
    cells = await _cells(client, analytics_app)
    expected = [
        [c["keys"][0] or "", c["keys"][1] or "", c["labels"][0] or "", str(c["count"]), "False"]  # type: ignore[index]
        for c in cells
    ]
    headers = {"Authorization": f"Bearer {token_for(analytics_app, CENTRAL)}"}
    params = {"groupBy": "PROVINCE,CATEGORY", "statuses": "ACTIVE"}
    response = await client.get("/export/statistics.csv", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["PROVINCE", "CATEGORY", "PROVINCE_LABEL", "COUNT", "SUPPRESSED"]
    assert rows[1:] == expected

    response = await client.get("/export/statistics.xlsx", params=params, headers=headers)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert values[0] == rows[0]
    assert values[1:] == expected


async def test_exports_obey_the_policy_and_suppression(
    client: httpx.AsyncClient, analytics_app: Starlette
) -> None:
    refused = await client.get("/export/statistics.csv", params={"groupBy": "GENDER"})
    assert refused.status_code == 403
    province = Caller(Level.PROVINCE, organization="000.00.00.H24")
    headers = {"Authorization": f"Bearer {token_for(analytics_app, province)}"}
    refused = await client.get(
        "/export/statistics.xlsx", params={"groupBy": "ETHNICITY"}, headers=headers
    )
    assert refused.status_code == 403
    bad = await client.get("/export/statistics.csv", params={"groupBy": "SHOE_SIZE"})
    assert bad.status_code == 400
    unknown = await client.get("/export/statistics.pdf", params={"groupBy": "PROVINCE"})
    assert unknown.status_code == 404
    forged = await client.get(
        "/export/statistics.csv", params={"groupBy": "PROVINCE"},
        headers={"Authorization": "Bearer not-a-token"},
    )  # fmt: skip
    assert forged.status_code == 401
    public = await client.get("/export/statistics.csv", params={"groupBy": "PROVINCE,ORGANIZATION"})
    assert public.status_code == 200
    rows = list(csv.reader(io.StringIO(public.content.decode("utf-8-sig"))))
    suppressed = [row for row in rows[1:] if row[-1] == "True"]
    assert suppressed
    assert all(row[-2] == "" for row in suppressed)
    assert all(int(row[-2]) >= 5 for row in rows[1:] if row[-1] == "False")
