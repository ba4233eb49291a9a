"""Domain services: plain arguments in, results or domain exceptions out."""
