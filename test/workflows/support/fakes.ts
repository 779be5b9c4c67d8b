import type { ComputeActivities } from '../../../activities/compute';
import type { createConductorActivities } from '../../../activities/conductor';

/** Fakes of the conductor's activities (local and regular), typed by the real ones. */
export type ConductorFakes = Partial<ReturnType<typeof createConductorActivities>>;

/** Fakes of one compute host's activities, on its queue `compute.<host>`. */
export type HostFakes = Partial<ComputeActivities>;

/** One activity attempt as a fake saw it: where it ran, which activity, its input. */
export interface Call {
  /** 'conductor' or the compute host's name. */
  where: string;
  activity: string;
  input: any;
  /** When it started (Date.now()). */
  at: number;
}

type Activity = (...args: any[]) => Promise<unknown>;

/** Every activity attempt of a test, in the order they ran, across the conductor and the hosts. */
export class Journal {
  readonly calls: Call[] = [];

  /** Wraps the fakes so each attempt is recorded before it runs. */
  record<T extends object>(where: string, fakes: T): T {
    const wrapped = Object.entries(fakes).map(([activity, fake]) => [
      activity,
      (...args: unknown[]) => {
        this.calls.push({ where, activity, input: args[0], at: Date.now() });
        return (fake as Activity)(...args);
      },
    ]);
    return Object.fromEntries(wrapped) as T;
  }

  /** `where.activity` of each attempt, e.g. ['conductor.scheduleInstance', 'compute1.spawn', ...]. */
  names(filter: (call: Call) => boolean = () => true): string[] {
    return this.calls.filter(filter).map((call) => `${call.where}.${call.activity}`);
  }

  /** The step key of each conductor attempt (the engine's ledger key), in order. */
  conductorSteps(): string[] {
    return this.calls.filter((call) => call.where === 'conductor').map((call) => call.input.step as string);
  }

  /** The inputs of every attempt of `where.activity`. */
  inputsOf(name: string): any[] {
    return this.calls.filter((call) => `${call.where}.${call.activity}` === name).map((call) => call.input);
  }

  /** Resolves when an attempt of `where.activity` has started (polled: fakes run in this process). */
  async started(name: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inputsOf(name).length === 0) {
      if (Date.now() > deadline) throw new Error(`${name} never ran; ran: ${this.names().join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
