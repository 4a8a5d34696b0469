"""The commands: each parses nothing (cli_parser.py does) and runs the pipeline its way."""
