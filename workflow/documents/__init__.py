"""Documents: the template registry, sandboxed DOCX rendering, PDF conversion, stored documents."""
