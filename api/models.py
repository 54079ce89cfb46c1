"""Import every model module so `Base.metadata` knows every table."""


def load_all_models() -> None:
    import api.content.models  # noqa: F401
    import api.directory.models  # noqa: F401
