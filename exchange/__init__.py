"""Exchange between MOHA and the agencies: the protocol, and the connector an agency runs.

exchange/protocol.py holds every payload shape (with its version), read field by field with
exchange/payload.py; exchange/connector.py is the Starlette service that serves them from an
agency database (exchange/staffdb.py), its change feed paged by exchange/cursor.py. The
envelope around them (docs/exchange-protocol.md):

    envelope.py     sign and verify requests; seal (sign, then encrypt) and open responses
    keys.py         each party's keys, JWKS, rotation and revocation; the keys a verifier trusts
    provision.py    the key folder's layout; fresh keys for the sandbox
    guard.py        the connector's side (verify, seal, log); caller.py MOHA's side
    msglog.py       the hash-chained message log
    merkle.py       Merkle roots and inclusion proofs; approval.py the monthly approval
    approvals_store.py  approvals and the message log in the Ministry store
    conformance.py  `cbccvc exchange check URL`
"""
