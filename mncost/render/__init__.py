"""Renderers: each turns a Report into one output format and returns it; none prints or writes."""
