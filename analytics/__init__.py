"""Analysis for the Government: staffing against quotas, breakdowns, trends (issue 7).

Pure logic and the summary tables' SQL live here; GraphQL types in schema/analytics.py, the
resolvers in resolvers/analytics.py, the dashboard and exports in gateway/.
"""
