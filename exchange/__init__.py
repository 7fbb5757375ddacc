"""Exchange between MOHA and the agencies: the protocol, and the connector an agency runs.

exchange/protocol.py holds every payload shape (with its version), exchange/connector.py the
Starlette service that serves them from an agency database (exchange/staffdb.py). Signing and
encryption of the same payloads come later, as an envelope around them.
"""
