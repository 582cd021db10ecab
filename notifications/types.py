from dataclasses import dataclass


@dataclass(frozen=True)
class Recipient:
    """Who a notification goes to, as the calling app knows them.

    ``type`` is a model label ("candidates.candidate", "accounts.user") and ``id``
    its key: notifications stores the reference and never imports the model.
    Contact data is copied (encrypted) so the message can be delivered and proven later.
    """

    type: str
    id: str | int
    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = "zh-hans"
    time_zone: str = "Asia/Shanghai"

    @classmethod
    def for_user(cls, user) -> "Recipient":
        return cls(type="accounts.user", id=user.pk, name=str(user), email=user.email or "",
                   phone=getattr(user, "phone", "") or "",
                   language=getattr(user, "preferred_language", "") or "zh-hans")
