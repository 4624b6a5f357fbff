"""`python -m mncost ...` runs the command line."""

from .entry import run

run(prog_name="mncost")
