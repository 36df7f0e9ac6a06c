"""The Typer CLI: parse, call one operation, render.  No ORM import at start-up."""
