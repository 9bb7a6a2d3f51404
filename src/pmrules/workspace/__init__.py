"""Reading a workspace folder into validated models, and checking that its ids refer to each other."""

from pmrules.workspace.load import Actuals, Workspace, load_workspace

__all__ = ["Actuals", "Workspace", "load_workspace"]
