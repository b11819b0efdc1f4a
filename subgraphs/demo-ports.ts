/**
 * The demo mesh's products, in its order, and the ports `npm start` serves them on, without
 * their definitions: what `meshgate --help` names, read without loading a product.
 */
export const DEMO_PORTS = { customers: 4001, sales: 4002, catalog: 4003, forecasts: 4004, 'customer-insights': 4005 } as const;
