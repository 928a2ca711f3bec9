from product_context_handlers.dispatch import handler as handler  # type: ignore[import-not-found]
