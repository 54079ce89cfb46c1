"""Import every model module so `Base.metadata` knows every table."""


def load_all_models() -> None:
    import api.content.models  # noqa: F401
    import api.directory.models  # noqa: F401
    import api.directory.oruk_models  # noqa: F401
    import api.staff.audit  # noqa: F401
    import api.staff.models  # noqa: F401
    import api.outbox.models  # noqa: F401
    import api.referrals.models  # noqa: F401
    import api.bookings.models  # noqa: F401
    import api.turns.models  # noqa: F401
    import api.unanswered.models  # noqa: F401
    import api.sms.models  # noqa: F401
    import api.teaching.models  # noqa: F401
