"""Reading Azure's own files (SPEC section 9): Retail Prices API pages and circuit inventories."""
