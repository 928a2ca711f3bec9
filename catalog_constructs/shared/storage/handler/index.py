from storage_handlers.dispatch import handler as handler, purge_handler as purge_handler  # type: ignore[import-not-found]
