"""What buildcase keeps between runs: private cache folders, and compiled templates in them."""
