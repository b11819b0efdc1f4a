/**
 * What an analytics dashboard over the demo mesh asks on every refresh: one query per
 * panel, each crossing products. Sent round-robin on every connection.
 */
export const DASHBOARD_QUERIES: readonly { name: string; query: string }[] = [
  {
    name: 'top customers with lifetime value',
    query: `{ customers(first: 50, filter: { segment: ENTERPRISE }) { totalCount edges { node {
      id name country signupDate orderSummary { orderCount totalSpentUsd lastOrderDate }
      lifetimeValueUsd valueTier churnRisk } } } }`,
  },
  {
    name: 'orders by month with forecasts',
    query: `{ revenueByMonth(from: "2025-04-01", to: "2026-03-31") { month orderCount revenueUsd }
      forecastTotalsByMonth(fromMonth: "2026-04", toMonth: "2027-03") { month units revenueUsd } }`,
  },
  {
    name: 'revenue by category against stock',
    query: `{ revenueByCategory(from: "2025-01-01", to: "2025-12-31") { category orderCount units revenueUsd }
      revenueByCurrency(from: "2025-01-01", to: "2025-12-31") { currency orderCount revenueUsd }
      categories { category productCount unitsInStock averageListPrice } }`,
  },
  {
    name: 'recent orders with product forecasts',
    query: `{ orders(first: 25, filter: { from: "2026-03-01" }) { totalCount edges { node {
      id orderDate status totalUsd customer { name segment churnRisk }
      lines { quantity amount product { sku name category forecast(months: 3) { month units } } } } } } }`,
  },
  {
    name: 'churn watch list',
    query: `{ insights(customerIds: ["C00001", "C00002", "C00003", "C00042", "C00100", "C00250", "C00500"]) {
      id orderCount averageOrderValueUsd daysSinceLastOrder tenureMonths churnRisk lifetimeValueUsd valueTier }
      insightModel { asOfDate mediumRiskAfterDays highRiskAfterDays valueTiers { tier minLifetimeValueUsd } } }`,
  },
];
