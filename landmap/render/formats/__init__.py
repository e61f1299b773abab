"""Data files: GeoPackage, GeoJSON, KML/KMZ, zipped Shapefile, CSV and XLSX.

``write`` writes layers and tables through the privacy profile with provenance beside
(:func:`~landmap.render.formats.write.write_data`); ``kml`` builds KML as text; ``sharing``
makes the lighter versions of outlines meant for sharing.
"""
