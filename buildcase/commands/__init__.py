"""The commands: each parses nothing (cli.py does) and runs the pipeline its way."""
