"""Conversation risk engine: grooming, sextortion, bullying and abuse-material trade in Khmer,
Vietnamese and English. Entry points: ``engine.RiskEngine`` and ``engine.analyze_conversation``."""
