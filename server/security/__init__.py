"""Who may do what: signed tokens and password hashes, the secret key, the log-in throttle."""
