"""The hrsys-v1 signature (R-INT-2): the scheme AI vendors use to sign what they send us (SignatureScheme
HRSYS_V1 in interviews/ai), so one verification recipe serves both directions.

``X-Hrsys-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>``
"""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hrsys-Signature"
EVENT_ID_HEADER = "X-Hrsys-Event-Id"
EVENT_TYPE_HEADER = "X-Hrsys-Event-Type"
DELIVERY_ID_HEADER = "X-Hrsys-Delivery-Id"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={int(timestamp)},v1={sign(secret, int(timestamp), body)}"
