from catalog_admin_handlers.dispatch import handler as handler  # type: ignore[import-not-found]
