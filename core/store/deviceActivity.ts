import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import type { DeviceActivity, DeviceEvent } from '../identity/deviceActivity.js';
import { batchGetAll } from './batchGet.js';

/*
 * A device's counted events, one item per device in the identities table, beside its identity link: each event is
 * an attribute of its own (`e:<eventId>`). Taggers on several shards may count for one device at once (its
 * accounts route to different shards); setting and removing single attributes commutes and repeats safely, so
 * they need no read-modify-write and no version check.
 */

const PREFIX = 'e:';

/** The item key of a device's activity: `DEVICE_ACTIVITY#<device id>`, no identity kind's. */
export const deviceActivityKey = (deviceId: string): string => `DEVICE_ACTIVITY#${deviceId}`;

/**
 * Loads the activity of many devices at once (one batched read); a device never seen has none.
 *
 * @example
 * const devices = await getDeviceActivity(tables.identities, deviceIdsOf(decoded));
 */
export async function getDeviceActivity(table: string, deviceIds: readonly string[]): Promise<Map<string, DeviceActivity>> {
  const devices = new Map<string, DeviceActivity>(deviceIds.map((deviceId) => [deviceId, { deviceId, events: new Map(), added: [], removed: [] }]));
  if (deviceIds.length === 0) return devices;
  const items = await batchGetAll(table, deviceIds.map((id) => ({ id: deviceActivityKey(id) })));
  for (const item of items) {
    const device = devices.get(String(item.id).slice('DEVICE_ACTIVITY#'.length));
    if (!device) continue;
    for (const name in item) if (name.startsWith(PREFIX)) device.events.set(name.slice(PREFIX.length), item[name] as DeviceEvent);
  }
  return devices;
}

/** Writes what a batch changed of one device's activity (nothing when it changed nothing). */
export async function saveDeviceActivity(table: string, device: DeviceActivity): Promise<void> {
  if (device.added.length === 0 && device.removed.length === 0) return;
  const names: Record<string, string> = {};
  const values: Record<string, DeviceEvent> = {};
  const set = device.added.map((id, i) => {
    names[`#a${i}`] = PREFIX + id;
    values[`:a${i}`] = device.events.get(id)!;
    return `#a${i} = :a${i}`;
  });
  const remove = device.removed.map((id, i) => {
    names[`#r${i}`] = PREFIX + id;
    return `#r${i}`;
  });
  await dynamo().send(
    new UpdateCommand({
      TableName: table,
      Key: { id: deviceActivityKey(device.deviceId) },
      UpdateExpression: [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : ''].join(' ').trim(),
      ExpressionAttributeNames: names,
      ...(set.length ? { ExpressionAttributeValues: values } : {}),
    }),
  );
}
