"""What can be run: the `campus` command line and its subcommands."""
