"""Campus GraphQL's runtime: settings, database, services, realtime, the HTTP surface, the CLI.

One folder per concern (README, "How the code is laid out"); the settings,
read once, are the only module at the top.
"""
