"""Document and chart output: XLSX, DOCX, PDF, SVG charts, admin export formats."""
