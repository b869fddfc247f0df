"""The campus command, serving and its workers."""
