"""Evidence bundles (证据目录 and the paginated PDF a lawyer files with the court).

``spec`` is the shared interface; ``assemble`` builds the PDF; ``preflight`` reports originals that
cannot go in as they are; the collector and the build service live beside them.
"""
