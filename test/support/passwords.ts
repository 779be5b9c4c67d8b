/** Passwords of the seeded users (admin, demo, nova) in every test database. */
export const TEST_PASSWORDS = { admin: 'admin-secret', demo: 'demo-secret', service: 'service-secret' };
