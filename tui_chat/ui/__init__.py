"""The Textual app. It depends on the engine; the engine never imports from here."""
