import { badRequest } from '../../../common/api-error';
import { SERVER_ACTIONS } from './action-table';
import { type ServerAction } from './server-action';

/**
 * The action a body asks for, as Nova's action_peek reads it: a JSON object with exactly one
 * key, the action's name ("Malformed request body" otherwise), which must be an action served
 * ("There is no such action: X").
 */
export function actionOf(body: unknown): { name: string; action: ServerAction; value: unknown } {
  const keys = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : [];
  if (keys.length !== 1) throw badRequest('Malformed request body');
  const [name] = keys;
  const action = Object.hasOwn(SERVER_ACTIONS, name) ? SERVER_ACTIONS[name] : undefined;
  if (!action) throw badRequest(`There is no such action: ${name}`);
  return { name, action, value: (body as Record<string, unknown>)[name] };
}
