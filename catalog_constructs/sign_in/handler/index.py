from sign_in_handlers.app import handler as handler  # type: ignore[import-not-found]
