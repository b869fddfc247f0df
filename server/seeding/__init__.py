"""Where data comes from: the demo data set and the generated data sets, loaded in bulk."""
