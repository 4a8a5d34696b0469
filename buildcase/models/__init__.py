"""The proposal as typed models: what a value parses to (`quantities`), how it is parsed
(`parsers`, and `currencies` for the currency code), the value kinds as types (`values`),
the base of every model (`base`), the sections that make the case (`sections`, with
`Proposal`, the whole file), those that plan the training and win its approval (`plan`),
the results (`results`), and the JSON Schema made from them (`schema`). Import each name
from the module that defines it.

These models are the format reference in code: `buildcase schema` is generated from them,
and the validate stage turns their errors into located messages.
"""
