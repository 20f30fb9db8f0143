import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTestClient } from '@mcpkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type * as Server from '../src/server.js';

// A copy of the server's sources with one more folder in providers/ and no other change.
const copy = fileURLToPath(new URL(`../.tmp/drop-in-${process.pid}/`, import.meta.url));
const source = fileURLToPath(new URL('../src/', import.meta.url));
const weather = fileURLToPath(new URL('./fixtures/drop-in/providers/weather/', import.meta.url));

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('adding a provider', () => {
  it('registers the tools of a provider folder dropped into providers/, with no other edit', async () => {
    mkdirSync(copy, { recursive: true });
    cpSync(source, `${copy}src`, { recursive: true });
    const before = readdirSync(`${copy}src/providers`).sort();
    cpSync(weather, `${copy}src/providers/weather`, { recursive: true });
    expect(readdirSync(`${copy}src/providers`).sort()).toEqual([...before, 'weather'].sort());

    const { createBusinessServer } = (await import(
      pathToFileURL(`${copy}src/server.ts`).href
    )) as typeof Server;
    const enabled = await createBusinessServer({ env: { WEATHER_UNITS: 'metric' } });
    expect(enabled.providers.find((p) => p.name === 'weather')).toMatchObject({ status: 'enabled' });
    for (const era of ['modern', 'legacy'] as const) {
      const client = await createTestClient(enabled.builder, { era });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['weather_units']);
      const result = await client.callTool('weather_units', { city: 'Lyon' });
      expect(result.structuredContent).toEqual({ city: 'Lyon', units: 'metric' });
      await client.close();
    }

    // Its configuration is planned with everyone else's: absent → disabled, malformed → in the one message.
    const disabled = await createBusinessServer({ env: {} });
    expect(disabled.providers.find((p) => p.name === 'weather')).toMatchObject({ status: 'disabled' });
    await expect(createBusinessServer({ env: { WEATHER_UNITS: 'kelvin' } })).rejects.toThrow(
      /weather: WEATHER_UNITS/,
    );
  });
});
