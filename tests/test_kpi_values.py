"""KPI values per owner: exact, in dependency order, problems with reasons, each KPI compiled once per catalog."""

from __future__ import annotations

from decimal import Decimal

from pmrules.catalog import build, build_catalog, evaluate_kpis
from pmrules.formula import ExactFormula
from pmrules.rational import Fraction
from pmrules.workspace import Actuals

ACTUALS = Actuals({"a": {"clients_start": Decimal(200), "clients_retained": Decimal(150)},
                   "b": {"clients_start": Decimal(100)}})
REQUESTS = [("a", "churn_rate"), ("b", "churn_rate")]


def test_values_in_dependency_order_and_problems(pm):
    values = evaluate_kpis(build_catalog(pm), ACTUALS, REQUESTS)
    assert values.get("a", "retention_rate") == Fraction(3, 4)
    assert values.get("a", "churn_rate") == Fraction(1, 4)
    assert values.get("b", "churn_rate") is None
    assert values.problems[("b", "retention_rate")] == "input 'clients_retained' has no value for 'b'"
    assert values.problems[("b", "churn_rate")].startswith("KPI 'retention_rate' for 'b': ")


def test_each_kpi_is_compiled_once_per_catalog(pm, monkeypatch):
    catalog = build_catalog(pm)
    compiled: list[str] = []
    real = build.compile_exact

    def counting(expr, names):
        compiled.append(str(expr))
        return real(expr, names)

    monkeypatch.setattr(build, "compile_exact", counting)
    first = evaluate_kpis(catalog, ACTUALS, REQUESTS)
    second = evaluate_kpis(catalog, ACTUALS, REQUESTS)
    assert len(compiled) == 2  # retention_rate and churn_rate, each once over two evaluations
    assert first == second
    assert isinstance(catalog.kpis["churn_rate"].exact, ExactFormula)
    assert catalog.kpis["churn_rate"].exact is catalog.kpis["churn_rate"].exact
    assert catalog.kpis["churn_rate"].arguments == ("retention_rate",)


def test_a_new_catalog_compiles_again(pm, monkeypatch):
    compiled: list[str] = []
    real = build.compile_exact
    monkeypatch.setattr(build, "compile_exact", lambda expr, names: compiled.append(str(expr)) or real(expr, names))
    evaluate_kpis(build_catalog(pm), ACTUALS, REQUESTS)
    evaluate_kpis(build_catalog(pm), ACTUALS, REQUESTS)
    assert len(compiled) == 4
