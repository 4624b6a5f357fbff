"""`python -m mncost ...` runs the command line."""

from .cli import main

main(prog_name="mncost")
