import { strictBool } from '../../apps/api/compute/bool-param';
import { actionOf } from '../../apps/api/compute/servers/actions/action-body';
import { SERVER_ACTIONS } from '../../apps/api/compute/servers/actions/action-table';
import { printable } from '../../apps/api/compute/servers/actions/console-text';

describe('server actions', () => {
  it("reads the action from a body as Nova's action_peek", () => {
    expect(actionOf({ reboot: { type: 'HARD' } })).toMatchObject({ name: 'reboot', value: { type: 'HARD' } });
    expect(actionOf({ 'os-stop': null }).action).toBe(SERVER_ACTIONS['os-stop']);
    for (const body of [
      undefined,
      null,
      'os-stop',
      5,
      [],
      ['os-stop'],
      {},
      { 'os-stop': null, 'os-start': null },
    ]) {
      expect(() => actionOf(body)).toThrow('Malformed request body');
    }
    expect(() => actionOf({ shelve: null })).toThrow('There is no such action: shelve');
    // Inherited properties are no actions.
    expect(() => actionOf({ toString: null })).toThrow('There is no such action: toString');
  });

  it("answers 200 only for os-getConsoleOutput and evacuate, 204 for confirmResize, and names Nova's policies", () => {
    const statuses = Object.entries(SERVER_ACTIONS).map(([name, action]) => [name, action.status]);
    expect(statuses.filter(([, status]) => status === 200)).toEqual([
      ['evacuate', 200],
      ['os-getConsoleOutput', 200],
    ]);
    expect(statuses.filter(([, status]) => status === 204)).toEqual([['confirmResize', 204]]);
    expect(SERVER_ACTIONS.forceDelete.policy).toBe('os_compute_api:os-deferred-delete:force');
    expect(SERVER_ACTIONS['os-resetState'].policy).toBe('os_compute_api:os-admin-actions:reset_state');
  });

  it('strips control characters from console output but keeps tabs and newlines', () => {
    expect(printable('a\x00b\x07c\td\ne\x0bf\x1b[0mg\x1f\x7f')).toBe('abc\td\nef[0mg\x7f');
  });

  it("reads a boolean query parameter as oslo's strict bool_from_string", () => {
    expect(strictBool(' TRUE ')).toBe(true);
    expect(strictBool('0')).toBe(false);
    expect(() => strictBool('maybe')).toThrow(
      "Invalid input received: Unrecognized value 'maybe', acceptable values are: " +
        "'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'",
    );
  });
});
