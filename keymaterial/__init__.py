"""Key material: sealing private halves with the key-encryption key, and one key lifecycle.

The gateway's token signing keys (gateway/auth/) and the exchange's party keys (exchange/keys.py)
both live by these rules; each keeps its own store (the signing_key table; the key files).
"""
