"""The `plinsights` command: a thin shell over the core for people and scripts. Not packaged into
the Lambda functions, so it may use terminal libraries."""
