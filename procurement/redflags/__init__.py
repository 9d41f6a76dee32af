"""Red-flag checks: documented rule classes (legal basis, thresholds, effective dates) run at data-entry time.

``rules.RULES`` lists them; ``engine.run_red_flags(tender, event)`` runs those bound to the event ("bid" when bids are
recorded or opened, "award", "contract") and stores one ``RedFlag`` per finding, keeping reviewer dispositions.
"""
