"""Readers and writers: vector files, tables with coordinates, KML/KMZ, Kobo/ODK."""
