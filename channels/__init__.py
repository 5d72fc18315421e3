"""Custom Rasa input and output channels (Telegram)."""
