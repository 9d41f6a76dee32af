"""Admin for 惠企政策奖补."""
