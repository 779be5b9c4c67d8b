const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Whether `text` is a UUID PostgreSQL accepts: anything else cannot name a uuid-keyed row. */
export const isUuid = (text: string) => UUID.test(text);
