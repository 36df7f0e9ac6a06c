"""The domain operations: plain functions over a Context (one session, one actor).

The CLI parses, calls one of these, and renders what it returns; a Python user can
do the same by importing them.
"""
