"""Report builders: aggregate queries, PDFs, spreadsheets, item analysis."""
