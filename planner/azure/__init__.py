"""Reading Azure's own files (docs/azure.rst): Retail Prices API pages and circuit inventories."""
