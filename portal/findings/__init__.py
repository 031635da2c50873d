"""Findings (抽查、投诉、事故、满意度调查、劳动争议): what only the bureau's people can know."""
