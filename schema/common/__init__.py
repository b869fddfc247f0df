"""What the schema's domains share: the request context, errors, extensions, writing."""
