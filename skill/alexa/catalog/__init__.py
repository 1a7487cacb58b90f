"""Message catalogs, one module per capability: MESSAGES[locale][key] = template."""
