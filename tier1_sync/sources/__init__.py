"""CS platform sources: the export files and the platforms' APIs, behind one interface."""
