"""The author's tools and the command line: check, explore, graph, stats, new."""
