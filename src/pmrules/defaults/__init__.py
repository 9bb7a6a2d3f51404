"""pmrules' own KPIs, rule sets, functions and payout formats, registered through the same hooks as any third-party plugin."""
