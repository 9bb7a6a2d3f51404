"""pmrules' own KPIs and rule sets, registered through the same hooks as any third-party plugin."""
