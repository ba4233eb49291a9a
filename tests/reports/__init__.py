"""Reports: participation, result sheets, roll-ups, exports, item analysis."""
