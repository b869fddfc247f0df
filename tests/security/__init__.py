"""The secret key and the log-in throttle."""
