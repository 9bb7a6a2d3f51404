"""Reading a workspace folder into validated models, and checking that its ids refer to each other."""

from pmrules.workspace.load import Actuals, Workspace, load_workspace
from pmrules.workspace.organisation import Organisation

__all__ = ["Actuals", "Organisation", "Workspace", "load_workspace"]
