/**
 * The account's event buses, kept durably: the default bus, made the first
 * time the local cloud opens its state, and the custom buses made through
 * CreateEventBus (at most 50, EventBridge's quota).
 */
import type { RecordStore } from "../state/record-store.ts";
import { DEFAULT_BUS } from "./event-bus-name.ts";
import { eventBridgeErrors } from "./eventbridge-errors.ts";

export const MAX_CUSTOM_BUSES = 50;

export interface BusRecord {
  name: string;
  description: string;
  /** Epoch milliseconds. */
  createdAt: number;
}

export class EventBuses {
  /** Creations run one at a time, so two at once cannot both pass the quota. */
  private creating: Promise<unknown> = Promise.resolve();

  private constructor(private readonly store: RecordStore<BusRecord>) {}

  /** The buses in `store`, with the default bus made if it is not there yet. */
  static async open(store: RecordStore<BusRecord>, now: number): Promise<EventBuses> {
    await store.update(DEFAULT_BUS, (current) => ({
      next: current ?? { name: DEFAULT_BUS, description: "", createdAt: now },
      result: undefined,
    }));
    return new EventBuses(store);
  }

  get(name: string): BusRecord | undefined {
    return this.store.get(name);
  }

  /** Every bus, by name. */
  list(): BusRecord[] {
    return [...this.store.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  }

  /** Makes a custom bus; refuses a name in use and one past the quota. */
  create(name: string, description: string, now: number): Promise<BusRecord> {
    const created = this.creating.then(() => {
      const custom = this.list().filter((bus) => bus.name !== DEFAULT_BUS).length;
      if (this.store.get(name) === undefined && custom >= MAX_CUSTOM_BUSES) {
        throw eventBridgeErrors.busCountExceedLimit(custom, MAX_CUSTOM_BUSES);
      }
      return this.store.update(name, (current) => {
        if (current !== undefined) throw eventBridgeErrors.busAlreadyExist(name);
        const bus = { name, description, createdAt: now };
        return { next: bus, result: bus };
      });
    });
    this.creating = created.catch(() => {});
    return created;
  }

  /** Removes a custom bus; the caller removes its events. */
  async delete(name: string): Promise<void> {
    await this.store.update(name, (current) => {
      if (current === undefined) throw eventBridgeErrors.busNotExist(name);
      return { next: undefined, result: undefined };
    });
  }

  /** Throws EventBusNotExist unless the bus exists. */
  require(name: string): BusRecord {
    const bus = this.store.get(name);
    if (bus === undefined) throw eventBridgeErrors.busNotExist(name);
    return bus;
  }
}
