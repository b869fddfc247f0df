"""The generated data sets."""
