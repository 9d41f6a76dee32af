"""惠企政策奖补: models (built in its own issue)."""
