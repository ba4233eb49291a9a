"""ReportLab document builders: plain data in, PDF bytes out."""
