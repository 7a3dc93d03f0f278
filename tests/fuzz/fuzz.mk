# Filled in by the fuzz targets.
fuzz:
	@echo "no fuzz targets yet"
