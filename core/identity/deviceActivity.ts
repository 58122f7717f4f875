import type { StoredEvent } from '../events/schema.js';
import { normaliseValue } from './identities.js';

/*
 * Events counted per device, across every account that uses it: coupon farming (薅羊毛) makes many accounts on
 * one phone, each claiming once, which no per-user count sees. Which events are counted is read from the rules
 * (the names their `device_count_hours` calls give); the tagger keeps each device's recent ones in the
 * identities table, next to the device's identity link (core/store/deviceActivity.ts).
 */

/** The rule function that counts a device's events, and so decides which events are kept per device. */
export const DEVICE_COUNT_FUNCTION = 'device_count_hours';
/** How far back a device's events are kept, from its newest: the longest window a device count can look at. */
export const DEVICE_WINDOW_HOURS = 72;
/** At most this many events are kept per device (the newest): enough for any threshold worth a rule. */
export const DEVICE_EVENTS_MAX = 200;

const HOUR_MS = 3_600_000;

/** One counted event of a device. */
export interface DeviceEvent {
  event: string;
  at: string;
}

/** A device's counted events by event id, and what this batch changed of the stored ones. */
export interface DeviceActivity {
  deviceId: string;
  events: Map<string, DeviceEvent>;
  /** Event ids this batch added: the store sets them. */
  added: string[];
  /** Stored event ids this batch aged out: the store removes them. */
  removed: string[];
}

/** The device an event came from (`context.device.id`), if it names a usable one. */
export function deviceIdOf(event: StoredEvent): string | null {
  return normaliseValue('DEVICE_ID', event.context?.device?.id);
}

/** The devices a batch's events name, once each. */
export function deviceIdsOf(items: ReadonlyArray<{ event: StoredEvent }>): string[] {
  const ids = new Set<string>();
  for (const { event } of items) {
    const id = deviceIdOf(event);
    if (id) ids.add(id);
  }
  return [...ids];
}

/**
 * Adds a batch's counted events to the activity of their devices, in place; an event id already kept (a
 * redelivery, or another shard's write) is not counted twice. Then each changed device keeps only its last
 * {@link DEVICE_WINDOW_HOURS} of event time, and at most {@link DEVICE_EVENTS_MAX} events. Pure.
 *
 * @example
 * foldDeviceEvents(devices, decoded, rules.deviceEvents);
 */
export function foldDeviceEvents(
  devices: ReadonlyMap<string, DeviceActivity>,
  items: ReadonlyArray<{ event: StoredEvent }>,
  counted: ReadonlySet<string>,
): void {
  const changed = new Set<DeviceActivity>();
  for (const { event } of items) {
    if (event.type !== 'track' || !counted.has(event.event!)) continue;
    const id = deviceIdOf(event);
    const device = id ? devices.get(id) : undefined;
    if (!device || device.events.has(event.eventId)) continue;
    device.events.set(event.eventId, { event: event.event!, at: event.timestamp });
    device.added.push(event.eventId);
    changed.add(device);
  }
  for (const device of changed) prune(device);
}

function prune(device: DeviceActivity): void {
  const byTime = [...device.events].sort((a, b) => Date.parse(b[1].at) - Date.parse(a[1].at));
  const from = Date.parse(byTime[0]![1].at) - DEVICE_WINDOW_HOURS * HOUR_MS;
  byTime.forEach(([id, e], i) => {
    if (i < DEVICE_EVENTS_MAX && Date.parse(e.at) > from) return;
    device.events.delete(id);
    const added = device.added.indexOf(id);
    if (added >= 0) device.added.splice(added, 1);
    else device.removed.push(id);
  });
}

/**
 * The most events named `name` in the `hours` up to `asOfMs` on any one of `devices`: the devices the profile's
 * events of this batch came from.
 *
 * @example
 * countOnDevices(devicesOfTheBatch, 'coupon_issued', 6, Date.parse(asOf)) // 5
 */
export function countOnDevices(devices: readonly DeviceActivity[], name: string, hours: number, asOfMs: number): number {
  const from = asOfMs - hours * HOUR_MS;
  let most = 0;
  for (const device of devices) {
    let n = 0;
    for (const e of device.events.values()) {
      const at = Date.parse(e.at);
      if (e.event === name && at > from && at <= asOfMs) n++;
    }
    most = Math.max(most, n);
  }
  return most;
}
