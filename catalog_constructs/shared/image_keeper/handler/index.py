from image_keeper_handlers.keeper import handler as handler  # type: ignore[import-not-found]
