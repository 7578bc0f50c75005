"""Evidence about the market: signals, regulations, conference events and attendees."""
