"""Bank file formats: the native YAML format (read and write); Moodle GIFT and Aiken (read)."""
