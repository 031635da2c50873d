"""Station establishment (seed 001 第二章), station qualifications: one-off subsidies, excellent stations, cancellation."""
